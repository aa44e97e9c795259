// @ts-check
// ReplayLog: the calls that built the state still alive, and nothing else.
//
// Every handle has a HandleRecord. A logged call becomes an Entry owned by the record
// of the handle it created (its birth) and/or the handle it changed (a mutation). An
// entry keeps the records of the handles it took as arguments alive; a record lives
// while its handle does or while a live entry needs it. When a record dies, its
// entries go, and with them whatever only they needed: the log is bounded by live
// state, not by the number of calls.
'use strict';

/**
 * What a generated shim function is, and how to replay it.
 * @typedef {object} Operation
 * @property {'function' | 'constructor' | 'method' | 'static' | 'setter'} kind
 * @property {string} name Export name, or member name for class members.
 * @property {string | undefined} className Class of a class member.
 * @property {boolean} log Whether calls are recorded.
 * @property {number} mutates Index of the argument a logged call changes (-1: none; methods change `this`).
 * @property {string | undefined} refuse Why calls cannot be replayed (recorded, but fail on replay).
 */

/**
 * An argument as the log keeps it: a value (copied when it is a typed array) or a handle.
 * @typedef {{ value: any } | { handle: HandleRecord } | { handles: HandleRecord[] }} Argument
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
    /** Records that own this entry: its target and its result. */
    this.owners = (target ? 1 : 0) + (result ? 1 : 0);
  }
}

/** What the runtime knows of one handle. */
class HandleRecord {
  /**
   * @param {number} id
   * @param {string} className
   * @param {import('./instance.cjs').Instance} instance
   * @param {object} handle
   */
  constructor(id, className, instance, handle) {
    this.id = id;
    this.className = className;
    /** The instance its wasm object lives in. */
    this.instance = instance;
    this.weak = new WeakRef(handle);
    /** @type {Entry | undefined} The logged call that created it. */
    this.birth = undefined;
    /** @type {Entry[]} Logged calls that changed it, oldest first. */
    this.mutations = [];
    /** The handle itself is alive (not freed, consumed or collected). */
    this.alive = true;
    /** 1 while alive, plus one per live entry that takes it as an argument. */
    this.refs = 1;
    /** Log sequence number of the last call that touched it (for transfers redone at the flip). */
    this.touched = 0;
  }
}

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
   * @param {import('./instance.cjs').Instance} instance
   * @param {object} handle
   */
  track(className, instance, handle) {
    return new HandleRecord(this.nextId++, className, instance, handle);
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
    this.recorded++;
    // The target owns the entry: counting it as a dependency too would keep it alive forever.
    for (const record of argumentRecords(args)) if (record !== target) record.refs++;
    if (result) result.birth = entry;
    if (target) {
      target.mutations.push(entry);
      target.touched = entry.seq;
    }
    this.entries.add(entry);
    return entry;
  }

  /**
   * The handle is gone (freed, consumed by a call, or collected).
   * @param {HandleRecord} record
   */
  release(record) {
    if (!record.alive) return;
    record.alive = false;
    this.unref(record);
  }

  /**
   * Drops one reference; a record left without any takes its entries with it, and
   * so on down the dependencies (iteratively: chains can be long).
   * @param {HandleRecord} first
   */
  unref(first) {
    const pending = [first];
    for (let record = pending.pop(); record; record = pending.pop()) {
      if (--record.refs > 0) continue;
      const owned = record.birth ? [record.birth, ...record.mutations] : record.mutations;
      record.birth = undefined;
      record.mutations = [];
      for (const entry of owned) {
        if (--entry.owners > 0) continue;
        this.entries.delete(entry);
        for (const dependency of argumentRecords(entry.args)) {
          if (dependency !== entry.target) pending.push(dependency);
        }
      }
    }
  }

  /** Number of live entries. */
  get size() {
    return this.entries.size;
  }
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

module.exports = { ReplayLog, Entry, HandleRecord, argumentRecords };
