//! Metrics (through the `metrics` facade: the host picks the exporter) and local counters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

/// Metric names, Prometheus style.
pub mod names {
    /// Counter: completed swaps.
    pub const SWAPS_TOTAL: &str = "wasm_proxy_swaps_total";
    /// Counter (label `reason`): standbys that failed; the active kept serving.
    pub const STANDBY_FAILURES_TOTAL: &str = "wasm_proxy_standby_failures_total";
    /// Gauge: memory of the active instance, bytes.
    pub const MEMORY_BYTES: &str = "wasm_proxy_memory_bytes";
    /// Histogram: swap duration (preparation and flip), seconds.
    pub const SWAP_DURATION_SECONDS: &str = "wasm_proxy_swap_duration_seconds";
    /// Histogram: time calls were blocked by a flip, seconds.
    pub const SWAP_PAUSE_SECONDS: &str = "wasm_proxy_swap_pause_seconds";
    /// Gauge: retained replay log entries.
    pub const REPLAY_ENTRIES: &str = "wasm_proxy_replay_entries";
}

/// Counters of one proxy, readable without a metrics exporter.
#[derive(Debug, Default)]
pub struct ProxyStats {
    swaps: AtomicU64,
    standby_failures: AtomicU64,
    failures_by_reason: Mutex<Vec<(&'static str, u64)>>,
    last_swap: Mutex<Option<(Duration, Duration)>>,
}

/// A snapshot of [`ProxyStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Completed swaps.
    pub swaps: u64,
    /// Failed standbys.
    pub standby_failures: u64,
    /// Failed standbys per reason.
    pub failures_by_reason: Vec<(&'static str, u64)>,
    /// Duration and pause of the last swap.
    pub last_swap: Option<(Duration, Duration)>,
}

impl ProxyStats {
    pub(crate) fn swap_completed(
        &self,
        duration: Duration,
        pause: Duration,
        memory: u64,
        entries: usize,
    ) {
        self.swaps.fetch_add(1, Ordering::Relaxed);
        *self.last_swap.lock() = Some((duration, pause));
        metrics::counter!(names::SWAPS_TOTAL).increment(1);
        metrics::histogram!(names::SWAP_DURATION_SECONDS).record(duration.as_secs_f64());
        metrics::histogram!(names::SWAP_PAUSE_SECONDS).record(pause.as_secs_f64());
        metrics::gauge!(names::MEMORY_BYTES).set(memory as f64);
        metrics::gauge!(names::REPLAY_ENTRIES).set(entries as f64);
    }

    pub(crate) fn standby_failed(&self, reason: &'static str) {
        self.standby_failures.fetch_add(1, Ordering::Relaxed);
        let mut by = self.failures_by_reason.lock();
        match by.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => by.push((reason, 1)),
        }
        metrics::counter!(names::STANDBY_FAILURES_TOTAL, "reason" => reason).increment(1);
    }

    /// A snapshot of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            swaps: self.swaps.load(Ordering::Relaxed),
            standby_failures: self.standby_failures.load(Ordering::Relaxed),
            failures_by_reason: self.failures_by_reason.lock().clone(),
            last_swap: *self.last_swap.lock(),
        }
    }
}

impl StatsSnapshot {
    /// Failures counted for `reason`.
    pub fn failures(&self, reason: &str) -> u64 {
        self.failures_by_reason
            .iter()
            .find(|(r, _)| *r == reason)
            .map_or(0, |(_, n)| *n)
    }
}
