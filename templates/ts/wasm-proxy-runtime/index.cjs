// @ts-check
// wasm-proxy runtime: owns the wasm-bindgen instances behind a generated shim, keeps the
// replay log of the calls that built live state, and swaps to a fresh instance when
// memory runs high or on demand. Emitted verbatim by `codegen` next to each shim;
// self-contained, no dependencies, Node 18+.
'use strict';

const { isMainThread } = require('node:worker_threads');
const { readSettings } = require('./config.cjs');
const { Instance, loadGlue, objectPtr } = require('./instance.cjs');
const { ReplayLog } = require('./log.cjs');
const { MemoryMonitor } = require('./memory.cjs');
const { Metrics } = require('./metrics.cjs');
const { profileFor } = require('./profiles.cjs');
const { Swapper, SwapError } = require('./swap.cjs');
const { WorkerPools } = require('./workers.cjs');

/**
 * Property under which a handle keeps its Slot: `{ inner, home }`, its wasm-bindgen object
 * and the instance that object lives in. The handle's record shares the slot, so a swap
 * re-points the handle through it (the record needs no WeakRef to its handle: those cost
 * half a microsecond each, on every object the module returns).
 */
const SLOT = Symbol('wasm-proxy.slot');
/** Property under which a handle keeps its HandleRecord (handles the log or a transfer needs). */
const RECORD = Symbol('wasm-proxy.record');
/** Property under which a generated class keeps the name of its glue class. */
const GLUE_CLASS = Symbol('wasm-proxy.glue-class');

/**
 * @typedef {object} RuntimeOptions
 * @property {string} name Module name, e.g. `plonk_wasm`.
 * @property {string} glue Absolute path of the real wasm-bindgen glue.
 * @property {'cjs' | 'esm'} format Module system of the glue.
 * @property {string} [wasm] The wasm module, for bundler-target glue (see `GlueSource`).
 * @property {string} [loader] The bundler target's loader, which the preload hook redirects.
 * @property {string[]} classes Classes the shim wraps.
 * @property {Partial<import('./config.cjs').RuntimeSettings>} [settings] Overrides of the environment.
 * @property {import('./profiles.cjs').Profile} [profile] Replaces the built-in profile.
 * @property {Record<string, import('./profiles.cjs').ClassTransferSpec>} [transfers] How each class
 *   can move by transfer, from codegen's analysis of the typings (the profile's own win).
 */

/**
 * An object that reads through to `current()` on every access: a stable stand-in for a
 * value that each swap replaces.
 * @param {() => any} current
 */
function wasmView(current) {
  return new Proxy(
    {},
    {
      get: (_, key) => current()?.[key],
      has: (_, key) => key in (current() ?? {}),
      ownKeys: () => Reflect.ownKeys(current() ?? {}),
      getOwnPropertyDescriptor: (_, key) => {
        const target = current();
        if (target == null || !(key in target)) return undefined;
        return { value: target[key], writable: false, enumerable: true, configurable: true };
      },
    },
  );
}

/**
 * Creates the runtime for one generated shim and loads its first instance.
 * @param {RuntimeOptions} options
 */
