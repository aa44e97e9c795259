// @ts-check
// Observability: events for the host, and metrics in Prometheus' text format with
// base units. No dependency: a host that wants an exporter reads `text()` or sets
// WASM_PROXY_METRICS_PORT.
'use strict';

const { EventEmitter } = require('node:events');

/**
 * @typedef {'swap-start' | 'swap-complete' | 'standby-failed' | 'instance-retired'} EventName
 */

/** Events the runtime emits, the same as the Rust runtime's (`ProxyEvent::name`). */
const EVENTS = /** @type {const} */ (['swap-start', 'swap-complete', 'standby-failed', 'instance-retired']);

/** Buckets of `wasm_proxy_swap_duration_seconds`, seconds (the Rust runtime uses the same). */
const SWAP_DURATION_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Buckets of `wasm_proxy_swap_pause_seconds`, seconds (the Rust runtime uses the same). */
const SWAP_PAUSE_BUCKETS = [0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** A Prometheus histogram: cumulative bucket counts, sum and count of what it observed. */
class Histogram {
  /** @param {number[]} buckets upper bounds, ascending */
  constructor(buckets) {
    this.buckets = buckets;
    /** Observations at or below each bound (not cumulative; `text()` sums them). */
    this.counts = buckets.map(() => 0);
    this.sum = 0;
    this.count = 0;
  }

  /** @param {number} value */
  observe(value) {
    const i = this.buckets.findIndex((bound) => value <= bound);
    if (i >= 0) this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

class Metrics {
  /** @param {string} module */
  constructor(module) {
    this.module = module;
    this.events = new EventEmitter();
    this.swaps = 0;
    /** @type {Record<string, number>} Failed standbys by the stage that failed. */
    this.failures = {};
    /** Duration of swaps, preparation and flip, seconds. */
    this.swapDuration = new Histogram(SWAP_DURATION_BUCKETS);
    /** Longest synchronous stretch of each swap (the program's stall), seconds. */
    this.swapPause = new Histogram(SWAP_PAUSE_BUCKETS);
    this.memoryBytes = 0;
    this.logEntries = 0;
    this.staleHandles = 0;
    /** Live handles moved by swaps so far, by whether they were compared with their original. */
    this.movedVerified = 0;
    this.movedUnverified = 0;
    this.liveHandles = 0;
    this.retiredInstances = 0;
  }

  /**
   * Counts a completed swap.
   * @param {number} durationSeconds preparation and flip
   * @param {number} pauseSeconds longest synchronous stretch
   */
  swapCompleted(durationSeconds, pauseSeconds) {
    this.swaps++;
    this.swapDuration.observe(durationSeconds);
    this.swapPause.observe(pauseSeconds);
  }

  /**
   * @param {EventName} name
   * @param {object} detail
   */
  emit(name, detail) {
    this.events.emit(name, detail);
  }

  /**
   * Metrics in Prometheus' text exposition format: the families of
   * fixtures/settings/metrics.json, the same as the Rust runtime's.
   */
  text() {
    const label = `module="${escapeLabel(this.module)}"`;
    /** @type {string[]} */
    const lines = [];
    /**
     * @param {string} name
     * @param {'counter' | 'gauge'} type
     * @param {string} help
     * @param {[string, number][]} samples label set (without module) and value
     */
    const metric = (name, type, help, samples) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) {
        lines.push(`${name}{${labels ? `${label},${labels}` : label}} ${value}`);
      }
    };
    /**
     * @param {string} name
     * @param {string} help
     * @param {Histogram} histogram
     */
    const histogram = (name, help, histogram) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      let cumulative = 0;
      histogram.buckets.forEach((bound, i) => {
        cumulative += histogram.counts[i];
        lines.push(`${name}_bucket{${label},le="${bound}"} ${cumulative}`);
      });
      lines.push(`${name}_bucket{${label},le="+Inf"} ${histogram.count}`);
      lines.push(`${name}_sum{${label}} ${histogram.sum}`, `${name}_count{${label}} ${histogram.count}`);
    };
    metric('wasm_proxy_swaps_total', 'counter', 'Swaps to a fresh instance that completed.', [['', this.swaps]]);
    const failures = Object.entries(this.failures).map(([stage, n]) => /** @type {[string, number]} */ ([`stage="${escapeLabel(stage)}"`, n]));
    metric('wasm_proxy_standby_failures_total', 'counter', 'Standby instances destroyed after a failure, by the stage that failed; the active instance kept serving.', failures);
    histogram('wasm_proxy_swap_duration_seconds', 'Duration of swaps, preparation and flip, in seconds.', this.swapDuration);
    histogram('wasm_proxy_swap_pause_seconds', "Longest time a swap held up the program's calls, in seconds.", this.swapPause);
    metric('wasm_proxy_memory_bytes', 'gauge', 'Linear memory of the active instance, in bytes.', [['', this.memoryBytes]]);
    metric('wasm_proxy_replay_log_entries', 'gauge', 'Live entries of the replay log.', [['', this.logEntries]]);
    metric('wasm_proxy_live_handles', 'gauge', 'Handles the program holds.', [['', this.liveHandles]]);
    metric('wasm_proxy_moved_handles_total', 'counter', 'Live handles moved to a fresh instance, by whether they were compared with their original.', [
      ['verified="true"', this.movedVerified],
      ['verified="false"', this.movedUnverified],
    ]);
    metric('wasm_proxy_stale_handles', 'gauge', 'Live handles left on a retired instance at the last swap.', [['', this.staleHandles]]);
    metric('wasm_proxy_retired_instances_total', 'counter', 'Old instances released.', [['', this.retiredInstances]]);
    return `${lines.join('\n')}\n`;
  }

  /**
   * Serves `text()` over HTTP on `port` (loopback), for a Prometheus scraper.
   * @param {number} port
   */
  serve(port) {
    const http = require('node:http');
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(this.text());
    });
    server.listen(port, '127.0.0.1');
    server.unref();
    return server;
  }
}

/**
 * A label value escaped for the text format (backslash, double quote, newline).
 * @param {string} value
 */
function escapeLabel(value) {
  return String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

module.exports = { Metrics, Histogram, EVENTS, SWAP_DURATION_BUCKETS, SWAP_PAUSE_BUCKETS };
