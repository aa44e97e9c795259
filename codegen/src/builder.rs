//! [`Builder`]: generates a module's proxy shims from a build script.

use std::path::{Path, PathBuf};

use crate::error::{CodegenError, Result};
use crate::reader::{ModuleFiles, ReadOptions, read_files};
use crate::replay::ReplayPolicy;
use crate::{Generation, Targets, generate_targets, output};

/// Generates the proxy of one wasm module, for use in `build.rs`.
///
/// By default it renders the Rust shim `<module>.rs` into `OUT_DIR` (include it
/// with `proxy_runtime::include_proxy!("<module>")`), rewrites it only when its
/// content changed, and tells cargo to rerun when the wasm, typings, glue or
/// replay policy file change.
///
/// ```
/// # fn main() -> Result<(), codegen::CodegenError> {
/// # let out = tempfile::tempdir().unwrap();
/// # let out_dir = out.path();
/// let generation = codegen::Builder::new()
///     .wasm("../fixtures/bindgen/counter/counter_bg.wasm")
///     .replay_policy(codegen::ReplayPolicy::wasm_bindgen())
///     .out_dir(out_dir) // default: $OUT_DIR
///     .generate()?;
/// let shim = generation.rust.expect("rendered");
/// assert_eq!(shim.trait_name, "CounterModule"); // `Counter` is a class
/// assert!(out_dir.join("counter.rs").is_file());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    wasm: Option<PathBuf>,
    read: ReadOptions,
    replay: Replay,
    out_dir: Option<PathBuf>,
    emit_rust: bool,
    emit_typescript: bool,
    cargo_metadata: bool,
    runtime_crate: Option<String>,
}

#[derive(Debug, Clone)]
enum Replay {
    ForModule,
    Policy(ReplayPolicy),
    File(PathBuf),
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder emitting the Rust shim into `OUT_DIR`, with the module's default replay policy.
    pub fn new() -> Self {
        Self {
            wasm: None,
            read: ReadOptions::default(),
            replay: Replay::ForModule,
            out_dir: None,
            emit_rust: true,
            emit_typescript: false,
            cargo_metadata: true,
            runtime_crate: None,
        }
    }

    /// The `.wasm` module (wasm-bindgen's `X_bg.wasm`, or any core module). Required.
    pub fn wasm(mut self, path: impl AsRef<Path>) -> Self {
        self.wasm = Some(path.as_ref().to_owned());
        self
    }

    /// The JS typings (`X.d.ts`/`X.d.cts`), when not beside the wasm.
    pub fn typings(mut self, path: impl AsRef<Path>) -> Self {
        self.read.typings = Some(path.as_ref().to_owned());
        self
    }

    /// The raw ABI typings (`X_bg.wasm.d.ts`), when not beside the wasm.
    pub fn raw_typings(mut self, path: impl AsRef<Path>) -> Self {
        self.read.raw_typings = Some(path.as_ref().to_owned());
        self
    }

    /// The JS glue (`X.cjs`/`X.js`), when not beside the wasm.
    pub fn glue(mut self, path: impl AsRef<Path>) -> Self {
        self.read.glue = Some(path.as_ref().to_owned());
        self
    }

    /// Ignore any typings and glue: every export gets raw types only.
    pub fn wasm_only(mut self, yes: bool) -> Self {
        self.read.wasm_only = yes;
        self
    }

    /// Which calls are `#[replay]` (default: [`ReplayPolicy::for_module`]).
    pub fn replay_policy(mut self, policy: ReplayPolicy) -> Self {
        self.replay = Replay::Policy(policy);
        self
    }

    /// Reads the replay policy from a TOML (or `.json`) file; cargo reruns when it changes.
    pub fn replay_policy_file(mut self, path: impl AsRef<Path>) -> Self {
        self.replay = Replay::File(path.as_ref().to_owned());
        self
    }

    /// Where to write (default: the `OUT_DIR` cargo gives build scripts).
    pub fn out_dir(mut self, path: impl AsRef<Path>) -> Self {
        self.out_dir = Some(path.as_ref().to_owned());
        self
    }

    /// Whether to render the Rust shim `<module>.rs` (default: yes).
    pub fn emit_rust(mut self, yes: bool) -> Self {
        self.emit_rust = yes;
        self
    }

    /// Whether to render the TypeScript shim and its runtime (default: no).
    pub fn emit_typescript(mut self, yes: bool) -> Self {
        self.emit_typescript = yes;
        self
    }

