//! The module model: every raw export with its role, the JS API it belongs to,
//! and every disagreement between the wasm, the typings and the glue.

pub mod api;
pub mod calls;
mod correlate;
pub mod diff;
pub mod js_imports;
pub mod layout;
pub mod transfer;

use serde::Serialize;

use crate::reader::ModuleFiles;
use crate::reader::glue::Glue;
/// The kind of an export (function, memory, global, table, tag), as the binary declares it.
pub use crate::reader::wasm::ExportKind;
use crate::reader::wasm::{ExternDetail, WasmModule};
use api::JsApi;

/// Range of wasm-bindgen versions whose output this tool has been run against.
pub const TESTED_WASM_BINDGEN: &[&str] = &[
    "0.2.78", "0.2.80", "0.2.84", "0.2.89", "0.2.91", "0.2.92", "0.2.100", "0.2.103", "0.2.105",
    "0.2.128",
];

/// One wasm module read together with its wasm-bindgen typings and glue.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleModel {
    /// Module name (`plonk_wasm` for `plonk_wasm_bg.wasm`).
    pub name: String,
    /// The files it was read from.
    pub files: ModuleFiles,
    /// The binary's interface.
    pub wasm: WasmModule,
    /// The JS API from the typings, if any.
    pub api: Option<JsApi>,
    /// The glue's exports, if a glue file was found.
    pub glue: Option<Glue>,
    /// Every export of the binary, in module order, with its role.
    pub exports: Vec<Export>,
    /// Disagreements and things worth a look.
    pub findings: Vec<Finding>,
}

/// One raw export with its role in the JS API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// Kind of extern.
    pub kind: ExportKind,
    /// Wasm parameter types.
    pub params: Vec<String>,
    /// Wasm result types.
    pub results: Vec<String>,
    /// Role in the JS API.
    pub role: Role,
    /// The class it belongs to, for class members.
    pub class: Option<String>,
    /// The JS-level function or member it implements.
    pub member: Option<String>,
    /// Memory limits, global mutability or table type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<ExternDetail>,
}

/// What an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A top-level function (or any function export of a module without typings).
    Function,
    /// A class constructor.
    Constructor,
    /// An instance method.
    Method,
    /// A static method.
    StaticMethod,
    /// A field or property getter.
    Getter,
    /// A field or property setter.
    Setter,
    /// A class's `free`.
    Free,
    /// wasm-bindgen's own machinery (allocator, stack pointer, start, externref table...).
    Plumbing,
    /// A closure adapter (`wasm_bindgen__convert__closures__invoke…`,
    /// `…WasmClosure___describe__invoke…`, `closureN_externref_shim`): the glue calls it
    /// when JS invokes a Rust closure it was handed (a callback, a promise's resolver).
    Closure,
    /// A linear memory.
    Memory,
    /// A global.
    Global,
    /// A table.
    Table,
    /// An exception tag.
    Tag,
    /// A function only the raw typings (`X_bg.wasm.d.ts`) declare and no JS member
    /// calls: a symbol of a linked library the module exports as well (ring's
    /// `ring_core_*__bn_mul_mont`, zstd's `rust_zstd_wasm_shim_*`), reachable only
    /// through the raw exports (reported as information).
    Raw,
    /// A function the typings and glue do not account for (always reported).
    Unmatched,
}

impl Role {
    /// The name used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Function => "function",
            Self::Constructor => "constructor",
            Self::Method => "method",
            Self::StaticMethod => "static_method",
            Self::Getter => "getter",
            Self::Setter => "setter",
            Self::Free => "free",
            Self::Plumbing => "plumbing",
            Self::Closure => "closure",
            Self::Memory => "memory",
            Self::Global => "global",
            Self::Table => "table",
            Self::Tag => "tag",
            Self::Raw => "raw",
            Self::Unmatched => "unmatched",
        }
    }
}

/// A disagreement between the files, or something the user should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// One line, naming the export or declaration.
    pub message: String,
}

/// Severity of a [`Finding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// The files disagree: a shim may miss or mistype something.
    Warning,
}

impl ModuleModel {
    /// Correlates the binary with its typings and glue into roles and findings.
    pub fn correlate(
        files: ModuleFiles,
        wasm: WasmModule,
        api: Option<JsApi>,
        raw_api: Option<JsApi>,
        glue: Option<Glue>,
    ) -> Self {
        correlate::correlate(files, wasm, api, raw_api, glue)
    }

    /// The wasm-bindgen version that produced the module, if recorded.
    pub fn wasm_bindgen_version(&self) -> Option<&str> {
        self.wasm.wasm_bindgen_version()
    }

    /// Number of exports per kind, in kind order.
    pub fn count_by_kind(&self) -> Vec<(ExportKind, usize)> {
        count(self.exports.iter().map(|e| e.kind))
    }

    /// Number of exports per role, in role order.
    pub fn count_by_role(&self) -> Vec<(Role, usize)> {
        count(self.exports.iter().map(|e| e.role))
    }

    /// Findings of at least warning severity.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }
}

fn count<K: Ord + Copy>(keys: impl Iterator<Item = K>) -> Vec<(K, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for k in keys {
        *counts.entry(k).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}
