//! lz4-wasm-nodejs 0.9.2 through its generated high-level methods: bytes in, bytes out, the
//! module's own errors, across automatic swaps under a small memory budget.

use npm_rs::lz4::Lz4WasmNodejsProxy;
use npm_rs::lz4_config;
use proxy_runtime::{Error, Result};

/// Compressible but not trivial input of `len` bytes.
fn input(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9u32;
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if i % 7 < 4 {
                b"wasm"[i % 4]
            } else {
                state as u8
            }
        })
        .collect()
}

#[test]
fn round_trips_match_a_never_swapped_instance_across_automatic_swaps() -> Result<()> {
    // The case: a 1.44 MB input under a 4 MiB budget swapping at half of it crossed
    // the threshold inside `__wbindgen_malloc`, between the raw calls of one `compress`.
    let data = input(1_440_000);
    let reference = Lz4WasmNodejsProxy::new(lz4_config())?;
    let expected = reference.compress(&data)?;
    assert!(expected.len() < data.len(), "the input compresses");

    let proxy = Lz4WasmNodejsProxy::new(lz4_config().memory_budget(8 << 20).swap_threshold(0.5))?;
    for round in 0..4 {
        let compressed = proxy.compress(&data)?;
        assert_eq!(compressed, expected, "round {round}");
        assert_eq!(proxy.decompress(&compressed)?, data, "round {round}");
    }
    assert!(
        proxy.generation() >= 1,
        "the monitor swapped under the budget (memory {} of {} bytes)",
        proxy.memory_bytes(),
        proxy.cap_bytes()
    );
    Ok(())
}

#[test]
fn the_module_s_error_reaches_the_caller_and_the_next_call_works() -> Result<()> {
    let proxy = Lz4WasmNodejsProxy::new(lz4_config())?;
    // A size prefix larger than the data that follows it.
    match proxy.decompress(&[16, 0, 0, 0, 1, 2]) {
        Err(Error::Thrown { export, message }) => {
            assert_eq!(export, "decompress");
            assert!(
                !message.is_empty(),
                "the thrown value is readable: {message:?}"
            );
        }
        other => panic!("expected the module's error, got {other:?}"),
    }
    let data = input(10_000);
    assert_eq!(proxy.decompress(&proxy.compress(&data)?)?, data);
    Ok(())
}

#[test]
fn after_a_trap_the_next_call_runs_in_a_fresh_instance() -> Result<()> {
    let proxy = Lz4WasmNodejsProxy::new(lz4_config())?;
    let data = input(50_000);
    let compressed = proxy.compress(&data)?;
    // A size prefix of 4 GiB: the module's allocation fails and it traps (`unreachable`),
    // as it does in node.
    let mut bogus = vec![0xff, 0xff, 0xff, 0xff];
    bogus.extend_from_slice(&compressed[4..]);
    match proxy.decompress(&bogus) {
        Err(Error::Call { export, source }) => {
            assert_eq!(export, "decompress");
            assert!(
                source
                    .downcast_ref::<proxy_runtime::wasmtime::Trap>()
                    .is_some(),
                "a trap: {source:?}"
            );
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    assert_eq!(proxy.generation(), 0, "reported to its caller first");
    assert_eq!(proxy.decompress(&compressed)?, data);
    assert_eq!(
        proxy.generation(),
        1,
        "the next call ran in a fresh instance"
    );
    assert_eq!(proxy.stats().swaps, 1);
    Ok(())
}
