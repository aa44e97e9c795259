//! Reads a core WebAssembly module's interface with `wasmparser`: types, imports,
//! functions, exports, memories, globals, tables, tags and custom sections.
//!
//! Function bodies are skipped, never validated: listing exports must stay cheap
//! (plonk_wasm's code section is most of its 5.6 MB).

use std::path::Path;

use serde::Serialize;
use wasmparser::{
    Chunk, CompositeInnerType, Encoding, ExternalKind, KnownCustom, Parser, Payload, TypeRef,
};

use crate::error::{CodegenError, Result};

/// The interface of one core WebAssembly module: what it imports and exports, with types.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WasmModule {
    /// Every import, in section order.
    pub imports: Vec<Import>,
    /// Every export, in section order.
    pub exports: Vec<RawExport>,
    /// Every memory of the memory index space (imported ones first).
    pub memories: Vec<MemoryLimits>,
    /// Functions defined in the module (not imported).
    pub defined_functions: u32,
    /// Tools that produced the module, from the `producers` custom section.
    pub producers: Vec<Producer>,
    /// Names of all custom sections, in order.
    pub custom_sections: Vec<String>,
}

/// One import of the module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    /// Import module name (e.g. `__wbindgen_placeholder__`).
    pub module: String,
    /// Field name.
    pub name: String,
    /// What is imported.
    pub kind: ExportKind,
}

/// The kinds of extern a module can export or import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    /// A function.
    Function,
    /// A global.
    Global,
    /// A linear memory.
    Memory,
    /// A table.
    Table,
    /// An exception tag.
    Tag,
}

impl ExportKind {
    /// The lowercase name used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Function => "function",
            Self::Global => "global",
            Self::Memory => "memory",
            Self::Table => "table",
            Self::Tag => "tag",
        }
    }
}

/// One export with its type, as the wasm binary says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawExport {
    /// Export name (any UTF-8 string).
    pub name: String,
    /// Kind of extern.
    pub kind: ExportKind,
    /// Parameter types, for functions and tags.
    pub params: Vec<String>,
    /// Result types, for functions; the value type for globals.
    pub results: Vec<String>,
    /// Details of a memory, global or table export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<ExternDetail>,
    /// Index in its index space (two function exports with one index are aliases).
    #[serde(skip)]
    pub index: u32,
}

/// Type details of a non-function export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ExternDetail {
    /// A memory's limits.
    Memory(MemoryLimits),
    /// A global's mutability.
    Global {
        /// Whether the global is mutable.
        mutable: bool,
    },
    /// A table's element type and limits.
    Table {
        /// Element reference type.
        element: String,
        /// Initial size.
        initial: u64,
        /// Maximum size.
        maximum: Option<u64>,
    },
}

/// Limits of one linear memory, in 64 KiB pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MemoryLimits {
    /// Initial size in pages.
    pub initial: u64,
    /// Maximum size in pages, if any.
    pub maximum: Option<u64>,
    /// Shared between threads (`shared: true` in JS).
    pub shared: bool,
    /// A 64-bit memory (memory64 proposal).
    pub memory64: bool,
    /// Whether this memory is imported rather than defined.
    pub imported: bool,
}

/// One `processed-by`/`language`/`sdk` entry of the producers section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Producer {
    /// Field: `language`, `processed-by` or `sdk`.
    pub field: String,
    /// Tool name, e.g. `wasm-bindgen`.
    pub name: String,
    /// Tool version.
    pub version: String,
}

impl WasmModule {
    /// Reads a module from a file.
    pub fn read_file(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| CodegenError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::read_bytes(path, &bytes)
    }

    /// Reads a module from bytes already in memory; `path` only names them in errors.
    pub fn read_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        Self::parse(bytes).map_err(|(message, offset)| CodegenError::InvalidWasm {
            path: path.to_owned(),
            // Some parser messages span lines (bad magic lists the bytes): keep one line.
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
            offset,
        })
    }

    /// Parses module bytes; on error returns the parser's message and byte offset.
    pub fn parse(bytes: &[u8]) -> std::result::Result<Self, (String, usize)> {
        Self::parse_inner(bytes).map_err(|e| (e.message, e.offset))
    }

    fn parse_inner(bytes: &[u8]) -> std::result::Result<Self, ParseError> {
        let mut state = ParseState::default();
        let mut parser = Parser::new(0);
        let mut offset = 0usize;
        loop {
            let chunk = parser.parse(&bytes[offset..], true)?;
            let (consumed, payload) = match chunk {
                Chunk::Parsed { consumed, payload } => (consumed, payload),
                // With eof = true the parser reports truncation as an error; keep a guard anyway.
                Chunk::NeedMoreData(_) => {
                    return Err(ParseError::at("unexpected end of file", offset));
                }
            };
            offset += consumed;
            match payload {
                Payload::CodeSectionStart { size, range, .. } => {
                    if range.end > bytes.len() {
                        return Err(ParseError::at(
                            "code section extends past the end of the file",
                            range.start,
                        ));
                    }
                    parser.skip_section();
                    offset += size as usize;
                }
                Payload::End(_) => break,
                other => state.take(other)?,
            }
        }
        Ok(state.finish())
    }

    /// The wasm-bindgen version from the producers section, if the module says.
    pub fn wasm_bindgen_version(&self) -> Option<&str> {
        self.producers
            .iter()
            .find(|p| p.name == "wasm-bindgen")
            .map(|p| p.version.as_str())
    }

    /// The first memory export's limits, if the module exports a memory.
    pub fn exported_memory(&self) -> Option<&MemoryLimits> {
        self.exports.iter().find_map(|e| match &e.detail {
            Some(ExternDetail::Memory(m)) => Some(m),
            _ => None,
        })
    }
}

