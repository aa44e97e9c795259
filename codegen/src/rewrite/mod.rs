//! Rewrites of a wasm module's code, on [`walrus`]'s IR.
//!
//! Not part of the proxy itself: these produce test inputs for it, such as
//! [`inject_leak`], which makes a real module (o1js's `kimchi_wasm_bg.wasm`) grow its
//! linear memory on every call of one export so that swaps can be exercised on real
//! growth without waiting for a real leak.
//!
//! Every rewrite parses the whole module with walrus (which validates it, threads,
//! shared memory and atomics included), changes what it must, and emits the module
//! again: function indices may be renumbered, but imports, exports, memories, data,
//! tables and custom sections keep their meaning.

mod leak;

pub use leak::{PAGE_SIZE, inject_leak, pages_per_call};

use crate::error::{CodegenError, Result};

/// Parses `bytes` with walrus and emits them again, unchanged in meaning.
///
/// The baseline every rewrite builds on; useful to check that walrus can model a
/// module before relying on a rewrite of it.
pub fn round_trip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut module = parse(bytes)?;
    Ok(module.emit_wasm())
}

/// Parses (and validates) a module for rewriting.
fn parse(bytes: &[u8]) -> Result<walrus::Module> {
    walrus::Module::from_buffer(bytes).map_err(|error| {
        // One line: walrus's context chain joined, as the CLI prints errors.
        CodegenError::Rewrite(format!("walrus cannot parse it: {error:#}"))
    })
}
