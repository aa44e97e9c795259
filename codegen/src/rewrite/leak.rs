//! The leak simulator: an export that grows linear memory on every call.

use walrus::ir::Value;
use walrus::{ExportItem, FunctionBuilder, FunctionId, Module, ValType};

use super::parse;
use crate::error::{CodegenError, Result};

/// The size of a wasm page, the unit of `memory.grow`: 64 KiB.
pub const PAGE_SIZE: u64 = 65536;

/// The most pages a 32-bit memory can have (4 GiB).
const MAX_PAGES_32: u64 = 65536;

/// The most pages a 64-bit memory can have (2^64 bytes).
const MAX_PAGES_64: u64 = 1 << 48;

/// How many pages [`inject_leak`] grows memory by per call for `bytes_per_call`
/// (rounded up to whole 64 KiB pages; 0 bytes is 0 pages).
pub fn pages_per_call(bytes_per_call: u64) -> u64 {
    bytes_per_call.div_ceil(PAGE_SIZE)
}

/// wasm-bindgen's allocator export: `(size) -> ptr` before 0.2.84, `(size, align) -> ptr` since.
const MALLOC_EXPORT: &str = "__wbindgen_malloc";

/// Makes the function export `export_name` leak: each call first takes `bytes_per_call`
/// of memory that is never given back, then runs the original function with the same
/// arguments and returns its results.
///
/// Where the module exports wasm-bindgen's allocator (`__wbindgen_malloc`, 32-bit), the
/// leak is a heap allocation that is never freed, as the leaks users report are: the
/// heap fills, the memory grows, and once it is at its maximum the allocation fails and
/// the module traps (`unreachable`, as o1js does at `__rg_oom`) inside the leaky export.
/// Otherwise it is a plain `memory.grow` by `bytes_per_call` rounded up to 64 KiB pages,
/// its result dropped: pages the module's allocator never uses, so memory grows but the
/// heap's free space does not shrink (near the cap the growth just stops). With a shared
/// memory every instance and thread sees the growth. `bytes_per_call` 0 is always a
/// `memory.grow 0`: a control with the same shape and no leak.
///
/// Only the named export changes: the original function is left in place for its
/// other callers (internal calls, tables, and other exports of the same function,
/// which wasm-bindgen's linker folds together). `bytes_per_call` 0 injects a
/// `memory.grow 0`, a control with the same shape and no leak.
///
/// # Errors
///
/// [`CodegenError::Rewrite`] when walrus cannot parse `bytes` (including when they do
/// not validate), when the module has no memory, or when `bytes_per_call` exceeds what
/// the memory can ever hold; [`CodegenError::ExportNotFound`] and
/// [`CodegenError::ExportNotFunction`] when `export_name` is missing or not a function.
pub fn inject_leak(bytes: &[u8], export_name: &str, bytes_per_call: u64) -> Result<Vec<u8>> {
    let mut module = parse(bytes)?;
    inject(&mut module, export_name, bytes_per_call)?;
    Ok(module.emit_wasm())
}

fn inject(module: &mut Module, export_name: &str, bytes_per_call: u64) -> Result<()> {
    let export = module
        .exports
        .iter()
        .find(|e| e.name == export_name)
        .ok_or_else(|| CodegenError::ExportNotFound {
            name: export_name.to_owned(),
        })?;
    let export_id = export.id();
    let original = match export.item {
        ExportItem::Function(f) => f,
        other => {
            return Err(CodegenError::ExportNotFunction {
                name: export_name.to_owned(),
                kind: match other {
                    ExportItem::Function(_) => "function",
                    ExportItem::Table(_) => "table",
                    ExportItem::Memory(_) => "memory",
                    ExportItem::Global(_) => "global",
                    ExportItem::Tag(_) => "tag",
                },
            });
        }
    };
    let memory =
        module.memories.iter().next().ok_or_else(|| {
            CodegenError::Rewrite("the module has no linear memory to grow".into())
        })?;
    let (memory_id, memory64) = (memory.id(), memory.memory64);

    let allocator = (!memory64 && bytes_per_call > 0 && u32::try_from(bytes_per_call).is_ok())
        .then(|| malloc_export(module))
        .flatten();
    let pages = pages_per_call(bytes_per_call);
    let max_pages = if memory64 { MAX_PAGES_64 } else { MAX_PAGES_32 };
    if pages > max_pages {
        return Err(CodegenError::Rewrite(format!(
            "cannot grow memory by {bytes_per_call} bytes per call: a {} memory holds at most \
             {max_pages} pages of 64 KiB",
            if memory64 { "64-bit" } else { "32-bit" }
        )));
    }

    let ty = module.types.get(module.funcs.get(original).ty());
    let (params, results) = (ty.params().to_vec(), ty.results().to_vec());
    let args: Vec<_> = params.iter().map(|&t| module.locals.add(t)).collect();

    let mut builder = FunctionBuilder::new(&mut module.types, &params, &results);
    builder.name(format!("{export_name}.leak"));
    let mut body = builder.func_body();
    match allocator {
        // A 32-bit memory holds less than 2^32 bytes (checked above): `size` fits a u32,
        // passed as the i32 of the same bits.
        Some((malloc, arity)) => {
            body.const_(Value::I32(bytes_per_call as u32 as i32));
            if arity == 2 {
                body.const_(Value::I32(1));
            }
            body.call(malloc).drop();
        }
        // `pages` fits: at most 2^16 for 32-bit memories, 2^48 for 64-bit ones.
        None => {
            body.const_(if memory64 {
                Value::I64(pages as i64)
            } else {
                Value::I32(pages as i32)
            })
            .memory_grow(memory_id)
            .drop();
        }
    }
    for &arg in &args {
        body.local_get(arg);
    }
    body.call(original);
    let leaky = builder.finish(args, &mut module.funcs);

    module.exports.get_mut(export_id).item = ExportItem::Function(leaky);
    Ok(())
}

/// wasm-bindgen's allocator and its arity, where the module exports one of a known shape.
fn malloc_export(module: &Module) -> Option<(FunctionId, usize)> {
    let export = module.exports.iter().find(|e| e.name == MALLOC_EXPORT)?;
    let ExportItem::Function(f) = export.item else {
        return None;
    };
    let ty = module.types.get(module.funcs.get(f).ty());
    let shape_ok = ty.results() == [ValType::I32]
        && matches!(ty.params(), [ValType::I32] | [ValType::I32, ValType::I32]);
    shape_ok.then_some((f, ty.params().len()))
}
