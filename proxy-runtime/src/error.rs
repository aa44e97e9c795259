//! Errors of the proxy runtime: values with enough context to act on.

use std::fmt;
use std::path::PathBuf;

/// Result of every fallible proxy operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while loading, calling, replaying or swapping.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The module file could not be read.
    #[error("cannot read module {path}: {source}")]
    ReadModule {
        /// The path given in the config.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// wasmtime refused to compile the module (or to load a cached artifact).
    #[error("cannot compile module: {}", Wasm(.0))]
    Compile(wasmtime::Error),
    /// The engine or linker could not be set up (bad config, duplicate import).
    #[error("cannot set up the engine or linker: {}", Wasm(.0))]
    Setup(wasmtime::Error),
    /// Instantiating a fresh instance failed (missing import, trap in the start function).
    #[error("cannot instantiate the module: {}", Wasm(.0))]
    Instantiate(wasmtime::Error),
    /// A JS import of a wasm-bindgen module that nobody can serve: the module cannot be
    /// instantiated (reported when the proxy is created, before any call).
    #[error(
        "cannot serve wasm-bindgen import `{name}` (module `{module}`): {reason}{}",
        if js_source.is_empty() { String::new() } else { format!("; its JS source: {js_source}") }
    )]
    UnsupportedImport {
        /// The import module (`__wbindgen_placeholder__`, `wbg`, `./X_bg.js`).
        module: String,
        /// The import's name.
        name: String,
        /// Why it cannot be served.
        reason: String,
        /// Its function in the glue, as the table carries it (empty when unknown).
        js_source: String,
    },
    /// A method of a `#[proxied]` trait names an export the module does not have.
    #[error("the module has no export `{export}` (needed by method `{method}`)")]
    MissingExport {
        /// The export name.
        export: String,
        /// The Rust method that maps to it.
        method: String,
    },
    /// An export exists but its signature differs from the method's.
    #[error(
        "export `{export}` does not have the signature of method `{method}`: {}",
        Wasm(.source)
    )]
    ExportType {
        /// The export name.
        export: String,
        /// The Rust method that maps to it.
        method: String,
        /// wasmtime's explanation.
        source: wasmtime::Error,
    },
    /// A call into the module trapped or failed.
    #[error("call to `{export}` failed: {}", Wasm(.source))]
    Call {
        /// The export that was called.
        export: String,
        /// The trap or host error.
        source: wasmtime::Error,
    },
    /// A handle was used that does not belong to this proxy or is no longer usable.
    #[error("handle #{id} of class {class} is {state}")]
    InvalidHandle {
        /// The handle's stable id.
        id: u64,
        /// Its class name.
        class: &'static str,
        /// Why it cannot be used (consumed, stale after a swap, unknown).
        state: &'static str,
    },
    /// A logged call depends on a handle that no logged call created, so it cannot be replayed.
    #[error(
        "cannot replay `{export}`: its argument handle #{handle} was not built by a logged call"
    )]
    Unreplayable {
        /// The logged export.
        export: String,
        /// The handle without lineage.
        handle: u64,
    },
    /// A logged call trapped or failed while being replayed into the standby.
    #[error(
        "replay of `{export}` (log entry {seq}) failed in the standby: {}",
        Wasm(.source)
    )]
    ReplayTrap {
        /// The export being replayed.
        export: String,
        /// Its log sequence number.
        seq: u64,
        /// The trap.
        source: wasmtime::Error,
    },
    /// The standby ran out of memory (the budget or the module maximum) while being prepared.
    #[error(
        "the standby ran out of memory ({pages} pages, limit {limit_pages}) while replaying `{export}`"
    )]
    StandbyOutOfMemory {
        /// The export being replayed.
        export: String,
        /// Pages in use when growth was refused.
        pages: u64,
        /// The page limit.
        limit_pages: u64,
    },
    /// A replayed call or a probe gave a different result from the original.
    #[error("replay mismatch at {what}: original {expected}, replayed {found}")]
    ReplayMismatch {
        /// Which result or probe differed.
        what: String,
        /// The original value (or hash).
        expected: String,
        /// The replayed value (or hash).
        found: String,
    },
    /// A memory read outside the instance's memory.
    #[error("memory read of {len} bytes at {offset} is out of bounds ({size} bytes)")]
    MemoryOutOfBounds {
        /// Start offset.
        offset: u64,
        /// Length requested.
        len: u64,
        /// Current memory size.
        size: u64,
    },
    /// The module exports no memory under the configured name and imports none.
    #[error("the module has no memory named `{0}`")]
    NoMemory(String),
    /// Another swap is in progress.
    #[error("a swap is already in progress")]
    SwapInProgress,
    /// The proxy is a pass-through (kill switch): it neither logs nor swaps.
    #[error("the proxy is a pass-through (WASM_PROXY_DISABLE): no swap")]
    PassThrough,
    /// The host's rayon pool could not be started.
    #[error("cannot start the worker pool: {0}")]
    WorkerPool(String),
    /// The module threw a JS value (an `Err` of the Rust function behind the export).
    #[error("`{export}` threw: {message}")]
    Thrown {
        /// The export that was called.
        export: String,
        /// The thrown `Error`'s message, or the value itself.
        message: String,
    },
    /// A high-level call's arguments or results do not have the shape its generated
    /// description says (a code generator bug, or a shim of another module version).
    #[error("marshaling mismatch: {0}")]
    Marshal(String),
}

