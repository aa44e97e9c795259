//! WASM Proxy codegen: reads a WebAssembly module and the wasm-bindgen typings
//! and glue beside it into a [`ModuleModel`] where every export has a role, and
//! renders proxy shims from that model.
//!
//! ```no_run
//! let model = codegen::read_module("plonk_wasm_bg.wasm".as_ref(), &Default::default())?;
//! let generation = codegen::generate(&model, "proxy-out/plonk_wasm".as_ref());
//! codegen::output::write_files("proxy-out/plonk_wasm".as_ref(), &generation.files)?;
//! # Ok::<(), codegen::CodegenError>(())
//! ```
//!
//! In a build script, [`Builder`] does all of it for the Rust shim.

mod builder;
pub mod error;
pub mod model;
pub mod output;
pub mod reader;
pub mod render;
pub mod replay;
pub mod rewrite;

use std::path::Path;

pub use builder::Builder;
pub use error::{CodegenError, Result};
pub use model::{Export, Finding, ModuleModel, Role, Severity};
pub use reader::{ModuleFiles, ReadOptions, read_files, read_module};
pub use render::GeneratedFile;
pub use render::rust::RustShim;
pub use replay::{ReplayDecision, ReplayPolicy, ReplayRule, TransferRule};

/// Everything rendered for one module, and what could not be.
#[derive(Debug, Clone, Default)]
pub struct Generation {
    /// Files to write, relative to the output directory.
    pub files: Vec<GeneratedFile>,
    /// Targets that were not rendered, with the reason.
    pub skipped: Vec<(&'static str, String)>,
    /// The Rust shim's coverage, when it was rendered.
    pub rust: Option<RustShim>,
    /// What was written, when the [`Builder`] wrote the files.
    pub written: Option<output::WriteReport>,
}

/// Which shims to render, and how.
#[derive(Debug, Clone)]
pub struct Targets {
    /// The TypeScript/JavaScript shim with its runtime (`X.proxy.cjs`...).
    pub typescript: bool,
    /// The Rust shim `<module>.rs` for `proxy-runtime`.
    pub rust: bool,
    /// Which calls both shims log for replay (the TypeScript shim's decisions, the
    /// Rust shim's `#[replay]`); `None` picks [`ReplayPolicy::for_module`].
    pub replay: Option<ReplayPolicy>,
    /// The path the Rust shim reaches `proxy-runtime` under, for a host that renames or
    /// re-exports the crate (as wasmtime's `wasmtime_crate` or prost-build's `prost_path`);
    /// `None` is `proxy_runtime`.
    pub runtime_crate: Option<String>,
}

impl Default for Targets {
    /// The TypeScript shim alone, as the CLI's `generate` writes by default.
    fn default() -> Self {
        Self {
            typescript: true,
            rust: false,
            replay: None,
            runtime_crate: None,
        }
    }
}

/// Renders the TypeScript shim for `model`, as it would be written into `out_dir`.
pub fn generate(model: &ModuleModel, out_dir: &Path) -> Generation {
    generate_targets(model, out_dir, &Targets::default())
}

/// Renders the chosen `targets` for `model`, as they would be written into `out_dir`.
pub fn generate_targets(model: &ModuleModel, out_dir: &Path, targets: &Targets) -> Generation {
    let mut generation = Generation::default();
    // One policy for both shims.
    let module_policy;
    let policy = match &targets.replay {
        Some(p) => p,
        None => {
            module_policy = ReplayPolicy::for_module(&model.name);
            &module_policy
        }
    };
    if targets.typescript {
        let glue_from_out_dir = model
            .files
            .glue
            .as_deref()
            .map(|glue| render::typescript::relative_path(out_dir, glue))
            .unwrap_or_default();
        match render::typescript::render(model, policy, &glue_from_out_dir) {
            Ok(files) => generation.files.extend(files),
            Err(reason) => generation.skipped.push(("typescript", reason.to_string())),
        }
    }
    if targets.rust {
        let runtime_crate = targets
            .runtime_crate
            .as_deref()
            .unwrap_or(render::rust::RUNTIME_CRATE);
        match render::rust::render(model, policy, runtime_crate) {
            Ok(shim) => {
                generation.files.push(shim.file.clone());
                generation.rust = Some(shim);
            }
            Err(reason) => generation.skipped.push(("rust", reason.to_string())),
        }
    }
    generation
}
