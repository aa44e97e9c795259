// ywasm 0.18.3: a CRDT document with observers, explicit transactions and types that
// outlive their document, across swaps. Rebuilding a document must not fire the
// program's callbacks again, and reads must not grow the replay log.
// `new YDoc({ clientID, guid })` fixes the client id and the guid (the defaults are
// random, so a rebuilt document would read differently: the swap refuses it, see the
// last test); a document's whole state has a byte form (`encodeStateAsUpdate(doc)` /
// `applyUpdate(doc, update, origin)`), which moves it and checks it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { fetchPackage, shimOf, collector, collect } = require('./npm-support.cjs');

function load() {
  return shimOf(fetchPackage('ywasm', '0.18.3'), 'ywasm');
}

test('doc.onUpdate and text.observe do not fire during a swap, and still fire after it', async () => {
  const { shim: Y, runtime } = load();
  const doc = new Y.YDoc({ clientID: 7, guid: 'doc-7' });
  const text = doc.getText('t');
  const updates = [];
  const events = [];
  const onUpdate = doc.onUpdate((update) => updates.push(Buffer.from(update).toString('hex')));
  const observer = text.observe((event) => events.push(event.delta));
  text.insert(0, 'hello', undefined, undefined);
  text.push(' world', undefined, undefined);
  assert.equal(updates.length, 2);
  assert.equal(events.length, 2);
  const result = await runtime.swap();
  assert.equal(result.stale, 0);
  assert.equal(updates.length, 2, `doc.onUpdate fired ${updates.length - 2} time(s) during the swap`);
  assert.equal(events.length, 2, `text.observe fired ${events.length - 2} time(s) during the swap`);
  assert.equal(text.toString(undefined), 'hello world');
  text.insert(0, '>', undefined, undefined);
  assert.equal(updates.length, 3, 'doc.onUpdate did not fire (once) for an edit after the swap');
  assert.equal(events.length, 3, 'text.observe did not fire (once) for an edit after the swap');
  assert.deepEqual(events[2], [{ insert: '>' }]);
  assert.equal(text.toString(undefined), '>hello world');
  onUpdate.free();
  observer.free();
});

test('a transaction begun, used, committed and freed: later swaps succeed', async () => {
  const { shim: Y, runtime } = load();
  const doc = new Y.YDoc({ clientID: 8, guid: 'doc-8' });
  const text = doc.getText('t');
  text.insert(0, 'abc', undefined, undefined);
  const txn = doc.beginTransaction(undefined);
  text.insert(3, 'def', undefined, txn);
  assert.equal(text.toString(txn), 'abcdef');
  assert.equal(text.length(txn), 6);
  txn.commit();
  txn.free();
  text.push('!', undefined, undefined);
  for (let i = 0; i < 2; i++) {
    const result = await runtime.swap();
    assert.equal(result.stale, 0);
    assert.equal(text.toString(undefined), 'abcdef!', `swap ${i + 1}`);
  }
  // The document still takes transactions.
  const again = doc.beginTransaction(undefined);
  text.insert(0, '-', undefined, again);
  again.commit();
  again.free();
  assert.equal(text.toString(undefined), '-abcdef!');
});

test('a YText kept after its YDoc is dropped: later swaps do not fail because of it', async () => {
  const { shim: Y, runtime } = load();
  const gc = collector();
  const keep = [];
  {
    // One document freed, one only let go of.
    const freed = new Y.YDoc({ clientID: 9, guid: 'doc-9' });
    keep.push(freed.getText('x'));
    keep[0].insert(0, 'kept', undefined, undefined);
    freed.free();
    const dropped = new Y.YDoc({ clientID: 10, guid: 'doc-10' });
    keep.push(dropped.getText('y'));
    keep[1].insert(0, 'also kept', undefined, undefined);
  }
  await collect(gc);
  // The raw glue keeps such a text readable (the document's store outlives the YDoc).
  const expected = ['kept', 'also kept'];
  assert.deepEqual(keep.map((t) => t.toString(undefined)), expected);
  for (let i = 0; i < 2; i++) {
    const result = await runtime.swap();
    // Each text reads as before, or fails clearly and the swap counted it as left behind.
    let failed = 0;
    keep.forEach((text, j) => {
      let value;
      try {
        value = text.toString(undefined);
      } catch (error) {
        failed++;
        assert.match(error.message, /wasm-proxy/, `text ${j}: not a clear error: ${error.message}`);
        return;
      }
      assert.equal(value, expected[j], `text ${j} after swap ${i + 1}`);
    });
    if (i === 0) assert.equal(result.stale, failed, 'the swap result does not count the texts left behind');
  }
});

test('300,000 reads (length + toString) do not grow the replay log', async () => {
  const { shim: Y, runtime } = load();
  const doc = new Y.YDoc({ clientID: 11, guid: 'doc-11' });
  const text = doc.getText('t');
  text.insert(0, 'some text', undefined, undefined);
  const start = runtime.stats().logEntries;
  for (let i = 0; i < 300_000; i++) {
    text.length(undefined);
    text.toString(undefined);
    if (i % 50_000 === 0) assert.ok(runtime.stats().logEntries < 100, `log has ${runtime.stats().logEntries} entries after ${i + 1} reads`);
  }
  const entries = runtime.stats().logEntries;
  assert.ok(entries < 100, `log has ${entries} entries after 300,000 reads (${start} before)`);
  const result = await runtime.swap();
  assert.ok(result.replayed < 100, `the swap replayed ${result.replayed} calls`);
  assert.equal(text.toString(undefined), 'some text');
});

test('a document with a random guid cannot move unchanged: the swap fails before the flip, naming it', async () => {
  const { shim: Y, runtime } = load();
  const doc = new Y.YDoc({ clientID: 12 });
  const text = doc.getText('t');
  text.insert(0, 'kept');
  const guid = doc.guid;
  await assert.rejects(runtime.swap(), (error) => {
    assert.equal(error.name, 'SwapError');
    assert.equal(error.stage, 'check');
    assert.match(error.message, /YDoc #\d+.*guid reads differently/);
    return true;
  });
  // The active instance keeps serving, unchanged.
  assert.equal(doc.guid, guid);
  assert.equal(text.toString(), 'kept');
  assert.equal(runtime.active.id, 1);
});
