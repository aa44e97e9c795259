// @ts-check
// Swap: prepare a standby (fresh instance, its own worker pool, the live state
// migrated in slices between which the program keeps running), then flip at a
// quiescent point: one synchronous step that catches up on the calls made meanwhile
// and re-points every live handle. Any failure destroys the standby and leaves the
// active instance serving, untouched.
'use strict';

const { performance } = require('node:perf_hooks');
const { Instance, loadGlue, objectPtr } = require('./instance.cjs');
const { Migration, MigrationError, describe } = require('./migrate.cjs');

/** @typedef {'instantiate' | 'workers' | 'replay' | 'transfer' | 'check' | 'oom' | 'quiescence' | 'trap'} Stage */

/** Why a swap did not happen; `stage` names the failing step. */
class SwapError extends Error {
  /**
   * @param {Stage} stage
   * @param {string} message
   * @param {unknown} [cause]
   */
  constructor(stage, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SwapError';
    this.stage = stage;
  }
}

/**
 * What the swap needs from the runtime.
 * @typedef {object} SwapCore
 * @property {import('./config.cjs').RuntimeSettings} settings
 * @property {import('./instance.cjs').GlueSource} source
 * @property {import('./profiles.cjs').Profile} profile
 * @property {import('./log.cjs').ReplayLog} log
 * @property {import('./metrics.cjs').Metrics} metrics
 * @property {import('./workers.cjs').WorkerPools} pools
 * @property {() => Instance} active
 * @property {(instance: Instance) => void} activate
 * @property {(instance: Instance) => Iterable<import('./log.cjs').HandleRecord>} live
 * @property {() => number} nextInstanceId
 * @property {(tracking: boolean) => void} track marks handles touched while a standby is prepared
 * @property {(inner: object, handles: number) => void} share notes an object several handles point at
 * @property {(instance: Instance) => number} detach lets go of the tracked handles left on `instance`
 * @property {(instance: Instance) => void} prune lets go of the handles of `instance` consumed or freed since
 * @property {(record: import('./log.cjs').HandleRecord, reason: string) => void} stale notes why a handle stays behind
 * @property {() => boolean} busy an operation the host declared (`runtime.operation`) is running
 * @property {() => boolean} declaresOperations the host has declared operations
 */

/**
 * @typedef {object} SwapResult
 * @property {number} from id of the instance retired
 * @property {number} to id of the new active instance
 * @property {number} durationMs preparation and flip
 * @property {number} pauseMs longest synchronous stretch
 * @property {string} pauseStep what the runtime was doing then
 * @property {number} flipMs the final synchronous step
 * @property {number} replayed calls replayed
 * @property {number} transferred handles transferred
 * @property {number} verified live handles moved and compared with their original (its serialisation, fields or digest)
 * @property {number} unverified live handles moved that nothing could compare (rebuilt by deterministic calls)
 * @property {number} stale live handles left on the old instance (they fail clearly on use)
 * @property {number} memoryBefore bytes of the old instance
 * @property {number} memoryAfter bytes of the new instance
 * @property {'memory' | 'request' | 'trap'} cause what started it: the memory monitor, the host
 *   (`swap()`), or a trap of the active instance (a recovery, see `Swapper.recover`)
 */

class Swapper {
  /** @param {SwapCore} core */
  constructor(core) {
    this.core = core;
    /** @type {Promise<SwapResult> | undefined} */
    this.running = undefined;
    /** @type {(() => void) | undefined} Resumes the preparation before its next turn of the event loop. */
    this.wake = undefined;
  }

  /**
   * Lets the program run until the event loop's next turn or until the program's own
   * calls wake the swap (a prover that never idles never reaches the event loop).
   * @returns {Promise<'loop' | 'calls'>} which came first
   */
  pause() {
    return new Promise((resolve) => {
      const timer = setImmediate(() => {
        this.wake = undefined;
        resolve('loop');
      });
      this.wake = () => {
        this.wake = undefined;
        clearImmediate(timer);
        resolve('calls');
      };
    });
  }

  /**
   * Whether the flip may happen now: no operation the host declared is running, and no
   * live handle would be left behind, except ones that stayed unmovable for
   * `quiescenceMs` (long-lived objects nothing can move, not an operation's working set).
   * @param {Migration} migration
   * @param {{ since: number, stranded: string }} watch
   */
  quiescent(migration, watch) {
    if (this.core.busy()) return false;
    // A host that declares its operations knows: between two, nothing is in flight.
    if (this.core.declaresOperations()) return true;
    const stranded = migration.stranded().map((r) => r.id).join(',');
    const now = performance.now();
    if (stranded === '') return true;
    if (stranded !== watch.stranded) {
      watch.stranded = stranded;
      watch.since = now;
      return false;
    }
    return now - watch.since >= this.core.settings.quiescenceMs;
  }

