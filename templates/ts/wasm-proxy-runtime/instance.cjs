// @ts-check
// Instances: one load of the real wasm-bindgen glue each, with its own memory and classes.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { pathToFileURL } = require('node:url');

/**
 * @typedef {object} GlueSource
 * @property {string} glue Absolute path of the real wasm-bindgen glue.
 * @property {'cjs' | 'esm'} format Module system of the glue.
 * @property {string} [wasm] Absolute path of the wasm module, for glue that is handed its
 *   instance by a loader (`__wbg_set_wasm`: wasm-bindgen's bundler target, `X_bg.js` or
 *   `X_bg.cjs`); by default `X_bg.wasm` beside the glue.
 * @property {string} [loader] Absolute path of that loader (`X.js`, `X.cjs`): what the
 *   application requires, hence what the preload hook redirects to the proxy.
 */

/**
 * One instantiation of the module: its own glue module, memory, classes and
 * (for modules built with wasm-bindgen-rayon) worker pool.
 */
class Instance {
  /**
   * @param {number} id
   * @param {Record<string, any>} exports
   */
  constructor(id, exports) {
    /** Sequence number, 1 for the first. */
    this.id = id;
    /** The glue's exports for this instance. */
    this.exports = exports;
    /** @type {import('node:worker_threads').Worker[]} Threads of this instance's rayon pool. */
    this.workers = [];
    /** @type {{ numThreads: number, source: any, host: boolean } | undefined} Its running pool (started by the host or by the runtime). */
    this.pool = undefined;
    /** @type {{ numThreads: number, source: any } | undefined} How its last pool was started, even if stopped since. */
    this.poolShape = undefined;
    /** Set once nothing points into it any more. */
    this.retired = false;
    /** The compiled module it was instantiated from. */
    this.module = lastModule;
    /** @type {any} The linear memory its wasm instance exported or imported (seen at instantiation). */
    this.wasmMemory = lastMemory;
    /** @type {any} The PoolBuilder of the pool the runtime started (kept while the pool runs). */
    this.poolBuilder = undefined;
    /** @type {Error | undefined} Why a thread of its pool failed, if one did. */
    this.poolError = undefined;
    /** @type {import('./side-thread.cjs').SideThread | undefined} Worker thread on its memory, for long calls. */
    this.side = undefined;
    /**
     * 1 once the instance serves the program (shared with its pool threads: a failure of
     * one then strands a caller, see workers.cjs).
     */
    this.serving = new Int32Array(new SharedArrayBuffer(4));
  }

  /**
   * A worker thread with its own view of this instance (same shared memory), started
   * on first use; undefined where the memory is not shared.
   * @param {string} glue
   */
  sideThread(glue) {
    if (this.side) return this.side;
    const memory = this.memory();
    if (!this.module || !(memory?.buffer instanceof SharedArrayBuffer)) return undefined;
    const { SideThread } = require('./side-thread.cjs');
    this.side = new SideThread(glue, memory, this.module);
    return this.side;
  }

  /**
   * Retires the instance: the program may still hold objects of its glue (handles that no
   * logged call or transfer could move), and each leads through its class to the glue's
   * module scope, hence to the wasm instance and its memory; an ES module's scope also
   * stays in Node's module map for good. Cutting that scope (see `withRelease` for
   * CommonJS glue, `registerEsmRelease` for ES modules) and stripping the methods off
   * every class prototype frees the memory at once without tracking each handle; what is
   * left of such an object is its pointer, and its handle fails as stale.
   */
  release() {
    Atomics.store(this.serving, 0, 0);
    for (const value of Object.values(this.exports)) {
      const proto = typeof value === 'function' ? value.prototype : undefined;
      if (proto === null || typeof proto !== 'object') continue;
      for (const key of Reflect.ownKeys(proto)) delete proto[key];
    }
    /** @type {any} */ (this.exports)[RELEASE]?.();
    /** @type {any} */ (this.exports)[ESM_RELEASE]?.();
    this.exports = {};
    this.wasmMemory = undefined;
    this.module = undefined;
    this.retired = true;
  }

