// parquet-wasm 0.8.0 (node/): arguments consumed by a call (`writeParquet(table)`, every
// `into*` method) and handles returned in arrays (`table.recordBatches()`), across swaps.
// A Table has a byte form: `intoIPCStream()` (consumes it) / `Table.fromIPCStream(bytes)`;
// so has a RecordBatch (`intoIPCStream`, consuming; `slice(0, n)` first to keep it).
// The module's memory is `wasmMemory()` (the glue has no `__wasm` export).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { fetchPackage, shimOf, hex } = require('./npm-support.cjs');
const { int32Stream } = require('./arrow-ipc.cjs');

function load() {
  return shimOf(path.join(fetchPackage('parquet-wasm', '0.8.0'), 'node'), 'parquet_wasm');
}

const small = int32Stream('v', [[1, 2, 3], [4, 5, 6, 7]]);

/** The values of a record batch, without consuming it. */
const batchValues = (batch) => ({ rows: batch.numRows, columns: batch.numColumns, ipc: hex(batch.slice(0, batch.numRows).intoIPCStream()) });

test('writeParquet consumes its table: after a swap the table fails clearly', async () => {
  const { shim: P, runtime } = load();
  const table = P.Table.fromIPCStream(small);
  assert.equal(table.numBatches, 2);
  const file = P.writeParquet(table);
  assert.throws(() => table.numBatches, 'a consumed table answers before the swap');
  await runtime.swap();
  let answer;
  assert.throws(
    () => {
      answer = table.numBatches;
    },
    /wasm-proxy|consumed|freed|null pointer/,
    'a consumed table answers after the swap',
  );
  assert.equal(answer, undefined, `a consumed table answers ${answer} after the swap`);
  // What it wrote reads back, on the new instance.
  const back = P.readParquet(file);
  assert.deepEqual(back.recordBatches().map((b) => b.numRows), [7]);
});

test('200 tables written (consumed) then a swap: none replayed, memory as a fresh instance holding the live state', async () => {
  const { shim: P, runtime, gluePath } = load();
  const big = int32Stream('v', [Array.from({ length: 20_000 }, (_, i) => i)]);
  for (let i = 0; i < 200; i++) P.writeParquet(P.Table.fromIPCStream(big));
  const live = P.Table.fromIPCStream(small);
  const result = await runtime.swap();
  assert.equal(live.numBatches, 2);
  assert.ok(result.replayed <= 2, `the swap replayed ${result.replayed} calls for one live table`);
  // A fresh instance of the raw glue holding only the live table, in a process of its own.
  const fresh = Number(
    execFileSync(process.execPath, ['-e', `
      const P = require(${JSON.stringify(gluePath)});
      const t = P.Table.fromIPCStream(new Uint8Array(Buffer.from(${JSON.stringify(Buffer.from(small).toString('base64'))}, 'base64')));
      process.stdout.write(String(P.wasmMemory().buffer.byteLength));
    `], { encoding: 'utf8' }),
  );
  const actual = P.wasmMemory().buffer.byteLength;
  const MiB = 1 << 20;
  assert.ok(Math.abs(actual - fresh) <= MiB, `the new instance has ${actual} bytes of memory, a fresh one holding the live state ${fresh}`);
  assert.ok(Math.abs(result.memoryAfter - fresh) <= MiB, `memoryAfter ${result.memoryAfter}, a fresh instance holding the live state has ${fresh} bytes`);
});

test('record batches of a live table: after a swap they give the same values, or the swap counts them stale', async () => {
  const { shim: P, runtime } = load();
  const table = P.Table.fromIPCStream(small);
  const batches = table.recordBatches();
  const before = batches.map(batchValues);
  assert.deepEqual(before.map((b) => b.rows), [3, 4]);
  const result = await runtime.swap();
  let failed = 0;
  batches.forEach((batch, i) => {
    let values;
    try {
      values = batchValues(batch);
    } catch (error) {
      failed++;
      assert.match(error.message, /wasm-proxy/, `batch ${i}: not a clear error: ${error.message}`);
      return;
    }
    assert.deepEqual(values, before[i], `batch ${i} differs after the swap`);
  });
  assert.equal(result.stale, failed, `${failed} batch(es) fail after the swap, the swap counted ${result.stale} stale`);
  assert.equal(table.numBatches, 2);
});

test('a ReadableStream of record batches handed to the module: it gets its own objects (no Dyn casting error)', async () => {
  const { shim: P, runtime } = load();
  const expected = await collectStream(await require(gluePath()).transformParquetStream(rawBatchStream(require(gluePath()))));
  await runtime.swap();
  const table = P.Table.fromIPCStream(small);
  const stream = new ReadableStream({
    start(controller) {
      for (const batch of table.recordBatches()) controller.enqueue(batch);
      controller.close();
    },
  });
  const written = await collectStream(await P.transformParquetStream(stream));
  assert.deepEqual(P.readParquet(written).recordBatches().map((b) => b.numRows), [7]);
  assert.equal(Buffer.compare(Buffer.from(written), Buffer.from(expected)), 0, 'the same bytes as the raw glue writes');
});

/** The glue file of the pinned package. */
function gluePath() {
  return path.join(fetchPackage('parquet-wasm', '0.8.0'), 'node', 'parquet_wasm.js');
}

/** A stream of the record batches of `small`, made by the raw glue `G`. */
function rawBatchStream(G) {
  const table = G.Table.fromIPCStream(small);
  return new ReadableStream({
    start(controller) {
      for (const batch of table.recordBatches()) controller.enqueue(batch);
      controller.close();
    },
  });
}

/** All the bytes of a stream of Uint8Array chunks. */
async function collectStream(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return new Uint8Array(Buffer.concat(chunks));
}
