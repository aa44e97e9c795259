// @ts-check
// Profiles: how each class moves to a new instance by transfer (serialise in the old
// instance, rebuild in the new). Which calls are logged for replay is not decided
// here: codegen resolves its replay policy and emits each decision into the shim.
// Every module gets a transfer for each class codegen's analysis found one for; the
// built-in profile of o1js's plonk_wasm/kimchi_wasm adds the expensive state (SRS,
// prover indexes). A host can pass its own (`options.profile`).
'use strict';

const { objectPtr } = require('./instance.cjs');

/**
 * Everything a transfer needs: both instances and the old object.
 * @typedef {object} TransferContext
 * @property {Record<string, any>} from glue of the active instance
 * @property {Record<string, any>} to glue of the standby
 * @property {any} inner the object in the active instance
 * @property {import('./log.cjs').HandleRecord} record
 * @property {(record: import('./log.cjs').HandleRecord) => any} resolve the standby's object for another handle
 * @property {(className: string) => import('./log.cjs').HandleRecord[]} live live handles of a class
 * @property {(inner: any) => number} memoryWord reads a u32 of the active instance's memory
 * @property {((name: string, args: import('./side-thread.cjs').Crossing[]) => Promise<import('./side-thread.cjs').Crossing>) | undefined} offload
 *   runs a glue function of the active instance on a worker thread of its own (yield its
 *   promise to wait for it); undefined when the work must stay on this thread. Never the
 *   standby's: rayon binds its implicit global pool to the first thread that uses it (its
 *   fallback where wasm cannot spawn threads), and in a fresh instance that must be the
 *   program's thread, or the program's next parallel call waits for a side thread that
 *   is gone (o1js's prover-index decode uses that pool)
 */

/**
 * How a class moves. `transfer` may be a generator: each `yield` lets the event loop run.
 * @typedef {object} ClassMigration
 * @property {(ctx: TransferContext) => any} [transfer] returns the standby's object
 *   (undefined: this object cannot move so, replay it if it can be); none: the class
 *   is only observed
 * @property {(ctx: TransferContext, moved: any) => string | undefined} [check] a mismatch, if any
 * @property {(ctx: TransferContext) => string | undefined} [identity] handles with the same identity share one object
 * @property {(glue: Record<string, any>, inner: any) => string} [observe] what the object looks
 *   like from outside (its serialisation, its fields): a replayed object must look the same
 * @property {boolean} [derived] guessed by codegen from the typings: a transfer that fails
 *   falls back to replay instead of failing the swap
 */

/**
 * A call without required arguments that makes a new object of a class.
 * @typedef {{ kind: 'constructor' | 'static' | 'function', name?: string }} Maker
 */

/**
 * How codegen's analysis pass says a class can move and be observed
 * (`codegen/src/model/transfer.rs`).
 * @typedef {object} ClassTransferSpec
 * @property {{ save: string, load: string, load_is_function: boolean }[]} serial
 *   an instance method returning bytes or a string, and the static or function that rebuilds from it
 * @property {{ names: string[], make: Maker }} [fields] a data-only class: its public fields
 * @property {{ save: string, apply: string }[]} apply `save(obj)` and `apply(blank, saved)`, top-level functions
 * @property {string[]} views top-level functions that read the object whole
 * @property {string[]} getters getters of plain values
 * @property {string[]} readers methods that only read (by their name), callable without arguments
 * @property {Maker} [make] how to make a blank object
 */

/**
 * @typedef {object} Profile
 * @property {string} name
 * @property {Record<string, ClassMigration>} classes how each class moves by transfer
 */

/** Modules without a built-in profile: only what codegen derived from the typings moves by transfer. */
/** @type {Profile} */
const generic = { name: 'generic', classes: {} };

/**
 * The built-in profile of o1js's prover (plonk_wasm, kimchi_wasm): its expensive
 * state moves by transfer instead of a replayed compile. (Which calls are logged is
 * codegen's `o1js` replay policy, emitted into the shim.)
 * @type {Profile}
 */
