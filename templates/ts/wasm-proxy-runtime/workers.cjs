// @ts-check
// Worker pools: modules built with wasm-bindgen-rayon call a global
// `startWorkers(source, memory, builder)` to spawn threads that share their memory.
// Each instance needs its own pool on its own memory, so the runtime owns these
// globals. A host that installs its own (o1js does, and keeps its pool's bookkeeping
// in them) still starts the pool of the active instance: at a swap the runtime stops
// that pool through the host, and the host starts a new one on the new active
// instance the next time it needs it. Standbys of hosts without their own get a pool
// of the runtime's before the flip.
'use strict';

const { Worker } = require('node:worker_threads');

/**
 * What a pool thread runs first: says it runs, then loads the module's worker script.
 * A pool thread that fails (a trap in a parallel part of a call) once its instance
 * serves the program leaves the calling thread waiting for its work inside wasm, where
 * nothing can wake it: rather than a silent hang, the process ends with the reason.
 * Before that (a standby's pool), the failure fails the swap instead.
 */
const STARTER = `
const { workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
process.on('uncaughtException', (error) => {
  if (Atomics.load(workerData.serving, 0) !== 1) throw error;
  require('node:fs').writeSync(2, 'wasm-proxy: a thread of the worker pool of instance ' + workerData.instance +
    ' failed, and the call waiting for its work would wait forever: ending the process.\\n' + ((error && error.stack) || error) + '\\n');
  process.kill(process.pid, 'SIGABRT');
});
Atomics.store(workerData.started, workerData.index, 1);
Atomics.notify(workerData.started, workerData.index);
const script = workerData.script;
import(/^[a-z][a-z0-9+.-]*:/i.test(script) && !/^[a-z]:[\\\\/]/i.test(script) ? script : pathToFileURL(script).href);
`;

class WorkerPools {
  /**
   * @param {() => import('./instance.cjs').Instance} active
   * @param {number} timeoutMs
   */
  constructor(active, timeoutMs) {
    this.active = active;
    this.timeoutMs = timeoutMs;
    /** @type {import('./instance.cjs').Instance | undefined} The standby whose pool is being started. */
    this.starting = undefined;
    /** @type {{ startWorkers?: Function, terminateWorkers?: Function }} What the host installed. */
    this.host = {};
  }

  /**
   * Makes `globalThis.startWorkers`/`terminateWorkers` the runtime's, whoever assigns
   * them later. One process may hold several runtimes (one per generated shim, each
   * with its own copy of this file): they share one dispatcher, which hands each call
   * to the runtime whose instance made the PoolBuilder.
   */
  install() {
    const shared = dispatcher();
    shared.pools.add(this);
    this.host = shared.host;
  }

  /**
   * Whether `builder` belongs to the instance being started or the active one.
   * @param {any} builder
   */
  owns(builder) {
    return [this.starting, this.active()].some(
      (instance) => typeof instance?.exports.PoolBuilder === 'function' && builder instanceof instance.exports.PoolBuilder,
    );
  }

  /**
   * Starts the pool of `instance` with as many threads as `like` had. The module's
   * `initThreadPool` calls `startWorkers` at once and the runtime's `start` does not wait
   * for the event loop, so the pool runs when this returns (`instance.pool` set) unless
   * the start failed; the promise settles with the module's own.
   * @param {import('./instance.cjs').Instance} instance
   * @param {{ numThreads: number, source: any }} like
   * @returns {Promise<unknown>}
   */
  startLike(instance, like) {
    this.starting = instance;
    try {
      return Promise.resolve(instance.exports.initThreadPool(like.numThreads, like.source));
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.starting = undefined;
    }
  }

