//! Metrics: the families of the TypeScript runtime, under the same names, types and labels
//! (`fixtures/settings/metrics.json`, tested on both sides). They go through the `metrics`
//! facade (the host picks the exporter) and, from the proxy's own counters, to Prometheus'
//! text format ([`Proxy::metrics_text`]) for a host without an exporter.
//!
//! Prometheus conventions: counters end in `_total`, durations are histograms in seconds
//! (buckets [`SWAP_DURATION_BUCKETS`], [`SWAP_PAUSE_BUCKETS`]; an exporter such as
//! `metrics-exporter-prometheus` needs them set to render histograms rather than summaries),
//! sizes are in bytes. Every sample carries the label `module`.

use std::fmt::Write as _;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use crate::instance::Exports;
use crate::proxy::Proxy;
use crate::swap::SwapReport;

/// Metric names, Prometheus style.
pub mod names {
    /// Counter: completed swaps.
    pub const SWAPS_TOTAL: &str = "wasm_proxy_swaps_total";
    /// Counter (label `stage`): standbys that failed; the active kept serving.
    pub const STANDBY_FAILURES_TOTAL: &str = "wasm_proxy_standby_failures_total";
    /// Histogram: swap duration (preparation and flip), seconds.
    pub const SWAP_DURATION_SECONDS: &str = "wasm_proxy_swap_duration_seconds";
    /// Histogram: longest time a swap held up the program's calls (the flip), seconds.
    pub const SWAP_PAUSE_SECONDS: &str = "wasm_proxy_swap_pause_seconds";
    /// Gauge: memory of the active instance, bytes.
    pub const MEMORY_BYTES: &str = "wasm_proxy_memory_bytes";
    /// Gauge: retained replay log entries.
    pub const REPLAY_LOG_ENTRIES: &str = "wasm_proxy_replay_log_entries";
    /// Gauge: handles the program holds.
    pub const LIVE_HANDLES: &str = "wasm_proxy_live_handles";
    /// Counter (label `verified`): live handles moved to a fresh instance.
    pub const MOVED_HANDLES_TOTAL: &str = "wasm_proxy_moved_handles_total";
    /// Gauge: live handles left on a retired instance at the last swap.
    pub const STALE_HANDLES: &str = "wasm_proxy_stale_handles";
    /// Counter: old instances released.
    pub const RETIRED_INSTANCES_TOTAL: &str = "wasm_proxy_retired_instances_total";
}

/// Label names.
pub mod labels {
    /// On every sample: the module's name ([`ProxyConfig::module_name`](crate::ProxyConfig::module_name)).
    pub const MODULE: &str = "module";
    /// Of `wasm_proxy_standby_failures_total`: the stage that failed ([`Error::stage`](crate::Error::stage)).
    pub const STAGE: &str = "stage";
    /// Of `wasm_proxy_moved_handles_total`: `true` when the handle was compared with its original.
    pub const VERIFIED: &str = "verified";
}

/// Upper bounds of the buckets of `wasm_proxy_swap_duration_seconds`, seconds.
pub const SWAP_DURATION_BUCKETS: &[f64] = &[
    0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// Upper bounds of the buckets of `wasm_proxy_swap_pause_seconds`, seconds.
pub const SWAP_PAUSE_BUCKETS: &[f64] = &[
    0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Type of a metric family, as Prometheus' `# TYPE` line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up (`_total`).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations counted in buckets (`_bucket`, `_sum`, `_count`).
    Histogram,
}

impl MetricKind {
    /// `counter`, `gauge` or `histogram`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// One metric family: what both runtimes expose under its name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Family {
    /// The metric's name.
    pub name: &'static str,
    /// Its type.
    pub kind: MetricKind,
    /// Its labels besides `module`.
    pub labels: &'static [&'static str],
    /// The `# HELP` text.
    pub help: &'static str,
    /// Bucket upper bounds (histograms only).
    pub buckets: &'static [f64],
}