  /**
   * Swaps to a fresh instance; one swap at a time (a second call joins the first).
   * @param {() => boolean} [flipWhen] an automatic swap: wait with the flip until this
   *   holds and the program is quiescent (checked between slices)
   * @param {boolean} [busy] the program does not let the event loop turn: the work stays on
   *   this thread (side threads answer through the event loop)
   * @returns {Promise<SwapResult>}
   */
  swap(flipWhen, busy = false) {
    if (this.core.settings.disabled) {
      return Promise.reject(new SwapError('instantiate', 'wasm-proxy is disabled (kill switch): no swap'));
    }
    this.running ??= this.run(flipWhen, busy).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * @param {(() => boolean) | undefined} flipWhen
   * @param {boolean} busy
   * @returns {Promise<SwapResult>}
   */
  async run(flipWhen, busy) {
    const { core } = this;
    const { settings, metrics } = core;
    const from = core.active();
    const started = performance.now();
    const memoryBefore = from.memoryBytes();
    let pauseMs = 0;
    let pauseStep = 'instantiate';
    /** @param {number} ms @param {string} step */
    const stalled = (ms, step) => {
      if (ms > pauseMs) {
        pauseMs = ms;
        pauseStep = step;
      }
    };
    /** @type {Stage} */
    let stage = 'instantiate';
    /** @type {Instance | undefined} */
    let standby;
    /** @type {Migration | undefined} */
    let migration;
    /** The active instance's pool was started for the migration only. */
    let borrowedPool = false;
    metrics.emit('swap-start', { from: from.id, memoryBytes: from.memoryBytes(), cause: flipWhen ? 'memory' : 'request' });
    try {
      let t = performance.now();
      if (settings.fault === 'instantiate') throw new Error('injected fault');
      const id = core.nextInstanceId();
      standby = new Instance(id, await loadGlue(core.source, id, standbyCap(settings)));
      stalled(performance.now() - t, 'instantiate');

      stage = 'workers';
      if (settings.fault === 'workers') throw new Error('injected fault');
      // The standby gets its pool now: migrating may already need it (parallel exports).
      const shape = from.pool ?? from.poolShape;
      core.pools.guard(standby);
      if (shape) await core.pools.startLike(standby, shape);
      // So may the active one, whose host may have stopped its pool between operations.
      if (!from.pool && from.poolShape) {
        await core.pools.startLike(from, from.poolShape);
        borrowedPool = true;
      }

      stage = 'replay';
      core.track(true);
      migration = this.migration(from, standby, settings.fault === 'oom' ? undefined : settings.fault);
      migration.offloading = !busy && settings.sideThreads;
      const steps = (function* (m) {
        yield* m.run();
        yield* m.sweep();
      })(migration);
      /** @type {any} */
      let input;
      const watch = { since: 0, stranded: '' };
      // Slices as long as the settings say while the event loop turns; once only the
      // program's calls wake the swap, the loop is not turning anyway (the program keeps
      // it busy) and the rest of the preparation runs in one go when they do.
      let sliceMs = settings.sliceMs;
      /** @type {number | undefined} When the standby was ready and the flip began to wait. */
      let readySince;
      for (;;) {
        if (core.active() !== from) {
          // A trap made the runtime recover on a fresh instance meanwhile.
          stage = 'trap';
          throw new Error(`instance ${from.id}, which this standby was rebuilding, trapped and was replaced meanwhile`);
        }
        t = performance.now();
        let done = false;
        /** @type {Promise<any> | undefined} */
        let waiting;
        let step = migration.step;
        while (performance.now() - t < sliceMs) {
          const last = steps.next(input);
          input = undefined;
          step = migration.step;
          if (last.done) {
            done = true;
            break;
          }
          if (last.value instanceof Promise) {
            waiting = last.value;
            break;
          }
        }
        stalled(performance.now() - t, step);
        if (waiting) {
          input = await waiting;
          continue;
        }
        if (done && (!flipWhen || (flipWhen() && this.quiescent(migration, watch)))) break;
        if (done) {
          readySince ??= performance.now();
          if (performance.now() - readySince > settings.quiescenceTimeoutMs) {
            stage = 'quiescence';
            throw new Error(`no quiescent point within ${settings.quiescenceTimeoutMs} ms (an operation, or handles nothing can move, kept the flip out)`);
          }
        }
        if ((await this.pause()) === 'calls') sliceMs = Infinity;
      }

      if (standby.poolError) {
        stage = 'workers';
        throw standby.poolError;
      }
      if (core.active() !== from) {
        stage = 'trap';
        throw new Error(`instance ${from.id}, which this standby was rebuilding, trapped and was replaced meanwhile`);
      }
      // The flip: one synchronous step, so no call can fall between its parts.
      t = performance.now();
      migration.finish();
      core.track(false);
      const result = this.flip(from, standby, migration);
      migration.close();
      const flipMs = performance.now() - t;
      stalled(flipMs, 'flip');
      return this.completed(result, { started, pauseMs, pauseStep, flipMs, memoryBefore, cause: flipWhen ? 'memory' : 'request' }, standby);
    } catch (error) {
      core.track(false);
      migration?.close();
      if (borrowedPool) {
        // Back to how the host left it: no pool (the module's own exit, so it can start one again).
        await Promise.resolve(from.exports.exitThreadPool?.()).catch(() => core.pools.terminate(from));
      }
      if (error instanceof MigrationError && error.activeTrap) {
        // Reading an object of the active instance trapped there: recover from it as from
        // any trap, so that the program's next call runs on a fresh instance.
        const failure = this.failed(error, stage, standby, 'the active instance trapped while read and is replaced');
        try {
          this.recover([error.activeTrap]);
        } catch {
          // Counted and told as `standby-failed`; the trapped instance stays active.
        }
        throw failure;
      }
      throw this.failed(error, stage, standby, 'the active instance keeps serving');
    }
  }

  /**
   * Recovers from a trap of the active instance, synchronously: the module's state is
   * undefined after a trap (an allocation failed halfway through a call, say), so the
   * next call must find a fresh instance rebuilt from the live state. The same migration
   * as a swap, in one step, except that objects of the trapping call (`suspects`, and
   * their lineage) are rebuilt by replay as they were before it and never compared
   * with what is left of them, and an old object that cannot be read any more is
   * replayed instead of transferred. Needs CommonJS glue (ES modules load
   * asynchronously). A swap being prepared meanwhile fails at its next step.
   * @param {Iterable<import('./log.cjs').HandleRecord>} suspects
   * @returns {SwapResult}
   * @throws {SwapError} stage as for a swap; the trapped instance stays active
   */
  recover(suspects) {
    const { core } = this;
    const { settings } = core;
    const from = core.active();
    const started = performance.now();
    const memoryBefore = from.memoryBytes();
    core.metrics.emit('swap-start', { from: from.id, memoryBytes: memoryBefore, cause: 'trap' });
    /** @type {Stage} */
    let stage = 'instantiate';
    /** @type {Instance | undefined} */
    let standby;
    /** @type {Migration | undefined} */
    let migration;
    try {
      if (core.source.format !== 'cjs') {
        throw new Error('ES module glue loads asynchronously, and a recovery must finish before the next call');
      }
      const id = core.nextInstanceId();
      standby = new Instance(id, /** @type {Record<string, any>} */ (loadGlue(core.source, id, standbyCap(settings))));
      stage = 'workers';
      const shape = from.pool ?? from.poolShape;
      core.pools.guard(standby);
      if (shape) {
        core.pools.startLike(standby, shape).catch(() => {});
        if (!standby.pool) throw standby.poolError ?? new Error('its worker pool did not start at once');
      }
      stage = 'replay';
      migration = this.migration(from, standby, undefined, new Set(suspects));
      migration.finish();
      for (const _ of migration.sweep());
      const t = performance.now();
      const result = this.flip(from, standby, migration);
      const flipMs = performance.now() - t;
      const durationMs = performance.now() - started;
      return this.completed(result, { started, pauseMs: durationMs, pauseStep: 'recovery', flipMs, memoryBefore, cause: 'trap' }, standby);
    } catch (error) {
      migration?.close();
      throw this.failed(error, stage, standby, 'the trapped instance stays active');
    }
  }

  /**
   * The migration of the live state of `from` into `standby`.
   * @param {Instance} from
   * @param {Instance} standby
   * @param {string | undefined} fault
   * @param {Set<import('./log.cjs').HandleRecord>} [suspects] after a trap: the trapping call's objects
   */
  migration(from, standby, fault, suspects) {
    const { core } = this;
    return new Migration({
      log: core.log,
      from,
      to: standby,
      profile: core.profile,
      live: () => core.live(from),
      innerOf: (record) => record.slot.inner,
      verify: true,
      fault,
      glue: core.source.glue,
      prune: () => core.prune(from),
      suspects,
    });
  }

  /**
   * Counts a completed swap and tells the listeners.
   * @param {ReturnType<Swapper['flip']>} result
   * @param {{ started: number, pauseMs: number, pauseStep: string, flipMs: number, memoryBefore: number, cause: SwapResult['cause'] }} timing
   * @param {Instance} standby
   * @returns {SwapResult}
   */
  completed(result, timing, standby) {
    const { metrics, log } = this.core;
    const durationMs = performance.now() - timing.started;
    metrics.swapCompleted(durationMs / 1000, timing.pauseMs / 1000);
    metrics.memoryBytes = standby.memoryBytes();
    metrics.logEntries = log.size;
    const { started: _, ...rest } = timing;
    /** @type {SwapResult} */
    const done = { ...result, ...rest, durationMs, memoryAfter: standby.memoryBytes() };
    metrics.emit('swap-complete', done);
    return done;
  }

  /**
   * Destroys a standby that failed, counts the failure and makes the error the caller gets.
   * @param {unknown} error
   * @param {Stage} stage the step that was running
   * @param {Instance | undefined} standby
   * @param {string} serving what serves calls from now on
   */
  failed(error, stage, standby, serving) {
    const { settings, metrics } = this.core;
    const cap = standbyCap(settings);
    const full = standby !== undefined && cap > 0 && standby.memoryBytes() + 1024 * 1024 >= cap;
    /** @type {Stage} */
    const failed = full ? 'oom' : error instanceof MigrationError ? error.stage : stage;
    if (standby) this.destroy(standby);
    metrics.failures[failed] = (metrics.failures[failed] ?? 0) + 1;
    const swapError = new SwapError(failed, `wasm-proxy: standby failed at ${failed}, ${serving}: ${describe(error)}`, error);
    metrics.emit('standby-failed', { stage: failed, error: swapError });
    return swapError;
  }

  /**
   * Points every live handle at its object in the standby and makes it active.
   * @param {Instance} from
   * @param {Instance} to
   * @param {Migration} migration
   */
  flip(from, to, migration) {
    const { core } = this;
    let verified = 0;
    let unverified = 0;
    for (const [record, inner] of migration.moved) {
      if (record.alive) {
        if (migration.verified.has(record)) verified++;
        else unverified++;
        // The slot the handle shares: re-pointed, the handle with it.
        record.slot.inner = inner;
        record.slot.home = to;
      } else if (!migration.shared.has(inner) && objectPtr(inner)) {
        // Rebuilt for a handle that died during the preparation.
        inner.free();
      }
    }
    /** @type {Map<object, number>} */
    const sharers = new Map();
    for (const [record, inner] of migration.moved) {
      if (migration.shared.has(inner) && record.alive) sharers.set(inner, (sharers.get(inner) ?? 0) + 1);
    }
    for (const [inner, count] of sharers) core.share(inner, count);
    for (const [record, why] of migration.why) core.stale(record, why);
    core.activate(to);
    // Handles that could not move fail clearly from now on, and lead to nothing of the old
    // instance, which goes at once: its memory is freed as soon as the collector runs.
    const stale = core.detach(from);
    core.metrics.staleHandles = stale;
    core.metrics.movedVerified += verified;
    core.metrics.movedUnverified += unverified;
    this.retire(from);
    return {
      from: from.id,
      to: to.id,
      replayed: migration.replays,
      transferred: migration.transfers,
      verified,
      unverified,
      stale,
    };
  }

  /**
   * Lets go of an old instance: its workers stop and nothing of the runtime points
   * into its memory any more, so the garbage collector can free it.
   * @param {Instance} instance
   */
  retire(instance) {
    this.core.pools.terminate(instance);
    instance.release();
    this.core.metrics.retiredInstances++;
    this.core.metrics.emit('instance-retired', { id: instance.id });
  }

  /**
   * Drops a standby that failed: its workers stop and its glue scope is cut as for a
   * retired instance (an ES module's would otherwise stay in Node's module map).
   * @param {Instance} standby
   */
  destroy(standby) {
    this.core.pools.terminate(standby);
    standby.release();
  }
}

/**
 * The memory cap of a new instance in bytes (0: as the glue asks): the smaller of the
 * test-only caps; 2 MiB under the `oom` fault.
 * @param {import('./config.cjs').RuntimeSettings} settings
 */
function standbyCap(settings) {
  if (settings.fault === 'oom') return 2 * 1024 * 1024;
  const caps = [settings.standbyMaxBytes, settings.instanceMaxBytes].filter((cap) => cap > 0);
  return caps.length > 0 ? Math.min(...caps) : 0;
}

module.exports = { Swapper, SwapError };