const o1js = {
  name: 'o1js',
  classes: {
    WasmFpSrs: srsMigration('fp', 'vesta'),
    WasmFqSrs: srsMigration('fq', 'pallas'),
    WasmPastaFpPlonkIndex: indexMigration('fp'),
    WasmPastaFqPlonkIndex: indexMigration('fq'),
  },
};

/**
 * SRS: its points through `caml_f?_srs_get`/`_set`, then every Lagrange basis it has
 * cached (recomputing one takes seconds). Handles of one SRS (`Arc` clones, e.g. from a
 * verifier index's `srs`) share one object in the new instance.
 * @param {'fp' | 'fq'} field
 * @param {'vesta' | 'pallas'} curve
 * @returns {ClassMigration}
 */
function srsMigration(field, curve) {
  const Point = curve === 'vesta' ? 'WasmGVesta' : 'WasmGPallas';
  const PolyComm = field === 'fp' ? 'WasmFpPolyComm' : 'WasmFqPolyComm';
  /**
   * @param {TransferContext} ctx
   * @param {number} ptr a point of the active instance, owned by the caller
   */
  const movePoint = (ctx, ptr) => {
    const old = ctx.from[Point].__wrap(ptr);
    const point = ctx.to[`caml_${curve}_affine_one`]();
    point.x = old.x;
    point.y = old.y;
    point.infinity = old.infinity;
    old.free();
    return point.__destroy_into_raw();
  };
  return {
    identity(ctx) {
      // A WasmF?Srs is a WasmRefCell around an Arc: the word after the borrow flag is
      // the Arc's pointer, the same for every clone of one SRS.
      return `${field}:${ctx.memoryWord((objectPtr(ctx.inner) ?? 0) + 4)}`;
    },
    /** @returns {Generator<any, any, any>} */
    *transfer(ctx) {
      // The whole-SRS reads are long: on a side thread of the old instance where there is one.
      /**
       * @param {string} name
       * @param {any[]} args
       * @returns {Generator<any, any, any>}
       */
      function* read(name, args) {
        if (!ctx.offload) return ctx.from[name](...args);
        const crossing = args.map((a) => {
          const ptr = objectPtr(a);
          return ptr !== undefined ? { ptr, className: a.constructor.name } : { value: a };
        });
        const result = yield ctx.offload(name, crossing);
        return 'ptr' in result ? ctx.from[result.className].__wrap(result.ptr) : result.value;
      }
      const points = yield* read(`caml_${field}_srs_get`, [ctx.inner]);
      const moved = new Uint32Array(points.length);
      for (let i = 0; i < points.length; i++) {
        moved[i] = movePoint(ctx, points[i]);
        if ((i & 1023) === 1023) yield;
      }
      const srs = ctx.to[`caml_${field}_srs_set`](moved);
      yield;
      // points[0] is h; the rest are the g's, so the largest domain is their count.
      for (let size = 2; size < points.length; size *= 2) {
        if (ctx.from[`caml_${field}_srs_maybe_lagrange_commitment`](ctx.inner, size, 0) === undefined) continue;
        const comms = yield* read(`caml_${field}_srs_get_lagrange_basis`, [ctx.inner, size]);
        const bases = new Uint32Array(comms.length);
        for (let i = 0; i < comms.length; i++) {
          const comm = ctx.from[PolyComm].__wrap(comms[i]);
          const unshifted = comm.unshifted;
          const shifted = comm.shifted;
          comm.free();
          const movedUnshifted = new Uint32Array(unshifted.length);
          for (let j = 0; j < unshifted.length; j++) movedUnshifted[j] = movePoint(ctx, unshifted[j]);
          let movedShifted;
          if (shifted !== undefined) {
            movedShifted = ctx.to[`caml_${curve}_affine_one`]();
            movedShifted.x = shifted.x;
            movedShifted.y = shifted.y;
            movedShifted.infinity = shifted.infinity;
            shifted.free();
          }
          bases[i] = new ctx.to[PolyComm](movedUnshifted, movedShifted).__destroy_into_raw();
          if ((i & 255) === 255) yield;
        }
        ctx.to[`caml_${field}_srs_set_lagrange_basis`](srs, size, bases);
        yield;
      }
      return srs;
    },
    check(ctx, moved) {
      const h = (/** @type {Record<string, any>} */ glue, /** @type {any} */ srs) => {
        const point = glue[`caml_${field}_srs_h`](srs);
        const key = `${Buffer.from(point.x).toString('hex')}:${Buffer.from(point.y).toString('hex')}`;
        point.free();
        return key;
      };
      return h(ctx.from, ctx.inner) === h(ctx.to, moved) ? undefined : `SRS point h differs after the transfer`;
    },
  };
}