/// Every family this runtime exposes, in exposition order.
pub const FAMILIES: &[Family] = &[
    Family {
        name: names::SWAPS_TOTAL,
        kind: MetricKind::Counter,
        labels: &[],
        help: "Swaps to a fresh instance that completed.",
        buckets: &[],
    },
    Family {
        name: names::STANDBY_FAILURES_TOTAL,
        kind: MetricKind::Counter,
        labels: &[labels::STAGE],
        help: "Standby instances destroyed after a failure, by the stage that failed; the active instance kept serving.",
        buckets: &[],
    },
    Family {
        name: names::SWAP_DURATION_SECONDS,
        kind: MetricKind::Histogram,
        labels: &[],
        help: "Duration of swaps, preparation and flip, in seconds.",
        buckets: SWAP_DURATION_BUCKETS,
    },
    Family {
        name: names::SWAP_PAUSE_SECONDS,
        kind: MetricKind::Histogram,
        labels: &[],
        help: "Longest time a swap held up the program's calls, in seconds.",
        buckets: SWAP_PAUSE_BUCKETS,
    },
    Family {
        name: names::MEMORY_BYTES,
        kind: MetricKind::Gauge,
        labels: &[],
        help: "Linear memory of the active instance, in bytes.",
        buckets: &[],
    },
    Family {
        name: names::REPLAY_LOG_ENTRIES,
        kind: MetricKind::Gauge,
        labels: &[],
        help: "Live entries of the replay log.",
        buckets: &[],
    },
    Family {
        name: names::LIVE_HANDLES,
        kind: MetricKind::Gauge,
        labels: &[],
        help: "Handles the program holds.",
        buckets: &[],
    },
    Family {
        name: names::MOVED_HANDLES_TOTAL,
        kind: MetricKind::Counter,
        labels: &[labels::VERIFIED],
        help: "Live handles moved to a fresh instance, by whether they were compared with their original.",
        buckets: &[],
    },
    Family {
        name: names::STALE_HANDLES,
        kind: MetricKind::Gauge,
        labels: &[],
        help: "Live handles left on a retired instance at the last swap.",
        buckets: &[],
    },
    Family {
        name: names::RETIRED_INSTANCES_TOTAL,
        kind: MetricKind::Counter,
        labels: &[],
        help: "Old instances released.",
        buckets: &[],
    },
];

/// Gives the `metrics` facade each family's help text, once per process.
fn describe_families() {
    static DESCRIBED: Once = Once::new();
    DESCRIBED.call_once(|| {
        for family in FAMILIES {
            match family.kind {
                MetricKind::Counter => metrics::describe_counter!(family.name, family.help),
                MetricKind::Gauge => metrics::describe_gauge!(family.name, family.help),
                MetricKind::Histogram => {
                    metrics::describe_histogram!(family.name, metrics::Unit::Seconds, family.help)
                }
            }
        }
    });
}

/// A histogram kept locally: observations per bucket (not cumulative), sum and count.
#[derive(Debug, Clone, Default, PartialEq)]
struct LocalHistogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl LocalHistogram {
    fn observe(&mut self, buckets: &[f64], value: f64) {
        if self.counts.len() != buckets.len() {
            self.counts = vec![0; buckets.len()];
        }
        if let Some(i) = buckets.iter().position(|bound| value <= *bound) {
            self.counts[i] += 1;
        }
        self.sum += value;
        self.count += 1;
    }
}

/// Counters of one proxy, readable without a metrics exporter.
#[derive(Debug)]
pub struct ProxyStats {
    module: String,
    swaps: AtomicU64,
    standby_failures: AtomicU64,
    failures_by_stage: Mutex<Vec<(&'static str, u64)>>,
    last_swap: Mutex<Option<(Duration, Duration)>>,
    moved_verified: AtomicU64,
    moved_unverified: AtomicU64,
    stale_handles: AtomicU64,
    retired_instances: AtomicU64,
    swap_duration: Mutex<LocalHistogram>,
    swap_pause: Mutex<LocalHistogram>,
}

/// A snapshot of [`ProxyStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Completed swaps.
    pub swaps: u64,
    /// Failed standbys.
    pub standby_failures: u64,
    /// Failed standbys per stage ([`Error::stage`](crate::Error::stage)).
    pub failures_by_stage: Vec<(&'static str, u64)>,
    /// Duration and pause of the last swap.
    pub last_swap: Option<(Duration, Duration)>,
    /// Live handles moved by swaps and compared with their original.
    pub moved_verified: u64,
    /// Live handles moved by swaps with nothing compared.
    pub moved_unverified: u64,
    /// Live handles left behind by the last swap.
    pub stale_handles: u64,
    /// Old instances released.
    pub retired_instances: u64,
}

impl ProxyStats {
    /// Counters of a proxy whose metrics carry `module="<module>"`.
    pub(crate) fn new(module: String) -> Self {
        describe_families();
        ProxyStats {
            module,
            swaps: AtomicU64::new(0),
            standby_failures: AtomicU64::new(0),
            failures_by_stage: Mutex::new(Vec::new()),
            last_swap: Mutex::new(None),
            moved_verified: AtomicU64::new(0),
            moved_unverified: AtomicU64::new(0),
            stale_handles: AtomicU64::new(0),
            retired_instances: AtomicU64::new(0),
            swap_duration: Mutex::new(LocalHistogram::default()),
            swap_pause: Mutex::new(LocalHistogram::default()),
        }
    }