/// A parse failure: message and byte offset.
struct ParseError {
    message: String,
    offset: usize,
}

impl ParseError {
    fn at(message: &str, offset: usize) -> Self {
        Self {
            message: message.to_owned(),
            offset,
        }
    }
}

impl From<wasmparser::BinaryReaderError> for ParseError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Self {
            message: e.message().to_owned(),
            offset: e.offset(),
        }
    }
}

/// Index spaces built while walking sections; exports are resolved at the end.
#[derive(Default)]
struct ParseState {
    module: WasmModule,
    func_types: Vec<(Vec<String>, Vec<String>)>,
    funcs: Vec<u32>,
    globals: Vec<(String, bool)>,
    tables: Vec<(String, u64, Option<u64>)>,
    tags: Vec<u32>,
    exports: Vec<(String, ExternalKind, u32)>,
}

impl ParseState {
    fn take(&mut self, payload: Payload<'_>) -> std::result::Result<(), ParseError> {
        match payload {
            Payload::Version {
                encoding, range, ..
            } if encoding != Encoding::Module => {
                return Err(ParseError::at(
                    "this is a WebAssembly component, not a core module",
                    range.start,
                ));
            }
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group?.into_types() {
                        // Non-function types (GC structs/arrays) still take an index.
                        let sig = match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => (
                                f.params().iter().map(|t| t.to_string()).collect(),
                                f.results().iter().map(|t| t.to_string()).collect(),
                            ),
                            _ => (Vec::new(), Vec::new()),
                        };
                        self.func_types.push(sig);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            self.funcs.push(t);
                            ExportKind::Function
                        }
                        TypeRef::Table(t) => {
                            self.tables
                                .push((t.element_type.to_string(), t.initial, t.maximum));
                            ExportKind::Table
                        }
                        TypeRef::Memory(m) => {
                            self.module.memories.push(memory_limits(&m, true));
                            ExportKind::Memory
                        }
                        TypeRef::Global(g) => {
                            self.globals.push((g.content_type.to_string(), g.mutable));
                            ExportKind::Global
                        }
                        TypeRef::Tag(t) => {
                            self.tags.push(t.func_type_idx);
                            ExportKind::Tag
                        }
                    };
                    self.module.imports.push(Import {
                        module: import.module.to_owned(),
                        name: import.name.to_owned(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    self.funcs.push(ty?);
                    self.module.defined_functions += 1;
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let t = table?.ty;
                    self.tables
                        .push((t.element_type.to_string(), t.initial, t.maximum));
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    self.module.memories.push(memory_limits(&memory?, false));
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    self.tags.push(tag?.func_type_idx);
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let g = global?.ty;
                    self.globals.push((g.content_type.to_string(), g.mutable));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let e = export?;
                    self.exports.push((e.name.to_owned(), e.kind, e.index));
                }
            }
            Payload::CustomSection(reader) => {
                self.module.custom_sections.push(reader.name().to_owned());
                // A malformed producers section is not worth failing the listing over.
                if let KnownCustom::Producers(producers) = reader.as_known() {
                    for field in producers.into_iter().flatten() {
                        for value in field.values.into_iter().flatten() {
                            self.module.producers.push(Producer {
                                field: field.name.to_owned(),
                                name: value.name.to_owned(),
                                version: value.version.to_owned(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self) -> WasmModule {
        let signature = |types: &[(Vec<String>, Vec<String>)], ty: Option<&u32>| {
            ty.and_then(|t| types.get(*t as usize))
                .cloned()
                .unwrap_or_default()
        };
        for (name, kind, index) in std::mem::take(&mut self.exports) {
            let i = index as usize;
            let export = match kind {
                ExternalKind::Func | ExternalKind::FuncExact => {
                    let (params, results) = signature(&self.func_types, self.funcs.get(i));
                    raw(name, ExportKind::Function, params, results, None)
                }
                ExternalKind::Global => {
                    let (ty, mutable) = self.globals.get(i).cloned().unwrap_or_default();
                    let detail = ExternDetail::Global { mutable };
                    raw(name, ExportKind::Global, vec![], vec![ty], Some(detail))
                }
                ExternalKind::Memory => {
                    let detail = self
                        .module
                        .memories
                        .get(i)
                        .copied()
                        .map(ExternDetail::Memory);
                    raw(name, ExportKind::Memory, vec![], vec![], detail)
                }
                ExternalKind::Table => {
                    let detail = self
                        .tables
                        .get(i)
                        .cloned()
                        .map(|(element, initial, maximum)| ExternDetail::Table {
                            element,
                            initial,
                            maximum,
                        });
                    raw(name, ExportKind::Table, vec![], vec![], detail)
                }
                ExternalKind::Tag => {
                    let (params, _) = signature(&self.func_types, self.tags.get(i));
                    raw(name, ExportKind::Tag, params, vec![], None)
                }
            };
            self.module.exports.push(RawExport { index, ..export });
        }
        self.module
    }
}

fn raw(
    name: String,
    kind: ExportKind,
    params: Vec<String>,
    results: Vec<String>,
    detail: Option<ExternDetail>,
) -> RawExport {
    RawExport {
        name,
        kind,
        params,
        results,
        detail,
        index: 0,
    }
}

fn memory_limits(m: &wasmparser::MemoryType, imported: bool) -> MemoryLimits {
    MemoryLimits {
        initial: m.initial,
        maximum: m.maximum,
        shared: m.shared,
        memory64: m.memory64,
        imported,
    }
}
