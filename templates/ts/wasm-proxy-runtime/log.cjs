// @ts-check
// ReplayLog: the calls that built the state still alive, and nothing else.
//
// Every handle has a HandleRecord, and every record belongs to a LineageGroup: handles
// made by a method of another handle (a document's text, a table's batches, a
// transaction) join the group of that handle, because changing one may change the
// other. A logged call becomes an Entry owned by the group of the handle it created
// (its birth) or changed (a mutation). An entry keeps the records of the handles it
// took as arguments (outside its group) alive; a group lives while any member does or
// while a live entry needs one. When a group dies, its entries go, and with them
// whatever only they needed: the log is bounded by live state, not by the number of
// calls. A member that dies while its group lives leaves a `free` entry, so that a
// replay frees it at the same point (a finished transaction must not stay open).
'use strict';

/**
 * What a generated shim function is, and how to replay it.
 * @typedef {object} Operation
 * @property {'function' | 'constructor' | 'method' | 'static' | 'setter' | 'free'} kind
 * @property {string} name Export name, or member name for class members.
 * @property {string | undefined} className Class of a class member.
 * @property {boolean} log Whether calls are recorded.
 * @property {number} mutates Index of the argument a logged call changes (-1: none; methods and setters change `this`).
 * @property {string} [refuse] Why calls cannot be replayed (recorded: what they made or changed stays stale).
 * @property {boolean} [pointers] Its `Uint32Array` arguments are raw pointers: not replayed when one is non-empty.
 */

/**
 * An argument as the log keeps it: a value (copied at call time), a handle, or a callback
 * (which a replay passes gated: nothing the replay triggers reaches the program).
 * @typedef {{ value: any } | { handle: HandleRecord } | { handles: HandleRecord[] } | { callback: Function }} Argument
 */

/**
 * A handle's wasm-bindgen object and the instance it lives in, shared by the handle and
 * its record.
 * @typedef {{ inner: any, home: import('./instance.cjs').Instance }} Slot
 */

/** One recorded call. */
class Entry {
  /**
   * @param {number} seq
   * @param {Operation} op
   * @param {HandleRecord | undefined} target
   * @param {Argument[]} args
   * @param {HandleRecord | undefined} result
   */
  constructor(seq, op, target, args, result) {
    this.seq = seq;
    this.op = op;
    /** The handle the call changed (`this` of a method, or the argument `op.mutates` names). */
    this.target = target;
    this.args = args;
    /** The handle the call returned. */
    this.result = result;
    /** @type {HandleRecord[]} Records of other groups this entry needs (each counted in its `refs`). */
    this.deps = [];
  }
}

/** Handles whose histories are entangled: they live and die together in the log. */
class LineageGroup {
  constructor() {
    /** 1 per live member, plus 1 per live entry of another group that needs a member. */
    this.refs = 0;
    /** @type {Entry[]} Entries this group owns, in call order. */
    this.entries = [];
    /** Members, live or not. */
    this.size = 0;
    /** Members still alive. */
    this.live = 0;
  }
}

/** What the runtime knows of one handle. */
class HandleRecord {
  /**
   * @param {number} id
   * @param {string} className
   * @param {Slot} slot shared with its handle
   */
  constructor(id, className, slot) {
    this.id = id;
    this.className = className;
    /** Its handle's wasm-bindgen object and the instance that lives in (a swap re-points both). */
    this.slot = slot;
    /** @type {Entry | undefined} The logged call that created it. */
    this.birth = undefined;
    /** @type {Entry[]} Logged calls that changed it, oldest first. */
    this.mutations = [];
    /** The handle itself is alive (not freed, consumed or collected). */
    this.alive = true;
    /** @type {LineageGroup | undefined} Made when a logged call first involves it (most handles never are). */
    this.group = undefined;
    /** Log sequence number of the last call that touched it (for transfers redone at the flip). */
    this.touched = 0;
    /** @type {string | undefined} Why the last swap could not move it (for the stale-use error). */
    this.staleReason = undefined;
  }

  /** The instance its wasm object lives in. */
  get instance() {
    return this.slot.home;
  }
}

/** The operation of a logged `free`: a member of a live group died. */
const FREE = /** @type {Operation} */ ({ kind: 'free', name: 'free', className: undefined, log: true, mutates: -1 });

