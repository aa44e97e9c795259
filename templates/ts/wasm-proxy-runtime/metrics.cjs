// @ts-check
// Observability: events for the host, and metrics in Prometheus' text format with
// base units. No dependency: a host that wants an exporter reads `text()` or sets
// WASM_PROXY_METRICS_PORT.
'use strict';

const { EventEmitter } = require('node:events');

/**
 * @typedef {'swap-start' | 'swap-complete' | 'standby-failed' | 'instance-retired'} EventName
 */

class Metrics {
  /** @param {string} module */
  constructor(module) {
    this.module = module;
    this.events = new EventEmitter();
    this.swaps = 0;
    /** @type {Record<string, number>} Failed standbys by the stage that failed. */
    this.failures = {};
    this.swapSecondsSum = 0;
    this.lastSwapSeconds = 0;
    this.lastPauseSeconds = 0;
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
   * @param {EventName} name
   * @param {object} detail
   */
  emit(name, detail) {
    this.events.emit(name, detail);
  }

  /** Metrics in Prometheus' text exposition format. */
  text() {
    const label = `module="${this.module}"`;
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
    metric('wasm_proxy_swaps_total', 'counter', 'Swaps to a fresh instance that completed.', [['', this.swaps]]);
    const failures = Object.entries(this.failures).map(([stage, n]) => /** @type {[string, number]} */ ([`stage="${stage}"`, n]));
    metric('wasm_proxy_standby_failures_total', 'counter', 'Standby instances destroyed after a failure, by stage.', failures.length ? failures : [['stage="none"', 0]]);
    metric('wasm_proxy_swap_duration_seconds_sum', 'counter', 'Total time spent preparing and flipping swaps.', [['', this.swapSecondsSum]]);
    metric('wasm_proxy_swap_duration_seconds', 'gauge', 'Duration of the last swap, preparation included.', [['', this.lastSwapSeconds]]);
    metric('wasm_proxy_swap_pause_seconds', 'gauge', 'Longest synchronous stretch of the last swap.', [['', this.lastPauseSeconds]]);
    metric('wasm_proxy_linear_memory_bytes', 'gauge', 'Linear memory of the active instance.', [['', this.memoryBytes]]);
    metric('wasm_proxy_replay_log_entries', 'gauge', 'Live entries of the replay log.', [['', this.logEntries]]);
    metric('wasm_proxy_live_handles', 'gauge', 'Handles the program holds.', [['', this.liveHandles]]);
    metric('wasm_proxy_moved_handles_total', 'counter', 'Live handles moved to a fresh instance, by whether they were compared with their original.', [
      ['verified="true"', this.movedVerified],
      ['verified="false"', this.movedUnverified],
    ]);
    metric('wasm_proxy_stale_handles', 'gauge', 'Handles left on a retired instance at the last swap.', [['', this.staleHandles]]);
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

module.exports = { Metrics };