  /**
   * The instance's linear memory: the glue's own view where it has one, else the one
   * the runtime saw when it instantiated the module (glue without `__wasm`, e.g. the
   * nodejs target of recent wasm-bindgen, or `--target web`).
   */
  memory() {
    const glue = this.exports;
    if (glue.__wasm?.memory) return glue.__wasm.memory;
    if (typeof glue.get_memory === 'function') return glue.get_memory();
    return this.wasmMemory;
  }

  /** Linear memory size in bytes: the larger of the buffer and the module's own report. */
  memoryBytes() {
    const glue = this.exports;
    const own = typeof glue.get_memory_byte_length === 'function' ? glue.get_memory_byte_length() : 0;
    return Math.max(this.memory()?.buffer?.byteLength ?? 0, own);
  }
}

/** The WebAssembly namespace (typed loosely: Node's typings leave it to lib.dom). */
const wasmApi = /** @type {any} */ (globalThis).WebAssembly;

/** Compiled modules by wasm bytes: later instances skip compilation. */
const compiled = new Map();
/** @type {any} The module the last load compiled or reused (side threads start from it). */
let lastModule;
/** @type {any} The memory of the last wasm instance a load created. */
let lastMemory;

/**
 * Runs `load` with `WebAssembly.Module` answering from the cache of compiled modules
 * and, when `maxPages` is set, `WebAssembly.Memory` capped at that many pages.
 * @template T
 * @param {number} maxPages
 * @param {() => T} load
 * @returns {T}
 */
function withWasmConstructors(maxPages, load) {
  const OriginalModule = wasmApi.Module;
  const OriginalMemory = wasmApi.Memory;
  const OriginalInstance = wasmApi.Instance;
  lastMemory = undefined;
  wasmApi.Instance = /** @type {any} */ (
    new Proxy(OriginalInstance, {
      construct(target, args) {
        const instance = new target(...(/** @type {[any, any]} */ (args)));
        lastMemory = memoryOf(instance, args[1]);
        return instance;
      },
    })
  );
  wasmApi.Module = /** @type {any} */ (
    new Proxy(OriginalModule, {
      construct(target, args) {
        const bytes = args[0];
        const key = bytes instanceof Uint8Array ? hashKey(bytes) : undefined;
        if (key !== undefined && compiled.has(key)) return (lastModule = compiled.get(key));
        const compiledModule = new target(...(/** @type {[any]} */ (args)));
        if (key !== undefined) compiled.set(key, compiledModule);
        return (lastModule = compiledModule);
      },
    })
  );
  if (maxPages > 0) {
    wasmApi.Memory = /** @type {any} */ (
      new Proxy(OriginalMemory, {
        construct(target, args) {
          const descriptor = { ...args[0] };
          descriptor.maximum = Math.max(descriptor.initial ?? 0, Math.min(descriptor.maximum ?? maxPages, maxPages));
          return new target(descriptor);
        },
      })
    );
  }
  try {
    return load();
  } finally {
    wasmApi.Module = OriginalModule;
    wasmApi.Memory = OriginalMemory;
    wasmApi.Instance = OriginalInstance;
  }
}

/**
 * The linear memory of a new wasm instance: exported, or else imported.
 * @param {any} instance
 * @param {any} imports
 */
function memoryOf(instance, imports) {
  const isMemory = (/** @type {any} */ value) => value instanceof wasmApi.Memory;
  const exported = Object.values(instance.exports ?? {}).find(isMemory);
  if (exported) return exported;
  for (const namespace of Object.values(imports ?? {})) {
    const imported = Object.values(namespace ?? {}).find(isMemory);
    if (imported) return imported;
  }
  return undefined;
}

/**
 * Cheap identity of a module's bytes (length and a sample), enough to tell the few
 * modules one process loads apart.
 * @param {Uint8Array} bytes
 */
function hashKey(bytes) {
  let h = bytes.length;
  const step = Math.max(1, Math.floor(bytes.length / 4096));
  for (let i = 0; i < bytes.length; i += step) h = (Math.imul(h, 31) + bytes[i]) | 0;
  return `${bytes.length}:${h}`;
}

