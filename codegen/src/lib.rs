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

pub mod error;
pub mod model;
pub mod output;
pub mod reader;
pub mod render;

use std::path::Path;

pub use error::{CodegenError, Result};
pub use model::{Export, Finding, ModuleModel, Role, Severity};
pub use reader::{ModuleFiles, ReadOptions, read_files, read_module};
pub use render::GeneratedFile;

/// Everything rendered for one module, and what could not be.
#[derive(Debug, Clone, Default)]
pub struct Generation {
    /// Files to write, relative to the output directory.
    pub files: Vec<GeneratedFile>,
    /// Targets that were not rendered, with the reason.
    pub skipped: Vec<(&'static str, String)>,
}

/// Renders every target for `model`, as it would be written into `out_dir`.
pub fn generate(model: &ModuleModel, out_dir: &Path) -> Generation {
    let mut generation = Generation::default();
    let glue_from_out_dir = model
        .files
        .glue
        .as_deref()
        .map(|glue| render::typescript::relative_path(out_dir, glue))
        .unwrap_or_default();
    match render::typescript::render(model, &glue_from_out_dir) {
        Ok(files) => generation.files.extend(files),
        Err(reason) => generation.skipped.push(("typescript", reason.to_string())),
    }
    generation
}
