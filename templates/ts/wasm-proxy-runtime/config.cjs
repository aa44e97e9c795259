// @ts-check
// Settings of the runtime: options given by the host win over environment variables,
// which win over the defaults.
'use strict';

/**
 * @typedef {object} RuntimeSettings
 * @property {boolean} disabled Kill switch: a pure pass-through, no log, no swap.
 * @property {number} prepareAt Fraction of the memory cap at which a standby is prepared.
 * @property {number} swapAt Fraction of the memory cap at which the standby becomes active.
 * @property {number} maxBytes Memory cap the fractions refer to (default: 4 GiB, wasm32's).
 * @property {number} checkIntervalMs How often the memory monitor looks on a timer, in ms; it also looks
 *   every 1,024 new handles (0: never, no automatic swap).
 * @property {number} quiescenceMs An automatic swap flips only when no live handle would be left
 *   behind, or when the ones that would have stayed unmovable this long (ms).
 * @property {number} quiescenceTimeoutMs A prepared standby that found no quiescent point this long
 *   (ms) is given up (stage `quiescence`), and the monitor backs off.
 * @property {number} sliceMs Longest stretch of migration work before yielding to the event loop.
 * @property {boolean} sideThreads Run long reads of the old instance (prover-index encodes, SRS
 *   copies) on a side thread of it, which shortens the pause; what the fresh instance does
 *   stays on the program's thread (rayon binds its implicit global pool to the first thread
 *   that uses it there). Off by default until measured on every o1js program of the tests.
 * @property {number} backoffMs Wait after a failed standby before the monitor tries again (doubles).
 * @property {number} workerTimeoutMs Longest wait for a standby worker to start.
 * @property {number} metricsPort Serve Prometheus metrics on this port (0: off).
 * @property {string | undefined} fault Test-only fault injection point.
 * @property {number} standbyMaxBytes Cap on a standby's memory (0: as the glue asks); test-only.
 * @property {number} instanceMaxBytes Cap on every instance's memory, the first included (0: as the
 *   glue asks): a module that needs more traps as it would at 4 GiB; makes that reproducible (tests).
 */

/** 4 GiB: 65,536 pages of 64 KiB, the most a wasm32 memory can have. */
const WASM32_MAX_BYTES = 65536 * 65536;

/** @type {RuntimeSettings} */
const DEFAULTS = {
  disabled: false,
  prepareAt: 0.6,
  swapAt: 0.75,
  maxBytes: WASM32_MAX_BYTES,
  checkIntervalMs: 1000,
  quiescenceMs: 2000,
  quiescenceTimeoutMs: 120000,
  sliceMs: 10,
  sideThreads: false,
  backoffMs: 5000,
  workerTimeoutMs: 30000,
  metricsPort: 0,
  fault: undefined,
  standbyMaxBytes: 0,
  instanceMaxBytes: 0,
};

/** Environment variable of each setting. */
const ENV = {
  disabled: 'WASM_PROXY_DISABLE',
  prepareAt: 'WASM_PROXY_PREPARE_AT',
  swapAt: 'WASM_PROXY_SWAP_AT',
  maxBytes: 'WASM_PROXY_MAX_BYTES',
  checkIntervalMs: 'WASM_PROXY_CHECK_INTERVAL_MS',
  quiescenceMs: 'WASM_PROXY_QUIESCENCE_MS',
  quiescenceTimeoutMs: 'WASM_PROXY_QUIESCENCE_TIMEOUT_MS',
  sliceMs: 'WASM_PROXY_SLICE_MS',
  sideThreads: 'WASM_PROXY_SIDE_THREADS',
  backoffMs: 'WASM_PROXY_BACKOFF_MS',
  workerTimeoutMs: 'WASM_PROXY_WORKER_TIMEOUT_MS',
  metricsPort: 'WASM_PROXY_METRICS_PORT',
  fault: 'WASM_PROXY_FAULT',
  standbyMaxBytes: 'WASM_PROXY_STANDBY_MAX_BYTES',
  instanceMaxBytes: 'WASM_PROXY_INSTANCE_MAX_BYTES',
};

