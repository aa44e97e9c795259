// @ts-check
// Profiles: which calls the log keeps and how each class moves to a new instance.
// The generic profile logs what creates or changes a handle and replays it; the
// built-in profile for o1js's plonk_wasm/kimchi_wasm moves the expensive state
// (SRS, prover indexes) by transfer (serialise in the old instance, rebuild in the
// new) instead of replaying a compile. A host can pass its own (`options.profile`).
'use strict';

/**
 * What the shim knows of an export, from the typings.
 * @typedef {object} OperationSpec
 * @property {'function' | 'constructor' | 'method' | 'static' | 'setter'} kind
 * @property {string} name
 * @property {string} [className]
 * @property {string} [returns] class of the result, if it is a handle
 * @property {string[]} [params] TypeScript types of the parameters
 */

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
 * @property {((side: 'from' | 'to', name: string, args: import('./side-thread.cjs').Crossing[]) => Promise<import('./side-thread.cjs').Crossing>) | undefined} offload
 *   runs a glue function on a worker thread of either instance (yield its promise to
 *   wait for it); undefined when the work must stay on this thread
 */

/**
 * How a class moves. `transfer` may be a generator: each `yield` lets the event loop run.
 * @typedef {object} ClassMigration
 * @property {(ctx: TransferContext) => any} transfer returns the standby's object
 * @property {(ctx: TransferContext, moved: any) => string | undefined} [check] a mismatch, if any
 * @property {(ctx: TransferContext) => string | undefined} [identity] handles with the same identity share one object
 */

/**
 * @typedef {object} Profile
 * @property {string} name
 * @property {(spec: OperationSpec) => { log: boolean, mutates: number, refuse?: string }} operation
 * @property {Record<string, ClassMigration>} classes
 */

/** @type {Profile} */
const generic = {
  name: 'generic',
  operation(spec) {
    switch (spec.kind) {
      case 'constructor':
        return { log: true, mutates: -1 };
      case 'method':
      case 'setter':
        // Without better knowledge, a method may change `this`.
        return { log: true, mutates: -1 };
      default:
        return { log: spec.returns !== undefined, mutates: -1 };
    }
  },
  classes: {},
};

/**
 * Calls whose results are never replayed: random, costly, tied to files, or curve
 * arithmetic whose points o1js converts at once (logging them would slow every call).
 */
const O1JS_UNLOGGED =
  /_proof_create|_oracles_create|_random|_rng|_read$|_write$|_batch_|_verify|_srs_get|_lagrange_commitments_whole_domain|^caml_(pallas|vesta)_/;
/** Witness vectors are built for one proof and consumed by it. */
const O1JS_TRANSIENT_CLASSES = /^WasmVecVec/;

/**
 * The built-in profile of o1js's prover (plonk_wasm, kimchi_wasm).
 * @type {Profile}
 */
const o1js = {
  name: 'o1js',
  operation(spec) {
    const refuse = (spec.params ?? []).includes('Uint32Array')
      ? 'takes a Uint32Array of raw pointers into one instance'
      : undefined;
    if (spec.className && O1JS_TRANSIENT_CLASSES.test(spec.className)) return { log: false, mutates: -1 };
    if (spec.kind === 'function') {
      const gateVector = /^caml_pasta_f[pq]_plonk_gate_vector_(add|wrap)$/.test(spec.name);
      const lagrange = /^caml_f[pq]_srs_(add|set)_lagrange_basis$/.test(spec.name);
      if (gateVector || lagrange) return { log: true, mutates: 0, refuse };
      if (O1JS_UNLOGGED.test(spec.name)) return { log: false, mutates: -1 };
    }
    const decision = generic.operation(spec);
    return { ...decision, refuse };
  },
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
      return `${field}:${ctx.memoryWord(ctx.inner.__wbg_ptr + 4)}`;
    },
    /** @returns {Generator<any, any, any>} */
    *transfer(ctx) {
      // The whole-SRS calls are long: on side threads where there are some.
      /**
       * @param {'from' | 'to'} side
       * @param {string} name
       * @param {any[]} args
       * @returns {Generator<any, any, any>}
       */
      function* call(side, name, args) {
        const glue = side === 'from' ? ctx.from : ctx.to;
        if (!ctx.offload) return glue[name](...args);
        const crossing = args.map((a) =>
          a != null && typeof a === 'object' && '__wbg_ptr' in a ? { ptr: a.__wbg_ptr, className: a.constructor.name } : { value: a },
        );
        const result = yield ctx.offload(side, name, crossing);
        return 'ptr' in result ? glue[result.className].__wrap(result.ptr) : result.value;
      }
      const points = yield* call('from', `caml_${field}_srs_get`, [ctx.inner]);
      const moved = new Uint32Array(points.length);
      for (let i = 0; i < points.length; i++) {
        moved[i] = movePoint(ctx, points[i]);
        if ((i & 1023) === 1023) yield;
      }
      const srs = yield* call('to', `caml_${field}_srs_set`, [moved]);
      // points[0] is h; the rest are the g's, so the largest domain is their count.
      for (let size = 2; size < points.length; size *= 2) {
        if (ctx.from[`caml_${field}_srs_maybe_lagrange_commitment`](ctx.inner, size, 0) === undefined) continue;
        const comms = yield* call('from', `caml_${field}_srs_get_lagrange_basis`, [ctx.inner, size]);
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
        yield* call('to', `caml_${field}_srs_set_lagrange_basis`, [srs, size, bases]);
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
      if (ctx.offload) {
        // Encoding and decoding take seconds for a real circuit: off the program's thread.
        const index = { ptr: ctx.inner.__wbg_ptr, className: indexClass };
        const bytes = /** @type {any} */ (yield ctx.offload('from', encode, [index])).value;
        const made = /** @type {any} */ (yield ctx.offload('to', decode, [{ value: bytes }, { ptr: srs.__wbg_ptr, className: srsClass }]));
        const moved = ctx.to[indexClass].__wrap(made.ptr);
        const again = /** @type {any} */ (yield ctx.offload('to', encode, [{ ptr: made.ptr, className: indexClass }])).value;
        checked.set(moved, same(bytes, again));
        return moved;
      }
      const bytes = ctx.from[encode](ctx.inner);
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

/** Built-in profiles by module name. */
const BUILT_IN = { plonk_wasm: o1js, kimchi_wasm: o1js };

/**
 * @param {string} module
 * @param {Profile | undefined} given
 * @returns {Profile}
 */
function profileFor(module, given) {
  return given ?? /** @type {Record<string, Profile>} */ (BUILT_IN)[module] ?? generic;
}

module.exports = { generic, o1js, profileFor };
