//! Fault matrix: every way a standby can fail leaves the active serving, loses nothing, and is
//! counted (local stats, `metrics` facade, events).

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use common::{Faults, Obj, State, StateProxy};
use proxy_runtime::{Error, Handle, ProxyEvent};

/// Live state: two objects, one of them mutated by an absorb.
struct World {
    proxy: StateProxy,
    faults: Arc<Faults>,
    a: Handle<Obj>,
    acc: Handle<Obj>,
    events: Arc<Mutex<Vec<ProxyEvent>>>,
}

impl World {
    fn new(budget_pages: u64) -> World {
        let faults: Arc<Faults> = Arc::default();
        let events: Arc<Mutex<Vec<ProxyEvent>>> = Arc::default();
        let sink = events.clone();
        let config = common::config(faults.clone())
            .memory_budget(budget_pages * proxy_runtime::PAGE_SIZE)
            .on_event(move |e| sink.lock().unwrap().push(e.clone()));
        let proxy = StateProxy::new(config).unwrap();
        let a = proxy.build(1).unwrap();
        let acc = proxy.build(2).unwrap();
        proxy.absorb(&acc, proxy.build(3).unwrap()).unwrap();
        World {
            proxy,
            faults,
            a,
            acc,
            events,
        }
    }

    fn values(&self) -> (i64, i64) {
        (
            self.proxy.value(&self.a).unwrap(),
            self.proxy.value(&self.acc).unwrap(),
        )
    }
}

/// Injects a fault, swaps, and checks that the active is untouched and keeps serving.
fn standby_fails(inject: impl Fn(&Faults), reason: &str, check: impl Fn(&Error)) {
    let w = World::new(64);
    let before = w.values();
    let generation = w.proxy.generation();
    let log = w.proxy.log_len();
    inject(&w.faults);
    let err = w.proxy.swap().expect_err("the standby must fail");
    check(&err);
    assert_eq!(err.reason(), reason, "{err}");
    // The active keeps serving: same instance, same state, new calls work.
    assert_eq!(w.proxy.generation(), generation);
    assert_eq!(w.values(), before);
    let b = w.proxy.split(&w.acc).expect("calls still work");
    assert_eq!(
        (b.0 as u32 as u64) | ((b.1 as u32 as u64) << 32),
        before.1 as u64
    );
    assert_eq!(w.proxy.log_len(), log, "nothing lost from the log");
    let stats = w.proxy.stats();
    let stage = err.stage();
    assert_eq!(
        (stats.standby_failures, stats.failures(stage), stats.swaps),
        (1, 1, 0)
    );
    let events = w.events.lock().unwrap().clone();
    assert!(
        matches!(events.last(), Some(ProxyEvent::StandbyFailed { stage: s, .. }) if *s == stage),
        "{events:?}"
    );
    // Cleared, the next swap succeeds with the same state.
    w.faults.clear();
    w.proxy.swap().expect("swap after the fault is cleared");
    assert_eq!(w.values(), before);
    assert_eq!(w.proxy.stats().swaps, 1);
}

#[test]
fn instantiate_failure() {
    standby_fails(
        |f| f.instantiate.store(true, Ordering::SeqCst),
        "instantiate",
        |e| {
            assert!(matches!(e, Error::Instantiate(_)));
        },
    );
}

/// The standby's rayon pool does not start (plonk_wasm with one worker per instance).
#[test]
fn worker_start_failure() {
    use common::plonk::{PlonkSrs, PlonkSrsProxy, bindings_dir, config, h_coordinates};
    use proxy_runtime::{FaultDrill, ImportsPreset, WasmBindgenImports};
    let Some(dir) = bindings_dir() else { return };
    let drill = FaultDrill::default();
    let imports = WasmBindgenImports {
        threads: 1,
        drill: drill.clone(),
        js_imports: common::plonk::imports::JS_IMPORTS,
        ..WasmBindgenImports::default()
    };
    let p = PlonkSrsProxy::new(config(&dir, 1).imports(ImportsPreset::WasmBindgen(imports)))
        .expect("the first instance starts its pool");
    let srs = p.caml_fp_srs_create_parallel(1 << 6).unwrap();
    let h = h_coordinates(&p, &srs);
    let log = p.log_len();

    drill.fail_worker_starts(1);
    let err = p.swap().expect_err("the standby's pool must fail");
    assert!(
        matches!(&err, Error::WorkerPool(m) if m.contains("fault drill")),
        "{err}"
    );
    assert_eq!(err.reason(), "worker_pool");
    // The active keeps serving with its own pool; nothing is lost; the failure is counted.
    assert_eq!(p.generation(), 0);
    assert_eq!(h_coordinates(&p, &srs), h);
    let again = p.caml_fp_srs_create_parallel(1 << 6).unwrap();
    assert_eq!(h_coordinates(&p, &again), h);
    drop(again);
    p.collect();
    assert_eq!(p.log_len(), log);
    let stats = p.stats();
    assert_eq!((stats.failures("workers"), stats.swaps), (1, 0));

    p.swap().expect("the next standby starts its pool");
    assert_eq!(h_coordinates(&p, &srs), h);
}

#[test]
fn trap_during_replay() {
    standby_fails(
        |f| f.build_trap.store(true, Ordering::SeqCst),
        "replay_trap",
        |e| {
            assert!(
                matches!(e, Error::ReplayTrap { export, .. } if export == "build"),
                "{e}"
            );
        },
    );
}

#[test]
fn replay_mismatch() {
    // The replayed `absorb` returns another value than the original did.
    standby_fails(
        |f| f.drift.store(5, Ordering::SeqCst),
        "replay_mismatch",
        |e| {
            assert!(
                matches!(e, Error::ReplayMismatch { what, .. } if what.contains("absorb")),
                "{e}"
            );
        },
    );
}

