// A busy prover: proves back to back (each proof awaited, no idle time), under the
// generated proxy, with the memory monitor on; prints one JSON line per proof and a
// summary. With a module rewritten by `codegen inject-leak` (see scripts/soak) every
// proof grows the wasm memory like the leaks users report, so the monitor must swap
// on its own, between proofs, while the event loop never idles. Each proof is one
// `proxy.operation(...)`: the flip happens between two.
// Env: O1JS (entry file or package to import), REGISTER (path of register.cjs),
// PROOFS (default 5), RETRY_TRAPS (1: a proof that traps is retried once).
import { createRequire } from 'node:module';
import { squareProgram } from './square.mjs';

const require = createRequire(import.meta.url);
const o1js = await import(process.env.O1JS ?? 'o1js');
const { Field, verify } = o1js;
const proxy = require(process.env.REGISTER);
const report = (step, detail = {}) => console.log(JSON.stringify({ step, ...detail }));

const Square = squareProgram(o1js);

const swaps = [];
const failures = [];
let swapStarts = 0;
proxy.on('swap-start', () => swapStarts++);
proxy.on('swap-complete', (result) => swaps.push(result));
proxy.on('standby-failed', ({ stage, error }) => failures.push({ stage, message: String(error?.message ?? error) }));

let t = performance.now();
const { verificationKey } = await Square.compile();
report('compile', { ms: performance.now() - t, wasmBytes: proxy.memoryBytes() });

const started = performance.now();
let highWater = 0;
let rssHighWater = 0;
let failedProofs = 0;
let trappedProofs = 0;
const retryTraps = process.env.RETRY_TRAPS === '1';
const proofs = Number(process.env.PROOFS ?? 5);
for (let i = 1; i <= proofs; i++) {
  t = performance.now();
  let ok = false;
  for (let attempt = 1; attempt <= (retryTraps ? 2 : 1) && !ok; attempt++) {
    try {
      // One operation per proof and its check: a swap the monitor prepared meanwhile flips
      // between two of them (o1js 2.15 shows the proxy no boundary of its own).
      ok = await proxy.operation(async () => {
        const result = await Square.check(Field(i * i), Field(i));
        return verify(result.proof ?? result, verificationKey);
      });
    } catch (error) {
      // o1js may wrap the error: the runtime's recovery after the trap tells too.
      const trap = error instanceof WebAssembly.RuntimeError || /RuntimeError|unreachable/.test(String(error?.stack ?? error));
      if (trap) trappedProofs++;
      report('proof-error', { i, attempt, trap, message: String(error?.message ?? error).slice(0, 300), instance: proxy.active.id });
      if (!trap) break;
    }
  }
  if (!ok) failedProofs++;
  highWater = Math.max(highWater, proxy.memoryBytes());
  rssHighWater = Math.max(rssHighWater, process.memoryUsage().rss);
  report('proof', { i, ok, ms: performance.now() - t, wasmBytes: proxy.memoryBytes(), swaps: swaps.length, swapStarts, instance: proxy.active.id });
}
report('summary', {
  proofs,
  failedProofs,
  trappedProofs,
  recoveries: swaps.filter((s) => s.cause === 'trap').length,
  swaps: swaps.length,
  swapStarts,
  standbyFailures: failures,
  stale: swaps.reduce((n, s) => n + s.stale, 0),
  unverified: swaps.reduce((n, s) => n + s.unverified, 0),
  wasmHighWaterBytes: highWater,
  rssHighWaterBytes: rssHighWater,
  maxPauseMs: Math.max(0, ...swaps.filter((s) => s.cause !== 'trap').map((s) => s.pauseMs)),
  seconds: (performance.now() - started) / 1000,
});
process.exit(0);
