//! Call overhead of the proxy against a raw `TypedFunc` on the same export (same run), fresh
//! instance cost, and swap time on the WAT fixture.
//!
//! `cargo bench -p proxy-runtime --bench call` prints the ratio first, then criterion's report.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{State, StateProxy};
use criterion::Criterion;

/// Nanoseconds per call of `f`, best of a few rounds.
fn per_call(rounds: usize, calls: u32, mut f: impl FnMut()) -> f64 {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..calls {
                f();
            }
            t.elapsed().as_nanos() as f64 / calls as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn print_ratio(proxy: &StateProxy) {
    let h = proxy.build(7).expect("build");
    let mut raw = proxy.fresh_instance().expect("fresh instance");
    let value = raw.exports().value.clone();
    let build = raw.exports().build.clone();
    let ptr = build.call(raw.store_mut(), (7,)).expect("raw build");
    let rawh = value.call(raw.store_mut(), (ptr,)).expect("raw call");
    assert_eq!(
        rawh,
        proxy.value(&h).expect("proxied call"),
        "same export, same result"
    );
    let proxied = per_call(5, 200_000, || {
        black_box(proxy.value(black_box(&h)).expect("proxied call"));
    });
    let typed = per_call(5, 200_000, || {
        black_box(
            value
                .call(raw.store_mut(), (black_box(ptr),))
                .expect("raw call"),
        );
    });
    println!(
        "call overhead: proxied {proxied:.1} ns, raw TypedFunc {typed:.1} ns, ratio {:.2}",
        proxied / typed
    );
}

fn main() {
    let proxy = common::proxy(Arc::default());
    print_ratio(&proxy);

    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3));
    let h = proxy.build(7).expect("build");
    let mut raw = proxy.fresh_instance().expect("fresh instance");
    let value = raw.exports().value.clone();
    let build = raw.exports().build.clone();
    let ptr = build.call(raw.store_mut(), (7,)).expect("raw build");
    let mut g = c.benchmark_group("call");
    g.bench_function("proxied value()", |b| {
        b.iter(|| proxy.value(black_box(&h)).expect("call"))
    });
    g.bench_function("raw TypedFunc value()", |b| {
        b.iter(|| {
            value
                .call(raw.store_mut(), (black_box(ptr),))
                .expect("call")
        })
    });
    g.finish();

    c.bench_function("fresh instance (fixture)", |b| {
        b.iter(|| proxy.fresh_instance().expect("instance"))
    });

    // 20 live objects, 10 of them built from pairs, as state to replay.
    let live: Vec<_> = (0..10).map(|s| proxy.build(s).expect("build")).collect();
    let pairs: Vec<_> = live
        .windows(2)
        .map(|w| proxy.combine(&w[0], &w[1]).expect("combine"))
        .collect();
    c.bench_function("swap (fixture, 20 live objects)", |b| {
        b.iter(|| proxy.swap().expect("swap"))
    });
    drop((live, pairs));

    // plonk_wasm: fresh instance and swap with one SRS of 2^8 points (skipped without the wasm).
    if let Some(dir) = common::plonk::bindings_dir() {
        use common::plonk::PlonkSrs;
        let plonk =
            common::plonk::PlonkSrsProxy::new(common::plonk::config(&dir, 0)).expect("plonk_wasm");
        let _srs = plonk.caml_fp_srs_create(1 << 8).expect("srs");
        let mut g = c.benchmark_group("plonk_wasm");
        g.sample_size(20);
        g.bench_function("fresh instance", |b| {
            b.iter(|| plonk.fresh_instance().expect("instance"))
        });
        g.bench_function("swap (SRS of 2^8 points)", |b| {
            b.iter(|| plonk.swap().expect("swap"))
        });
        g.finish();
    }
    c.final_summary();
}
