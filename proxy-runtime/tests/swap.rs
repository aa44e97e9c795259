//! Swaps with replay on the WAT fixture: results, memory and log size.

mod common;

use std::sync::Arc;

use common::{Faults, Lcg, State, proxy, step};
use proxy_runtime::{DeterminismPolicy, Error, PAGE_SIZE, ProxyConfig, RawValue};

#[test]
fn thousands_of_calls_across_dozens_of_swaps_match_a_fresh_instance() {
    let swapped = proxy(Arc::default());
    let reference = proxy(Arc::default());
    let fresh_memory = reference.memory_bytes();
    let (mut pool_s, mut pool_r) = (Vec::new(), Vec::new());
    let (mut rng_s, mut rng_r) = (Lcg(42), Lcg(42));
    let mut logs = Vec::new();
    for i in 0..3000 {
        let got = step(&swapped, &mut pool_s, &mut rng_s, 24).expect("call on the swapped proxy");
        let want = step(&reference, &mut pool_r, &mut rng_r, 24).expect("call on the reference");
        assert_eq!(got, want, "operation {i}");
        if i % 60 == 59 {
            let report = swapped.swap().expect("swap");
            assert_eq!(
                swapped.memory_bytes(),
                fresh_memory,
                "memory back to fresh size after swap {}",
                report.generation
            );
            assert_eq!(report.memory_after, fresh_memory);
            // Only live objects were rebuilt: the new instance holds exactly the program's.
            assert_eq!(swapped.objects().unwrap(), pool_s.len() as i32);
            logs.push(swapped.log_len());
        }
    }
    assert_eq!(swapped.stats().swaps, 50);
    assert_eq!(swapped.stats().standby_failures, 0);
    // The log follows the lineage of live objects (a long-lived object keeps every mutation
    // that made it), not the 3000 calls: it shrinks again whenever long-lived objects die.
    let max_log = *logs.iter().max().unwrap();
    assert!(max_log < 600, "log grew to {max_log} entries: {logs:?}");
    let peak_at = logs.iter().position(|&l| l == max_log).unwrap();
    assert!(
        logs[peak_at..].iter().any(|&l| l < 20),
        "the log never shrank after its peak: {logs:?}"
    );
    // Values read after the last swap still agree.
    for (s, r) in pool_s.iter().zip(&pool_r) {
        assert_eq!(swapped.value(s).unwrap(), reference.value(r).unwrap());
    }
    drop(pool_s);
    swapped.collect();
    assert_eq!(swapped.log_len(), 0, "no live handle, no log");
    assert_eq!(swapped.handles_held(), 0);
}

#[test]
fn dropped_handles_keep_the_log_bounded() {
    let p = proxy(Arc::default());
    let keep = p.build(1).unwrap();
    for seed in 0..2000 {
        let a = p.build(seed).unwrap();
        let b = p.combine(&a, &keep).unwrap();
        drop(a);
        drop(b);
    }
    p.collect();
    assert_eq!(p.log_len(), 1, "only the entry that built `keep` remains");
    assert_eq!(
        p.objects().unwrap(),
        1,
        "dropped handles were freed in the instance"
    );
    let v = p.value(&keep).unwrap();
    p.swap().unwrap();
    assert_eq!(p.value(&keep).unwrap(), v);
}

#[test]
fn dependencies_of_live_handles_are_replayed_then_freed() {
    let p = proxy(Arc::default());
    let a = p.build(5).unwrap();
    let b = p.build(6).unwrap();
    let c = p.combine(&a, &b).unwrap();
    let acc = p.build(7).unwrap();
    let x = p.build(8).unwrap();
    let absorbed = p.absorb(&acc, x).unwrap();
    drop((a, b));
    let (vc, vacc) = (p.value(&c).unwrap(), p.value(&acc).unwrap());
    assert_eq!(vacc, absorbed);
    let report = p.swap().unwrap();
    assert_eq!(
        report.entries_replayed, 6,
        "a and b are needed to rebuild c; x to rebuild acc"
    );
    assert_eq!(p.value(&c).unwrap(), vc);
    assert_eq!(p.value(&acc).unwrap(), vacc);
    assert_eq!(
        p.objects().unwrap(),
        2,
        "a, b and x were rebuilt, used and freed again"
    );
}

#[test]
fn a_handle_from_an_unlogged_call_is_stale_after_a_swap() {
    let p = proxy(Arc::default());
    let a = p.build(1).unwrap();
    let copy = p.copy(&a).unwrap();
    assert_eq!(p.value(&copy).unwrap(), p.value(&a).unwrap());
    p.swap().unwrap();
    let err = p.value(&copy).unwrap_err();
    assert!(
        matches!(err, Error::InvalidHandle { state, .. } if state.starts_with("stale")),
        "{err}"
    );
    p.value(&a).unwrap();
}

