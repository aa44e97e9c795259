// @ts-check
// Migration: rebuilds the live state of the active instance in a standby. Handles of a
// class the profile can transfer are serialised across (and checked); everything else
// is rebuilt by replaying the log in call order, with every handle argument remapped
// to its object in the standby, and compared with its original where its class can be
// observed. What neither can rebuild stays behind, stale, and never fails the swap for
// the rest. Written as generators: each `yield` is a point where the event loop may
// run, so a long migration never stalls the program for long.
'use strict';

const { groupOf } = require('./log.cjs');
const { objectPtr } = require('./instance.cjs');

/** A migration step that failed; `stage` says which (for metrics and events). */
class MigrationError extends Error {
  /**
   * @param {'replay' | 'transfer' | 'check'} stage
   * @param {string} message
   * @param {unknown} [cause]
   * @param {import('./log.cjs').HandleRecord} [activeTrap] set when the active instance
   *   trapped: reading this handle's object there to verify its copy did. The active
   *   instance is then as undefined as after any trap.
   */
  constructor(stage, message, cause, activeTrap) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'MigrationError';
    this.stage = stage;
    this.activeTrap = activeTrap;
  }
}

class Migration {
  /**
   * @param {object} parts
   * @param {import('./log.cjs').ReplayLog} parts.log
   * @param {import('./instance.cjs').Instance} parts.from
   * @param {import('./instance.cjs').Instance} parts.to
   * @param {import('./profiles.cjs').Profile} parts.profile
   * @param {() => Iterable<import('./log.cjs').HandleRecord>} parts.live records of live handles
   * @param {(record: import('./log.cjs').HandleRecord) => any} parts.innerOf the active object of a handle
   * @param {boolean} parts.verify run the profile's determinism checks
   * @param {string | undefined} parts.fault
   * @param {string} parts.glue path of the glue (side threads load it)
   * @param {() => void} parts.prune lets go of handles consumed or freed since
   * @param {Set<import('./log.cjs').HandleRecord>} [parts.suspects] after a trap: the handles the
   *   trapping call had (and their lineage), whose memory it may have left half-changed
   */
  constructor(parts) {
    this.log = parts.log;
    this.from = parts.from;
    this.to = parts.to;
    this.profile = parts.profile;
    this.live = parts.live;
    this.innerOf = parts.innerOf;
    this.verify = parts.verify;
    this.fault = parts.fault;
    this.glue = parts.glue;
    this.prune = parts.prune;
    /**
     * After a trap, `from` is undefined: its objects may only move by replay or by a
     * transfer of an object the trapping call did not have, and an old object that traps
     * again when read is replayed instead, unverified.
     */
    this.afterTrap = parts.suspects !== undefined;
    /** @type {Set<object>} Lineage groups of the objects the trapping call had. */
    this.suspectGroups = new Set([...(parts.suspects ?? [])].map((record) => groupOf(record)));
    /** @type {Map<import('./log.cjs').HandleRecord, number>} Handles compared with their original, and the log sequence then. */
    this.verified = new Map();
    /** @type {Set<import('./log.cjs').HandleRecord>} Handles whose transfer failed its check: replayed instead, if they can be. */
    this.untransferable = new Set();
    /** Callbacks passed to replayed calls reach the program only once this opens (at the flip). */
    this.gate = { open: false };
    /** @type {Map<import('./log.cjs').HandleRecord, string>} Why each stuck handle could not be rebuilt. */
    this.why = new Map();
    /**
     * @type {Map<object, number>} Lineage groups a member of which moved by transfer, and
     * the log sequence then: the transfer carried the changes made through any member
     * until then (a document's state includes what was typed into its texts).
     */
    this.transferredGroups = new Map();
    /** @type {Set<import('./log.cjs').HandleRecord>} Live handles whose changes were not redone, as a transfer of their group carried them. */
    this.carried = new Set();
    /** Whether steps may hand long calls to side threads (not in the final, synchronous step). */
    this.offloading = true;
    /** @type {Map<import('./log.cjs').HandleRecord, any>} The standby's object of each handle. */
    this.moved = new Map();
    /** @type {Map<import('./log.cjs').HandleRecord, number>} Log sequence at which a handle was transferred. */
    this.transferredAt = new Map();
    /** @type {Map<string, any>} Transferred objects by identity, for handles that share one. */
    this.byIdentity = new Map();
    /** @type {Set<any>} Standby objects more than one handle points at. */
    this.shared = new Set();
    /** @type {Set<import('./log.cjs').Entry>} */
    this.replayed = new Set();
    /** @type {Set<import('./log.cjs').HandleRecord>} Handles the log cannot rebuild (they stay behind). */
    this.stuck = new Set();
    /** Log sequence number up to which every entry was replayed. */
    this.replayedUpTo = -1;
    this.replays = 0;
    this.transfers = 0;
    /** What the migration is doing now (names the longest pause in swap results). */
    this.step = 'start';
  }

