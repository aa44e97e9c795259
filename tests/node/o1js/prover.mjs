// A small o1js program that proves across swaps: compile once, prove, swap to a fresh
// wasm instance, prove again, verify everything. Run under the generated proxy
// (`node -r <out>/register.cjs`); prints one JSON line per step for the test to check.
// Env: GLUE (resolved glue path), SWAPS (number of swaps, default 1), PROOFS_AFTER (default 1),
// HEAP_SNAPSHOT (a file: write a V8 heap snapshot after the first swap, to see what keeps
// an old instance alive).
import { createRequire } from 'node:module';
import { squareProgram } from './square.mjs';
import { wasmReservations } from './reservations.mjs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const o1js = await import(process.env.O1JS ?? 'o1js');
const { Field, verify } = o1js;
const proxy = require(process.env.GLUE).__wasmProxy;
const report = (step, detail) => console.log(JSON.stringify({ step, ...detail }));
const gc = () => globalThis.gc?.();
const wasmBytes = () => (proxy ? proxy.memoryBytes() : require(process.env.GLUE).__wasm.memory.buffer.byteLength);
const rss = () => process.memoryUsage().rss;

const Square = squareProgram(o1js);

let t = performance.now();
const { verificationKey } = await Square.compile();
report('compile', { ms: performance.now() - t, wasmBytes: wasmBytes(), stats: proxy?.stats() });

async function proveAndVerify(label, x) {
  t = performance.now();
  const result = await Square.check(Field(x * x), Field(x));
  const proof = result.proof ?? result;
  const proveMs = performance.now() - t;
  t = performance.now();
  const ok = await verify(proof, verificationKey);
  report(label, { ok, proveMs, verifyMs: performance.now() - t, wasmBytes: wasmBytes() });
  return ok;
}

await proveAndVerify('proof-before', 3);
const swaps = Number(process.env.SWAPS ?? 1);
for (let i = 0; i < swaps && proxy; i++) {
  // Collect what the proof left behind, and let the finalizers report it, before swapping.
  for (let round = 0; round < 2; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rssBefore = rss();
  const reservationsBefore = wasmReservations();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const swap = await proxy.swap();
  delay.disable();
  // Let the old instance's worker threads exit and the collector release its memory.
  for (let round = 0; round < 4; round++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    gc();
  }
  if (process.env.HEAP_SNAPSHOT && i === 0) (await import('node:v8')).writeHeapSnapshot(process.env.HEAP_SNAPSHOT);
  report('swap', {
    ...swap,
    maxEventLoopDelayMs: delay.max / 1e6,
    rssBefore,
    rssAfter: rss(),
    reservationsBefore,
    reservationsAfter: wasmReservations(),
    stats: proxy.stats(),
  });
  for (let p = 0; p < Number(process.env.PROOFS_AFTER ?? 1); p++) await proveAndVerify(`proof-after-${i + 1}`, 4 + p);
}
if (proxy) report('metrics', { text: proxy.metrics() });
process.exit(0);