#[test]
fn out_of_memory_in_the_standby() {
    // Replaying `build` now wants 100 more pages; the budget is 64.
    standby_fails(
        |f| f.extra_pages.store(100, Ordering::SeqCst),
        "out_of_memory",
        |e| {
            assert!(
                matches!(
                    e,
                    Error::StandbyOutOfMemory {
                        limit_pages: 64,
                        ..
                    }
                ),
                "{e}"
            );
        },
    );
}

#[test]
fn calls_during_a_failing_swap_are_served_and_logged() {
    let w = World::new(64);
    w.faults.build_trap.store(true, Ordering::SeqCst);
    // `value` and `absorb` do not hit the fault: the active serves them while the swap fails.
    let v = w
        .proxy
        .absorb(&w.acc, w.proxy.combine(&w.a, &w.acc).unwrap())
        .unwrap();
    assert!(w.proxy.swap().is_err());
    assert_eq!(w.proxy.value(&w.acc).unwrap(), v);
    w.faults.clear();
    w.proxy.swap().unwrap();
    assert_eq!(
        w.proxy.value(&w.acc).unwrap(),
        v,
        "the absorb made during the failure was replayed"
    );
}

#[test]
fn automatic_swaps_back_off_after_a_failure() {
    let faults: Arc<Faults> = Arc::default();
    let config = common::config(faults.clone())
        .memory_budget(32 * proxy_runtime::PAGE_SIZE)
        .swap_threshold(0.5)
        .failure_backoff(0.25);
    let p = StateProxy::new(config).unwrap();
    let keep = p.build(1).unwrap();
    faults.build_trap.store(true, Ordering::SeqCst);
    // Each call leaks a page. At 16 pages (half the budget) the standby fails; the next
    // attempt waits for 8 more pages (a quarter of the budget), i.e. 24.
    for i in 0..16 {
        p.leak_work(i).unwrap();
    }
    assert_eq!(p.stats().standby_failures, 1);
    assert_eq!(p.memory_bytes(), 17 * proxy_runtime::PAGE_SIZE);
    for i in 0..6 {
        p.leak_work(i).unwrap();
    }
    assert_eq!(p.stats().standby_failures, 1, "backed off");
    faults.clear();
    p.leak_work(99).unwrap();
    assert_eq!(p.stats().swaps, 1);
    assert_eq!(p.memory_bytes(), proxy_runtime::PAGE_SIZE);
    p.value(&keep).unwrap();
}

/// Counts what reaches the `metrics` facade.
mod recorder {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    use metrics::{
        Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    #[derive(Default)]
    pub struct Counting {
        pub counters: Mutex<Vec<(String, Arc<AtomicU64>)>>,
    }

    struct Count(Arc<AtomicU64>);
    impl CounterFn for Count {
        fn increment(&self, value: u64) {
            self.0.fetch_add(value, Ordering::SeqCst);
        }
        fn absolute(&self, value: u64) {
            self.0.store(value, Ordering::SeqCst);
        }
    }

    impl Counting {
        pub fn get(&self, key: &str) -> u64 {
            self.counters
                .lock()
                .unwrap()
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, c)| c.load(Ordering::SeqCst))
                .sum()
        }
    }

    impl Recorder for Counting {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            let labels: Vec<_> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            let name = format!("{}{{{}}}", key.name(), labels.join(","));
            let c = Arc::new(AtomicU64::new(0));
            self.counters.lock().unwrap().push((name, c.clone()));
            Counter::from_arc(Arc::new(Count(c)))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }
}

#[test]
fn the_metrics_facade_counts_swaps_and_failures() {
    let counting = Arc::new(recorder::Counting::default());
    let local = counting.clone();
    struct Shared(Arc<recorder::Counting>);
    impl metrics::Recorder for Shared {
        fn describe_counter(
            &self,
            k: metrics::KeyName,
            u: Option<metrics::Unit>,
            d: metrics::SharedString,
        ) {
            self.0.describe_counter(k, u, d)
        }
        fn describe_gauge(
            &self,
            k: metrics::KeyName,
            u: Option<metrics::Unit>,
            d: metrics::SharedString,
        ) {
            self.0.describe_gauge(k, u, d)
        }
        fn describe_histogram(
            &self,
            k: metrics::KeyName,
            u: Option<metrics::Unit>,
            d: metrics::SharedString,
        ) {
            self.0.describe_histogram(k, u, d)
        }
        fn register_counter(
            &self,
            k: &metrics::Key,
            m: &metrics::Metadata<'_>,
        ) -> metrics::Counter {
            self.0.register_counter(k, m)
        }
        fn register_gauge(&self, k: &metrics::Key, m: &metrics::Metadata<'_>) -> metrics::Gauge {
            self.0.register_gauge(k, m)
        }
        fn register_histogram(
            &self,
            k: &metrics::Key,
            m: &metrics::Metadata<'_>,
        ) -> metrics::Histogram {
            self.0.register_histogram(k, m)
        }
    }
    metrics::with_local_recorder(&Shared(local), || {
        let w = World::new(64);
        w.faults.drift.store(1, Ordering::SeqCst);
        assert!(w.proxy.swap().is_err());
        w.faults.clear();
        w.proxy.swap().unwrap();
        w.proxy.swap().unwrap();
    });
    assert_eq!(counting.get("wasm_proxy_swaps_total{module=wasm}"), 2);
    assert_eq!(
        counting.get("wasm_proxy_standby_failures_total{module=wasm,stage=check}"),
        1
    );
}