    /// The `module` label of every sample.
    pub fn module(&self) -> &str {
        &self.module
    }

    /// Counts a completed swap and the instance it retired. The replay moves handles without
    /// comparing each with its original (probes compare the state as a whole), so every moved
    /// handle counts as `verified="false"`.
    pub(crate) fn swap_completed(&self, report: &SwapReport) {
        let module = self.module.clone();
        let moved = report.handles_live.saturating_sub(report.handles_stale) as u64;
        let verified = (report.handles_verified as u64).min(moved);
        let moved = moved - verified;
        self.swaps.fetch_add(1, Ordering::Relaxed);
        self.moved_verified.fetch_add(verified, Ordering::Relaxed);
        self.moved_unverified.fetch_add(moved, Ordering::Relaxed);
        self.stale_handles
            .store(report.handles_stale as u64, Ordering::Relaxed);
        self.retired_instances.fetch_add(1, Ordering::Relaxed);
        *self.last_swap.lock() = Some((report.duration, report.pause));
        let (duration, pause) = (report.duration.as_secs_f64(), report.pause.as_secs_f64());
        self.swap_duration
            .lock()
            .observe(SWAP_DURATION_BUCKETS, duration);
        self.swap_pause.lock().observe(SWAP_PAUSE_BUCKETS, pause);

        metrics::counter!(names::SWAPS_TOTAL, labels::MODULE => module.clone()).increment(1);
        metrics::histogram!(names::SWAP_DURATION_SECONDS, labels::MODULE => module.clone())
            .record(duration);
        metrics::histogram!(names::SWAP_PAUSE_SECONDS, labels::MODULE => module.clone())
            .record(pause);
        metrics::gauge!(names::MEMORY_BYTES, labels::MODULE => module.clone())
            .set(report.memory_after as f64);
        metrics::gauge!(names::REPLAY_LOG_ENTRIES, labels::MODULE => module.clone())
            .set(report.entries_replayed as f64);
        metrics::gauge!(names::LIVE_HANDLES, labels::MODULE => module.clone())
            .set(report.handles_live as f64);
        metrics::counter!(
            names::MOVED_HANDLES_TOTAL,
            labels::MODULE => module.clone(),
            labels::VERIFIED => "true"
        )
        .increment(verified);
        metrics::counter!(
            names::MOVED_HANDLES_TOTAL,
            labels::MODULE => module.clone(),
            labels::VERIFIED => "false"
        )
        .increment(moved);
        metrics::gauge!(names::STALE_HANDLES, labels::MODULE => module.clone())
            .set(report.handles_stale as f64);
        metrics::counter!(names::RETIRED_INSTANCES_TOTAL, labels::MODULE => module).increment(1);
    }

