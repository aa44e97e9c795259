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
  /** `WASM_PROXY_SLICE_MS`: longest migration stretch before yielding (10). */
  sliceMs: number;
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
}

/** What a generated function is, for the profile. */
export interface OperationSpec {
  kind: 'function' | 'constructor' | 'method' | 'static' | 'setter';
  name: string;
  className?: string;
  returns?: string;
  params?: string[];
}

/** A profile: which calls are logged and how classes move. */
export interface Profile {
  name: string;
  operation(spec: OperationSpec): { log: boolean; mutates: number; refuse?: string };
  classes: Record<string, { transfer(ctx: any): any; check?(ctx: any, moved: any): string | undefined; identity?(ctx: any): string | undefined }>;
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
  stale: number;
  memoryBefore: number;
  memoryAfter: number;
}

/** A swap that did not happen; the active instance keeps serving. */
export interface SwapError extends Error {
  readonly stage: 'instantiate' | 'workers' | 'replay' | 'transfer' | 'check' | 'oom';
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
  /** Listens to swap events. */
  on(event: 'swap-start' | 'swap-complete' | 'standby-failed' | 'instance-retired', listener: (detail: any) => void): Runtime;
  /** Live log entries, and the live handles the runtime tracks (those the log or a transfer needs). */
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

/** Property under which a handle keeps its wasm-bindgen object. */
export const INNER: unique symbol;
/** Property under which a handle keeps its log record (tracked handles only). */
export const RECORD: unique symbol;
/** Property under which a handle keeps the instance its object lives in. */
export const HOME: unique symbol;