  /** @param {import('./log.cjs').HandleRecord} record */
  transferable(record) {
    const migration = this.profile.classes[record.className];
    return typeof migration?.transfer === 'function' && !this.untransferable.has(record) && !this.suspect(record);
  }

  /**
   * Whether the trap this migration recovers from may have left `record`'s object
   * half-changed: it was (in the lineage of) an object of the trapping call. Such an
   * object is rebuilt from its history, as it was before that call, and not compared
   * with what is left of it.
   * @param {import('./log.cjs').HandleRecord} record
   */
  suspect(record) {
    return this.afterTrap && this.suspectGroups.size > 0 && this.suspectGroups.has(groupOf(record));
  }

  /**
   * Transfers every live handle that can be, replays the log for the rest, then
   * compares what the replay rebuilt with the originals.
   */
  *run() {
    this.prune();
    for (const record of this.live()) {
      if (!this.moved.has(record) && this.transferable(record)) yield* this.transfer(record);
    }
    // A Set iterates entries added while it runs, so calls made during the yields are
    // caught up too; a pass with no new call since the last one has nothing to replay.
    if (this.log.seq !== this.replayedUpTo) {
      for (const entry of this.log.entries) {
        if (this.replayed.has(entry)) continue;
        yield* this.replay(entry);
      }
      this.replayedUpTo = this.log.seq;
    }
    // Transfers redone for handles that calls touched after they moved.
    for (const [record, at] of this.transferredAt) {
      if (record.touched > at && record.alive) {
        this.moved.delete(record);
        this.verified.delete(record);
        yield* this.transfer(record);
      }
    }
    // Replayed handles, observed where their class allows, again if touched since.
    for (const [record, moved] of this.moved) {
      if (!record.alive || this.transferredAt.has(record)) continue;
      const at = this.verified.get(record);
      if (at !== undefined && record.touched <= at) continue;
      this.observe(record, moved);
      if (this.carried.has(record) && !this.verified.has(record)) {
        // Its changes were trusted to a transfer of its group and nothing can check that.
        this.strand(record, `its changes were carried by the transfer of another object of its lineage, and ${record.className} offers nothing to check it`);
      }
      yield;
    }
  }