impl Error {
    /// The stage of a swap this error failed, in the TypeScript runtime's terms: the `stage`
    /// label of `wasm_proxy_standby_failures_total` and of the `standby-failed` event.
    ///
    /// `instantiate` (the fresh module did not load, compile or link, or lacks an export),
    /// `workers` (its worker pool did not start), `replay` (a logged call failed or could
    /// not be replayed into it), `check` (a replayed result or a probe differs from the
    /// original), `oom` (it ran out of memory). `swap` for the errors that stop a swap
    /// before any standby exists (another swap in progress, the kill switch).
    pub fn stage(&self) -> &'static str {
        match self {
            Error::ReadModule { .. }
            | Error::Compile(_)
            | Error::Setup(_)
            | Error::Instantiate(_)
            | Error::UnsupportedImport { .. }
            | Error::MissingExport { .. }
            | Error::ExportType { .. }
            | Error::NoMemory(_) => "instantiate",
            Error::WorkerPool(_) => "workers",
            Error::Call { .. }
            | Error::Thrown { .. }
            | Error::Marshal(_)
            | Error::InvalidHandle { .. }
            | Error::Unreplayable { .. }
            | Error::ReplayTrap { .. }
            | Error::MemoryOutOfBounds { .. } => "replay",
            Error::ReplayMismatch { .. } => "check",
            Error::StandbyOutOfMemory { .. } => "oom",
            Error::SwapInProgress | Error::PassThrough => "swap",
        }
    }

    /// The trap that ended a call or a replayed call (`Error::Call`, `Error::ReplayTrap`), if
    /// the wasm trapped rather than a host import failing: after a trap the proxy's next
    /// call runs in a fresh instance.
    pub fn trap(&self) -> Option<wasmtime::Trap> {
        match self {
            Error::Call { source, .. } | Error::ReplayTrap { source, .. } => {
                source.downcast_ref::<wasmtime::Trap>().copied()
            }
            _ => None,
        }
    }

    /// A short label of the error's kind (finer than [`Error::stage`]), for logs.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::ReadModule { .. } => "read_module",
            Error::Compile(_) => "compile",
            Error::Setup(_) => "setup",
            Error::Instantiate(_) => "instantiate",
            Error::UnsupportedImport { .. } => "unsupported_import",
            Error::MissingExport { .. } | Error::ExportType { .. } => "export",
            Error::Call { .. } => "call",
            Error::InvalidHandle { .. } => "invalid_handle",
            Error::Unreplayable { .. } => "unreplayable",
            Error::ReplayTrap { .. } => "replay_trap",
            Error::StandbyOutOfMemory { .. } => "out_of_memory",
            Error::ReplayMismatch { .. } => "replay_mismatch",
            Error::MemoryOutOfBounds { .. } => "memory_bounds",
            Error::NoMemory(_) => "no_memory",
            Error::SwapInProgress => "swap_in_progress",
            Error::WorkerPool(_) => "worker_pool",
            Error::PassThrough => "pass_through",
            Error::Thrown { .. } => "thrown",
            Error::Marshal(_) => "marshal",
        }
    }
}