/** Key of the function that cuts a CommonJS glue's module scope from its wasm instance. */
const RELEASE = Symbol.for('wasm-proxy.release');
/** Export that does the same in an ES module glue (appended by the hook of `registerEsmRelease`). */
const ESM_RELEASE = '__wasmProxyRelease';

/**
 * The statements that cut a glue's module scope from its wasm instance: `wasm` becomes a
 * stub whose exports do nothing (the glue's finalizers still call `free` exports), every
 * other top-level `let` (memory, its cached views, the import object) is emptied, and so
 * is the JS object heap. Self-contained: the ES module hook carries its source.
 * @param {string} code
 */
function releaseCuts(code) {
  // `let wasm;`, `let cached = null;`, `let wasmModule, wasmInstance, wasm;` (web target
  // of recent wasm-bindgen): the names before any initialiser.
  const cuts = [...code.matchAll(/^let ([^=;\n]+)/gm)]
    .flatMap((m) => m[1].split(',').map((name) => name.trim()))
    .filter((name) => /^[\w$]+$/.test(name))
    .map((name) => (name === 'wasm' ? 'wasm = new Proxy({}, { get: () => () => 0 });' : `${name} = undefined;`));
  if (/^const heap = /m.test(code)) cuts.push('heap.length = 0;');
  return cuts.join(' ');
}

/**
 * Source of the module hooks (run by Node on a thread of their own) that append the
 * release export to every ES module glue the runtime imports (marked by the
 * `wasm-proxy-instance` query of its URL).
 */
const ESM_HOOKS = [
  releaseCuts.toString(),
  'export async function load(url, context, nextLoad) {',
  '  const result = await nextLoad(url, context);',
  "  if (!url.includes('wasm-proxy-instance=') || result.format !== 'module' || result.source == null) return result;",
  "  const code = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source);",
  `  return { ...result, source: code + '\\n;export const ${ESM_RELEASE} = () => { ' + releaseCuts(code) + ' };\\n' };`,
  '}',
].join('\n');

/** Set on `globalThis` once the hooks are in place: every runtime of the process shares them. */
const ESM_HOOKS_REGISTERED = Symbol.for('wasm-proxy.esm-release-hooks');

/**
 * Installs `ESM_HOOKS` once per process, before the first ES module glue is imported.
 * Node before 18.19 has no `module.register`: there, retired ES module instances keep
 * their memory.
 */
function registerEsmRelease() {
  const global = /** @type {any} */ (globalThis);
  if (global[ESM_HOOKS_REGISTERED]) return;
  global[ESM_HOOKS_REGISTERED] = true;
  const register = /** @type {any} */ (Module).register;
  if (typeof register !== 'function') return;
  register(`data:text/javascript,${encodeURIComponent(ESM_HOOKS)}`);
}

/**
 * The glue's code with a release function appended. Objects of the glue that outlive
 * their instance reach its module scope through their class (V8 keeps a prototype's
 * constructor in its hidden class), and so do importers that keep its functions (an ES
 * module importing CommonJS snapshots them), so the scope must stop pointing at the
 * instance: `wasm` becomes a stub whose exports do nothing (the glue's finalizers still
 * call `free` exports), and every other top-level `let` (memory, its cached views, the
 * import object), the JS object heap and the module's exports are dropped.
 * @param {string} code
 */
function withRelease(code) {
  const cuts = `${releaseCuts(code)} for (const key of Object.keys(module.exports)) delete module.exports[key];`;
  return `${code}\n;module[Symbol.for('wasm-proxy.release')] = () => { ${cuts} };\n`;
}

/**
 * Loads the glue as a module of its own, outside the require cache, so that each
 * load instantiates the wasm afresh with a fresh memory.
 * @param {GlueSource} source
 * @param {number} id
 * @param {number} [maxBytes] cap on the new memory (0: as the glue asks)
 * @returns {Record<string, any> | Promise<Record<string, any>>}
 */