#[test]
fn a_logged_call_on_an_unlogged_handle_makes_the_swap_fail_clearly() {
    let p = proxy(Arc::default());
    let a = p.build(1).unwrap();
    let copy = p.copy(&a).unwrap();
    let _c = p.combine(&a, &copy).unwrap();
    let err = p.swap().unwrap_err();
    assert!(
        matches!(err, Error::Unreplayable { ref export, .. } if export == "combine"),
        "{err}"
    );
    assert_eq!(p.stats().failures("replay"), 1);
    p.value(&copy).expect("the active keeps serving");
}

#[test]
fn a_handle_of_another_proxy_is_refused() {
    let (p, q) = (proxy(Arc::default()), proxy(Arc::default()));
    let a = p.build(1).unwrap();
    // Resolved once in p's instance (generation 0, like q's): q must still refuse it.
    p.value(&a).unwrap();
    let err = q.value(&a).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidHandle {
                state: "from another proxy",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_consumed_handle_cannot_be_used_again() {
    let p = proxy(Arc::default());
    let acc = p.build(1).unwrap();
    let x = p.build(2).unwrap();
    let raw_x = x.id();
    p.absorb(&acc, x).unwrap();
    assert!(
        p.log_entries()
            .iter()
            .any(|e| e.dependencies().any(|d| d == raw_x))
    );
}

#[test]
fn multi_value_results_are_tuples() {
    let p = proxy(Arc::default());
    let a = p.build(3).unwrap();
    let v = p.value(&a).unwrap();
    let (lo, hi) = p.split(&a).unwrap();
    assert_eq!((lo as u32 as u64) | ((hi as u32 as u64) << 32), v as u64);
}

#[test]
fn a_missing_export_is_an_error_at_instantiation() {
    #[proxy_runtime::proxied]
    #[allow(dead_code)]
    trait Wrong {
        fn value(&self, x: i32) -> proxy_runtime::Result<i64>;
        fn no_such_export(&self) -> proxy_runtime::Result<()>;
    }
    let faults: Arc<Faults> = Arc::default();
    let err = WrongProxy::new(common::config(faults))
        .err()
        .expect("must fail");
    match &err {
        Error::MissingExport { export, method } => assert_eq!(
            (export.as_str(), method.as_str()),
            ("no_such_export", "no_such_export")
        ),
        other => panic!("expected MissingExport, got {other}"),
    }
}

#[test]
fn a_wrong_signature_is_an_error_at_instantiation() {
    #[proxy_runtime::proxied]
    #[allow(dead_code)]
    trait Wrong {
        #[export = "value"]
        fn value_as_i32(&self, x: i32) -> proxy_runtime::Result<i32>;
    }
    let err = WrongProxy::new(common::config(Arc::default()))
        .err()
        .expect("must fail");
    assert!(
        matches!(err, Error::ExportType { ref export, .. } if export == "value"),
        "{err}"
    );
}

#[test]
fn the_module_cache_serves_the_second_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let config = || common::config(Arc::default()).module_cache(dir.path());
    let p = common::StateProxy::new(config()).unwrap();
    let cached: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(cached.len(), 1, "one artifact written");
    let q = common::StateProxy::new(config()).unwrap();
    let (a, b) = (p.build(9).unwrap(), q.build(9).unwrap());
    assert_eq!(p.value(&a).unwrap(), q.value(&b).unwrap());
}

#[test]
fn pass_through_neither_logs_nor_swaps() {
    let p = common::StateProxy::new(common::config(Arc::default()).pass_through(true)).unwrap();
    let a = p.build(1).unwrap();
    p.value(&a).unwrap();
    assert_eq!(p.log_len(), 0);
    assert!(matches!(p.swap(), Err(Error::PassThrough)));
}

#[test]
fn probes_compare_named_state_between_active_and_standby() {
    let faults: Arc<Faults> = Arc::default();
    // Result comparison off: only the probe can see the drift below.
    let config = common::config(faults.clone())
        .determinism(DeterminismPolicy::default().compare_results(false));
    let p = common::StateProxy::new(config).unwrap();
    let acc = Arc::new(p.build(11).unwrap());
    p.absorb(&acc, p.build(12).unwrap()).unwrap();
    let probed = acc.clone();
    p.add_probe("acc value", move |cx| {
        let ptr = cx.ptr(&probed)?;
        let called = cx.call("value", &[RawValue::I32(ptr)])?;
        let mut bytes = cx.read_memory(ptr as u64, 8)?;
        bytes.extend(format!("{called:?}").bytes());
        Ok(bytes)
    });
    p.swap().expect("identical state passes the probe");
    faults.drift.store(1, std::sync::atomic::Ordering::SeqCst);
    let err = p.swap().unwrap_err();
    assert!(
        matches!(err, Error::ReplayMismatch { ref what, .. } if what == "probe `acc value`"),
        "{err}"
    );
    assert_eq!(p.stats().failures("check"), 1);
    let _: (ProxyConfig, u64) = (common::config(faults), PAGE_SIZE);
}
