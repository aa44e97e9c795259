// @ts-check
// Migration: rebuilds the live state of the active instance in a standby. Handles of a
// class the profile can transfer are serialised across; everything else is rebuilt by
// replaying the log in call order, with every handle argument remapped to its object
// in the standby. Written as generators: each `yield` is a point where the event loop
// may run, so a long migration never stalls the program for long.
'use strict';

/** A migration step that failed; `stage` says which (for metrics and events). */
class MigrationError extends Error {
  /**
   * @param {'replay' | 'transfer' | 'check'} stage
   * @param {string} message
   * @param {unknown} [cause]
   */
  constructor(stage, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'MigrationError';
    this.stage = stage;
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
    return Object.hasOwn(this.profile.classes, record.className);
  }

  /** Replays the log and transfers every live handle that needs it. */
  *run() {
    // A Set iterates entries added while it runs, so calls made during the yields are
    // caught up too; a pass with no new call since the last one has nothing to replay.
    if (this.log.seq !== this.replayedUpTo) {
      for (const entry of this.log.entries) {
        if (this.replayed.has(entry)) continue;
        yield* this.replay(entry);
      }
      this.replayedUpTo = this.log.seq;
    }
    for (const record of this.live()) {
      if (!this.moved.has(record) && this.transferable(record)) yield* this.transfer(record);
    }
    // Transfers redone for handles that calls touched after they moved.
    for (const [record, at] of this.transferredAt) {
      if (record.touched > at && record.alive) {
        this.moved.delete(record);
        yield* this.transfer(record);
      }
    }
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
      if (!this.shared.has(inner) && inner?.__wbg_ptr) inner.free();
      if ((++count & 1023) === 0) yield;
    }
  }

  /** Runs the rest of the migration without yielding (the last step before the flip). */
  finish() {
    this.offloading = false;
    for (const _ of this.run());
  }

  /** Stops the side threads the migration started. */
  close() {
    for (const instance of [this.from, this.to]) {
      instance.side?.close();
      instance.side = undefined;
    }
  }

  /**
   * The standby's object for a handle argument.
   * @param {import('./log.cjs').HandleRecord} record
   */
  resolve(record) {
    if (this.moved.has(record)) return this.moved.get(record);
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
    throw new MigrationError(
      'replay',
      `handle #${record.id} (${record.className}) was created by a call the log does not keep, so it cannot be rebuilt`,
    );
  }

  /** @param {import('./log.cjs').Entry} entry */
  *replay(entry) {
    this.replayed.add(entry);
    const { op } = entry;
    this.step = `replay ${op.className ? `${op.className}.` : ''}${op.name}`;
    // State that moves by transfer is not rebuilt from its history.
    if (entry.result && this.transferable(entry.result) && entry.result.alive) return;
    if (entry.target && this.transferable(entry.target)) return;
    if (this.fault === 'replay') {
      throw new MigrationError('replay', `replaying ${op.name}: injected fault`, new (/** @type {any} */ (globalThis).WebAssembly.RuntimeError)('unreachable'));
    }
    // A call that cannot be replayed leaves what it made or changed behind on the old
    // instance (stale: after the flip they fail clearly when used), and so does
    // every call that needs those handles.
    const stuck = () => {
      if (entry.result) this.stuck.add(entry.result);
      if (entry.target) this.stuck.add(entry.target);
    };
    if (op.refuse && entry.args.some((a) => 'value' in a && a.value instanceof Uint32Array && a.value.length > 0)) {
      stuck();
      return;
    }
    const records = entry.args.flatMap((a) => ('handle' in a ? [a.handle] : 'handles' in a ? a.handles : []));
    if (records.some((r) => this.stuck.has(r)) || (entry.target && this.stuck.has(entry.target))) {
      stuck();
      return;
    }
    const args = entry.args.map((a) => {
      if ('handle' in a) return this.resolve(a.handle);
      if ('handles' in a) return a.handles.map((r) => this.resolve(r));
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
      throw new MigrationError('replay', `replaying ${op.className ? `${op.className}.` : ''}${op.name} (call #${entry.seq}): ${describe(error)}`, error);
    }
    this.replays++;
    if (entry.result) this.moved.set(entry.result, result);
    yield;
  }

  /** @param {import('./log.cjs').HandleRecord} record */
  *transfer(record) {
    const inner = this.innerOf(record);
    if (inner === undefined || inner.__wbg_ptr === 0) return;
    const migration = this.profile.classes[record.className];
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
      offload: this.offloading ? (side, name, args) => this.offload(side, name, args) : undefined,
    };
    const identity = migration.identity?.(ctx);
    if (identity !== undefined && this.byIdentity.has(identity)) {
      const shared = this.byIdentity.get(identity);
      this.shared.add(shared);
      this.moved.set(record, shared);
      this.transferredAt.set(record, this.log.seq);
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
      throw new MigrationError('transfer', `transferring ${record.className} #${record.id}: ${describe(error)}`, error);
    }
    if (this.verify || this.fault === 'check') {
      const mismatch = this.fault === 'check' ? 'injected fault' : migration.check?.(ctx, moved);
      if (mismatch) {
        throw new MigrationError('check', `${record.className} #${record.id} failed its determinism check: ${mismatch}`);
      }
    }
    this.transfers++;
    if (identity !== undefined) this.byIdentity.set(identity, moved);
    this.moved.set(record, moved);
    this.transferredAt.set(record, at);
  }

  /**
   * Runs `name` on a side thread of one instance; falls back to this thread where the
   * memory is not shared.
   * @param {'from' | 'to'} side
   * @param {string} name
   * @param {import('./side-thread.cjs').Crossing[]} args
   * @returns {Promise<import('./side-thread.cjs').Crossing>}
   */
  offload(side, name, args) {
    const instance = side === 'from' ? this.from : this.to;
    const thread = instance.sideThread(this.glue);
    if (thread) return thread.call(name, args);
    const glue = instance.exports;
    const values = args.map((a) => ('ptr' in a ? glue[a.className].__wrap(a.ptr) : a.value));
    try {
      const raw = glue[name](...values);
      if (raw != null && typeof raw.__destroy_into_raw === 'function') {
        return Promise.resolve({ ptr: raw.__destroy_into_raw(), className: raw.constructor.name });
      }
      return Promise.resolve({ value: raw });
    } finally {
      for (const v of values) if (v != null && typeof v.__destroy_into_raw === 'function' && v.__wbg_ptr) v.__destroy_into_raw();
    }
  }

}

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

module.exports = { Migration, MigrationError, describe };
