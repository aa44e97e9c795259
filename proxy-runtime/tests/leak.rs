//! The leak simulator: every `work` call leaks 64 KiB. Automatic swaps keep memory under the
//! cap indefinitely while results stay those of a fresh instance.

mod common;

use std::sync::Arc;

use common::{State, StateProxy};
use proxy_runtime::PAGE_SIZE;

#[test]
fn a_thousand_leaking_operations_across_fifty_swaps() {
    const BUDGET_PAGES: u64 = 24;
    let config = common::config(Arc::default())
        .memory_budget(BUDGET_PAGES * PAGE_SIZE)
        .swap_threshold(0.5);
    let p = StateProxy::new(config).unwrap();
    // State that must survive every swap, and a reference that never leaks.
    let reference = common::proxy(Arc::default());
    let (acc, acc_ref) = (p.build(1).unwrap(), reference.build(1).unwrap());
    let fresh = p.fresh_instance().unwrap();
    let fresh_bytes = fresh.memory_bytes();
    drop(fresh);
    let mut failed = 0;
    for i in 0..1000 {
        let x = i * 7919 % 100_000;
        match p.leak_work(x) {
            Ok(got) => {
                // Same result as the export on a fresh instance.
                let mut fresh = p.fresh_instance().unwrap();
                let work = fresh.exports().leak_work.clone();
                assert_eq!(
                    got,
                    work.call(fresh.store_mut(), (x,)).unwrap(),
                    "work({x})"
                );
            }
            Err(e) => {
                eprintln!("call {i} failed: {e}");
                failed += 1;
            }
        }
        if i % 10 == 0 {
            let (seed, seed_ref) = (p.build(i).unwrap(), reference.build(i).unwrap());
            assert_eq!(
                p.absorb(&acc, seed).unwrap(),
                reference.absorb(&acc_ref, seed_ref).unwrap()
            );
        }
        assert!(
            p.memory_bytes() < p.cap_bytes(),
            "memory reached the cap at call {i}"
        );
    }
    let stats = p.stats();
    assert_eq!(failed, 0, "no failed call");
    assert!(stats.swaps >= 50, "{} swaps", stats.swaps);
    assert_eq!(stats.standby_failures, 0);
    assert!(
        p.peak_memory_bytes() < p.cap_bytes(),
        "peak {} of {}",
        p.peak_memory_bytes(),
        p.cap_bytes()
    );
    assert_eq!(p.value(&acc).unwrap(), reference.value(&acc_ref).unwrap());
    // After a swap the instance is back to its fresh size (the state fits in the first page).
    p.swap().unwrap();
    assert_eq!(p.memory_bytes(), fresh_bytes);
    assert!(
        p.log_len() <= 201,
        "log holds the accumulator's lineage only: {}",
        p.log_len()
    );
}

/// The memory size the call path reads is kept by the store's limiter, not asked of
/// wasmtime: it must stay exact through growths and through one refused at the cap (the
/// build traps, the instance keeps its size). Debug builds also compare it with wasmtime's
/// on every read.
#[test]
fn the_memory_size_stays_exact_through_a_refused_growth() {
    const BUDGET_PAGES: u64 = 32;
    let faults = Arc::new(common::Faults::default());
    let config = common::config(faults.clone()).memory_budget(BUDGET_PAGES * PAGE_SIZE);
    let p = StateProxy::new(config).unwrap();
    let before = p.memory_bytes();
    faults
        .extra_pages
        .store(4, std::sync::atomic::Ordering::SeqCst);
    let _grown = p.build(1).unwrap();
    assert_eq!(p.memory_bytes(), before + 4 * PAGE_SIZE);
    faults
        .extra_pages
        .store(BUDGET_PAGES as i32, std::sync::atomic::Ordering::SeqCst);
    assert!(p.build(2).is_err(), "the growth beyond the cap is refused");
    assert_eq!(p.memory_bytes(), before + 4 * PAGE_SIZE);
    assert_eq!(p.peak_memory_bytes(), before + 4 * PAGE_SIZE);
}
