//! Host imports: the store data every instance carries, and ready-made import sets.

pub mod js_imports;
pub mod rayon_pool;
pub mod wasm_bindgen;

use wasmtime::SharedMemory;

pub use js_imports::{JsImport, JsOp};
pub use wasm_bindgen::{FaultDrill, Randomness, UnsupportedImports, WasmBindgenImports};

use crate::memory::MemoryLimiter;

/// The data of every instance's `Store`: the memory limiter, the imported memory (if any) and
/// the state of the wasm-bindgen imports.
pub struct HostState {
    pub(crate) limiter: MemoryLimiter,
    pub(crate) memory: Option<SharedMemory>,
    pub(crate) bindgen: Option<wasm_bindgen::BindgenState>,
}

impl HostState {
    pub(crate) fn new(limiter: MemoryLimiter) -> Self {
        HostState {
            limiter,
            memory: None,
            bindgen: None,
        }
    }

    /// The shared memory the instance imports (wasm-bindgen threads), if any.
    pub fn shared_memory(&self) -> Option<&SharedMemory> {
        self.memory.as_ref()
    }

    /// The memory limiter (cap and whether growth was refused).
    pub fn limiter(&self) -> &MemoryLimiter {
        &self.limiter
    }
}

impl std::fmt::Debug for HostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState")
            .field("limiter", &self.limiter)
            .finish_non_exhaustive()
    }
}