  /**
   * `startWorkers` as wasm-bindgen-rayon calls it.
   * @param {any} source worker script
   * @param {any} memory
   * @param {any} builder the module's PoolBuilder
   */
  async start(source, memory, builder) {
    const instance = this.starting ?? this.active();
    const count = builder.numThreads();
    instance.poolShape = { numThreads: count, source };
    if (this.starting === undefined && this.host.startWorkers) {
      instance.pool = { numThreads: count, source, host: true };
      return this.host.startWorkers(source, memory, builder);
    }
    // A new pool: what ended an earlier one of this instance does not concern it.
    instance.poolError = undefined;
    const shared = instance.memory() ?? memory;
    // Started without the event loop: a busy program (a prover proving back to back)
    // may never let it turn, and the swap it needs must still get its pool. Each thread
    // signals through shared memory that it runs; the wait for that is bounded.
    const started = new Int32Array(new SharedArrayBuffer(4 * count));
    try {
      for (let index = 0; index < count; index++) {
        this.spawn(instance, source, shared, builder.receiver(), started, index);
      }
      const deadline = Date.now() + this.timeoutMs;
      for (let index = 0; index < count; index++) {
        while (Atomics.load(started, index) === 0) {
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`wasm-proxy: worker of instance ${instance.id} did not start within ${this.timeoutMs} ms`);
          Atomics.wait(started, index, 0, left);
        }
      }
      if (instance.poolError) throw instance.poolError;
    } catch (error) {
      this.terminate(instance);
      throw error;
    }
    // Rayon hands each thread its work through a channel the threads read once they run;
    // the channel lives in the builder, so the builder lives as long as the pool (the
    // glue would free it once collected, under threads that have not read it yet).
    builder.build();
    instance.poolBuilder = builder;
    instance.pool = { numThreads: count, source, host: false };
  }

  /**
   * Starts one pool thread: a small starter that flags `started[index]`, then runs the
   * module's worker script (`source`) with the pool's `{ memory, receiver }`. A thread
   * that fails later is recorded in `instance.poolError`.
   * @param {import('./instance.cjs').Instance} instance
   * @param {any} source
   * @param {any} memory
   * @param {number} receiver
   * @param {Int32Array} started
   * @param {number} index
   */
  spawn(instance, source, memory, receiver, started, index) {
    const script = source instanceof URL ? source.href : String(source);
    const worker = new Worker(STARTER, { eval: true, workerData: { memory, receiver, script, started, index, serving: instance.serving, instance: instance.id } });
    instance.workers.push(worker);
    worker.unref();
    worker.once('error', (error) => {
      instance.poolError ??= error;
    });
    worker.once('exit', (code) => {
      if (code !== 0) instance.poolError ??= new Error(`wasm-proxy: worker of instance ${instance.id} exited (code ${code})`);
    });
  }

  /**
   * Makes the glue's `initThreadPool` start a pool only where none runs: a standby gets
   * its pool from the runtime before the flip, and the host, which does not know, asks
   * again afterwards. The host's own bookkeeping then completes with an empty start.
   * @param {import('./instance.cjs').Instance} instance
   */
  guard(instance) {
    const exports = instance.exports;
    const original = exports.initThreadPool;
    if (typeof original !== 'function') return;
    const guarded = (/** @type {number} */ threads, /** @type {any} */ source) => {
      if (!instance.pool) return original(threads, source);
      const empty = { numThreads: () => 0, receiver: () => 0, build: () => {} };
      return Promise.resolve(this.host.startWorkers?.(source, instance.memory(), empty));
    };
    try {
      exports.initThreadPool = guarded;
    } catch {
      // An ES module namespace cannot be changed: such glue starts its pool itself.
    }
  }

  /** `terminateWorkers` as the module calls it: the active instance's pool. */
  terminateActive() {
    return this.terminate(this.active());
  }

  /**
   * Stops the threads of an instance's pool; returns what the host's
   * `terminateWorkers` returned, if the host ran the pool.
   * @param {import('./instance.cjs').Instance} instance
   */
  terminate(instance) {
    let result;
    if (instance.pool?.host && this.host.terminateWorkers) {
      // The host's pool: the host stops it, and starts one again on its next use.
      try {
        result = this.host.terminateWorkers();
        if (result && typeof result.catch === 'function') result.catch(() => {});
      } catch {
        // Shutdown races in the host's bookkeeping: the threads are going anyway.
      }
    }
    const workers = instance.workers;
    instance.workers = [];
    instance.pool = undefined;
    instance.poolBuilder = undefined;
    for (const worker of workers) {
      // Stopped on purpose (o1js 2.2 stops its pool after every proof): not a failure.
      worker.removeAllListeners('exit');
      worker.removeAllListeners('error');
      worker.on('error', () => {});
      worker.terminate().catch(() => {});
    }
    return result;
  }
}

/**
 * @typedef {object} Dispatcher
 * @property {Set<WorkerPools>} pools
 * @property {{ startWorkers?: Function, terminateWorkers?: Function }} host what the host installed
 */

/** The process-wide dispatcher behind `globalThis.startWorkers`, installed once. */
function dispatcher() {
  const key = Symbol.for('wasm-proxy.worker-pools');
  const global = /** @type {any} */ (globalThis);
  if (global[key]) return /** @type {Dispatcher} */ (global[key]);
  /** @type {Dispatcher} */
  const shared = { pools: new Set(), host: {} };
  global[key] = shared;
  /** @type {(source: any, memory: any, builder: any) => Promise<void>} */
  const startWorkers = (source, memory, builder) => {
    for (const pool of shared.pools) if (pool.owns(builder)) return pool.start(source, memory, builder);
    if (shared.host.startWorkers) return shared.host.startWorkers(source, memory, builder);
    return Promise.reject(new Error('wasm-proxy: startWorkers called for an instance no runtime knows'));
  };
  const terminateWorkers = () => Promise.all([...shared.pools].map((pool) => pool.terminateActive()));
  for (const [name, own] of /** @type {const} */ ([['startWorkers', startWorkers], ['terminateWorkers', terminateWorkers]])) {
    const existing = global[name];
    if (typeof existing === 'function') shared.host[name] = existing;
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get: () => own,
      set: (fn) => {
        shared.host[name] = fn;
      },
    });
  }
  return shared;
}

module.exports = { WorkerPools };