/// A wasmtime error as one sentence: its causes from the outermost in (`wasm trap: wasm
/// `unreachable` instruction executed`), then the wasm backtrace, if any, on the lines after.
///
/// wasmtime attaches the backtrace as the outermost context of a trap, so `{:#}` would print
/// it before the trap, in the middle of the sentence that embeds it.
struct Wasm<'a>(&'a wasmtime::Error);

impl fmt::Display for Wasm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backtrace = self
            .0
            .downcast_ref::<wasmtime::WasmBacktrace>()
            .map(|b| b.to_string());
        let mut first = true;
        for cause in self.0.chain() {
            let text = cause.to_string();
            if backtrace.as_deref() == Some(text.as_str()) {
                continue;
            }
            if !first {
                f.write_str(": ")?;
            }
            first = false;
            f.write_str(&text)?;
        }
        match backtrace {
            Some(b) if first => f.write_str(&b),
            Some(b) => write!(f, "\n{b}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;
    use wasmtime::{Engine, Instance, Module, Store};

    /// The error of calling a function that executes `unreachable`.
    fn trap() -> wasmtime::Error {
        let engine = Engine::default();
        let module = Module::new(
            &engine,
            r#"(module (func $boom unreachable) (func (export "f") call $boom))"#,
        )
        .expect("the module compiles");
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).expect("it instantiates");
        let f = instance
            .get_typed_func::<(), ()>(&mut store, "f")
            .expect("f exists");
        f.call(&mut store, ()).expect_err("f traps")
    }

    #[test]
    fn a_trap_reads_as_one_sentence_with_the_backtrace_after_it() {
        let source = trap();
        assert!(
            source.downcast_ref::<wasmtime::WasmBacktrace>().is_some(),
            "wasmtime attached a backtrace: {source:?}"
        );
        let error = Error::Call {
            export: "f".into(),
            source,
        };
        let message = error.to_string();
        let (sentence, backtrace) = message.split_once('\n').expect("a backtrace after it");
        assert_eq!(error.trap(), Some(wasmtime::Trap::UnreachableCodeReached));
        assert_eq!(
            sentence,
            "call to `f` failed: wasm trap: wasm `unreachable` instruction executed"
        );
        assert!(
            backtrace.contains("wasm backtrace") && backtrace.contains("0:"),
            "{backtrace}"
        );
    }

    #[test]
    fn every_variant_with_a_wasmtime_error_puts_the_cause_first() {
        let variants = [
            Error::Compile(trap()),
            Error::Setup(trap()),
            Error::Instantiate(trap()),
            Error::ExportType {
                export: "f".into(),
                method: "f".into(),
                source: trap(),
            },
            Error::ReplayTrap {
                export: "f".into(),
                seq: 3,
                source: trap(),
            },
        ];
        for error in variants {
            let message = error.to_string();
            let sentence = message.lines().next().unwrap_or_default();
            assert!(
                sentence.ends_with(": wasm trap: wasm `unreachable` instruction executed"),
                "{message}"
            );
        }
    }

    #[test]
    fn an_error_without_a_backtrace_is_one_line() {
        let source = wasmtime::Error::msg("type mismatch").context("bad signature");
        let error = Error::Instantiate(source);
        assert_eq!(error.trap(), None);
        let message = error.to_string();
        assert_eq!(
            message,
            "cannot instantiate the module: bad signature: type mismatch"
        );
    }
}