/** Values of `WASM_PROXY_DISABLE` that turn the proxy off (read case-insensitively, trimmed). */
const KILL_SWITCH_ON = ['1', 'true', 'yes', 'on'];
/** Values of `WASM_PROXY_DISABLE` that leave the proxy on, besides unset and empty. */
const KILL_SWITCH_OFF = ['0', 'false', 'no', 'off'];

/**
 * @typedef {object} KillSwitch
 * @property {boolean} disabled Whether the proxy is off (a pure pass-through).
 * @property {string | undefined} warning Set when the value is none of the known ones: the proxy
 *   is off then too (a kill switch fails safe), and this says why.
 */

/**
 * Reads the kill switch, one rule for both runtimes (fixtures/settings/kill-switch.json):
 * `1`, `true`, `yes`, `on` disable; unset, empty, `0`, `false`, `no`, `off` do not; case and
 * surrounding whitespace do not matter; anything else disables with a warning.
 * @param {string | undefined} raw the variable's value, undefined when unset
 * @returns {KillSwitch}
 */
function killSwitch(raw) {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || KILL_SWITCH_OFF.includes(value)) return { disabled: false, warning: undefined };
  if (KILL_SWITCH_ON.includes(value)) return { disabled: true, warning: undefined };
  return {
    disabled: true,
    warning: `${ENV.disabled}=${JSON.stringify(raw)} is not one of ${[...KILL_SWITCH_ON, ...KILL_SWITCH_OFF].join(', ')}: the proxy is disabled`,
  };
}

/** Values whose warning was already emitted in this process. */
const warnedKillSwitch = new Set();

/**
 * `killSwitch(raw)`, emitting its warning once per process (code `WASM_PROXY_DISABLE`).
 * @param {string | undefined} raw
 * @returns {boolean} whether the proxy is disabled
 */
function readKillSwitch(raw) {
  const { disabled, warning } = killSwitch(raw);
  if (warning !== undefined && !warnedKillSwitch.has(raw)) {
    warnedKillSwitch.add(raw);
    process.emitWarning(warning, { code: ENV.disabled });
  }
  return disabled;
}

/**
 * An on/off setting other than the kill switch: the kill switch's values, and an unknown
 * value is an error (no safe side to fail to).
 * @param {string} variable
 * @param {string} raw
 */
function readSwitch(variable, raw) {
  const value = raw.trim().toLowerCase();
  if (KILL_SWITCH_ON.includes(value)) return true;
  if (KILL_SWITCH_OFF.includes(value)) return false;
  throw new RangeError(`wasm-proxy: ${variable}=${raw} is not one of ${[...KILL_SWITCH_ON, ...KILL_SWITCH_OFF].join(', ')}`);
}

/** Points of the swap at which `fault` can inject a failure. */
const FAULT_POINTS = ['instantiate', 'workers', 'replay', 'check', 'oom'];

/**
 * @param {Partial<RuntimeSettings>} [given]
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {RuntimeSettings}
 */
function readSettings(given = {}, env = process.env) {
  /** @type {any} */
  const settings = { ...DEFAULTS };
  for (const [key, variable] of Object.entries(ENV)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (key === 'disabled') {
      settings[key] = readKillSwitch(raw);
    } else if (key === 'fault') {
      settings[key] = raw;
    } else if (key === 'sideThreads') {
      settings[key] = readSwitch(variable, raw);
    } else {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`wasm-proxy: ${variable}=${raw} is not a non-negative number`);
      }
      settings[key] = value;
    }
  }
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined) settings[key] = value;
  }
  if (settings.fault !== undefined && !FAULT_POINTS.includes(settings.fault)) {
    throw new RangeError(`wasm-proxy: unknown fault point ${settings.fault} (one of ${FAULT_POINTS.join(', ')})`);
  }
  if (!(settings.prepareAt > 0 && settings.prepareAt <= settings.swapAt && settings.swapAt <= 1)) {
    throw new RangeError(`wasm-proxy: need 0 < prepareAt (${settings.prepareAt}) <= swapAt (${settings.swapAt}) <= 1`);
  }
  return settings;
}

module.exports = { readSettings, killSwitch, readKillSwitch, KILL_SWITCH_ON, KILL_SWITCH_OFF, DEFAULTS, ENV, FAULT_POINTS, WASM32_MAX_BYTES };
