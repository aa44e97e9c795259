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
   * Starts the pool of `instance` with as many threads as the active one had.
   * @param {import('./instance.cjs').Instance} instance
   * @param {{ numThreads: number, source: any }} like
   */
  async startLike(instance, like) {
    this.starting = instance;
    try {
      await instance.exports.initThreadPool(like.numThreads, like.source);
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
    const shared = instance.memory() ?? memory;
    const started = await Promise.allSettled(
      Array.from({ length: count }, () => this.spawn(instance, source, shared, builder.receiver())),
    );
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      this.terminate(instance);
      throw /** @type {PromiseRejectedResult} */ (failed).reason;
    }
    builder.build();
    instance.pool = { numThreads: count, source, host: false };
  }

  /**
   * @param {import('./instance.cjs').Instance} instance
   * @param {any} source
   * @param {any} memory
   * @param {number} receiver
   */
  spawn(instance, source, memory, receiver) {
    const worker = new Worker(source, { workerData: { memory, receiver } });
    instance.workers.push(worker);
    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        done();
        reject(new Error(`wasm-proxy: worker of instance ${instance.id} did not start within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      /** @param {any} message */
      const onMessage = (message) => {
        if (message?.type !== 'wasm_bindgen_worker_ready') return;
        ready = true;
        done();
        worker.unref();
        resolve(worker);
      };
      /** @param {Error} error */
      const onError = (error) => {
        done();
        reject(error);
      };
      /** @param {number} code */
      const onExit = (code) => {
        done();
        if (ready) resolve(worker);
        else reject(new Error(`wasm-proxy: worker of instance ${instance.id} exited before it was ready (code ${code})`));
      };
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
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
    for (const worker of workers) {
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
