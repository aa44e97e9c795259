// brotli-wasm 3.0.1 `pkg.node/`: `--target nodejs` of wasm-bindgen 0.2.80, raw typings
// (`X_bg.wasm.d.ts`) beside it; a stream that keeps its compressor state across the swap.
'use strict';
const input = Buffer.from('brotli brotli brotli, a stream of words over the swap. '.repeat(40));
const hex = (bytes) => Buffer.from(bytes).toString('hex');
module.exports = {
  package: 'brotli-wasm',
  version: '3.0.1',
  wasmBindgen: '0.2.80',
  layout: 'nodejs, CommonJS',
  wasm: 'pkg.node/brotli_wasm_bg.wasm',
  glue: 'pkg.node/brotli_wasm.js',
  load: 'require',
  sample: (m) => {
    const packed = m.compress(input, { quality: 5 });
    const stream = new m.DecompressStream();
    const result = stream.decompress(packed, 1 << 16);
    return { packed: hex(packed), back: Buffer.from(m.decompress(packed)).toString() === input.toString(), code: result.code, streamed: result.buf.length, out: stream.total_out() };
  },
  state: {
    // A compressor fed the first half: after the swap, the second half and the end.
    make: (m) => {
      const stream = new m.CompressStream(9);
      const first = stream.compress(input.subarray(0, 1000), 1 << 16);
      return { stream, first: hex(first.buf) };
    },
    read: ({ stream, first }) => {
      const copy = { first, out: stream.total_out() };
      return copy;
    },
  },
  consumer: `
const packed: Uint8Array = m.compress(new Uint8Array(8), { quality: 4 });
const stream: m.CompressStream = new m.CompressStream(9);
const result: m.BrotliStreamResult = stream.compress(packed, 4096);
const code: number = result.code;
// @ts-expect-error quality is a number
m.compress(packed, { quality: 'best' });
void code;`,
};