class ReplayLog {
  constructor() {
    /** @type {Set<Entry>} Live entries in call order (a Set iterates in insertion order). */
    this.entries = new Set();
    this.seq = 0;
    this.nextId = 1;
    /** Calls recorded since the start, live or not. */
    this.recorded = 0;
  }

  /**
   * A record for a new handle.
   * @param {string} className
   * @param {Slot} slot
   */
  track(className, slot) {
    return new HandleRecord(this.nextId++, className, slot);
  }

  /**
   * Records a call.
   * @param {Operation} op
   * @param {HandleRecord | undefined} target
   * @param {Argument[]} args
   * @param {HandleRecord | undefined} result
   */
  record(op, target, args, result) {
    const entry = new Entry(++this.seq, op, target, args, result);
    if (target) groupOf(target);
    if (result) groupOf(result);
    this.recorded++;
    if (target && result && target.group !== result.group) merge(target, result);
    const group = (target ?? result)?.group;
    if (result) result.birth = entry;
    if (target) {
      target.mutations.push(entry);
      target.touched = entry.seq;
    }
    // A call that made and changed nothing the program holds has nothing to rebuild.
    if (!group) return entry;
    for (const record of argumentRecords(args)) {
      if (groupOf(record) === group) continue;
      /** @type {LineageGroup} */ (record.group).refs++;
      entry.deps.push(record);
    }
    group.entries.push(entry);
    this.entries.add(entry);
    return entry;
  }

  /**
   * The handle is gone (freed, consumed by a call, or collected).
   * @param {HandleRecord} record
   * @param {boolean} [replayFree] whether a replay must free it too (not when a logged
   *   call consumed it: replaying that call does)
   */
  release(record, replayFree = true) {
    if (!record.alive) return;
    record.alive = false;
    const group = record.group;
    // Never part of a logged call: nothing in the log to let go of.
    if (group === undefined) return;
    group.live--;
    if (replayFree && group.refs > 1 && group.size > 1) {
      const entry = new Entry(++this.seq, FREE, record, [], undefined);
      group.entries.push(entry);
      this.entries.add(entry);
    }
    this.unref(record);
  }

  /**
   * Drops one reference of a record's group; a group left without any takes its
   * entries with it, and so on down the dependencies (iteratively: chains can be long).
   * @param {HandleRecord} first
   */
  unref(first) {
    const pending = [first];
    for (let record = pending.pop(); record; record = pending.pop()) {
      const group = groupOf(record);
      if (--group.refs > 0) continue;
      const owned = group.entries;
      group.entries = [];
      for (const entry of owned) {
        this.entries.delete(entry);
        pending.push(...entry.deps);
      }
    }
  }

  /** Number of live entries. */
  get size() {
    return this.entries.size;
  }
}

/**
 * The lineage group of a record, made on first need: a group of its own, holding the
 * record's own reference while it lives.
 * @param {HandleRecord} record
 * @returns {LineageGroup}
 */
function groupOf(record) {
  if (record.group === undefined) {
    const group = new LineageGroup();
    group.size = 1;
    group.refs = record.alive ? 1 : 0;
    group.live = record.alive ? 1 : 0;
    record.group = group;
  }
  return record.group;
}

/**
 * Puts `b`'s group into `a`'s: one history from now on.
 * @param {HandleRecord} a
 * @param {HandleRecord} b
 */
function merge(a, b) {
  const into = groupOf(a);
  const from = groupOf(b);
  into.refs += from.refs;
  into.size += from.size;
  into.live += from.live;
  if (from.entries.length > 0) into.entries = [...into.entries, ...from.entries].sort((x, y) => x.seq - y.seq);
  // Every record of `from` must point at `into`; records know their group only, so
  // reach them through the entries and the record itself.
  const members = new Set([b]);
  for (const entry of from.entries) {
    if (entry.target?.group === from) members.add(entry.target);
    if (entry.result?.group === from) members.add(entry.result);
  }
  for (const member of members) member.group = into;
  from.entries = [];
  from.refs = 0;
}

/**
 * @param {Argument[]} args
 * @returns {Generator<HandleRecord>}
 */
function* argumentRecords(args) {
  for (const arg of args) {
    if ('handle' in arg) yield arg.handle;
    else if ('handles' in arg) yield* arg.handles;
  }
}

module.exports = { ReplayLog, Entry, HandleRecord, argumentRecords, groupOf };
