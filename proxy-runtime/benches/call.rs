//! Call overhead of the proxy against a raw `TypedFunc` on the same export (same run), fresh
//! instance cost, and swap time against a restart (a new proxy that rebuilds the same state),
//! on the WAT fixture and on o1js's plonk_wasm and kimchi_wasm.
//!
//! `cargo bench -p proxy-runtime --bench call` prints those medians first (one line each,
//! read by `scripts/bench`), then criterion's report; `-- zzz_none` skips criterion.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{State, StateProxy};
use criterion::Criterion;
use proxy_runtime::{
    Handle, ImportsPreset, JsArg, JsCall, JsReturn, ProxyConfig, Result, WasmArg,
    WasmBindgenImports, Word, proxied,
};

proxy_runtime::classes! {
    /// An SRS of plonk_wasm / kimchi_wasm.
    pub WasmFpSrs = "__wbg_wasmfpsrs_free";
}

/// The one export both o1js modules share that builds state worth replaying.
#[proxied]
trait Srs {
    #[replay]
    fn caml_fp_srs_create(&self, depth: i32) -> Result<Handle<WasmFpSrs>>;
}

/// SRS depth of the o1js cases (2^8 points).
const SRS_DEPTH: i32 = 1 << 8;

/// Median of `runs` timings of `f`, in microseconds.
fn median_us(runs: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect(),
    )
}

/// One summary line: `swap <case>: fresh instance X us, swap Y us, restart Z us`.
fn print_swap(case: &str, fresh: f64, swap: f64, restart: f64) {
    println!(
        "swap {case}: fresh instance {fresh:.1} us, swap {swap:.1} us, restart {restart:.1} us"
    );
}

/// The fixture with 20 live objects (10 built, 9 combined from pairs): swap vs a new proxy
/// (module compiled again) that rebuilds them.
fn fixture_swap(proxy: &StateProxy) {
    let build = |p: &StateProxy| {
        let live: Vec<_> = (0..10).map(|s| p.build(s).expect("build")).collect();
        let pairs: Vec<_> = live
            .windows(2)
            .map(|w| p.combine(&w[0], &w[1]).expect("combine"))
            .collect();
        (live, pairs)
    };
    let state = build(proxy);
    let fresh = median_us(51, || drop(proxy.fresh_instance().expect("instance")));
    let swap = median_us(51, || {
        proxy.swap().expect("swap");
    });
    let restart = median_us(21, || {
        let p = common::proxy(Arc::default());
        drop(build(&p));
    });
    drop(state);
    print_swap("fixture, 20 live objects", fresh, swap, restart);
}

/// kimchi_wasm's JS imports, as codegen generates them (`tests/common/js_imports/README.md`).
mod kimchi_imports {
    include!("../tests/common/js_imports/kimchi_wasm.rs");
}

/// The generated JS import table of an o1js module.
fn js_imports(module: &str) -> &'static [proxy_runtime::imports::JsImport] {
    match module {
        "kimchi_wasm" => kimchi_imports::JS_IMPORTS,
        _ => common::plonk::imports::JS_IMPORTS,
    }
}

/// An o1js module with one SRS of 2^8 points: swap vs a new proxy (module from the
/// precompiled cache, as a restarted service would load it) that creates the SRS again.
fn srs_swap(dir: &std::path::Path, module: &str) {
    let config = || {
        ProxyConfig::from_path(dir.join(format!("{module}_bg.wasm")))
            .imports(ImportsPreset::WasmBindgen(
                WasmBindgenImports::default().js_imports(js_imports(module)),
            ))
            .module_cache(std::env::temp_dir().join("wasm-proxy-bench-cache"))
    };
    let p = SrsProxy::new(config()).expect(module);
    let srs = p.caml_fp_srs_create(SRS_DEPTH).expect("srs");
    let fresh = median_us(21, || drop(p.fresh_instance().expect("instance")));
    let swap = median_us(21, || {
        p.swap().expect("swap");
    });
    let restart = median_us(11, || {
        let q = SrsProxy::new(config()).expect(module);
        drop(q.caml_fp_srs_create(SRS_DEPTH).expect("srs"));
    });
    drop(srs);
    print_swap(
        &format!("{module}, SRS of 2^8 points"),
        fresh,
        swap,
        restart,
    );
}

/// Nanoseconds per call of `f` over `calls` calls.
fn per_call(calls: u32, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..calls {
        f();
    }
    t.elapsed().as_nanos() as f64 / calls as f64
}

/// Median of `values`.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The same export through the proxy and as a raw `TypedFunc`, in alternating rounds (so
/// that both see the same clock and cache conditions): medians of 21 rounds of 200,000 calls.
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
    let (mut proxied, mut typed, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..21 {
        let p = per_call(200_000, || {
            black_box(proxy.value(black_box(&h)).expect("proxied call"));
        });
        let t = per_call(200_000, || {
            black_box(
                value
                    .call(raw.store_mut(), (black_box(ptr),))
                    .expect("raw call"),
            );
        });
        proxied.push(p);
        typed.push(t);
        ratios.push(p / t);
    }
    println!(
        "call overhead: proxied {:.1} ns, raw TypedFunc {:.1} ns, ratio {:.2}",
        median(proxied),
        median(typed),
        median(ratios)
    );
}

/// The fixture's `value` as a high-level call would make it (what codegen emits for a method
/// taking an object and returning a number).
static VALUE_JS: JsCall = JsCall {
    export: "value",
    args: &[WasmArg::Handle(0)],
    returns: JsReturn::Value(Word::Result(0)),
    throws: None,
    replay: false,
    mutates: None,
};

/// A high-level call ([`proxy_runtime::Proxy::call_js`]) against the typed proxied call of the
/// same export, in alternating rounds: medians of 21 rounds of 100,000 calls.
fn print_high_level_ratio(proxy: &StateProxy) {
    let h = proxy.build(7).expect("build");
    let high = || -> i64 {
        proxy
            .call_js(&VALUE_JS, &[JsArg::Borrow(h.raw())], None)
            .and_then(|o| o.into_value())
            .expect("high-level call")
    };
    assert_eq!(
        high(),
        proxy.value(&h).expect("typed call"),
        "same export, same result"
    );
    let (mut highs, mut typed, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..21 {
        let a = per_call(100_000, || {
            black_box(high());
        });
        let b = per_call(100_000, || {
            black_box(proxy.value(black_box(&h)).expect("typed call"));
        });
        highs.push(a);
        typed.push(b);
        ratios.push(a / b);
    }
    println!(
        "high-level call: call_js {:.1} ns, typed proxied {:.1} ns, ratio {:.2}",
        median(highs),
        median(typed),
        median(ratios)
    );
}

fn main() {
    let proxy = common::proxy(Arc::default());
    print_ratio(&proxy);
    print_high_level_ratio(&proxy);
    fixture_swap(&proxy);
    let o1js = common::plonk::bindings_dir();
    for module in ["plonk_wasm", "kimchi_wasm"] {
        if let Some(dir) = &o1js {
            srs_swap(dir, module);
        }
    }

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
    c.final_summary();
}
