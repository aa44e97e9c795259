//! One vocabulary with the TypeScript runtime: the kill switch reads the shared table of
//! values (`fixtures/settings/kill-switch.json`), and the metric families, their types,
//! labels, help and buckets, the events and the failure stages are the shared list
//! (`fixtures/settings/metrics.json`). `tests/node/vocabulary.test.cjs` holds the
//! TypeScript runtime to the same files.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use common::State;
use proxy_runtime::metrics::FAMILIES;
use proxy_runtime::{KillSwitch, ProxyEvent};
use serde_json::Value as Json;

fn fixture(name: &str) -> Json {
    let path = format!("{}/../fixtures/settings/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn strings(value: &Json) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

#[test]
fn kill_switch_reads_the_shared_table() {
    let table = fixture("kill-switch.json");
    assert_eq!(table["variable"], proxy_runtime::KILL_SWITCH_ENV);
    let cases = table["cases"].as_array().expect("cases");
    assert!(cases.len() > 10);
    let mut wrong = Vec::new();
    for case in cases {
        let value = case["value"].as_str();
        let switch = KillSwitch::parse(value);
        let got = (switch.disables(), switch.warning().is_some());
        let want = (
            case["disabled"].as_bool().expect("disabled"),
            case["warning"].as_bool().expect("warning"),
        );
        if got != want {
            wrong.push(format!(
                "{value:?}: (disabled, warning) = {got:?}, want {want:?}"
            ));
        }
        if let Some(warning) = switch.warning() {
            assert!(
                warning.contains("WASM_PROXY_DISABLE") && warning.contains("disabled"),
                "{warning}"
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A family as the shared list describes it.
#[derive(Debug, Clone, PartialEq)]
struct FamilySpec {
    kind: String,
    labels: BTreeSet<String>,
    help: String,
    buckets: Vec<f64>,
}

fn shared_families() -> BTreeMap<String, FamilySpec> {
    let list = fixture("metrics.json");
    let common = strings(&list["common_labels"]);
    list["families"]
        .as_array()
        .expect("families")
        .iter()
        .map(|f| {
            let mut labels: BTreeSet<String> = strings(&f["labels"]).into_iter().collect();
            labels.extend(common.iter().cloned());
            let buckets = f["buckets"]
                .as_array()
                .map(|b| b.iter().map(|x| x.as_f64().expect("a number")).collect())
                .unwrap_or_default();
            (
                f["name"].as_str().expect("name").to_owned(),
                FamilySpec {
                    kind: f["type"].as_str().expect("type").to_owned(),
                    labels,
                    help: f["help"].as_str().expect("help").to_owned(),
                    buckets,
                },
            )
        })
        .collect()
}

/// Reads Prometheus text into families: `# TYPE`, `# HELP`, the labels its samples carry
/// (`le` aside) and the histogram buckets.
fn parse_exposition(text: &str) -> BTreeMap<String, FamilySpec> {
    let mut families: BTreeMap<String, FamilySpec> = BTreeMap::new();
    fn family<'a>(
        families: &'a mut BTreeMap<String, FamilySpec>,
        name: &str,
    ) -> &'a mut FamilySpec {
        families
            .entry(name.to_owned())
            .or_insert_with(|| FamilySpec {
                kind: String::new(),
                labels: BTreeSet::new(),
                help: String::new(),
                buckets: Vec::new(),
            })
    }
    let mut kinds: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name type");
            family(&mut families, name).kind = kind.to_owned();
            kinds.insert(name.to_owned(), kind.to_owned());
        } else if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("# HELP name text");
            family(&mut families, name).help = help.to_owned();
        } else if !line.is_empty() {
            let (series, value) = line.rsplit_once(' ').expect("a sample: series value");
            assert!(value.parse::<f64>().is_ok(), "not a number: {line}");
            let (name, labels) = series.split_once('{').expect("labels");
            let labels = labels.strip_suffix('}').expect("closing brace");
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    let base = name.strip_suffix(suffix)?;
                    (kinds.get(base).map(String::as_str) == Some("histogram")).then_some(base)
                })
                .unwrap_or(name);
            assert!(kinds.contains_key(base), "sample before its # TYPE: {line}");
            for pair in labels.split(',') {
                let (key, value) = pair.split_once('=').expect("label=value");
                let value = value.trim_matches('"');
                if key == "le" {
                    if value != "+Inf" {
                        family(&mut families, base)
                            .buckets
                            .push(value.parse().expect("a bucket bound"));
                    }
                } else {
                    family(&mut families, base).labels.insert(key.to_owned());
                }
            }
        }
    }
    families
}

/// Sample value of `series` (exact name and labels as rendered).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn the_runtime_declares_the_shared_families() {
    let declared: BTreeMap<String, FamilySpec> = FAMILIES
        .iter()
        .map(|f| {
            let mut labels: BTreeSet<String> = f.labels.iter().map(|l| l.to_string()).collect();
            labels.insert(proxy_runtime::metrics::labels::MODULE.to_owned());
            (
                f.name.to_owned(),
                FamilySpec {
                    kind: f.kind.as_str().to_owned(),
                    labels,
                    help: f.help.to_owned(),
                    buckets: f.buckets.to_vec(),
                },
            )
        })
        .collect();
    assert_eq!(declared, shared_families());
}

