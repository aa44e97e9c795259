// @ts-check
// Memory monitor: watches the active instance's linear memory against the cap and
// asks for a standby at one threshold and for the flip at the next.
'use strict';

class MemoryMonitor {
  /**
   * @param {import('./config.cjs').RuntimeSettings} settings
   * @param {() => number} sample bytes in use now
   * @param {(flipWhen: () => boolean, busy: boolean) => void} onThreshold starts a swap that flips
   *   once `flipWhen()`; `busy`: the program's own calls noticed, not the timer
   */
  constructor(settings, sample, onThreshold) {
    this.settings = settings;
    this.sample = sample;
    this.onThreshold = onThreshold;
    /** @type {NodeJS.Timeout | undefined} */
    this.timer = undefined;
    /** Handles made since the last look from the call path. */
    this.calls = 0;
    /** No automatic swap before this time (backoff after a failure). */
    this.quietUntil = 0;
    this.failures = 0;
  }

  /** Checks periodically, without keeping the process alive. */
  start() {
    if (this.settings.checkIntervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.check(), this.settings.checkIntervalMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * A look from the program's own calls (every 1,024th new handle): a process that
   * never idles (a prover proving back to back) never runs the timer, and its memory
   * grows exactly then.
   * @returns {boolean} whether it looked
   */
  poll() {
    if ((++this.calls & 1023) !== 0 || this.settings.checkIntervalMs <= 0) return false;
    this.check(true);
    return true;
  }

  /** Fraction of the cap in use. */
  usage() {
    return this.sample() / this.settings.maxBytes;
  }

  /**
   * Starts a swap if memory has crossed the preparation threshold.
   * @param {boolean} [busy] looked from the program's calls (the event loop may not turn)
   */
  check(busy = false) {
    if (Date.now() < this.quietUntil) return;
    if (this.usage() >= this.settings.prepareAt) {
      this.onThreshold(() => this.usage() >= this.settings.swapAt, busy);
    }
  }

  /** A standby failed: wait longer before the next automatic attempt. */
  backOff() {
    this.failures++;
    this.quietUntil = Date.now() + this.settings.backoffMs * 2 ** Math.min(this.failures - 1, 10);
  }

  /** A swap succeeded: back to normal. */
  reset() {
    this.failures = 0;
    this.quietUntil = 0;
  }
}

module.exports = { MemoryMonitor };
