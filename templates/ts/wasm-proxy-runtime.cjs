// @ts-check
// wasm-proxy runtime: owns the wasm-bindgen instances behind a generated shim.
// Emitted verbatim by `codegen` next to each shim; self-contained, no dependencies.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { pathToFileURL } = require('node:url');

/** Property under which a handle keeps its wasm-bindgen object of the active instance. */
const INNER = Symbol('wasm-proxy.inner');
/** Property under which a generated class keeps the name of its glue class. */
const GLUE_CLASS = Symbol('wasm-proxy.glue-class');

/**
 * @typedef {object} RuntimeOptions
 * @property {string} name Module name, e.g. `plonk_wasm`.
 * @property {string} glue Absolute path of the real wasm-bindgen glue.
 * @property {'cjs' | 'esm'} format Module system of the glue.
 * @property {string[]} classes Classes the shim wraps.
 */

/**
 * One instantiation of the module: its own glue module, memory and classes.
 * @typedef {object} Instance
 * @property {number} id Sequence number, 1 for the first.
 * @property {Record<string, any>} exports The glue's exports for this instance.
 */

/**
 * Loads the glue as a module of its own, outside the require cache, so that each
 * load instantiates the wasm afresh with a fresh memory.
 * @param {RuntimeOptions} options
 * @param {number} id
 * @returns {Record<string, any> | Promise<Record<string, any>>}
 */
function loadGlue(options, id) {
  if (options.format === 'esm') {
    const url = `${pathToFileURL(options.glue).href}?wasm-proxy-instance=${id}`;
    return import(url).then((glue) => initEsm(glue, options));
  }
  const source = fs.readFileSync(options.glue, 'utf8');
  // @ts-ignore: Module's constructor and _compile are public in practice but untyped.
  const mod = new Module(options.glue, module);
  mod.filename = options.glue;
  // @ts-ignore: _nodeModulePaths is how Node itself fills `paths`.
  mod.paths = Module._nodeModulePaths(path.dirname(options.glue));
  // @ts-ignore
  mod._compile(source, options.glue);
  return mod.exports;
}

/**
 * `--target web` glue needs its wasm passed in; other ES module glue initialises itself.
 * @param {Record<string, any>} glue
 * @param {RuntimeOptions} options
 */
function initEsm(glue, options) {
  if (typeof glue.initSync !== 'function') return glue;
  const wasmFile = options.glue.replace(/\.[cm]?js$/, '_bg.wasm');
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
 * Creates the runtime for one generated shim and loads its first instance.
 * @param {RuntimeOptions} options
 */
function createRuntime(options) {
  /** @type {((instance: Instance) => void)[]} */
  const listeners = [];
  let nextId = 1;
  /** @type {Instance} */
  let active = { id: 0, exports: {} };

  /** @param {Record<string, any>} exports */
  function activate(exports) {
    for (const name of options.classes) {
      if (typeof exports[name] !== 'function') {
        throw new Error(`wasm-proxy: ${options.glue} does not export class ${name}`);
      }
    }
    active = { id: nextId++, exports };
    for (const listener of listeners) listener(active);
    return active;
  }

  /**
   * Base class of every generated class: gives handles the surface of a
   * wasm-bindgen object (`__wbg_ptr`, `__destroy_into_raw`, `__wrap`, `free`),
   * which code such as o1js uses directly.
   */
  class Handle {
    /** @returns {number} */
    get __wbg_ptr() {
      const inner = /** @type {any} */ (this)[INNER];
      return inner === undefined ? 0 : inner.__wbg_ptr;
    }

    /** Adopts a raw pointer into the active instance, as `Object.create(C.prototype)` code does. */
    set __wbg_ptr(ptr) {
      const name = /** @type {any} */ (this.constructor)[GLUE_CLASS];
      const inner = Object.create(active.exports[name].prototype);
      inner.__wbg_ptr = ptr;
      /** @type {any} */ (this)[INNER] = inner;
    }

    /** @returns {number} */
    __destroy_into_raw() {
      return unwrap(this).__destroy_into_raw();
    }

    /** Frees the object in the instance it lives in. */
    free() {
      return unwrap(this).free();
    }

    /**
     * @template {typeof Handle} C
     * @this {C}
     * @param {number} ptr
     * @returns {InstanceType<C>}
     */
    static __wrap(ptr) {
      const handle = Object.create(this.prototype);
      handle.__wbg_ptr = ptr;
      return handle;
    }
  }
  if (typeof Symbol.dispose === 'symbol') {
    Object.defineProperty(Handle.prototype, Symbol.dispose, {
      value() {
        this.free();
      },
    });
  }

  /**
   * A new handle of class `Class` around a wasm-bindgen object.
   * @template T
   * @param {new (...args: any[]) => T} Class
   * @param {any} inner
   * @returns {T}
   */
  function wrap(Class, inner) {
    const handle = Object.create(Class.prototype);
    handle[INNER] = inner;
    return handle;
  }

  /**
   * The wasm-bindgen object behind a handle.
   * @param {any} handle
   */
  function unwrap(handle) {
    const inner = handle == null ? undefined : handle[INNER];
    if (inner === undefined) {
      const what = handle == null ? String(handle) : handle.constructor?.name ?? typeof handle;
      throw new TypeError(`wasm-proxy (${options.name}): expected an object created through the proxy, got ${what}`);
    }
    return inner;
  }

  const runtime = {
    INNER,
    Handle,
    wrap,
    unwrap,
    /**
     * @template T
     * @param {new (...args: any[]) => T} Class
     * @param {any} inner
     * @returns {T | undefined}
     */
    wrapOptional(Class, inner) {
      return inner == null ? inner : wrap(Class, inner);
    },
    /**
     * @template T
     * @param {new (...args: any[]) => T} Class
     * @param {any[]} inners
     * @returns {T[]}
     */
    wrapArray(Class, inners) {
      return inners.map((inner) => wrap(Class, inner));
    },
    /** @param {any} handle */
    unwrapOptional(handle) {
      return handle == null ? handle : unwrap(handle);
    },
    /** @param {any[]} handles */
    unwrapArray(handles) {
      return handles.map(unwrap);
    },
    /**
     * Ties a generated class to the glue class of the same API.
     * @param {Function} Class
     * @param {string} glueName
     */
    register(Class, glueName) {
      Object.defineProperty(Class, GLUE_CLASS, { value: glueName });
    },
    /**
     * Calls `listener` whenever another instance becomes active.
     * @param {(instance: Instance) => void} listener
     */
    onActivate(listener) {
      listeners.push(listener);
    },
    /** The instance serving calls now. */
    get active() {
      return active;
    },
    /** The active instance's linear memory size in bytes. */
    memoryBytes() {
      const glue = active.exports;
      const memory = glue.__wasm?.memory ?? (typeof glue.get_memory === 'function' ? glue.get_memory() : undefined);
      const own = typeof glue.get_memory_byte_length === 'function' ? glue.get_memory_byte_length() : 0;
      return Math.max(memory?.buffer?.byteLength ?? 0, own);
    },
    /** Resolves once the first instance is loaded (at once for CommonJS glue). */
    ready: Promise.resolve(),
    options,
  };

  const first = loadGlue(options, nextId);
  if (first instanceof Promise) {
    runtime.ready = first.then((exports) => {
      activate(exports);
    });
  } else {
    activate(first);
  }
  return runtime;
}

module.exports = { createRuntime, INNER };