/// A failed standby (stage `check`), then a swap that leaves one handle stale.
fn run_swaps() -> (common::StateProxy, Vec<String>) {
    let faults: Arc<common::Faults> = Arc::default();
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = events.clone();
    let config = common::config(faults.clone())
        .module_name("state")
        .on_event(move |e: &ProxyEvent| sink.lock().unwrap().push(e.name().to_owned()));
    let proxy = common::StateProxy::new(config).unwrap();
    let a = proxy.build(1).unwrap();
    proxy.absorb(&a, proxy.build(2).unwrap()).unwrap(); // replayed: its result is checked
    let copy = proxy.copy(&a).unwrap(); // unlogged: nothing can rebuild it
    faults.drift.store(1, Ordering::SeqCst); // `absorb` replays to another result
    let err = proxy.swap().expect_err("drift fails the check");
    assert_eq!(err.stage(), "check", "{err}");
    faults.clear();
    let report = proxy.swap().unwrap();
    assert_eq!((report.handles_live, report.handles_stale), (2, 1));
    drop((a, copy));
    let names = events.lock().unwrap().clone();
    (proxy, names)
}

#[test]
fn the_text_exposition_has_exactly_the_shared_families() {
    let (proxy, _) = run_swaps();
    proxy.collect(); // the dropped handles are released
    let text = proxy.metrics_text();
    let exposed = parse_exposition(&text);
    let shared = shared_families();
    let exposed_names: Vec<_> = exposed.keys().collect();
    let shared_names: Vec<_> = shared.keys().collect();
    assert_eq!(exposed_names, shared_names, "{text}");
    for (name, spec) in &shared {
        assert_eq!(&exposed[name], spec, "{name} in\n{text}");
    }
    // The values are this proxy's, labelled with its module.
    let get = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("{series}\n{text}"));
    assert_eq!(get("wasm_proxy_swaps_total{module=\"state\"}"), 1.0);
    assert_eq!(
        get("wasm_proxy_standby_failures_total{module=\"state\",stage=\"check\"}"),
        1.0
    );
    assert_eq!(
        get("wasm_proxy_swap_duration_seconds_count{module=\"state\"}"),
        1.0
    );
    assert_eq!(
        get("wasm_proxy_swap_duration_seconds_bucket{module=\"state\",le=\"+Inf\"}"),
        1.0
    );
    assert!(get("wasm_proxy_swap_duration_seconds_sum{module=\"state\"}") > 0.0);
    assert_eq!(get("wasm_proxy_stale_handles{module=\"state\"}"), 1.0);
    assert_eq!(
        get("wasm_proxy_moved_handles_total{module=\"state\",verified=\"false\"}"),
        1.0
    );
    assert_eq!(
        get("wasm_proxy_retired_instances_total{module=\"state\"}"),
        1.0
    );
    assert_eq!(
        get("wasm_proxy_memory_bytes{module=\"state\"}"),
        proxy.memory_bytes() as f64
    );
    assert_eq!(get("wasm_proxy_live_handles{module=\"state\"}"), 0.0);
}

#[test]
fn events_and_stages_are_the_shared_ones() {
    let list = fixture("metrics.json");
    let events = strings(&list["events"]);
    assert_eq!(ProxyEvent::NAMES, events.as_slice());
    let (_, emitted) = run_swaps();
    let emitted: BTreeSet<String> = emitted.into_iter().collect();
    let shared: BTreeSet<String> = events.into_iter().collect();
    assert_eq!(emitted, shared);
    let stages = strings(&list["stages"]);
    let errors = [
        proxy_runtime::Error::WorkerPool("x".into()),
        proxy_runtime::Error::ReplayMismatch {
            what: "x".into(),
            expected: "1".into(),
            found: "2".into(),
        },
        proxy_runtime::Error::NoMemory("memory".into()),
    ];
    for error in &errors {
        assert!(stages.iter().any(|s| s == error.stage()), "{error}");
    }
}

/// Records what the `metrics` facade is given: kind, name and label keys of each series.
mod recorder {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Mutex;

    use metrics::{
        Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    #[derive(Default)]
    pub struct Families(pub Mutex<BTreeMap<String, (String, BTreeSet<String>)>>);

    impl Families {
        fn register(&self, kind: &str, key: &Key) {
            let mut map = self.0.lock().unwrap();
            let entry = map
                .entry(key.name().to_owned())
                .or_insert_with(|| (kind.to_owned(), BTreeSet::new()));
            assert_eq!(entry.0, kind, "{} registered as two kinds", key.name());
            entry.1.extend(key.labels().map(|l| l.key().to_owned()));
        }
    }

    impl Recorder for Families {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            self.register("counter", key);
            Counter::noop()
        }
        fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
            self.register("gauge", key);
            Gauge::noop()
        }
        fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
            self.register("histogram", key);
            Histogram::noop()
        }
    }
}

#[test]
fn the_metrics_facade_gets_exactly_the_shared_families() {
    let families = recorder::Families::default();
    metrics::with_local_recorder(&families, || {
        run_swaps();
    });
    let got = families.0.into_inner().unwrap();
    let want: BTreeMap<String, (String, BTreeSet<String>)> = shared_families()
        .into_iter()
        .map(|(name, spec)| (name, (spec.kind, spec.labels)))
        .collect();
    assert_eq!(got, want);
}