function createRuntime(options) {
  const settings = readSettings(options.settings);
  const profile = profileFor(options.name, options.profile, options.transfers);
  const log = new ReplayLog();
  const metrics = new Metrics(options.name);
  /** @type {((instance: Instance) => void)[]} */
  const listeners = [];
  /** @type {Set<import('./log.cjs').HandleRecord>} */
  const live = new Set();
  /** @type {WeakMap<object, number>} Standby objects several handles share (one SRS, many `Arc`s). */
  const sharedBy = new WeakMap();
  let nextId = 1;
  let tracking = false;
  /** Operations the host declared running (`runtime.operation`): no automatic flip meanwhile. */
  let operations = 0;
  /** The host declares its operations: the flip waits for the end of one, nothing else. */
  let declared = false;
  /** @type {Instance} */
  let active = new Instance(0, {});

  const finalizer = new FinalizationRegistry(
    /** @param {import('./log.cjs').HandleRecord} record */ (record) => gone(record),
  );

  /**
   * The handle is gone for good (freed, consumed, collected).
   * @param {import('./log.cjs').HandleRecord} record
   */
  function gone(record, replayFree = true) {
    if (!live.delete(record)) return;
    log.release(record, replayFree);
  }

  /**
   * Makes `handle` the program's object for `inner`, an object of the active instance.
   * Every handle is tracked: a swap must account for each live one (moved or stale),
   * and its counts must be true.
   * @param {object} handle
   * @param {any} inner
   */
  function adopt(handle, inner) {
    const self = /** @type {any} */ (handle);
    self[SLOT] = { inner, home: active };
    if (settings.disabled) return handle;
    const record = self[RECORD];
    if (record !== undefined) {
      // Re-adopted (a raw pointer assigned to `__wbg_ptr`): a new object, a new history.
      gone(record);
      self[RECORD] = undefined;
    }
    track(self);
    // The program's own calls drive the monitor and a swap in preparation when the
    // event loop does not turn (a prover proving back to back).
    if (monitor.poll()) swapper.wake?.();
    return handle;
  }

  /**
   * Lets go of the tracked handles still in `instance` (none the swap could move): their
   * log entries go, and they fail with the stale-handle error from now on. Returns how
   * many of them still had a live object there. (Untracked handles need nothing: the
   * retired glue keeps no path to its memory, see `Instance.release`.)
   * @param {Instance} instance
   */
  function detach(instance) {
    let stale = 0;
    for (const record of [...live]) {
      if (record.instance !== instance) continue;
      if (objectPtr(record.slot.inner)) stale++;
      gone(record, false);
    }
    return stale;
  }

  /**
   * The record of a handle, made on first need: from then on the runtime knows whether
   * it lives (to migrate it, or to keep its old instance while it does).
   * @param {any} handle
   * @returns {import('./log.cjs').HandleRecord}
   */
  function track(handle) {
    const existing = handle[RECORD];
    if (existing !== undefined) return existing;
    const slot = handle[SLOT];
    const className = handle.constructor[GLUE_CLASS] ?? slot.inner?.constructor?.name ?? 'Object';
    const record = log.track(className, slot);
    handle[RECORD] = record;
    live.add(record);
    // No unregister token (registering with one costs ~5x more): the callback of a
    // handle let go of earlier finds its record gone and does nothing.
    finalizer.register(handle, record);
    return record;
  }

  /** @param {any} handle */
  function release(handle) {
    const record = handle[RECORD];
    if (record === undefined) return;
    gone(record);
  }

  /**
   * The stale-use error: a handle of an instance that is no longer active.
   * @param {any} handle
   */
  function staleError(handle) {
    const record = handle[RECORD];
    const what = record ? `${record.className} #${record.id}` : handle.constructor?.name ?? 'object';
    const slot = handle[SLOT];
    if (objectPtr(slot?.inner) === 0) {
      return new Error(`wasm-proxy (${options.name}): ${what} was consumed by an earlier call (or freed); it no longer exists`);
    }
    const reason = record?.staleReason ?? 'no logged call or transfer rebuilds it';
    return new Error(
      `wasm-proxy (${options.name}): ${what} lives in instance ${slot?.home?.id}, ` +
        `which was swapped out (active: ${active.id}); it was not migrated: ${reason}`,
    );
  }

  /**
   * Adopts a raw pointer into the active instance as a new glue object of the handle's
   * class, its pointer in `field` (`__wbg_ptr`, or `ptr` in older glue).
   * @param {object} handle
   * @param {'__wbg_ptr' | 'ptr'} field
   * @param {number} ptr
   */
  function adoptPointer(handle, field, ptr) {
    const name = /** @type {any} */ (handle.constructor)[GLUE_CLASS];
    const inner = Object.create(active.exports[name].prototype);
    inner[field] = ptr;
    adopt(handle, inner);
  }

  /**
   * Base class of every generated class: gives handles the surface of a wasm-bindgen
   * object (`__wbg_ptr`, `__destroy_into_raw`, `__wrap`, `free`), which code such as
   * o1js uses directly.
   */
  class Handle {
    /** @returns {number} */
    get __wbg_ptr() {
      const self = /** @type {any} */ (this);
      const slot = self[SLOT];
      const inner = slot?.inner;
      if (inner === undefined) return 0;
      const ptr = objectPtr(inner) ?? 0;
      if (slot.home !== active && ptr !== 0) throw staleError(self);
      return ptr;
    }

    /** The same as `__wbg_ptr`, as glue before wasm-bindgen 0.2.85 names it. */
    get ptr() {
      return this.__wbg_ptr;
    }

    /** Adopts a raw pointer into the active instance, as `Object.create(C.prototype)` code does. */
    set __wbg_ptr(ptr) {
      adoptPointer(this, '__wbg_ptr', ptr);
    }

    /** The same, as glue before wasm-bindgen 0.2.85 names the pointer. */
    set ptr(ptr) {
      adoptPointer(this, 'ptr', ptr);
    }

    /** @returns {number} */
    __destroy_into_raw() {
      const ptr = unwrap(this).__destroy_into_raw();
      release(this);
      return ptr;
    }

    /** Frees the object in the instance it lives in (nothing to do once that is retired). */
    free() {
      const self = /** @type {any} */ (this);
      const slot = self[SLOT];
      const inner = slot?.inner;
      // A retired instance's objects are gone with it; the handle stays stale.
      if (inner === undefined || slot.home?.retired) return;
      const sharers = sharedBy.get(inner) ?? 1;
      if (sharers > 1) {
        // Another handle still uses the object: this one only lets go.
        sharedBy.set(inner, sharers - 1);
        slot.inner = undefined;
      } else {
        inner.free();
      }
      release(self);
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
    // Optional fields (`x?: C`) read as undefined: nothing to wrap.
    if (inner == null) return inner;
    return /** @type {T} */ (adopt(Object.create(Class.prototype), inner));
  }

  /**
   * The wasm-bindgen object behind a handle, in the active instance.
   * @param {any} handle
   */
  function unwrap(handle) {
    const slot = handle == null ? undefined : handle[SLOT];
    const inner = slot?.inner;
    if (inner === undefined) {
      const what = handle == null ? String(handle) : handle.constructor?.name ?? typeof handle;
      throw new TypeError(`wasm-proxy (${options.name}): expected an object created through the proxy, got ${what}`);
    }
    if (slot.home !== active) throw staleError(handle);
    if (tracking) {
      const record = handle[RECORD];
      if (record !== undefined) record.touched = log.seq + 1;
    }
    return inner;
  }

  /**
   * `value` with every handle inside it (arrays, plain objects, the chunks of a
   * `ReadableStream`) replaced by its object in the active instance: a value the typings
   * do not describe is passed to the module as is, and the module knows only its own
   * objects (`Dyn casting error` otherwise). Copies only what holds a handle.
   * @param {any} value
   * @param {number} [depth]
   * @returns {any}
   */
  function unwrapDeep(value, depth = 0) {
    if (value === null || typeof value !== 'object') return value;
    if (value[SLOT] !== undefined) return unwrap(value);
    if (depth > 16) return value;
    const Stream = /** @type {any} */ (globalThis).ReadableStream;
    if (typeof Stream === 'function' && value instanceof Stream) {
      const Transform = /** @type {any} */ (globalThis).TransformStream;
      return value.pipeThrough(
        new Transform({
          transform: (/** @type {any} */ chunk, /** @type {any} */ controller) => controller.enqueue(unwrapDeep(chunk)),
        }),
      );
    }
    return mapInside(value, (inner) => unwrapDeep(inner, depth + 1));
  }

  /**
   * `value` with `visit` applied to each item of an array or field of a plain object,
   * copied only where `visit` changed something; any other object as is.
   * @param {object} value
   * @param {(inner: any) => any} visit
   * @returns {any}
   */
  function mapInside(value, visit) {
    if (Array.isArray(value)) {
      /** @type {any[] | undefined} */
      let copy;
      for (let i = 0; i < value.length; i++) {
        const mapped = visit(value[i]);
        if (mapped !== value[i]) (copy ??= value.slice())[i] = mapped;
      }
      return copy ?? value;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    /** @type {Record<string, any> | undefined} */
    let copy;
    for (const [key, inner] of Object.entries(value)) {
      const mapped = visit(inner);
      if (mapped !== inner) (copy ??= { ...value })[key] = mapped;
    }
    return copy ?? value;
  }


  /** Generated classes by the name of their glue class (`register`). */
  /** @type {Map<string, Function>} */
  const registered = new Map();
  /** The active glue's class constructors to their generated class, built per instance. */
  /** @type {{ of: Instance | undefined, map: Map<Function, Function> }} */
  const constructors = { of: undefined, map: new Map() };

  /**
   * The generated class of a wasm-bindgen object of the active instance, if it is one.
   * @param {object} value
   * @returns {Function | undefined}
   */
  function generatedClassOf(value) {
    if (constructors.of !== active) {
      constructors.map = new Map();
      for (const [name, Class] of registered) {
        const glueClass = active.exports[name];
        if (typeof glueClass === 'function') constructors.map.set(glueClass, Class);
      }
      constructors.of = active;
    }
    return constructors.map.get(value.constructor);
  }

  /**
   * `value` with every wasm-bindgen object inside it (itself, array items, plain object
   * fields) wrapped as a handle of its generated class: a result the typings do not
   * describe as a class (`any`, a union alias such as loro's `Container`) may still be
   * one. The mirror of `unwrapDeep`; copies only what holds such an object.
   * @param {any} value
   * @param {number} [depth]
   * @returns {any}
   */
  function wrapDeep(value, depth = 0) {
    if (value === null || typeof value !== 'object' || value[SLOT] !== undefined) return value;
    const Class = generatedClassOf(value);
    if (Class !== undefined) return wrap(/** @type {any} */ (Class), value);
    if (depth > 16) return value;
    return mapInside(value, (inner) => wrapDeep(inner, depth + 1));
  }


  /**
   * How the log treats one export: what codegen's replay policy decided for it (the
   * same policy the Rust shim is generated from); nothing is logged with the kill switch.
   * @param {import('./log.cjs').Operation} spec
   * @returns {import('./log.cjs').Operation}
   */
  function op(spec) {
    return {
      kind: spec.kind,
      name: spec.name,
      className: spec.className,
      log: spec.log && !settings.disabled,
      mutates: spec.mutates ?? -1,
      refuse: spec.refuse,
      pointers: spec.pointers ?? false,
    };
  }

  /**
   * An argument as the log keeps it: handles by record, callbacks by reference (replay
   * gates them), everything else by value as it was at call time.
   * @param {any} arg
   * @returns {import('./log.cjs').Argument}
   */
  function capture(arg) {
    if (arg != null && arg[SLOT] !== undefined) return { handle: track(arg) };
    if (Array.isArray(arg) && arg.length > 0 && arg.every((a) => a != null && a[SLOT] !== undefined)) {
      return { handles: arg.map(track) };
    }
    if (typeof arg === 'function') return { callback: arg };
    return { value: copyValue(arg) };
  }

  /** Traps already handled: one crosses every shim call it unwinds through. */
  const traps = new WeakSet();

  /**
   * Sees every error a call of the shim into the module threw, and returns it for the
   * shim to rethrow. A trap (`WebAssembly.RuntimeError`: `unreachable` at `__rg_oom` when
   * an allocation fails, say) leaves the instance undefined: before the caller hears
   * of it, the runtime moves the live state to a fresh instance (`Swapper.recover`), so
   * the next call, a retry say, runs there. The objects of the trapping call (`self`,
   * `args`) are rebuilt as they were before it. If the recovery fails, the trapped
   * instance keeps serving, as it would without the proxy; `standby-failed` says why.
   * @param {unknown} error
   * @param {any} self `this` of the call (undefined for functions and constructors)
   * @param {any[]} args
   * @returns {unknown}
   */
  function trapped(error, self, args) {
    if (!(error instanceof wasmApi.RuntimeError) || settings.disabled) return error;
    const trap = /** @type {Error} */ (error);
    if (traps.has(trap)) return error;
    traps.add(trap);
    /** @type {import('./log.cjs').HandleRecord[]} */
    const suspects = [];
    for (const value of [self, ...args]) {
      for (const handle of Array.isArray(value) ? value : [value]) {
        if (handle != null && handle[SLOT] !== undefined && handle[SLOT].home === active) suspects.push(track(handle));
      }
    }
    try {
      swapper.recover(suspects);
    } catch {
      // Counted and told as `standby-failed`; the caller gets the trap either way.
    }
    return error;
  }

  /**
   * Logs a call the generated shim just made (only for operations with `log` set).
   * @template R
   * @param {import('./log.cjs').Operation} operation
   * @param {any} self `this` of a method or setter
   * @param {any[]} args
   * @param {R} result
   * @returns {R}
   */
  function record(operation, self, args, result) {
    const changed =
      operation.kind === 'method' || operation.kind === 'setter' ? self : operation.mutates >= 0 ? args[operation.mutates] : undefined;
    const target = changed?.[SLOT] !== undefined ? track(changed) : undefined;
    const made = /** @type {any} */ (result);
    const born = made?.[SLOT] !== undefined ? track(made) : undefined;
    log.record(operation, target, args.map(capture), born);
    // Arguments passed by value are consumed: their wasm objects are gone.
    for (const arg of args) {
      const consumed = arg?.[RECORD];
      if (consumed !== undefined && objectPtr(arg[SLOT]?.inner) === 0) {
        gone(consumed, false);
      }
    }
    return result;
  }

  /** @param {Instance} instance */
  function activate(instance) {
    for (const name of options.classes) {
      if (typeof instance.exports[name] !== 'function') {
        throw new Error(`wasm-proxy: ${options.glue} does not export class ${name}`);
      }
    }
    active = instance;
    Atomics.store(instance.serving, 0, 1);
    metrics.memoryBytes = instance.memoryBytes();
    for (const listener of listeners) listener(active);
  }

  const pools = new WorkerPools(() => active, settings.workerTimeoutMs);
  const swapper = new Swapper({
    settings,
    source: options,
    profile,
    log,
    metrics,
    pools,
    active: () => active,
    activate,
    *live(instance) {
      for (const record of live) if (record.instance === instance && record.alive) yield record;
    },
    nextInstanceId: () => nextId++,
    track(on) {
      tracking = on;
    },
    share: (inner, count) => sharedBy.set(inner, count),
    detach,
    prune(instance) {
      // Handles consumed by a call (logged or not) or freed: gone, whatever their record says.
      for (const record of [...live]) {
        if (record.instance !== instance) continue;
        const inner = record.slot.inner;
        if (inner === undefined || objectPtr(inner) === 0) {
          gone(record);
        }
      }
    },
    stale(record, reason) {
      record.staleReason = reason;
    },
    busy: () => operations > 0,
    declaresOperations: () => declared,
  });
  const monitor = new MemoryMonitor(
    settings,
    () => active.memoryBytes(),
    (flipWhen, busy) => {
      swapper.swap(flipWhen, busy).then(
        () => monitor.reset(),
        () => monitor.backOff(),
      );
    },
  );

  const runtime = {
    Handle,
    wrap,
    unwrap,
    adopt,
    op,
    record,
    trapped,
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
    unwrapDeep,
    wrapDeep,
    /**
     * Ties a generated class to the glue class of the same API.
     * @param {Function} Class
     * @param {string} glueName
     */
    register(Class, glueName) {
      Object.defineProperty(Class, GLUE_CLASS, { value: glueName });
      registered.set(glueName, Class);
      constructors.of = undefined;
    },
    /**
     * Calls `listener` whenever another instance becomes active.
     * @param {(instance: Instance) => void} listener
     */
    onActivate(listener) {
      listeners.push(listener);
    },
    /**
     * Listens to `swap-start`, `swap-complete`, `standby-failed`, `instance-retired`.
     * @param {import('./metrics.cjs').EventName} event
     * @param {(detail: any) => void} listener
     */
    on(event, listener) {
      metrics.events.on(event, listener);
      return runtime;
    },
    /**
     * Swaps to a fresh instance now: prepares a standby, migrates the live state,
     * flips. Rejects with a `SwapError` (and keeps the active serving) on failure.
     */
    swap() {
      return swapper.swap();
    },
    /**
     * Runs `work` (sync or async) as one operation: an automatic swap never flips
     * while one runs. For hosts that know where their operations start and end.
     * @template T
     * @param {() => T} work
     * @returns {T}
     */
    operation(work) {
      declared = true;
      operations++;
      // The end of the last running operation is the flip's moment: a standby waiting for
      // it flips before the host's next step (its continuation is queued first).
      const end = () => {
        if (--operations === 0) swapper.wake?.();
      };
      let result;
      try {
        result = work();
      } catch (error) {
        end();
        throw error;
      }
      if (result instanceof Promise) {
        return /** @type {T} */ (/** @type {unknown} */ (result.finally(end)));
      }
      end();
      return result;
    },
    /** The instance serving calls now. */
    get active() {
      return active;
    },
    /** The active instance's wasm exports, through a view that follows swaps. */
    wasm: wasmView(() => active.exports.__wasm),
    /** The active instance's linear memory size in bytes. */
    memoryBytes() {
      return active.memoryBytes();
    },
    /** Live entries of the replay log and live handles. */
    stats() {
      return { logEntries: log.size, recorded: log.recorded, liveHandles: live.size, instance: active.id };
    },
    /** Starts the memory monitor (at creation unless disabled; again after a settings change). */
    startMonitor() {
      monitor.stop();
      monitor.start();
    },
    /** Stops the memory monitor: no automatic swap. */
    stopMonitor() {
      monitor.stop();
    },
    /** Metrics in Prometheus' text format. */
    metrics() {
      metrics.memoryBytes = active.memoryBytes();
      metrics.logEntries = log.size;
      metrics.liveHandles = live.size;
      return metrics.text();
    },
    /** Resolves once the first instance is loaded (at once for CommonJS glue). */
    ready: Promise.resolve(),
    settings,
    profile,
    options,
    SwapError,
  };

  if (!settings.disabled && isMainThread) {
    pools.install();
    monitor.start();
    if (settings.metricsPort > 0) metrics.serve(settings.metricsPort);
  }
  const first = loadGlue(options, nextId++, settings.instanceMaxBytes);
  if (first instanceof Promise) {
    runtime.ready = first.then((exports) => activate(new Instance(1, exports)));
  } else {
    activate(new Instance(1, first));
  }
  if (!settings.disabled) pools.guard(active);
  return runtime;
}

/** The WebAssembly namespace (typed loosely: Node's typings leave it to lib.dom). */
const wasmApi = /** @type {any} */ (globalThis).WebAssembly;

/**
 * A copy of `value` as it is now, so that a later change of the caller's object (a
 * reused `Buffer` refilled between calls) cannot change what a replay passes. Typed
 * arrays keep their class (`Buffer.prototype.slice` is a view, hence `Buffer.from`);
 * plain arrays and objects are cloned where they can be.
 * @param {any} value
 * @returns {any}
 */
function copyValue(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof DataView) {
    return new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  }
  if (ArrayBuffer.isView(value)) {
    const view = /** @type {any} */ (value);
    let Base = Object.getPrototypeOf(view).constructor;
    // A subclass of a typed array: copy into its standard base class.
    while (Base && !/^(Big)?(Int|Uint|Float)(8|16|32|64)(Clamped)?Array$/.test(Base.name)) Base = Object.getPrototypeOf(Base);
    return Base ? new Base(view) : Uint8Array.from(view);
  }
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (Array.isArray(value)) return value.map(copyValue);
  if (Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyValue(v)]));
  }
  return value;
}

module.exports = { createRuntime, copyValue, SLOT, RECORD };
