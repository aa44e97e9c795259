// TypeScript call overhead on o1js's real plonk_wasm: the generated shim and a
// dynamic ES `Proxy` against a direct call on the wasm-bindgen glue.
//
//   node bench/ts-calls.cjs GLUE.cjs SHIM.proxy.cjs
//
// Prints Markdown table rows: median ns/call of each way and its ratio to the
// direct call. Every loop is compiled from its own source (`new Function`), so
// each call site stays monomorphic and no way pays for another's feedback.
'use strict';

const path = require('node:path');

const [glueFile, shimFile] = process.argv.slice(2).map((f) => f && path.resolve(f));
if (!glueFile || !shimFile) {
  console.error('usage: node bench/ts-calls.cjs GLUE.cjs SHIM.proxy.cjs');
  process.exit(2);
}

const BATCHES = Number(process.env.BATCHES || 11);
// Each batch runs about this long; the iteration count is calibrated per case.
const BATCH_NS = Number(process.env.BATCH_MS || 40) * 1e6;

const glue = require(glueFile);
const shim = require(shimFile);

// What a proxy built on ES `Proxy` does: look the member up on the active instance
// at every access, so that a swap only has to change `active`.
const active = { exports: glue };
const dynamic = new Proxy(
  {},
  { get: (_target, name) => active.exports[name] },
);

const WAYS = [
  ['direct glue', glue],
  ['generated shim', shim],
  ['ES Proxy (get trap)', dynamic],
];

/**
 * One benchmark case: `setup(api)` makes the arguments with that way's own
 * objects (a shim handle is not a glue object), `body` is the loop body over
 * `api`, `a`, `b` adding to `sink`, `check(api, a, b)` is the value every way
 * must agree on before anything is timed.
 */
const CASES = [
  {
    name: '`caml_bigint_256_num_limbs()` (no argument, returns a number)',
    setup: () => [null, null],
    body: 'sink += api.caml_bigint_256_num_limbs();',
    check: (api) => api.caml_bigint_256_num_limbs(),
  },
  {
    name: '`caml_bigint_256_compare(x, y)` (two 32-byte `Uint8Array`s copied in)',
    setup: () => [bytes(7), bytes(9)],
    body: 'sink += api.caml_bigint_256_compare(a, b);',
    check: (api, a, b) => api.caml_bigint_256_compare(a, b),
  },
  {
    name: '`caml_vesta_add(p, q)` + `free()` of the sum (point add, class handles in and out)',
    setup: (api) => {
      const p = api.caml_vesta_one();
      return [p, api.caml_vesta_double(p)];
    },
    body: 'const r = api.caml_vesta_add(a, b); sink += 1; r.free();',
    check: (api, a, b) => {
      const r = api.caml_vesta_add(a, b);
      const affine = api.caml_vesta_to_affine(r);
      const x = Buffer.from(affine.x).toString('hex');
      affine.free();
      r.free();
      return x;
    },
  },
];

function bytes(seed) {
  const out = new Uint8Array(32);
  for (let i = 0; i < 31; i++) out[i] = (seed * 31 + i * 17) & 0xff;
  return out;
}

function compileLoop(body) {
  // eslint-disable-next-line no-new-func
  return new Function('api', 'a', 'b', 'n', `let sink = 0;\nfor (let i = 0; i < n; i++) { ${body} }\nreturn sink;`);
}

function timeBatch(run, n) {
  const start = process.hrtime.bigint();
  run(n);
  return Number(process.hrtime.bigint() - start) / n;
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

function fmt(ns) {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;
}

const rows = [];
for (const c of CASES) {
  const runs = WAYS.map(([way, api]) => {
    const [a, b] = c.setup(api);
    const loop = compileLoop(c.body);
    return { way, api, a, b, expected: c.check(api, a, b), run: (n) => loop(api, a, b, n) };
  });
  for (const r of runs) {
    if (r.expected !== runs[0].expected) {
      console.error(`${c.name}: ${r.way} returned ${r.expected}, direct glue ${runs[0].expected}`);
      process.exit(1);
    }
  }
  // Warm up (lets V8 optimise every loop), then size batches from the slowest way.
  let perCall = 0;
  for (const r of runs) {
    r.run(2000);
    perCall = Math.max(perCall, timeBatch(r.run, 2000));
  }
  const n = Math.max(1000, Math.round(BATCH_NS / perCall));
  const samples = runs.map(() => []);
  // Interleave the ways batch by batch so that drift on a shared machine hits all alike.
  for (let batch = 0; batch < BATCHES; batch++) {
    runs.forEach((r, i) => samples[i].push(timeBatch(r.run, n)));
  }
  const ns = samples.map(median);
  rows.push({ name: c.name, ns, n });
}

console.log(`| call | ${WAYS.map(([way]) => way).join(' | ')} | shim / direct | Proxy / direct |`);
console.log(`|---|${WAYS.map(() => '---|').join('')}---|---|`);
for (const { name, ns } of rows) {
  const ratio = (x) => `${(x / ns[0]).toFixed(2)}x`;
  console.log(`| ${name} | ${ns.map(fmt).join(' | ')} | ${ratio(ns[1])} | ${ratio(ns[2])} |`);
}
console.log();
console.log(
  `median ns/call of ${BATCHES} interleaved batches (${rows.map((r) => r.n).join(' / ')} calls each), ` +
    `after warm-up; node ${process.version}.`,
);
