// lz4-wasm-nodejs 0.9.2: `--target nodejs` of wasm-bindgen 0.2.80, two functions and no
// class. Its state across the swap is a frame compressed before it, which must decompress
// after it on the new instance (there is no object to move: `handles: 0`).
'use strict';
const input = Buffer.from('lz4 lz4 lz4 lz4, the same words again and again: lz4 lz4 lz4 lz4 '.repeat(20));
const hex = (bytes) => Buffer.from(bytes).toString('hex');
module.exports = {
  package: 'lz4-wasm-nodejs',
  version: '0.9.2',
  wasmBindgen: '0.2.80',
  layout: 'nodejs, CommonJS',
  wasm: 'lz4_wasm_nodejs_bg.wasm',
  glue: 'lz4_wasm_nodejs.js',
  load: 'require',
  sample: (m) => {
    const packed = m.compress(input);
    return { packed: hex(packed), back: Buffer.from(m.decompress(packed)).toString() === input.toString() };
  },
  state: { handles: 0, make: (m) => ({ m, packed: m.compress(input) }), read: ({ m, packed }) => hex(m.decompress(packed)) },
  consumer: `
const packed: Uint8Array = m.compress(new TextEncoder().encode('abc'));
const back: Uint8Array = m.decompress(packed);
// @ts-expect-error a string is no Uint8Array
m.compress('abc');
void back;`,
};
