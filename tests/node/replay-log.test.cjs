// The replay log and argument capture on their own (no module needed): what a swap
// replays must be what the program did, as it was at call time.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { root } = require('./support.cjs');

const runtimeDir = path.join(root, 'templates/ts/wasm-proxy-runtime');
const { ReplayLog } = require(path.join(runtimeDir, 'log.cjs'));
const { copyValue } = require(path.join(runtimeDir, 'index.cjs'));

const op = (kind, name) => ({ kind, name, className: 'C', log: true, mutates: -1, refuse: undefined });

test('arguments are captured by value: a refilled Buffer, a subarray, a DataView', () => {
  const buffer = Buffer.from('abcdef');
  const kept = copyValue(buffer);
  buffer.fill(0);
  assert.equal(Buffer.from(kept).toString(), 'abcdef');
  assert.ok(Buffer.isBuffer(kept));

  const whole = new Uint16Array([1, 2, 3, 4]);
  const sub = copyValue(whole.subarray(1, 3));
  whole.fill(9);
  assert.deepEqual([...sub], [2, 3]);
  assert.ok(sub instanceof Uint16Array);

  const bytes = new Uint8Array([1, 2, 3, 4]);
  const view = copyValue(new DataView(bytes.buffer, 1, 2));
  bytes.fill(0);
  assert.equal(view.getUint8(0), 2);
  assert.equal(view.byteLength, 2);

  const nested = { a: [new Uint8Array([7])], s: 'x' };
  const copy = copyValue(nested);
  nested.a[0][0] = 0;
  assert.equal(copy.a[0][0], 7);
});

test('a handle made by a method joins its maker: their histories live and die together', () => {
  const log = new ReplayLog();
  const doc = log.track('Doc', { inner: undefined, home: undefined });
  log.record(op('constructor', 'new'), undefined, [], doc);
  const text = log.track('Text', { inner: undefined, home: undefined });
  log.record(op('method', 'getText'), doc, [{ value: 't' }], text);
  log.record(op('method', 'insert'), text, [{ value: 'hello' }], undefined);
  assert.equal(log.size, 3);
  // The text dies, the document lives: its content came through the text, so the
  // history stays (and a replay frees the text where the program did).
  log.release(text);
  assert.equal(log.size, 4);
  assert.equal([...log.entries].at(-1).op.kind, 'free');
  log.release(doc);
  assert.equal(log.size, 0);
});

test('an argument keeps its lineage alive while an entry needs it', () => {
  const log = new ReplayLog();
  const a = log.track('A', { inner: undefined, home: undefined });
  log.record(op('constructor', 'new'), undefined, [], a);
  const b = log.track('B', { inner: undefined, home: undefined });
  log.record(op('constructor', 'new'), undefined, [{ handle: a }], b);
  log.release(a);
  assert.equal(log.size, 2, 'b needs a');
  log.release(b);
  assert.equal(log.size, 0);
});
