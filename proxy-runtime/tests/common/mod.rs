//! The `state.wat` fixture behind a `#[proxied]` trait, with host-injected faults.
#![allow(dead_code)]

pub mod plonk;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use proxy_runtime::{Handle, ProxyConfig, Result, proxied};

proxy_runtime::classes! {
    /// An object of the fixture: a 16-byte block holding an i64.
    pub Obj = "__wbg_obj_free";
}

/// Exports of `tests/fixtures/state.wat`.
#[proxied]
pub trait State {
    /// A new object from a seed.
    #[replay]
    fn build(&self, seed: i32) -> Result<Handle<Obj>>;
    /// A new object from two (borrowed).
    #[replay]
    fn combine(&self, a: &Handle<Obj>, b: &Handle<Obj>) -> Result<Handle<Obj>>;
    /// Mixes `x` into `acc` (consumes `x`).
    #[replay(mutates = acc)]
    fn absorb(&self, acc: &Handle<Obj>, x: Handle<Obj>) -> Result<i64>;
    /// Reads an object.
    fn value(&self, obj: &Handle<Obj>) -> Result<i64>;
    /// Reads an object as two halves (multi-value).
    fn split(&self, obj: &Handle<Obj>) -> Result<(i32, i32)>;
    /// An unlogged constructor.
    fn copy(&self, obj: &Handle<Obj>) -> Result<Handle<Obj>>;
    /// Leaks 64 KiB.
    #[export = "work"]
    fn leak_work(&self, x: i32) -> Result<i32>;
    /// Live objects in the instance.
    fn objects(&self) -> Result<i32>;
}

/// Faults the fixture asks the host about (`env.fault(kind)`).
#[derive(Debug, Default)]
pub struct Faults {
    pub instantiate: AtomicBool,
    pub build_trap: AtomicBool,
    pub extra_pages: AtomicI32,
    pub drift: AtomicI32,
}

impl Faults {
    /// No fault any more.
    pub fn clear(&self) {
        self.instantiate.store(false, Ordering::SeqCst);
        self.build_trap.store(false, Ordering::SeqCst);
        self.extra_pages.store(0, Ordering::SeqCst);
        self.drift.store(0, Ordering::SeqCst);
    }

    fn get(&self, kind: i32) -> i32 {
        match kind {
            0 => self.instantiate.load(Ordering::SeqCst) as i32,
            1 => self.build_trap.load(Ordering::SeqCst) as i32,
            2 => self.extra_pages.load(Ordering::SeqCst),
            3 => self.drift.load(Ordering::SeqCst),
            _ => 0,
        }
    }
}

pub fn fixture_wasm() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/state.wat");
    wat::parse_file(path).expect("tests/fixtures/state.wat is valid WAT")
}

/// The fixture with a fault hook wired to `faults`.
pub fn config(faults: Arc<Faults>) -> ProxyConfig {
    ProxyConfig::from_bytes(fixture_wasm()).linker(move |linker| {
        let faults = faults.clone();
        linker.func_wrap("env", "fault", move |kind: i32| faults.get(kind))?;
        Ok(())
    })
}

pub fn proxy(faults: Arc<Faults>) -> StateProxy {
    StateProxy::new(config(faults)).expect("the fixture instantiates")
}

/// A small deterministic generator for operation sequences.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One step of a random workload over a pool of live objects; returns what it observed.
/// Running the same seed against two proxies must give the same observations.
pub fn step(
    p: &StateProxy,
    pool: &mut Vec<Handle<Obj>>,
    rng: &mut Lcg,
    max_live: usize,
) -> Result<Vec<i64>> {
    let op = rng.below(10);
    Ok(match op {
        0 | 1 if pool.len() < max_live => {
            let h = p.build(rng.below(1000) as i32)?;
            let v = p.value(&h)?;
            pool.push(h);
            vec![0, v]
        }
        2 if pool.len() >= 2 && pool.len() < max_live => {
            let (a, b) = (rng.below(pool.len()), rng.below(pool.len()));
            let h = p.combine(&pool[a], &pool[b])?;
            let v = p.value(&h)?;
            pool.push(h);
            vec![1, v]
        }
        3 | 4 if pool.len() >= 2 => {
            let x = pool.swap_remove(rng.below(pool.len()));
            let acc = rng.below(pool.len());
            vec![2, p.absorb(&pool[acc], x)?]
        }
        5 if !pool.is_empty() => {
            pool.swap_remove(rng.below(pool.len()));
            vec![3]
        }
        6 if !pool.is_empty() => {
            let (lo, hi) = p.split(&pool[rng.below(pool.len())])?;
            vec![4, lo as i64, hi as i64]
        }
        7 => vec![5, p.leak_work(rng.below(1 << 20) as i32)? as i64],
        _ if !pool.is_empty() => vec![6, p.value(&pool[rng.below(pool.len())])?],
        _ => vec![7],
    })
}
