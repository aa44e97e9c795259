//! Real plonk_wasm (o1js 2.15.0) under wasmtime: wasm-bindgen imports, shared memory, the rayon
//! pool, and an SRS that survives a swap with identical points.
//!
//! Needs `bash fixtures/o1js/fetch.sh` (run by scripts/test). Without it the test fails under
//! `CI=true` and is skipped with a message otherwise.

mod common;

use std::time::Instant;

use common::plonk::{PlonkSrs, PlonkSrsProxy, bindings_dir, config, h_coordinates};
use proxy_runtime::RawValue;

#[test]
fn an_srs_survives_a_swap_with_identical_points() {
    let Some(dir) = bindings_dir() else { return };
    let t = Instant::now();
    let p = PlonkSrsProxy::new(config(&dir, 0)).expect("plonk_wasm instantiates under wasmtime");
    eprintln!(
        "plonk: compile (or cache load) + first instance: {:?}",
        t.elapsed()
    );
    let srs = p.caml_fp_srs_create(1 << 8).unwrap();
    let (x, y) = h_coordinates(&p, &srs);
    assert_eq!((x.len(), y.len()), (32, 32), "field elements are 32 bytes");
    assert_ne!(x, vec![0; 32]);

    // Grow the active with state nobody keeps: a larger SRS, dropped.
    let t = Instant::now();
    let big = p.caml_fp_srs_create(1 << 14).unwrap();
    eprintln!("plonk: SRS of 2^14 points: {:?}", t.elapsed());
    // The host's view of the shared memory is the module's own.
    assert_eq!(p.memory_bytes(), p.get_memory_byte_length().unwrap() as u64);
    drop(big);
    p.collect();

    let t = Instant::now();
    let fresh = p.fresh_instance().unwrap();
    eprintln!("plonk: fresh instance: {:?}", t.elapsed());
    drop(fresh);

    let report = p.swap().expect("swap");
    eprintln!(
        "plonk: swap with SRS of 2^8 points: {:?} (pause {:?}), memory {} -> {} bytes",
        report.duration, report.pause, report.memory_before, report.memory_after
    );
    assert_eq!(report.entries_replayed, 1, "only the live SRS is rebuilt");
    assert!(
        report.memory_after < report.memory_before,
        "memory goes back down"
    );
    assert_eq!(
        h_coordinates(&p, &srs),
        (x.clone(), y.clone()),
        "replayed SRS gives the same h"
    );

    // A probe that compares h between active and standby on the next swap.
    let srs = std::sync::Arc::new(srs);
    let probed = srs.clone();
    p.add_probe("srs h", move |cx| {
        let ptr = cx.ptr(&probed)?;
        let h = cx.call("caml_fp_srs_h", &[RawValue::I32(ptr)])?;
        Ok(format!("{h:?}").into_bytes())
    });
    p.swap().expect("probe agrees");
    assert_eq!(h_coordinates(&p, &srs), (x, y));
}

#[test]
fn parallel_exports_run_on_the_host_rayon_pool_across_swaps() {
    let Some(dir) = bindings_dir() else { return };
    let p = PlonkSrsProxy::new(config(&dir, 1)).expect("instance with a one-worker pool");
    let serial = p.caml_fp_srs_create(1 << 8).unwrap();
    let parallel = p.caml_fp_srs_create_parallel(1 << 8).unwrap();
    let expected = h_coordinates(&p, &serial);
    assert_eq!(
        h_coordinates(&p, &parallel),
        expected,
        "parallel and serial SRS agree"
    );
    let report = p
        .swap()
        .expect("swap replays a parallel export on the new pool");
    eprintln!(
        "plonk: swap with two SRS of 2^8 points (one parallel): {:?}",
        report.duration
    );
    assert_eq!(h_coordinates(&p, &parallel), expected);
    assert_eq!(h_coordinates(&p, &serial), expected);
    p.swap().unwrap();
    // The retired instances' workers ended (exitThreadPool): one pool is left, the active's.
    assert_eq!(
        rayon_threads(),
        1,
        "worker threads of retired instances must end"
    );
}

/// Live host threads running a rayon worker of some instance.
fn rayon_threads() -> usize {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task");
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("wasm-rayon"))
        .count()
}
