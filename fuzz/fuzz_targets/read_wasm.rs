//! Arbitrary bytes into the wasm reader: either a module whose every export gets
//! a role, or one clear error line with the parser's message and an offset
//! inside the input. Never a panic.
#![no_main]

use std::path::Path;

use codegen::reader::wasm::WasmModule;
use codegen::{CodegenError, ModuleFiles, ModuleModel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = Path::new("fuzz_bg.wasm");
    match WasmModule::read_bytes(path, bytes) {
        Ok(wasm) => {
            // What `codegen list --wasm-only` does next: correlate and serialise.
            let files = ModuleFiles {
                wasm: path.to_owned(),
                ..ModuleFiles::default()
            };
            let exports = wasm.exports.len();
            let model = ModuleModel::correlate(files, wasm, None, None, None);
            assert_eq!(model.exports.len(), exports, "an export lost its role");
            serde_json::to_string(&model).expect("a read model serialises");
        }
        Err(error) => {
            let line = error.to_string();
            assert!(!line.contains('\n'), "error spans lines: {line:?}");
            let CodegenError::InvalidWasm {
                message, offset, ..
            } = &error
            else {
                panic!("bytes in memory gave a non-wasm error: {line}");
            };
            assert!(!message.trim().is_empty(), "empty parser message: {line}");
            assert!(*offset <= bytes.len(), "offset past the input: {line}");
        }
    }
});