  /**
   * Compares a replayed object with its original through the observation its class
   * offers (a serialisation, its fields); a mismatch fails the swap.
   * @param {import('./log.cjs').HandleRecord} record
   * @param {any} moved
   */
  observe(record, moved) {
    const observe = this.profile.classes[record.className]?.observe;
    const inner = this.innerOf(record);
    // Consumed or freed since the migration began: nothing to compare (it is not moved).
    if (!observe || !objectPtr(inner) || !objectPtr(moved) || this.suspect(record)) return;
    const seq = this.log.seq;
    let before;
    let after;
    // The standby's object first: a reading that panics (a reader that needs state the
    // object lacks) fails the swap there, without touching the program's instance.
    try {
      after = observe(this.to.exports, moved);
    } catch (error) {
      throw new MigrationError('check', `observing ${record.className} #${record.id} in the standby: ${describe(error)}`, error);
    }
    try {
      before = observe(this.from.exports, inner);
    } catch (error) {
      const trap = error instanceof wasmApi.RuntimeError;
      // What a trap left cannot always be read: the object stays unverified.
      if (this.afterTrap && trap) return;
      throw new MigrationError('check', `observing ${record.className} #${record.id}: ${describe(error)}`, error, trap ? record : undefined);
    }
    if (before !== after) {
      const birth = record.birth ? `${record.birth.op.className ? `${record.birth.op.className}.` : ''}${record.birth.op.name} (call #${record.birth.seq})` : 'an unlogged call';
      const a = before.split('\n');
      const b = after.split('\n');
      const differs = a.findIndex((line, i) => line !== b[i]);
      const what = (a[differs] ?? '').split('=')[0];
      throw new MigrationError(
        'check',
        `${record.className} #${record.id}, built by ${birth}, differs from its original after the replay (${what} reads differently): ` +
          `a call it depends on is not deterministic (a random default, e.g. an id; pass it explicitly) or changed it without being logged (a replay policy rule can log it)`,
      );
    }
    this.verified.set(record, seq);
  }

  /**
   * Frees what the standby rebuilt for handles that have died since (consumed
   * arguments, freed objects), so that the flip only has live handles to re-point.
   */
  *sweep() {
    let count = 0;
    for (const [record, inner] of this.moved) {
      if (record.alive) continue;
      this.moved.delete(record);
      if (!this.shared.has(inner) && objectPtr(inner)) inner.free();
      if ((++count & 1023) === 0) yield;
    }
  }

  /** Live handles the standby has nothing for: they would stay behind if it flipped now. */
  stranded() {
    /** @type {import('./log.cjs').HandleRecord[]} */
    const left = [];
    for (const record of this.live()) {
      if (this.moved.has(record)) continue;
      const inner = this.innerOf(record);
      if (inner !== undefined && objectPtr(inner) !== 0) left.push(record);
    }
    return left;
  }

  /** Runs the rest of the migration without yielding (the last step before the flip). */
  finish() {
    this.offloading = false;
    for (const _ of this.run());
    this.gate.open = true;
  }

  /** Stops the side thread the migration started. */
  close() {
    this.from.side?.close();
    this.from.side = undefined;
  }

  /**
   * The standby's object for a handle argument; STUCK where nothing rebuilds it.
   * @param {import('./log.cjs').HandleRecord} record
   */
  resolve(record) {
    if (this.moved.has(record)) return this.moved.get(record);
    if (this.stuck.has(record)) return STUCK;
    if (this.transferable(record)) {
      // Needed right now, inside another step: transfer it on this thread.
      const offloading = this.offloading;
      this.offloading = false;
      try {
        for (const _ of this.transfer(record));
      } finally {
        this.offloading = offloading;
      }
      if (this.moved.has(record)) return this.moved.get(record);
    }
    this.strand(record, `it was created by a call the log does not keep (${record.className} #${record.id})`);
    return STUCK;
  }

  /**
   * Leaves a handle behind on the old instance: after the flip it fails clearly on use.
   * @param {import('./log.cjs').HandleRecord} record
   * @param {string} why
   */
  strand(record, why) {
    this.stuck.add(record);
    if (!this.why.has(record)) this.why.set(record, why);
    const moved = this.moved.get(record);
    if (moved !== undefined) {
      this.moved.delete(record);
      if (!this.shared.has(moved) && objectPtr(moved)) moved.free();
    }
  }

