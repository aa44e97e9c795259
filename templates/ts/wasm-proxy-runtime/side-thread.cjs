// @ts-check
// Side threads: a worker thread with its own instance of the glue on the memory of an
// existing instance (shared memory, as a rayon pool's threads have). Long calls such
// as decoding a prover index run there, so the program's thread does not stall; the
// objects they make live in that memory and are wrapped on the program's thread.
'use strict';

const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { objectPtr } = require('./instance.cjs');

/**
 * An argument or result crossing threads: a wasm object by pointer, or a plain value.
 * @typedef {{ ptr: number, className: string } | { value: any }} Crossing
 */

class SideThread {
  /**
   * @param {string} glue path of the glue
   * @param {any} memory the instance's shared memory
   * @param {any} module the compiled wasm module (saves compiling it again)
   */
  constructor(glue, memory, module) {
    this.worker = new Worker(__filename, { workerData: { glue, memory, module } });
    this.worker.unref();
    this.next = 1;
    /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
    this.pending = new Map();
    this.worker.on('message', (/** @type {any} */ message) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.error) waiting.reject(new Error(message.error));
      else waiting.resolve(message.result);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`side thread exited (code ${code})`)));
  }

  /** @param {Error} error */
  failAll(error) {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  /**
   * Calls the glue function `name` in the side thread.
   * @param {string} name
   * @param {Crossing[]} args
   * @returns {Promise<Crossing>}
   */
  call(name, args) {
    const id = this.next++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, name, args });
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    });
  }

  /** Stops the thread. */
  close() {
    this.worker.terminate().catch(() => {});
  }
}

if (!isMainThread && workerData?.memory && workerData?.glue && parentPort) {
  // The glue compiles its module from bytes; answer with the one already compiled.
  const wasmApi = /** @type {any} */ (globalThis).WebAssembly;
  const OriginalModule = wasmApi.Module;
  wasmApi.Module = function () {
    return workerData.module;
  };
  /** @type {Record<string, any>} */
  let glue;
  try {
    glue = require(workerData.glue);
  } finally {
    wasmApi.Module = OriginalModule;
  }
  const port = parentPort;
  port.on('message', (/** @type {{ id: number, name: string, args: Crossing[] }} */ { id, name, args }) => {
    /** @type {any[]} */
    const borrowed = [];
    try {
      const values = args.map((arg) => {
        if ('ptr' in arg) {
          const object = glue[arg.className].__wrap(arg.ptr);
          borrowed.push(object);
          return object;
        }
        return arg.value;
      });
      const raw = glue[name](...values);
      /** @type {Crossing} */
      let result;
      /** @type {any[]} */
      const transfer = [];
      if (raw != null && typeof raw.__destroy_into_raw === 'function') {
        result = { ptr: raw.__destroy_into_raw(), className: raw.constructor.name };
      } else {
        result = { value: raw };
        if (ArrayBuffer.isView(raw) && !(raw.buffer instanceof SharedArrayBuffer)) transfer.push(raw.buffer);
      }
      port.postMessage({ id, result }, transfer);
    } catch (error) {
      port.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    } finally {
      // Borrowed objects belong to the program's thread: only let go of the wrappers.
      for (const object of borrowed) if (objectPtr(object)) object.__destroy_into_raw();
    }
  });
}

module.exports = { SideThread };
