// Typings of the wasm-proxy runtime emitted beside each generated shim.

/** One instantiation of the module: its own glue module, memory and classes. */
export interface Instance {
  /** Sequence number, 1 for the first. */
  readonly id: number;
  /** The glue's exports for this instance. */
  readonly exports: Record<string, any>;
  /** Linear memory size in bytes. */
  memoryBytes(): number;
}

/** Settings; each can also come from its environment variable (shown). */
export interface RuntimeSettings {
  /** `WASM_PROXY_DISABLE`: kill switch, a pure pass-through. */
  disabled: boolean;
  /** `WASM_PROXY_PREPARE_AT`: fraction of the cap at which a standby is prepared (0.6). */
  prepareAt: number;
  /** `WASM_PROXY_SWAP_AT`: fraction of the cap at which the standby takes over (0.75). */
  swapAt: number;
  /** `WASM_PROXY_MAX_BYTES`: the cap (4 GiB). */
  maxBytes: number;
  /** `WASM_PROXY_CHECK_INTERVAL_MS`: memory monitor period (1000; 0 turns it off). */
  checkIntervalMs: number;
  /** `WASM_PROXY_QUIESCENCE_MS`: an automatic swap flips only when no live handle would stay behind, or when those have stayed unmovable this long. */
  quiescenceMs: number;
  /** `WASM_PROXY_QUIESCENCE_TIMEOUT_MS`: a prepared standby that found no quiescent point this long is given up (stage `quiescence`). */
  quiescenceTimeoutMs: number;
  /** `WASM_PROXY_SLICE_MS`: longest migration stretch before yielding (10). */
  sliceMs: number;
  /** `WASM_PROXY_SIDE_THREADS`: run long migration calls on side threads (off; with them a warm-cache recursive o1js 2.15 program hangs after a swap). */
  sideThreads: boolean;
  /** `WASM_PROXY_BACKOFF_MS`: wait after a failed standby, doubling (5000). */
  backoffMs: number;
  /** `WASM_PROXY_WORKER_TIMEOUT_MS`: worker start-up limit (30000). */
  workerTimeoutMs: number;
  /** `WASM_PROXY_METRICS_PORT`: serve Prometheus metrics on 127.0.0.1 (0: off). */
  metricsPort: number;
  /** `WASM_PROXY_FAULT`: test-only failure injection point. */
  fault: 'instantiate' | 'workers' | 'replay' | 'check' | 'oom' | undefined;
  /** `WASM_PROXY_STANDBY_MAX_BYTES`: test-only cap on a standby's memory. */
  standbyMaxBytes: number;
  /** `WASM_PROXY_INSTANCE_MAX_BYTES`: test-only cap on every instance's memory, the first included. */
  instanceMaxBytes: number;
}

/** A generated function and what codegen's replay policy decided for it. */
export interface Operation {
  kind: 'function' | 'constructor' | 'method' | 'static' | 'setter' | 'free';
  name: string;
  className?: string;
  /** Calls are logged for replay. */
  log: boolean;
  /** The argument a logged call changes (-1: none; methods and setters change `this`). */
  mutates: number;
  /** Logged, never replayed, for this reason: what the call made or changed stays stale. */
  refuse?: string;
  /** Its `Uint32Array` arguments are raw pointers into one instance. */
  pointers?: boolean;
}

/** How a class moves by transfer, and how a moved object is observed. */
export interface ClassMigration {
  transfer(ctx: any): any;
  check?(ctx: any, moved: any): string | undefined;
  identity?(ctx: any): string | undefined;
  observe?(glue: Record<string, any>, inner: any): string;
  derived?: boolean;
}

/** A profile: how classes move by transfer (which calls are logged is the shim's, from codegen). */
export interface Profile {
  name: string;
  classes: Record<string, ClassMigration>;
}

/** How codegen's analysis says a class can move (serial pairs, value fields). */
export interface ClassTransferSpec {
  serial: { save: string; load: string; load_is_function: boolean }[];
  fields?: { names: string[]; make: { kind: 'constructor' | 'static' | 'function'; name?: string } };
}

