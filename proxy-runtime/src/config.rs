//! What a proxy is built from: the module, its imports, thresholds and policies.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::Result;
use crate::imports::{HostState, WasmBindgenImports};
use crate::replay::DeterminismPolicy;

/// The user's own imports: called once per proxy on the linker every instance is made from.
pub type LinkerHook =
    Arc<dyn Fn(&mut wasmtime::Linker<HostState>) -> wasmtime::Result<()> + Send + Sync>;

/// Something that happened to a proxy (also logged through `tracing` and counted in metrics).
#[derive(Debug, Clone)]
pub enum ProxyEvent {
    /// A swap started preparing a standby.
    SwapStart {
        /// Retained log entries to replay.
        entries: usize,
    },
    /// A swap flipped to the standby.
    SwapComplete {
        /// Preparation plus flip.
        duration: std::time::Duration,
        /// Time the proxy was locked (calls waited) during the flip.
        pause: std::time::Duration,
    },
    /// The standby failed; the active keeps serving.
    StandbyFailed {
        /// Short reason label (`instantiate`, `replay_trap`, `replay_mismatch`, `out_of_memory`...).
        reason: &'static str,
        /// The full error message.
        error: String,
    },
}

/// Listener for [`ProxyEvent`]s.
pub type EventListener = Arc<dyn Fn(&ProxyEvent) + Send + Sync>;

/// Where the module comes from.
#[derive(Debug, Clone)]
pub enum ModuleSource {
    /// Wasm (or WAT) bytes.
    Bytes(Arc<[u8]>),
    /// A file to read.
    Path(PathBuf),
}

/// Ready-made host imports.
#[derive(Debug, Clone, Default)]
pub enum ImportsPreset {
    /// Only what the linker hook defines.
    #[default]
    None,
    /// The wasm-bindgen imports of plonk_wasm / kimchi_wasm (and the `__wbindgen_start` call).
    WasmBindgen(WasmBindgenImports),
}

/// Configuration of a [`Proxy`](crate::Proxy).
#[derive(Clone)]
pub struct ProxyConfig {
    pub(crate) module: ModuleSource,
    pub(crate) imports: ImportsPreset,
    pub(crate) linker_hook: Option<LinkerHook>,
    pub(crate) memory_budget: Option<u64>,
    pub(crate) swap_threshold: Option<f64>,
    pub(crate) backoff: f64,
    pub(crate) memory_export: String,
    pub(crate) module_cache: Option<PathBuf>,
    pub(crate) determinism: DeterminismPolicy,
    pub(crate) on_event: Option<EventListener>,
    pub(crate) pass_through: bool,
}

/// Environment variable that turns every proxy into a pure pass-through (no log, no swap).
pub const KILL_SWITCH_ENV: &str = "WASM_PROXY_DISABLE";

impl ProxyConfig {
    fn new(module: ModuleSource) -> Self {
        ProxyConfig {
            module,
            imports: ImportsPreset::None,
            linker_hook: None,
            memory_budget: None,
            swap_threshold: None,
            backoff: 0.1,
            memory_export: "memory".into(),
            module_cache: None,
            determinism: DeterminismPolicy::default(),
            on_event: None,
            pass_through: std::env::var_os(KILL_SWITCH_ENV)
                .is_some_and(|v| v != "0" && !v.is_empty()),
        }
    }

    /// A module given as wasm or WAT bytes.
    pub fn from_bytes(bytes: impl Into<Arc<[u8]>>) -> Self {
        Self::new(ModuleSource::Bytes(bytes.into()))
    }

    /// A module read from a file when the proxy is built.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        Self::new(ModuleSource::Path(path.into()))
    }

    /// Adds the user's own imports.
    pub fn linker(
        mut self,
        hook: impl Fn(&mut wasmtime::Linker<HostState>) -> wasmtime::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.linker_hook = Some(Arc::new(hook));
        self
    }

    /// Uses a ready-made set of host imports.
    pub fn imports(mut self, preset: ImportsPreset) -> Self {
        self.imports = preset;
        self
    }

    /// Caps every instance's memory at `bytes` (below the module's own maximum).
    pub fn memory_budget(mut self, bytes: u64) -> Self {
        self.memory_budget = Some(bytes);
        self
    }

    /// Swaps automatically once memory reaches `fraction` of the cap (e.g. 0.6).
    pub fn swap_threshold(mut self, fraction: f64) -> Self {
        self.swap_threshold = Some(fraction.clamp(0.0, 1.0));
        self
    }

    /// After a failed standby, waits for this fraction of the cap more before trying again.
    pub fn failure_backoff(mut self, fraction: f64) -> Self {
        self.backoff = fraction.clamp(0.0, 1.0);
        self
    }

    /// The exported memory to monitor when the module does not import one (default `memory`).
    pub fn memory_export(mut self, name: impl Into<String>) -> Self {
        self.memory_export = name.into();
        self
    }

    /// Caches the compiled module in `dir` (keyed by module hash and engine settings).
    pub fn module_cache(mut self, dir: impl Into<PathBuf>) -> Self {
        self.module_cache = Some(dir.into());
        self
    }

    /// How replayed state is checked against the original.
    pub fn determinism(mut self, policy: DeterminismPolicy) -> Self {
        self.determinism = policy;
        self
    }

    /// Receives swap events.
    pub fn on_event(mut self, listener: impl Fn(&ProxyEvent) + Send + Sync + 'static) -> Self {
        self.on_event = Some(Arc::new(listener));
        self
    }

    /// Makes the proxy a pure pass-through (also set by the `WASM_PROXY_DISABLE` variable).
    pub fn pass_through(mut self, on: bool) -> Self {
        self.pass_through = on;
        self
    }

    pub(crate) fn read_module(&self) -> Result<Arc<[u8]>> {
        match &self.module {
            ModuleSource::Bytes(b) => Ok(b.clone()),
            ModuleSource::Path(p) => {
                std::fs::read(p)
                    .map(Into::into)
                    .map_err(|source| crate::Error::ReadModule {
                        path: p.clone(),
                        source,
                    })
            }
        }
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field(
                "module",
                &match &self.module {
                    ModuleSource::Bytes(b) => format!("{} bytes", b.len()),
                    ModuleSource::Path(p) => p.display().to_string(),
                },
            )
            .field("imports", &self.imports)
            .field("linker_hook", &self.linker_hook.is_some())
            .field("memory_budget", &self.memory_budget)
            .field("swap_threshold", &self.swap_threshold)
            .field("module_cache", &self.module_cache)
            .field("pass_through", &self.pass_through)
            .finish_non_exhaustive()
    }
}
