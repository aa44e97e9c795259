//! The counter fixture behind a swap-capable proxy: the module's Rust shim is generated
//! by `codegen::Builder` in `build.rs` and included here.

/// The generated proxy of `counter_bg.wasm` (`CounterModule` trait, `Counter` handles).
pub mod counter {
    proxy_runtime::include_proxy!("counter");
}

pub use counter::{Counter, CounterModule, CounterModuleProxy};

/// The compiled counter module (built from its WAT by `build.rs`).
pub const COUNTER_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/counter_bg.wasm"));

/// A proxy over a fresh instance of the counter module.
pub fn counter_proxy() -> proxy_runtime::Result<CounterModuleProxy> {
    CounterModuleProxy::new(proxy_runtime::ProxyConfig::from_bytes(COUNTER_WASM))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_survives_a_swap() -> proxy_runtime::Result<()> {
        let proxy = counter_proxy()?;
        let a = proxy.counter_new(5)?;
        proxy.counter_increment(&a, 3)?;
        let b = proxy.make_counter(7)?;
        proxy.counter_set_value(&b, 40)?;
        let scratch = proxy.counter_with_seed(2)?; // not logged: dropped before the swap
        assert_eq!(proxy.counter_get_value(&scratch)?, 2000);
        drop(scratch);
        let before = (proxy.ptr_of(&a)?, proxy.ptr_of(&b)?);
        let generation = proxy.generation();

        proxy.swap()?;

        assert_eq!(proxy.generation(), generation + 1);
        assert_eq!(proxy.counter_get_value(&a)?, 8);
        assert_eq!(proxy.counter_get_value(&b)?, 40);
        assert_eq!(proxy.total(&b)?, 40);
        // The fresh instance allocated only what the replayed calls built.
        let after = (proxy.ptr_of(&a)?, proxy.ptr_of(&b)?);
        assert_eq!(after, (16, 20), "before the swap: {before:?}");
        // Handles keep working for new calls, and for consuming ones.
        assert_eq!(proxy.counter_increment(&a, 1)?, 9);
        proxy.counter_free(a)?;
        Ok(())
    }

    /// Each moved counter is compared with its original (its `value` getter, the observation
    /// codegen derived) before the flip: equal ones count as verified; a counter changed
    /// behind the proxy's back (a raw call on the instance, never logged) would come back
    /// different, so the swap fails instead of changing what the program reads.
    #[test]
    fn moved_objects_are_verified_and_a_difference_fails_the_swap() -> proxy_runtime::Result<()> {
        let proxy = counter_proxy()?;
        let a = proxy.counter_new(5)?;
        proxy.counter_increment(&a, 3)?;
        let report = proxy.swap()?;
        assert_eq!((report.handles_live, report.handles_verified), (1, 1));
        assert_eq!(proxy.stats().moved_verified, 1);

        // Behind the proxy's back: `counter_increment` on the raw instance.
        let ptr = proxy.ptr_of(&a)?;
        proxy
            .with_instance(|i| -> proxy_runtime::wasmtime::Result<()> {
                let instance = *i.wasmtime_instance();
                let raw = instance
                    .get_typed_func::<(i32, i32), i32>(i.store_mut(), "counter_increment")?;
                let store = i.store_mut();
                raw.call(store, (ptr, 100))?;
                Ok(())
            })
            .expect("raw call");
        let err = proxy
            .swap()
            .expect_err("the replayed counter reads differently");
        assert_eq!(err.stage(), "check", "{err}");
        assert!(err.to_string().contains("__wbg_get_counter_value"), "{err}");
        // The active instance keeps serving what the program saw.
        assert_eq!(proxy.counter_get_value(&a)?, 108);
        Ok(())
    }

    /// The high-level `maybe_total(c?: Counter | null)` takes an `Option<&Handle<Counter>>`:
    /// absent is the null pointer the glue passes, present the counter's, before and after
    /// a swap; the raw method stays reachable through the trait.
    #[test]
    fn an_optional_object_is_passed_as_the_glue_passes_it() -> proxy_runtime::Result<()> {
        let proxy = counter_proxy()?;
        let c = proxy.counter_new(41)?;
        assert_eq!(proxy.maybe_total(None)?, -1);
        assert_eq!(proxy.maybe_total(Some(&c))?, 41);
        proxy.swap()?;
        assert_eq!(proxy.maybe_total(Some(&c))?, 41);
        assert_eq!(CounterModule::maybe_total(&proxy, 0)?, -1);
        Ok(())
    }

    #[test]
    fn the_generated_trait_covers_every_function_export() {
        let source = include_str!(concat!(env!("OUT_DIR"), "/counter.rs"));
        let methods = source
            .lines()
            .filter(|l| l.trim_start().starts_with("fn "))
            .count();
        let engine = proxy_runtime::wasmtime::Engine::default();
        let module = proxy_runtime::wasmtime::Module::new(&engine, COUNTER_WASM).unwrap();
        let functions = module.exports().filter(|e| e.ty().func().is_some()).count();
        assert_eq!(methods, functions);
    }
}