    /// Counts a standby that failed at `stage`.
    pub(crate) fn standby_failed(&self, stage: &'static str) {
        self.standby_failures.fetch_add(1, Ordering::Relaxed);
        let mut by = self.failures_by_stage.lock();
        match by.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, n)) => *n += 1,
            None => by.push((stage, 1)),
        }
        metrics::counter!(
            names::STANDBY_FAILURES_TOTAL,
            labels::MODULE => self.module.clone(),
            labels::STAGE => stage
        )
        .increment(1);
    }

    /// A snapshot of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            swaps: self.swaps.load(Ordering::Relaxed),
            standby_failures: self.standby_failures.load(Ordering::Relaxed),
            failures_by_stage: self.failures_by_stage.lock().clone(),
            last_swap: *self.last_swap.lock(),
            moved_verified: self.moved_verified.load(Ordering::Relaxed),
            moved_unverified: self.moved_unverified.load(Ordering::Relaxed),
            stale_handles: self.stale_handles.load(Ordering::Relaxed),
            retired_instances: self.retired_instances.load(Ordering::Relaxed),
        }
    }

    /// Every family in Prometheus' text format, with the gauges read now.
    pub fn prometheus_text(&self, gauges: Gauges) -> String {
        let snapshot = self.snapshot();
        let module = format!("{}=\"{}\"", labels::MODULE, escape_label(&self.module));
        let mut out = String::new();
        for family in FAMILIES {
            let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
            let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind.as_str());
            let sample = |out: &mut String, labels: &str, value: &dyn std::fmt::Display| {
                let _ = writeln!(out, "{}{{{module}{labels}}} {value}", family.name);
            };
            match family.name {
                names::SWAPS_TOTAL => sample(&mut out, "", &snapshot.swaps),
                names::STANDBY_FAILURES_TOTAL => {
                    for (stage, n) in &snapshot.failures_by_stage {
                        let labels = format!(",{}=\"{}\"", labels::STAGE, escape_label(stage));
                        sample(&mut out, &labels, n);
                    }
                }
                names::SWAP_DURATION_SECONDS => {
                    histogram_text(&mut out, family, &module, &self.swap_duration.lock())
                }
                names::SWAP_PAUSE_SECONDS => {
                    histogram_text(&mut out, family, &module, &self.swap_pause.lock())
                }
                names::MEMORY_BYTES => sample(&mut out, "", &gauges.memory_bytes),
                names::REPLAY_LOG_ENTRIES => sample(&mut out, "", &gauges.replay_log_entries),
                names::LIVE_HANDLES => sample(&mut out, "", &gauges.live_handles),
                names::MOVED_HANDLES_TOTAL => {
                    let verified = format!(",{}=\"true\"", labels::VERIFIED);
                    sample(&mut out, &verified, &snapshot.moved_verified);
                    let unverified = format!(",{}=\"false\"", labels::VERIFIED);
                    sample(&mut out, &unverified, &snapshot.moved_unverified);
                }
                names::STALE_HANDLES => sample(&mut out, "", &snapshot.stale_handles),
                names::RETIRED_INSTANCES_TOTAL => sample(&mut out, "", &snapshot.retired_instances),
                _ => {}
            }
        }
        out
    }
}

/// Values read from the proxy when the text is rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Memory of the active instance, bytes.
    pub memory_bytes: u64,
    /// Retained replay log entries.
    pub replay_log_entries: usize,
    /// Handles the program holds.
    pub live_handles: usize,
}

/// Writes a histogram's `_bucket` (cumulative, then `+Inf`), `_sum` and `_count` samples.
fn histogram_text(out: &mut String, family: &Family, module: &str, h: &LocalHistogram) {
    let mut cumulative = 0;
    for (i, bound) in family.buckets.iter().enumerate() {
        cumulative += h.counts.get(i).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "{}_bucket{{{module},le=\"{bound}\"}} {cumulative}",
            family.name
        );
    }
    let _ = writeln!(
        out,
        "{}_bucket{{{module},le=\"+Inf\"}} {}",
        family.name, h.count
    );
    let _ = writeln!(out, "{}_sum{{{module}}} {}", family.name, h.sum);
    let _ = writeln!(out, "{}_count{{{module}}} {}", family.name, h.count);
}

/// A label value escaped for the text format (backslash, double quote, newline).
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl StatsSnapshot {
    /// Failures counted for `stage`.
    pub fn failures(&self, stage: &str) -> u64 {
        self.failures_by_stage
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or(0, |(_, n)| *n)
    }
}

impl<E: Exports> Proxy<E> {
    /// This proxy's metrics in Prometheus' text format, the same families as the TypeScript
    /// runtime's `metrics()` (for a host without a `metrics` exporter).
    pub fn metrics_text(&self) -> String {
        let gauges = {
            let active = self.lock_active();
            Gauges {
                memory_bytes: active.instance.memory_bytes(),
                replay_log_entries: active.log.len(),
                live_handles: active.handles.held(),
            }
        };
        self.stats.prometheus_text(gauges)
    }
}
