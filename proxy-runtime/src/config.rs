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
/// The TypeScript runtime emits the same events under the same names ([`ProxyEvent::name`]).
#[derive(Debug, Clone)]
pub enum ProxyEvent {
    /// A swap started preparing a standby.
    SwapStart {
        /// Retained log entries to replay.
        entries: usize,
    },
    /// A swap flipped to the standby.
    SwapComplete {
        /// Why it ran (`memory`, `request`, `trap`).
        cause: crate::SwapCause,
        /// Preparation plus flip.
        duration: std::time::Duration,
        /// Time the proxy was locked (calls waited) during the flip.
        pause: std::time::Duration,
    },
    /// The standby failed; the active keeps serving.
    StandbyFailed {
        /// The stage that failed ([`Error::stage`](crate::Error::stage): `instantiate`,
        /// `workers`, `replay`, `check`, `oom`).
        stage: &'static str,
        /// The full error message.
        error: String,
    },
    /// The instance a swap replaced was released, its memory with it.
    InstanceRetired {
        /// Generation of the released instance.
        generation: u64,
    },
}

impl ProxyEvent {
    /// Names of every event, as both runtimes spell them (`fixtures/settings/metrics.json`).
    pub const NAMES: &'static [&'static str] = &[
        "swap-start",
        "swap-complete",
        "standby-failed",
        "instance-retired",
    ];

    /// The event's name (`swap-start`, `swap-complete`, `standby-failed`, `instance-retired`).
    pub fn name(&self) -> &'static str {
        match self {
            ProxyEvent::SwapStart { .. } => "swap-start",
            ProxyEvent::SwapComplete { .. } => "swap-complete",
            ProxyEvent::StandbyFailed { .. } => "standby-failed",
            ProxyEvent::InstanceRetired { .. } => "instance-retired",
        }
    }
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
    pub(crate) module_name: Option<String>,
}

/// Environment variable that turns every proxy into a pure pass-through (no log, no swap).
pub const KILL_SWITCH_ENV: &str = "WASM_PROXY_DISABLE";

/// Values of [`KILL_SWITCH_ENV`] that turn the proxy off (read case-insensitively, trimmed).
pub const KILL_SWITCH_ON: &[&str] = &["1", "true", "yes", "on"];

/// Values of [`KILL_SWITCH_ENV`] that leave the proxy on, besides unset and empty.
pub const KILL_SWITCH_OFF: &[&str] = &["0", "false", "no", "off"];

/// How a value of [`KILL_SWITCH_ENV`] reads. One rule for the Rust and the TypeScript runtime
/// (`fixtures/settings/kill-switch.json`): `1`, `true`, `yes`, `on` disable; unset, empty, `0`,
/// `false`, `no`, `off` do not; case and surrounding whitespace do not matter; anything else
/// disables too (a kill switch fails safe), with a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KillSwitch {
    /// Unset, empty or one of [`KILL_SWITCH_OFF`]: the proxy works.
    Off,
    /// One of [`KILL_SWITCH_ON`]: every proxy is a pass-through.
    On,
    /// None of the known values (kept as given): the proxy is a pass-through, and
    /// [`ProxyConfig`] logs a warning.
    Unrecognized(String),
}

impl KillSwitch {
    /// Reads a value of the variable (`None`: unset).
    pub fn parse(value: Option<&str>) -> Self {
        let Some(raw) = value else {
            return KillSwitch::Off;
        };
        let value = raw.trim().to_ascii_lowercase();
        if value.is_empty() || KILL_SWITCH_OFF.contains(&value.as_str()) {
            KillSwitch::Off
        } else if KILL_SWITCH_ON.contains(&value.as_str()) {
            KillSwitch::On
        } else {
            KillSwitch::Unrecognized(raw.to_owned())
        }
    }

    /// Reads [`KILL_SWITCH_ENV`] from the environment (a value that is not UTF-8 is unrecognized).
    pub fn from_env() -> Self {
        match std::env::var_os(KILL_SWITCH_ENV) {
            None => KillSwitch::Off,
            Some(os) => match os.to_str() {
                Some(value) => Self::parse(Some(value)),
                None => KillSwitch::Unrecognized(os.to_string_lossy().into_owned()),
            },
        }
    }

    /// Whether the proxy is a pass-through.
    pub fn disables(&self) -> bool {
        !matches!(self, KillSwitch::Off)
    }

    /// The warning an unrecognized value deserves, if any.
    pub fn warning(&self) -> Option<String> {
        match self {
            KillSwitch::Unrecognized(raw) => Some(format!(
                "{KILL_SWITCH_ENV}={raw:?} is not one of {}: the proxy is disabled",
                KILL_SWITCH_ON
                    .iter()
                    .chain(KILL_SWITCH_OFF)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => None,
        }
    }
}

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
            pass_through: {
                let switch = KillSwitch::from_env();
                if let Some(warning) = switch.warning() {
                    tracing::warn!("{warning}");
                }
                switch.disables()
            },
            module_name: None,
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

    /// Caches the compiled module in `dir` (keyed by module hash and engine settings): the
    /// next process that creates a proxy of the same module loads it instead of compiling it
    /// (o1js's plonk_wasm: 4.5 s without, 0.01 s with, in a debug build).
    ///
    /// Off by default, as wasmtime's own compilation cache is in its embedding API: an
    /// artifact is loaded as compiled code (wasmtime checks only its header), so `dir` must be
    /// one only the application writes to, and where to write is the host's choice. A cache
    /// that cannot be written only costs the next start a compile. Swaps never recompile:
    /// every instance of a proxy shares the compiled module.
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

    /// Names the module in the `module` label of every metric (default: the file name without
    /// `_bg.wasm` / `.wasm`, e.g. `plonk_wasm`; `wasm` for a module given as bytes).
    pub fn module_name(mut self, name: impl Into<String>) -> Self {
        self.module_name = Some(name.into());
        self
    }

    /// The `module` label of this proxy's metrics.
    pub(crate) fn metrics_module(&self) -> String {
        if let Some(name) = &self.module_name {
            return name.clone();
        }
        match &self.module {
            ModuleSource::Path(p) => p
                .file_name()
                .and_then(|n| n.to_str())
                .map(|n| {
                    let n = n.strip_suffix(".wasm").unwrap_or(n);
                    let n = n.strip_suffix(".wat").unwrap_or(n);
                    n.strip_suffix("_bg").unwrap_or(n).to_owned()
                })
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "wasm".to_owned()),
            ModuleSource::Bytes(_) => "wasm".to_owned(),
        }
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