  /** @param {import('./log.cjs').Entry} entry */
  *replay(entry) {
    this.replayed.add(entry);
    const { op } = entry;
    this.step = `replay ${op.className ? `${op.className}.` : ''}${op.name}`;
    // State that moves by transfer is not rebuilt from its history: not the object, not
    // its changes, and not the changes made through other members of its lineage group
    // before it moved (their state travelled with it). Members made from it (a text of
    // a document) are still made, from the moved object, and then observed.
    if (entry.result && this.transferable(entry.result) && entry.result.alive) return;
    const group = (entry.target ?? entry.result)?.group;
    const transferredAt = group && this.transferredGroups.get(group);
    if (transferredAt !== undefined && entry.seq <= transferredAt) {
      if (!entry.result || !entry.result.alive) {
        // A live member's change not redone: only its observation can show it was carried.
        if (entry.target?.alive && !this.transferredAt.has(entry.target)) this.carried.add(entry.target);
        return;
      }
    }
    if (entry.target && this.transferable(entry.target) && !entry.result) return;
    if (this.fault === 'replay') {
      throw new MigrationError('replay', `replaying ${op.name}: injected fault`, new (/** @type {any} */ (globalThis).WebAssembly.RuntimeError)('unreachable'));
    }
    // A call that cannot be replayed leaves what it made or changed behind on the old
    // instance (stale: after the flip they fail clearly when used), and so does
    // every call that needs those handles.
    const call = `${op.className ? `${op.className}.` : ''}${op.name} (call #${entry.seq})`;
    /** @param {string} why */
    const stuck = (why) => {
      if (entry.result) this.strand(entry.result, why);
      if (entry.target) this.strand(entry.target, why);
    };
    if (op.kind === 'free') {
      const moved = entry.target && this.moved.get(entry.target);
      if (objectPtr(moved) && !this.shared.has(moved)) moved.free();
      if (entry.target) this.moved.delete(entry.target);
      return;
    }
    if (op.pointers && entry.args.some((a) => 'value' in a && a.value instanceof Uint32Array && a.value.length > 0)) {
      stuck(`${call} cannot be replayed: it took a Uint32Array of raw pointers into the old instance`);
      return;
    }
    if (op.refuse) {
      stuck(`${call} cannot be replayed: ${op.refuse}`);
      return;
    }
    const records = entry.args.flatMap((a) => ('handle' in a ? [a.handle] : 'handles' in a ? a.handles : []));
    if (entry.target && op.kind !== 'function' && op.kind !== 'static') records.push(entry.target);
    const blocked = records.find((r) => this.resolve(r) === STUCK);
    if (blocked) {
      stuck(`${call} needs ${blocked.className} #${blocked.id}, which could not be rebuilt`);
      return;
    }
    const gate = this.gate;
    const args = entry.args.map((a) => {
      if ('handle' in a) return this.resolve(a.handle);
      if ('handles' in a) return a.handles.map((r) => this.resolve(r));
      if ('callback' in a) {
        const callback = a.callback;
        // Registered in the standby, silent until the flip: replay never reaches the program.
        return (/** @type {any[]} */ ...xs) => (gate.open ? callback(...xs) : undefined);
      }
      return a.value;
    });
    const glue = this.to.exports;
    let result;
    try {
      switch (op.kind) {
        case 'function':
          result = glue[op.name](...args);
          break;
        case 'constructor':
          result = new glue[/** @type {string} */ (op.className)](...args);
          break;
        case 'static':
          result = glue[/** @type {string} */ (op.className)][op.name](...args);
          break;
        case 'method':
          result = this.resolve(/** @type {any} */ (entry.target))[op.name](...args);
          break;
        case 'setter':
          this.resolve(/** @type {any} */ (entry.target))[op.name] = args[0];
          break;
      }
    } catch (error) {
      // A trap leaves the standby undefined: the swap fails. An error the module returned
      // (the call's own failure) means this lineage cannot be rebuilt: it stays behind.
      if (error instanceof wasmApi.RuntimeError || this.fault) {
        throw new MigrationError('replay', `replaying ${call}: ${describe(error)}`, error);
      }
      stuck(`replaying ${call} failed: ${describe(error)}`);
      return;
    }
    this.replays++;
    if (entry.result) this.moved.set(entry.result, result);
    yield;
  }