    /// The path the Rust shim reaches `proxy-runtime` under (default: `proxy_runtime`), for a
    /// crate that depends on it under another name (`rt = { package = "proxy-runtime" }`:
    /// `"rt"`) or through a crate that re-exports it (`"my_sdk::proxy_runtime"`), as wasmtime's
    /// `bindgen!` takes `wasmtime_crate` and prost-build `prost_path`. The shim then uses
    /// `<path>::__internal` and `#[proxied(crate = <path>)]`. A string that is not a Rust path
    /// fails [`generate`](Self::generate) with a render error.
    pub fn runtime_crate(mut self, path: impl Into<String>) -> Self {
        self.runtime_crate = Some(path.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed=` lines (default: yes).
    pub fn cargo_metadata(mut self, yes: bool) -> Self {
        self.cargo_metadata = yes;
        self
    }

    /// Reads the module, renders the chosen shims and writes those that changed.
    ///
    /// Nothing is written unless every asked-for shim rendered.
    pub fn generate(&self) -> Result<Generation> {
        let wasm = self.wasm.as_deref().ok_or(CodegenError::Builder(
            "no wasm module given: call `.wasm(path)`",
        ))?;
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or(
                CodegenError::Builder(
                    "no output directory: call `.out_dir(path)` or run from a build script (OUT_DIR)",
                ),
            )?,
        };
        if !self.emit_rust && !self.emit_typescript {
            return Err(CodegenError::Builder(
                "nothing to emit: both `emit_rust` and `emit_typescript` are off",
            ));
        }
        let files = ModuleFiles::discover(wasm, &self.read)?;
        if self.cargo_metadata {
            // Before reading, so that a broken input still reruns the build once fixed.
            let inputs = [
                Some(&files.wasm),
                files.typings.as_ref(),
                files.raw_typings.as_ref(),
                files.glue.as_ref(),
            ];
            for path in inputs.into_iter().flatten() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            if let Replay::File(policy) = &self.replay {
                println!("cargo:rerun-if-changed={}", policy.display());
            }
        }
        let replay = match &self.replay {
            Replay::ForModule => None,
            Replay::Policy(p) => Some(p.clone()),
            Replay::File(path) => Some(ReplayPolicy::from_file(path)?),
        };
        let model = read_files(files)?;
        let targets = Targets {
            typescript: self.emit_typescript,
            rust: self.emit_rust,
            replay,
            runtime_crate: self.runtime_crate.clone(),
        };
        let mut generation = generate_targets(&model, &out_dir, &targets);
        if let Some((target, reason)) = generation.skipped.first() {
            return Err(CodegenError::Render {
                module: model.name.clone(),
                target,
                reason: reason.clone(),
            });
        }
        generation.written = Some(output::write_files(&out_dir, &generation.files)?);
        Ok(generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter_wasm() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/bindgen/counter/counter_bg.wasm")
    }

    #[test]
    fn rewrites_only_what_changed() {
        let out = tempfile::tempdir().unwrap();
        let builder = Builder::new()
            .wasm(counter_wasm())
            .out_dir(out.path())
            .cargo_metadata(false);
        let first = builder.generate().unwrap().written.unwrap();
        assert_eq!(first.written, [out.path().join("counter.rs")]);
        let second = builder.generate().unwrap().written.unwrap();
        assert!(second.written.is_empty());
        assert_eq!(second.unchanged.len(), 1);
        // Another policy changes the file, so it is written again.
        let third = builder
            .clone()
            .replay_policy(ReplayPolicy::none())
            .generate()
            .unwrap()
            .written
            .unwrap();
        assert_eq!(third.written.len(), 1);
    }

    #[test]
    fn typed_errors_name_what_is_missing() {
        let out = tempfile::tempdir().unwrap();
        let err = Builder::new().out_dir(out.path()).generate().unwrap_err();
        assert!(matches!(err, CodegenError::Builder(m) if m.contains(".wasm(path)")));

        let err = Builder::new()
            .wasm(out.path().join("absent_bg.wasm"))
            .out_dir(out.path())
            .cargo_metadata(false)
            .generate()
            .unwrap_err();
        assert!(
            matches!(
                err,
                CodegenError::Missing {
                    what: "wasm module",
                    ..
                }
            ),
            "{err}"
        );

        let err = Builder::new()
            .wasm(counter_wasm())
            .typings(out.path().join("absent.d.ts"))
            .out_dir(out.path())
            .generate()
            .unwrap_err();
        assert!(
            matches!(
                err,
                CodegenError::Missing {
                    what: "typings file",
                    ..
                }
            ),
            "{err}"
        );

        let policy = out.path().join("replay.toml");
        std::fs::write(&policy, "[[rule]]\nexports = \"x\"\nmutates = \"v\"\n").unwrap();
        let err = Builder::new()
            .wasm(counter_wasm())
            .replay_policy_file(&policy)
            .out_dir(out.path())
            .cargo_metadata(false)
            .generate()
            .unwrap_err();
        assert!(matches!(err, CodegenError::ReplayPolicy { .. }), "{err}");
        assert!(err.to_string().contains("line 3"), "{err}");

        // A rule naming an argument the export lacks is a render error; nothing is written.
        let err = Builder::new()
            .wasm(counter_wasm())
            .replay_policy(ReplayPolicy::none().with_rule(crate::ReplayRule::mutates("add", 2)))
            .out_dir(out.path())
            .cargo_metadata(false)
            .generate()
            .unwrap_err();
        assert!(
            matches!(err, CodegenError::Render { target: "rust", .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("`add` mutates argument 2"),
            "{err}"
        );
        assert!(!out.path().join("counter.rs").exists());
    }
}