/** Options the generated shim passes to {@link createRuntime}. */
export interface RuntimeOptions {
  /** Module name, e.g. `plonk_wasm`. */
  name: string;
  /** Absolute path of the real wasm-bindgen glue. */
  glue: string;
  /** Module system of the glue. */
  format: 'cjs' | 'esm';
  /** Classes the shim wraps. */
  classes: string[];
  /** Overrides of the environment's settings. */
  settings?: Partial<RuntimeSettings>;
  /** Replaces the built-in profile. */
  profile?: Profile;
  /** How each class can move by transfer, from codegen's analysis of the typings. */
  transfers?: Record<string, ClassTransferSpec>;
}

/** What a completed swap reports. */
export interface SwapResult {
  from: number;
  to: number;
  durationMs: number;
  pauseMs: number;
  /** What the runtime was doing during the longest stall. */
  pauseStep: string;
  flipMs: number;
  replayed: number;
  transferred: number;
  /** Live handles moved and compared with their original (serialisation, fields, digest). */
  verified: number;
  /** Live handles moved that nothing could compare (rebuilt by deterministic calls). */
  unverified: number;
  /** Live handles left on the old instance: they fail with a clear error on use. */
  stale: number;
  memoryBefore: number;
  memoryAfter: number;
  /** What started it: the memory monitor, `swap()`, or a trap of the active instance (a recovery). */
  cause: 'memory' | 'request' | 'trap';
}

/** A swap that did not happen; the active instance keeps serving. */
export interface SwapError extends Error {
  readonly stage: 'instantiate' | 'workers' | 'replay' | 'transfer' | 'check' | 'oom' | 'quiescence' | 'trap';
}

/** The runtime behind one generated shim. */
export interface Runtime {
  /** The instance serving calls now. */
  readonly active: Instance;
  /** The active instance's wasm exports, through a view that follows swaps. */
  readonly wasm: Record<string, any>;
  /** The active instance's linear memory size in bytes. */
  memoryBytes(): number;
  /** Swaps to a fresh instance now; rejects with a {@link SwapError} on failure. */
  swap(): Promise<SwapResult>;
  /**
   * Runs `work` as one operation: an automatic swap never flips while one runs, and a
   * prepared one flips when the last ends (before the host's next step).
   */
  operation<T>(work: () => T): T;
  /**
   * Called by the shim with each error a call into the module threw; returns it to be
   * rethrown. After a trap (`WebAssembly.RuntimeError`) the live state has moved to a
   * fresh instance before this returns (or `standby-failed` says why it could not).
   */
  trapped(error: unknown, self: unknown, args: unknown[]): unknown;
  /** Listens to swap events. */
  on(event: 'swap-start' | 'swap-complete' | 'standby-failed' | 'instance-retired', listener: (detail: any) => void): Runtime;
  /** Live log entries, and the live handles the program holds. */
  stats(): { logEntries: number; recorded: number; liveHandles: number; instance: number };
  /** Starts the memory monitor again (after a settings change). */
  startMonitor(): void;
  /** Stops the memory monitor: no automatic swap. */
  stopMonitor(): void;
  /** Metrics in Prometheus' text format. */
  metrics(): string;
  /** Calls `listener` whenever another instance becomes active. */
  onActivate(listener: (instance: Instance) => void): void;
  /** Resolves once the first instance is loaded. */
  readonly ready: Promise<void>;
  /** The settings in force. */
  readonly settings: RuntimeSettings;
  /** The options the shim was generated with. */
  readonly options: RuntimeOptions;
}

/** Creates the runtime for one generated shim and loads its first instance. */
export function createRuntime(options: RuntimeOptions): Runtime;

/** Property under which a handle keeps its slot: its wasm-bindgen object and the instance that lives in. */
export const SLOT: unique symbol;
/** Property under which a handle keeps its log record. */
export const RECORD: unique symbol;
