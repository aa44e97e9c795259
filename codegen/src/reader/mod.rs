//! Readers: the wasm binary (`wasmparser`), the typings and the glue (`oxc`).
//!
//! [`read_module`] finds the files wasm-bindgen leaves beside `X_bg.wasm`, reads
//! them all and hands them to the model, which correlates them.

pub mod glue;
pub mod source;
pub mod typings;
pub mod wasm;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{CodegenError, Result};
use crate::model::ModuleModel;

/// The files that together describe one wasm-bindgen module.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModuleFiles {
    /// The `.wasm` binary.
    pub wasm: PathBuf,
    /// The JS-level typings (`X.d.cts` / `X.d.ts` beside the wasm, else the package's
    /// `types` / `typings` in `package.json`).
    pub typings: Option<PathBuf>,
    /// The raw ABI typings (`X_bg.wasm.d.ts`).
    pub raw_typings: Option<PathBuf>,
    /// The JS glue (`X.cjs` / `X.js` / `X_bg.js`).
    pub glue: Option<PathBuf>,
    /// The loader of a bundler-target glue: `X.js` or `X.cjs`, which instantiates the
    /// wasm and hands it to the real glue `X_bg.js` / `X_bg.cjs` (then `glue`) through
    /// `__wbg_set_wasm`. What the application imports.
    pub loader: Option<PathBuf>,
}

/// Where to find the files, when not beside the wasm under wasm-bindgen's names.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Typings file instead of the one found beside the wasm.
    pub typings: Option<PathBuf>,
    /// Raw ABI typings instead of the one found beside the wasm.
    pub raw_typings: Option<PathBuf>,
    /// Glue file instead of the one found beside the wasm.
    pub glue: Option<PathBuf>,
    /// Ignore any typings and glue: read the wasm alone.
    pub wasm_only: bool,
}

impl ModuleFiles {
    /// The module's name: the wasm file stem without wasm-bindgen's `_bg` suffix.
    pub fn module_name(&self) -> String {
        module_name(&self.wasm)
    }

    /// Finds the typings and glue beside `wasm`, applying explicit paths from `options`.
    pub fn discover(wasm: &Path, options: &ReadOptions) -> Result<Self> {
        let dir = wasm.parent().unwrap_or(Path::new("."));
        let name = module_name(wasm);
        let find =
            |candidates: &[String]| candidates.iter().map(|c| dir.join(c)).find(|p| p.is_file());
        let explicit = |path: &Option<PathBuf>, what: &'static str| -> Result<Option<PathBuf>> {
            match path {
                Some(p) if p.is_file() => Ok(Some(p.clone())),
                Some(p) => Err(CodegenError::Missing {
                    path: p.clone(),
                    what,
                }),
                None => Ok(None),
            }
        };
        let mut files = ModuleFiles {
            wasm: wasm.to_owned(),
            typings: explicit(&options.typings, "typings file")?,
            raw_typings: explicit(&options.raw_typings, "raw typings file")?,
            glue: explicit(&options.glue, "glue file")?,
            loader: None,
        };
        if options.wasm_only {
            return Ok(files);
        }
        if files.typings.is_none() {
            files.typings = find(&[
                format!("{name}.d.cts"),
                format!("{name}.d.ts"),
                format!("{name}.d.mts"),
            ])
            .or_else(|| package_typings(dir));
        }
        if files.raw_typings.is_none() {
            files.raw_typings = find(&[format!("{name}_bg.wasm.d.ts")]);
        }
        if files.glue.is_none() {
            files.glue = find(&[
                format!("{name}.cjs"),
                format!("{name}.js"),
                format!("{name}.mjs"),
                format!("{name}_bg.js"),
                format!("{name}_bg.cjs"),
            ]);
        }
        Ok(files)
    }
}

/// The typings the package holding `dir` declares (`types`, else `typings`, in the
/// nearest `package.json` above it that has either, up to the package's root: the first
/// one with a `name`), for packages whose hand-written `index.d.ts` is not beside the
/// wasm. A manifest that does not parse, or names no file that exists, gives nothing.
fn package_typings(dir: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(dir).ok()?;
    for root in dir.ancestors() {
        let Ok(text) = std::fs::read_to_string(root.join("package.json")) else {
            continue;
        };
        let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
        let declared = ["types", "typings"]
            .iter()
            .find_map(|field| manifest.get(field)?.as_str());
        if let Some(path) = declared.map(|p| root.join(p)).filter(|p| p.is_file()) {
            return Some(path);
        }
        if manifest.get("name").is_some() {
            return None;
        }
    }
    None
}

fn module_name(wasm: &Path) -> String {
    let stem = wasm
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.strip_suffix(".wasm").unwrap_or(&stem);
    stem.strip_suffix("_bg").unwrap_or(stem).to_owned()
}

/// Reads a module and everything beside it into a correlated [`ModuleModel`].
pub fn read_module(wasm: &Path, options: &ReadOptions) -> Result<ModuleModel> {
    let files = ModuleFiles::discover(wasm, options)?;
    read_files(files)
}

/// Reads exactly the given files into a [`ModuleModel`].
pub fn read_files(files: ModuleFiles) -> Result<ModuleModel> {
    if !files.wasm.exists() {
        return Err(CodegenError::Missing {
            path: files.wasm.clone(),
            what: "wasm module",
        });
    }
    let wasm = wasm::WasmModule::read_file(&files.wasm)?;
    let api = files
        .typings
        .as_deref()
        .map(typings::read_typings)
        .transpose()?;
    let raw_api = files
        .raw_typings
        .as_deref()
        .map(typings::read_typings)
        .transpose()?;
    let mut files = files;
    let mut glue = files.glue.as_deref().map(glue::read_glue).transpose()?;
    if let (Some(path), Some(read)) = (files.glue.clone(), glue.take()) {
        let (real, loader, real_glue) = bundler_split(path, read)?;
        files.glue = Some(real);
        files.loader = loader;
        glue = Some(real_glue);
    }
    Ok(ModuleModel::correlate(files, wasm, api, raw_api, glue))
}

/// Sorts out wasm-bindgen's bundler target, whose glue is split in two: a loader
/// (`X.js`, or a hand-written `X.cjs`) that instantiates the wasm, and the real glue
/// `X_bg.js` / `X_bg.cjs` that it hands the instance to through `__wbg_set_wasm`.
/// Given either file, returns the real glue, the loader beside it (if any) and the
/// real glue read; any other glue comes back as it was.
fn bundler_split(
    path: PathBuf,
    read: glue::Glue,
) -> Result<(PathBuf, Option<PathBuf>, glue::Glue)> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, ext) = file.rsplit_once('.').unwrap_or((&file, "js"));
    if read.takes_wasm() {
        let loader_stem = stem.strip_suffix("_bg").unwrap_or(stem);
        let loader = [ext, "js", "cjs", "mjs"]
            .iter()
            .map(|e| dir.join(format!("{loader_stem}.{e}")))
            .find(|p| p.is_file() && *p != path);
        return Ok((path, loader, read));
    }
    // The loader's own sibling first: `X.cjs` loads `X_bg.cjs`, `X.js` loads `X_bg.js`.
    for e in [ext, "cjs", "js", "mjs"] {
        let real = dir.join(format!("{stem}_bg.{e}"));
        if !real.is_file() {
            continue;
        }
        let real_glue = glue::read_glue(&real)?;
        if real_glue.takes_wasm() {
            return Ok((real, Some(path), real_glue));
        }
    }
    Ok((path, None, read))
}
