// The `programs` section of scripts/bench: reads the JSON lines of each program's runs
// (`<dir>/<program>-direct.jsonl`, `<dir>/<program>-proxy.jsonl`, both compiled from the
// same warm prover-key cache, a swap then a proof) and prints the Markdown table of a
// swap against a restart, with each goal of the o1js issue beside its ratio.
// Usage: node bench/o1js-programs.cjs DIR
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * Each program: its label, its first proof's step, the swap measured (the first after that
 * proof) and the proof after it. The contract's deploy proves nothing (a signature), so
 * its runs swap twice and the second swap, after the first `update`, is the one measured.
 */
const programs = {
  square: { label: 'toy ZkProgram (`x * x == y`)', first: 'proof-0', swap: 'swap-1', after: 'proof-1' },
  recursive: { label: 'recursive ZkProgram (base, `SelfProof` step)', first: 'proof-base', swap: 'swap-1', after: 'proof-step-1' },
  contract: { label: 'SmartContract (`update` transactions)', first: 'update-1', swap: 'swap-2', after: 'update-2' },
};

/** The steps of one run, by name; a run without its steps fails the benchmark. */
function steps(dir, program, mode, needed) {
  const file = path.join(dir, `${program}-${mode}.jsonl`);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith('{'));
  const byStep = Object.fromEntries(lines.map((line) => JSON.parse(line)).map((r) => [r.step, r]));
  for (const step of needed) {
    if (!byStep[step]) throw new Error(`${file}: no step '${step}'`);
  }
  return byStep;
}

const dir = process.argv[2];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
console.log('| program | restart: new process, compile from cache, first proof | swap: preparation + flip (goal ≤ 0.1x) | our pause / event-loop max (goal ≤ 20 ms) | wasm memory after: restart → swap (goal ≤ 1.0x) | compile: direct → proxy (goal ≤ 1.1x) | first proof: direct → proxy (goal ≤ 1.02x) | proof after the swap: direct → proxy (goal ≤ 1.02x) | moved: verified / unverified / stale |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [program, { label, first, swap: swapStep, after }] of Object.entries(programs)) {
  const direct = steps(dir, program, 'direct', ['compile', first, after]);
  const proxy = steps(dir, program, 'proxy', ['compile', first, swapStep, after]);
  const swap = proxy[swapStep];
  // What users do today: a new process, up to the end of its first proof.
  const restartMs = direct[first].sinceStartMs;
  const cells = [
    label,
    s(restartMs),
    `${s(swap.durationMs)} (${ratio(swap.durationMs, restartMs)})`,
    `${swap.pauseMs.toFixed(0)} ms (${swap.pauseStep}) / ${swap.maxEventLoopDelayMs.toFixed(0)} ms`,
    `${mb(direct[first].wasmBytes)} → ${mb(swap.memoryAfter)} (${ratio(swap.memoryAfter, direct[first].wasmBytes)})`,
    `${s(direct.compile.ms)} → ${s(proxy.compile.ms)} (${ratio(proxy.compile.ms, direct.compile.ms)})`,
    `${s(direct[first].ms)} → ${s(proxy[first].ms)} (${ratio(proxy[first].ms, direct[first].ms)})`,
    `${s(direct[after].ms)} → ${s(proxy[after].ms)} (${ratio(proxy[after].ms, direct[after].ms)})`,
    `${swap.verified} / ${swap.unverified} / ${swap.stale}`,
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
console.log();
console.log('One run each, the direct run first, then the proxied one; both compile from the prover-key cache a first run filled. The restart is what users do today: a new process that imports o1js, compiles from the cache and proves once. The memory baseline is that process after its first proof; the swap moved what the first proof left alive.');
