// Shared helpers of the node tests: run codegen, fetch fixtures, make temp dirs.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const codegenBin = process.env.CODEGEN_BIN ?? path.join(root, 'target/debug/codegen');

/** Runs codegen with `args`; throws with its stderr on failure. */
function codegen(...args) {
  return execFileSync(codegenBin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh temporary directory. */
function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `wasm-proxy-${prefix}-`));
}

/** The pinned o1js node bindings directory (fetched from the npm registry on first use). */
function o1jsBindings() {
  return execFileSync('bash', [path.join(root, 'fixtures/o1js/fetch.sh')], { encoding: 'utf8' }).trim();
}

/** Copies the counter fixture (with its committed wasm) into a temp dir; returns the wasm path. */
function counterFixture() {
  const dir = path.join(tempDir('counter'), 'counter');
  fs.cpSync(path.join(root, 'fixtures/bindgen/counter'), dir, { recursive: true });
  return path.join(dir, 'counter_bg.wasm');
}

/** Generates the shim of `wasm` into a new temp dir; returns that dir. */
function generate(wasm) {
  const out = tempDir('out');
  codegen('generate', wasm, '--out-dir', out);
  return out;
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');

/**
 * Runs a node script under a generated proxy (`node --expose-gc -r <out>/register.cjs`),
 * with `REGISTER` set to that hook and the timer-driven monitor off unless `env` says;
 * returns its JSON report lines by `step`. Bounded: a hang fails after `timeoutMinutes`.
 * @param {string} script
 * @param {string} out generated proxy directory
 * @param {Record<string, string>} env
 * @param {number} [timeoutMinutes]
 */
function runUnderProxy(script, out, env, timeoutMinutes = 20) {
  const register = path.join(out, 'register.cjs');
  const stdout = execFileSync(process.execPath, ['--expose-gc', '-r', register, script], {
    encoding: 'utf8',
    env: { ...process.env, REGISTER: register, WASM_PROXY_CHECK_INTERVAL_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutMinutes * 60 * 1000,
  });
  /** @type {Record<string, any>} */
  const steps = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const report = JSON.parse(line);
    steps[report.step] = report;
  }
  const label = [path.basename(script), env.PROGRAM, env.O1JS].filter(Boolean).join(' ');
  process.stderr.write(`${label} ${JSON.stringify({ ...steps, metrics: undefined })}\n`);
  return steps;
}

/**
 * How much more wasm memory a later swap's fresh instance may hold than the first's, for
 * the same live state: allocation order on the rayon threads varies from run to run by
 * a page or two (seen: 64 KiB on 3.5 MiB), while a real creep grows with every swap.
 */
const MEMORY_CREEP_TOLERANCE = 1.05;

module.exports = { MEMORY_CREEP_TOLERANCE, root, codegen, codegenBin, tempDir, o1jsBindings, counterFixture, generate, hex, runUnderProxy };
