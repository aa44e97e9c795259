// brotli-wasm 3.0.1 (pkg.node): streams fed from buffers the program reuses, across a swap.
// The runtime keeps the arguments of logged calls for replay; a typed array must be kept
// as its bytes at the time of the call, not as a view of memory the program refills
// (`Buffer#slice` is a view, unlike `Uint8Array#slice`).
// DataView is not part of this API: the glue copies an argument with `set(arg)` over
// `arg.length` bytes, and a DataView has no length (nothing is compressed), so only
// Buffer and Uint8Array views are exercised.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const zlib = require('node:zlib');
const { fetchPackage, shimOf } = require('./npm-support.cjs');

const NeedsMoreInput = 2;
const NeedsMoreOutput = 3;
const ResultSuccess = 1;
const CHUNK = 4096;
const OUT = 1 << 16;

function load() {
  const pkg = path.join(fetchPackage('brotli-wasm', '3.0.1'), 'pkg.node');
  return shimOf(pkg, 'brotli_wasm');
}

/** 64 KiB of half-compressible bytes (repeats and noise). */
function sampleInput() {
  const input = Buffer.alloc(64 * 1024);
  let x = 1;
  for (let i = 0; i < input.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    input[i] = i % 97 < 50 ? 65 + (x >>> 28) : x >>> 24;
  }
  return input;
}

/**
 * Runs one step of a stream (`compress` or `decompress`) over `chunk` until it needs
 * more input: the output pieces, the last result code and how much input it took.
 */
function drain(step, chunk) {
  const out = [];
  let used = 0;
  let code;
  do {
    const result = step(chunk.subarray(used), OUT);
    out.push(Buffer.from(result.buf));
    code = result.code;
    used += result.input_offset;
  } while (code === NeedsMoreOutput);
  return { out, code, used };
}

/** Feeds one chunk (all of it) to a compress stream; returns the output pieces. */
function feed(stream, chunk) {
  const { out, code, used } = drain((input, size) => stream.compress(input, size), chunk);
  assert.equal(code, NeedsMoreInput, 'compress: unexpected result code');
  assert.equal(used, chunk.length, 'compress: the chunk was not consumed');
  return out;
}

function finish(stream) {
  const out = [];
  let code;
  do {
    const result = stream.compress(undefined, OUT);
    out.push(Buffer.from(result.buf));
    code = result.code;
  } while (code === NeedsMoreOutput);
  assert.equal(code, ResultSuccess, 'compress: flush did not finish the stream');
  return out;
}

/**
 * Compresses `input` chunk by chunk, each chunk written by `fill(offset)` into memory the
 * program reuses and returned as the view to pass; swaps once halfway.
 */
async function compressWithSwap(shim, runtime, input, fill) {
  const stream = new shim.CompressStream(5);
  const out = [];
  let swapped;
  for (let offset = 0; offset < input.length; offset += CHUNK) {
    if (offset === input.length / 2) swapped = await runtime.swap();
    out.push(...feed(stream, fill(offset)));
  }
  out.push(...finish(stream));
  stream.free();
  return { compressed: Buffer.concat(out), swapped };
}

function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function assertRoundTrip(compressed, input, what) {
  let output;
  try {
    output = zlib.brotliDecompressSync(compressed);
  } catch (error) {
    assert.fail(`${what}: the stream's output is not valid brotli (${error.message})`);
  }
  assert.ok(output.equals(input), `${what}: decompressed output differs from the input from byte ${firstDifference(output, input)} (${output.length} vs ${input.length} bytes)`);
}

test('CompressStream fed from one reused Buffer, swap halfway: output decompresses to the input', async () => {
  const { shim, runtime } = load();
  const input = sampleInput();
  const chunk = Buffer.alloc(CHUNK);
  const { compressed, swapped } = await compressWithSwap(shim, runtime, input, (offset) => {
    input.copy(chunk, 0, offset, offset + CHUNK);
    return chunk;
  });
  assert.equal(swapped.stale, 0);
  assertRoundTrip(compressed, input, 'reused Buffer');
  // The same chunks without a swap give the same bytes (brotli is deterministic).
  const plain = new shim.CompressStream(5);
  const expected = [];
  for (let offset = 0; offset < input.length; offset += CHUNK) expected.push(...feed(plain, input.subarray(offset, offset + CHUNK)));
  expected.push(...finish(plain));
  plain.free();
  assert.ok(compressed.equals(Buffer.concat(expected)), 'output differs from the same stream run without a swap');
});

test('CompressStream fed with Buffer#subarray views of one reused pool, swap halfway', async () => {
  const { shim, runtime } = load();
  const input = sampleInput();
  // A pool the program rewrites: each chunk lands at another offset, the view moves.
  const pool = Buffer.alloc(4 * CHUNK);
  const { compressed } = await compressWithSwap(shim, runtime, input, (offset) => {
    const at = ((offset / CHUNK) % 3) * CHUNK;
    pool.fill(0);
    input.copy(pool, at, offset, offset + CHUNK);
    return pool.subarray(at, at + CHUNK);
  });
  assertRoundTrip(compressed, input, 'Buffer#subarray views');
});

test('CompressStream fed with Uint8Array views of one reused ArrayBuffer, swap halfway', async () => {
  const { shim, runtime } = load();
  const input = sampleInput();
  const memory = new ArrayBuffer(2 * CHUNK);
  const { compressed } = await compressWithSwap(shim, runtime, input, (offset) => {
    const view = new Uint8Array(memory, CHUNK / 2, CHUNK);
    view.set(input.subarray(offset, offset + CHUNK));
    return view;
  });
  assertRoundTrip(compressed, input, 'Uint8Array views');
});

test('DecompressStream fed from one reused Buffer, swap halfway: output is the input', async () => {
  const { shim, runtime } = load();
  const input = sampleInput();
  const compressed = zlib.brotliCompressSync(input);
  const stream = new shim.DecompressStream();
  const chunk = Buffer.alloc(512);
  const out = [];
  let swapped = false;
  for (let offset = 0; offset < compressed.length; offset += chunk.length) {
    if (!swapped && offset >= compressed.length / 2) {
      const result = await runtime.swap();
      assert.equal(result.stale, 0);
      swapped = true;
    }
    const n = compressed.copy(chunk, 0, offset, offset + chunk.length);
    const { out: pieces, code } = drain((input, size) => stream.decompress(input, size), chunk.subarray(0, n));
    out.push(...pieces);
    assert.ok(code === NeedsMoreInput || code === ResultSuccess, `decompress: result code ${code}`);
  }
  stream.free();
  const output = Buffer.concat(out);
  assert.ok(output.equals(input), `decompressed output differs from the input from byte ${firstDifference(output, input)}`);
});

test('a CompressStream freed while a BrotliStreamResult of it lives: later swaps succeed', async () => {
  const { shim, runtime } = load();
  const stream = new shim.CompressStream(5);
  const result = stream.compress(Buffer.from('some input, some input'), OUT);
  const buf = Buffer.from(result.buf);
  stream.free();
  const swapped = await runtime.swap();
  // The result reads as before, or fails clearly and the swap counted it as left behind.
  try {
    assert.ok(Buffer.from(result.buf).equals(buf), 'the result reads other bytes after the swap');
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.match(error.message, /wasm-proxy/);
    assert.equal(swapped.stale, 1);
  }
});