function loadGlue(source, id, maxBytes = 0) {
  const maxPages = maxBytes > 0 ? Math.max(1, Math.floor(maxBytes / 65536)) : 0;
  if (source.format === 'esm') {
    registerEsmRelease();
    const url = `${pathToFileURL(source.glue).href}?wasm-proxy-instance=${id}`;
    return import(url).then((glue) => withWasmConstructors(maxPages, () => initEsm(glue, source)));
  }
  return withWasmConstructors(maxPages, () => {
    const code = fs.readFileSync(source.glue, 'utf8');
    // @ts-ignore: Module's constructor and _compile are public in practice but untyped.
    const mod = new Module(source.glue, module);
    // The parent keeps a list of children: an old instance must not stay reachable from it.
    const siblings = /** @type {any} */ (module).children;
    const index = siblings.indexOf(mod);
    if (index >= 0) siblings.splice(index, 1);
    mod.filename = source.glue;
    // @ts-ignore: _nodeModulePaths is how Node itself fills `paths`.
    mod.paths = Module._nodeModulePaths(path.dirname(source.glue));
    // @ts-ignore
    mod._compile(withRelease(code), source.glue);
    Object.defineProperty(mod.exports, RELEASE, { value: /** @type {any} */ (mod)[RELEASE] });
    if (typeof mod.exports.__wbg_set_wasm === 'function') instantiateFor(mod.exports, source);
    return mod.exports;
  });
}

/**
 * Does what the loader of a bundler-target glue does (`X.js`: `import * as wasm from
 * './X_bg.wasm'`, or a hand-written `X.cjs`): instantiates the module with the glue as
 * its imports, hands the instance's exports to the glue (`__wbg_set_wasm`) and runs the
 * start function. Runs inside `withWasmConstructors`, so the compiled module is cached
 * and the instance's memory is known.
 * @param {Record<string, any>} glue
 * @param {GlueSource} source
 */
function instantiateFor(glue, source) {
  const wasmFile = source.wasm ?? source.glue.replace(/\.[cm]?js$/, '.wasm');
  const compiledModule = new wasmApi.Module(fs.readFileSync(wasmFile));
  /** @type {Record<string, any>} */
  const imports = {};
  for (const { module: from, name } of wasmApi.Module.imports(compiledModule)) {
    // The bundler target imports everything from `./X_bg.js`, which is this glue.
    if (!(name in glue)) {
      throw new Error(`wasm-proxy: ${wasmFile} imports \`${name}\` from \`${from}\`, which ${source.glue} does not export`);
    }
    imports[from] ??= glue;
  }
  const instance = new wasmApi.Instance(compiledModule, imports);
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
}

/**
 * `--target web` glue needs its wasm passed in, bundler-target glue its instance; other ES
 * module glue initialises itself.
 * @param {Record<string, any>} glue
 * @param {GlueSource} source
 */
function initEsm(glue, source) {
  if (typeof glue.__wbg_set_wasm === 'function') {
    instantiateFor(glue, source);
    return glue;
  }
  if (typeof glue.initSync !== 'function') return glue;
  const wasmFile = source.glue.replace(/\.[cm]?js$/, '_bg.wasm');
  const bytes = fs.readFileSync(wasmFile);
  try {
    glue.initSync({ module: bytes });
  } catch (error) {
    // wasm-bindgen before 0.2.93 takes the bytes positionally.
    if (!(error instanceof TypeError)) throw error;
    glue.initSync(bytes);
  }
  return glue;
}

/**
 * The pointer of a wasm-bindgen object in its instance: `__wbg_ptr`, or `ptr` in glue
 * before wasm-bindgen 0.2.85 renamed it; 0 once consumed or freed, `undefined` for a value
 * that is not such an object.
 * @param {any} obj
 * @returns {number | undefined}
 */
function objectPtr(obj) {
  if (obj == null || typeof obj !== 'object') return undefined;
  if (typeof obj.__wbg_ptr === 'number') return obj.__wbg_ptr;
  return typeof obj.ptr === 'number' ? obj.ptr : undefined;
}

module.exports = { Instance, loadGlue, objectPtr };
