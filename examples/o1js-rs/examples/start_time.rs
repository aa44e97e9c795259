//! How long creating a plonk_wasm proxy takes, with and without `ProxyConfig::module_cache`
//! (the numbers of the Rust guide): `cargo run -p o1js-rs --example start_time`.

use std::time::Instant;

use o1js_rs::config;
use o1js_rs::plonk::PlonkWasmProxy;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cache = std::env::temp_dir().join(format!("wasm-proxy-start-time-{}", std::process::id()));
    let time = |label: &str, config: proxy_runtime::ProxyConfig| -> proxy_runtime::Result<()> {
        let started = Instant::now();
        let proxy = PlonkWasmProxy::new(config)?;
        println!("{label:<32} {:>7.2} s", started.elapsed().as_secs_f64());
        drop(proxy);
        Ok(())
    };
    for _ in 0..2 {
        time("no cache", config("plonk_wasm"))?;
    }
    time(
        "module_cache, first (compiles)",
        config("plonk_wasm").module_cache(&cache),
    )?;
    for _ in 0..2 {
        time(
            "module_cache, next start",
            config("plonk_wasm").module_cache(&cache),
        )?;
    }
    std::fs::remove_dir_all(&cache)?;
    Ok(())
}