/**
 * Prover index: `encode` in the old instance, `decode(bytes, srs)` in the new one with
 * the SRS it was created with (found in its birth entry); checked by encoding again.
 * @param {'fp' | 'fq'} field
 * @returns {ClassMigration}
 */
function indexMigration(field) {
  const encode = `caml_pasta_${field}_plonk_index_encode`;
  const decode = `caml_pasta_${field}_plonk_index_decode`;
  const indexClass = field === 'fp' ? 'WasmPastaFpPlonkIndex' : 'WasmPastaFqPlonkIndex';
  const srsClass = field === 'fp' ? 'WasmFpSrs' : 'WasmFqSrs';
  /** @type {WeakMap<any, string | undefined>} Outcome of the check made during the transfer. */
  const checked = new WeakMap();
  const same = (/** @type {Uint8Array} */ a, /** @type {Uint8Array} */ b) =>
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
      ? undefined
      : `prover index encodes to different bytes after the transfer (${a.length} vs ${b.length} bytes)`;
  return {
    /** @returns {Generator<any, any, any>} */
    *transfer(ctx) {
      // The SRS it was made with (from its logged birth), else the one SRS of its field
      // the program holds (an index read from a file has no logged birth).
      const birth = ctx.record.birth;
      const srsArg = birth?.args.find((a) => 'handle' in a && a.handle.className === srsClass);
      const srsRecord = srsArg && 'handle' in srsArg ? srsArg.handle : ctx.live(srsClass)[0];
      if (!srsRecord) throw new Error(`${field} prover index ${ctx.record.id}: no SRS to decode it with`);
      const srs = ctx.resolve(srsRecord);
      // Encoding takes seconds for a real circuit: off the program's thread where it can be.
      const bytes = ctx.offload
        ? /** @type {any} */ (yield ctx.offload(encode, [{ ptr: ctx.inner.__wbg_ptr, className: indexClass }])).value
        : ctx.from[encode](ctx.inner);
      yield;
      const moved = ctx.to[decode](bytes, srs);
      checked.set(moved, same(bytes, ctx.to[encode](moved)));
      return moved;
    },
    check(_ctx, moved) {
      return checked.get(moved);
    },
  };
}

/**
 * A key for comparing two observations: bytes as hex, other values as JSON.
 * @param {any} value
 * @returns {string}
 */