  /** @param {import('./log.cjs').HandleRecord} record */
  *transfer(record) {
    const inner = this.innerOf(record);
    if (inner === undefined || objectPtr(inner) === 0) return;
    const migration = this.profile.classes[record.className];
    if (typeof migration?.transfer !== 'function') return;
    this.step = `transfer ${record.className} #${record.id}`;
    const memory = this.from.memory();
    /** @type {import('./profiles.cjs').TransferContext} */
    const ctx = {
      from: this.from.exports,
      to: this.to.exports,
      inner,
      record,
      resolve: (r) => this.resolve(r),
      live: (className) => [...this.live()].filter((r) => r.className === className),
      memoryWord: (address) => new DataView(memory.buffer).getUint32(address, true),
      offload: this.offloading ? (name, args) => this.offload(name, args) : undefined,
    };
    const identity = migration.identity?.(ctx);
    if (identity !== undefined && this.byIdentity.has(identity)) {
      const shared = this.byIdentity.get(identity);
      this.shared.add(shared);
      this.moved.set(record, shared);
      this.transferredAt.set(record, this.log.seq);
      if (migration.check && this.verify) this.verified.set(record, this.log.seq);
      return;
    }
    const at = this.log.seq;
    let moved;
    try {
      const step = migration.transfer(ctx);
      if (step && typeof step.next === 'function') {
        moved = yield* step;
      } else {
        moved = step;
      }
    } catch (error) {
      const trap = error instanceof wasmApi.RuntimeError;
      // A guess of codegen's that does not hold for this object, or an object of a trapped
      // instance that cannot be read any more: replay it instead.
      if ((migration.derived && !trap) || (this.afterTrap && trap)) {
        this.untransferable.add(record);
        return;
      }
      // A trap here may be the standby's (full, say) or the original's: not told apart, so
      // the active instance keeps serving, as before a swap.
      throw new MigrationError('transfer', `transferring ${record.className} #${record.id}: ${describe(error)}`, error);
    }
    if (moved === undefined) {
      this.untransferable.add(record);
      return;
    }
    if (this.verify || this.fault === 'check') {
      const mismatch = this.fault === 'check' ? 'injected fault' : migration.check?.(ctx, moved);
      if (mismatch) {
        throw new MigrationError('check', `${record.className} #${record.id} failed its determinism check: ${mismatch}`);
      }
      if (migration.check) this.verified.set(record, at);
    }
    this.transfers++;
    const group = groupOf(record);
    const seen = this.transferredGroups.get(group);
    this.transferredGroups.set(group, seen === undefined ? at : Math.min(seen, at));
    if (identity !== undefined) this.byIdentity.set(identity, moved);
    this.moved.set(record, moved);
    this.transferredAt.set(record, at);
  }

  /**
   * Runs `name` of the active instance on a side thread of its own; falls back to this
   * thread where the memory is not shared. Only for reads (encodings, copies) that use
   * no rayon pool: see `TransferContext.offload`.
   * @param {string} name
   * @param {import('./side-thread.cjs').Crossing[]} args
   * @returns {Promise<import('./side-thread.cjs').Crossing>}
   */
  offload(name, args) {
    const thread = this.from.sideThread(this.glue);
    if (thread) return thread.call(name, args);
    const glue = this.from.exports;
    const values = args.map((a) => ('ptr' in a ? glue[a.className].__wrap(a.ptr) : a.value));
    try {
      const raw = glue[name](...values);
      if (raw != null && typeof raw.__destroy_into_raw === 'function') {
        return Promise.resolve({ ptr: raw.__destroy_into_raw(), className: raw.constructor.name });
      }
      return Promise.resolve({ value: raw });
    } finally {
      for (const v of values) if (v != null && typeof v.__destroy_into_raw === 'function' && objectPtr(v)) v.__destroy_into_raw();
    }
  }

}

/** The WebAssembly namespace (typed loosely: Node's typings leave it to lib.dom). */
const wasmApi = /** @type {any} */ (globalThis).WebAssembly;

/** What `resolve` answers for a handle nothing can rebuild. */
const STUCK = Symbol('wasm-proxy.stuck');

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

module.exports = { Migration, MigrationError, describe };
