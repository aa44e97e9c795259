// What the node and the esm builds of parquet-wasm 0.8.0 share (not a corpus entry).
'use strict';
const { int32Stream } = require('../arrow-ipc.cjs');
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const small = int32Stream('v', [[1, 2, 3], [4, 5, 6, 7]]);
/** A batch's values without consuming it (`intoIPCStream` consumes: slice first). */
const batch = (b) => {
  const values = { rows: b.numRows, columns: b.numColumns, ipc: hex(b.slice(0, b.numRows).intoIPCStream()) };
  b.free(); // what a read made must not stay live: nothing could rebuild it after a swap
  return values;
};
module.exports = {
  version: '0.8.0',
  wasmBindgen: '0.2.128',
  sample: (m) => {
    const table = m.Table.fromIPCStream(small);
    const schema = table.schema;
    const before = { batches: table.numBatches, first: batch(table.recordBatch(0)), field: schema.indexOf('v') };
    schema.free();
    const file = m.writeParquet(table); // consumes the table
    const back = m.readParquet(file);
    const read = m.readSchema(file);
    const result = { ...before, back: back.recordBatches().map(batch), schema: read.indexOf('v') };
    back.free();
    read.free();
    return result;
  },
  state: {
    make: (m) => m.Table.fromIPCStream(small),
    read: (table) => ({ batches: table.numBatches, all: table.recordBatches().map(batch) }),
  },
  consumer: `
declare const ipc: Uint8Array;
const table: m.Table = m.Table.fromIPCStream(ipc);
const batches: number = table.numBatches;
const first: m.RecordBatch | undefined = table.recordBatch(0);
const file: Uint8Array = m.writeParquet(table);
// @ts-expect-error numBatches is read-only
table.numBatches = 3;
void batches, first, file;`,
};
