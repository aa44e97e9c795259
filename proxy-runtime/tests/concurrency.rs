//! Several threads call while another swaps: no call fails, none is lost, and each thread's
//! results equal a single-threaded run of its own calls on a fresh instance.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::{Lcg, StateProxy, step};

const THREADS: u64 = 4;
const SWAPS: u64 = 30;
/// Steps per thread at most (about a third of what fills the fixture's heap).
const MAX_STEPS: usize = 3000;

/// One thread's workload: its own objects, its own seed; runs until `stop` says so.
fn workload(
    p: &StateProxy,
    seed: u64,
    calls: &AtomicUsize,
    stop: impl Fn(usize) -> bool,
) -> Vec<Vec<i64>> {
    let mut pool = Vec::new();
    let mut rng = Lcg(seed);
    let mut seen = Vec::new();
    let mut i = 0;
    while !stop(i) {
        i += 1;
        let out = step(p, &mut pool, &mut rng, 12)
            .unwrap_or_else(|e| panic!("thread {seed} step {i}: {e}"));
        // Give the swapper a chance on 2 cores.
        if i % 50 == 0 {
            std::thread::yield_now();
        }
        calls.fetch_add(1, Ordering::SeqCst);
        seen.push(out);
    }
    seen
}

#[test]
fn threads_call_while_swaps_happen() {
    let proxy = Arc::new(common::proxy(Arc::default()));
    let calls = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (proxy, done) = (proxy.clone(), done.clone());
        std::thread::spawn(move || {
            for _ in 0..SWAPS {
                proxy.swap().expect("no swap fails");
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (proxy, calls, done) = (proxy.clone(), calls.clone(), done.clone());
            // At least 300 steps each, and on until the swaps are over, but at most
            // MAX_STEPS: the fixture's bump heap never frees, and on a loaded machine slow
            // swaps let a thread run until it is full (a trap, as a real module would).
            std::thread::spawn(move || {
                workload(&proxy, 1000 + t, &calls, |i| {
                    i >= 300 && (done.load(Ordering::SeqCst) || i >= MAX_STEPS)
                })
            })
        })
        .collect();
    let results: Vec<_> = workers
        .into_iter()
        .map(|w| w.join().expect("worker panicked"))
        .collect();
    swapper.join().expect("swapper panicked");
    let steps: usize = results.iter().map(Vec::len).sum();
    assert_eq!(calls.load(Ordering::SeqCst), steps, "no call lost");
    assert_eq!(proxy.stats().swaps, SWAPS);
    assert_eq!(proxy.stats().standby_failures, 0);
    for (t, seen) in results.iter().enumerate() {
        let reference = common::proxy(Arc::default());
        let expected = workload(&reference, 1000 + t as u64, &AtomicUsize::new(0), |i| {
            i >= seen.len()
        });
        assert_eq!(
            seen, &expected,
            "thread {t} saw what a fresh instance gives"
        );
    }
}

#[test]
fn the_proxy_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<StateProxy>();
    shared::<proxy_runtime::Handle<common::Obj>>();
}