function observationKey(value) {
  if (ArrayBuffer.isView(value)) return `bytes:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (value !== null && typeof value === 'object' && typeof value.free === 'function') {
    throw new TypeError('a field holds an object of the module: not a value');
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * The migration of a class codegen's analysis found a way to transfer or observe.
 * Its observation is everything the module lets one read of an object: its first
 * serialisation, the functions that read it whole, its plain getters. A transfer tries
 * each serial pair, then each apply pair on a blank object (made by replaying its
 * logged constructor, so options such as a client id carry over), then the fields of a
 * data-only class, and keeps the first whose result observes equal to the original.
 * Nothing that fits: undefined, and the migration replays the object instead.
 * @param {string} className
 * @param {ClassTransferSpec} spec
 * @returns {ClassMigration}
 */
function derivedMigration(className, spec) {
  /**
   * One `label=value` line per thing read, so that a mismatch can say which differs.
   * @param {Record<string, any>} glue
   * @param {any} inner
   */
  const observe = (glue, inner) => {
    const parts = [];
    if (spec.serial.length > 0) parts.push(`${spec.serial[0].save}()=${observationKey(inner[spec.serial[0].save]())}`);
    for (const view of spec.views) parts.push(`${view}(it)=${observationKey(glue[view](inner))}`);
    for (const getter of spec.getters) parts.push(`${getter}=${observationKey(inner[getter])}`);
    for (const reader of spec.readers) parts.push(`${reader}()=${observationKey(inner[reader]())}`);
    return parts.join('\n');
  };
  /** @param {Record<string, any>} glue @param {Maker} m @param {any[]} args */
  const make = (glue, m, args = []) => {
    if (m.kind === 'constructor') return new glue[className](...args);
    if (m.kind === 'static') return glue[className][/** @type {string} */ (m.name)](...args);
    return glue[/** @type {string} */ (m.name)](...args);
  };
  /** A blank object in `ctx.to`: its logged birth replayed if it was a plain constructor, else made. */
  const blank = (/** @type {TransferContext} */ ctx) => {
    const birth = ctx.record.birth;
    if (birth?.op.kind === 'constructor' && birth.args.every((a) => 'value' in a)) {
      return new ctx.to[className](...birth.args.map((a) => /** @type {any} */ (a).value));
    }
    return make(ctx.to, /** @type {Maker} */ (spec.make));
  };
  /** @param {any} obj */
  const dispose = (obj) => {
    if (objectPtr(obj)) obj.free();
  };
  /** @param {unknown} error */
  const rethrowTrap = (error) => {
    if (error instanceof /** @type {any} */ (globalThis).WebAssembly.RuntimeError) throw error;
  };
  const canTransfer = spec.serial.length > 0 || spec.apply.length > 0 || spec.fields !== undefined;
  /** @type {ClassMigration} */
  const migration = {
    derived: true,
    // Checked inside `transfer`: what it returns observes equal to the original.
    check: () => undefined,
    observe,
  };
  if (!canTransfer) return migration;
  migration.transfer = (ctx) => {
    /** @type {string | undefined} */
    let original;
    /** @param {() => any} build */
    const attempt = (build) => {
      let moved;
      try {
        moved = build();
        // The candidate is read first, then the original: a reading that panics fails in
        // the standby and leaves the program's instance alone.
        if (objectPtr(moved) && observe(ctx.to, moved) === (original ??= observe(ctx.from, ctx.inner))) return moved;
      } catch (error) {
        rethrowTrap(error);
      }
      dispose(moved);
      return undefined;
    };
    for (const pair of spec.serial) {
      const moved = attempt(() => {
        const saved = ctx.inner[pair.save]();
        return pair.load_is_function ? ctx.to[pair.load](saved) : ctx.to[className][pair.load](saved);
      });
      if (moved) return moved;
    }
    for (const pair of spec.apply) {
      const moved = attempt(() => {
        const target = blank(ctx);
        ctx.to[pair.apply](target, ctx.from[pair.save](ctx.inner), undefined);
        return target;
      });
      if (moved) return moved;
    }
    const fields = spec.fields;
    if (fields) {
      const moved = attempt(() => {
        const target = make(ctx.to, fields.make);
        for (const name of fields.names) target[name] = ctx.inner[name];
        return target;
      });
      if (moved) return moved;
    }
    return undefined;
  };
  return migration;
}

/** Built-in profiles by module name. */
const BUILT_IN = { plonk_wasm: o1js, kimchi_wasm: o1js };

/**
 * The profile of a module: the host's, else the built-in one, with a migration for
 * every class codegen found a transfer for (the profile's own migrations win).
 * @param {string} module
 * @param {Profile | undefined} given
 * @param {Record<string, ClassTransferSpec>} [transfers]
 * @returns {Profile}
 */
function profileFor(module, given, transfers = {}) {
  const base = given ?? /** @type {Record<string, Profile>} */ (BUILT_IN)[module] ?? generic;
  /** @type {Record<string, ClassMigration>} */
  const classes = {};
  for (const [className, spec] of Object.entries(transfers)) classes[className] = derivedMigration(className, spec);
  return { ...base, classes: { ...classes, ...base.classes } };
}

module.exports = { generic, o1js, profileFor, derivedMigration, observationKey };
