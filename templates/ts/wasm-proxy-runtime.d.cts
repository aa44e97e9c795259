// Typings of the wasm-proxy runtime emitted beside each generated shim.

/** One instantiation of the module: its own glue module, memory and classes. */
export interface Instance {
  /** Sequence number, 1 for the first. */
  readonly id: number;
  /** The glue's exports for this instance. */
  readonly exports: Record<string, any>;
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
}

/** The runtime behind one generated shim. */
export interface Runtime {
  /** The instance serving calls now. */
  readonly active: Instance;
  /** The active instance's linear memory size in bytes. */
  memoryBytes(): number;
  /** Calls `listener` whenever another instance becomes active. */
  onActivate(listener: (instance: Instance) => void): void;
  /** Resolves once the first instance is loaded. */
  readonly ready: Promise<void>;
  /** The options the shim was generated with. */
  readonly options: RuntimeOptions;
}

/** Creates the runtime for one generated shim and loads its first instance. */
export function createRuntime(options: RuntimeOptions): Runtime;

/** Property under which a handle keeps its wasm-bindgen object. */
export const INNER: unique symbol;
