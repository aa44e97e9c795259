//! Arbitrary text into the typings and glue parsers, then into the model.
//!
//! The input is up to four parts split at NUL bytes: the typings (`X.d.ts`), the
//! raw typings (`X_bg.wasm.d.ts`), the glue (`X.cjs`) and the wasm bytes (the
//! counter fixture when absent). Invalid UTF-8 is replaced, as lossy text. Each text parses or gives one clear error line
//! with a position inside the text; whatever parses correlates with the wasm
//! into a model where every export has a role. Never a panic.
#![no_main]

use std::path::Path;

use codegen::reader::glue::parse_glue;
use codegen::reader::typings::parse_typings;
use codegen::reader::wasm::WasmModule;
use codegen::{CodegenError, ModuleFiles, ModuleModel, Result};
use libfuzzer_sys::fuzz_target;

const COUNTER_WASM: &[u8] = include_bytes!("../../fixtures/bindgen/counter/counter_bg.wasm");

fuzz_target!(|bytes: &[u8]| {
    let mut parts = bytes.splitn(4, |b| *b == 0);
    // An empty part stands for a missing file.
    let mut text = || {
        parts
            .next()
            .filter(|p| !p.is_empty())
            .map(String::from_utf8_lossy)
    };
    let (typings, raw_typings, glue) = (text(), text(), text());
    let wasm_bytes = parts
        .next()
        .filter(|w| !w.is_empty())
        .unwrap_or(COUNTER_WASM);

    let api = typings
        .as_deref()
        .and_then(|t| checked(t, parse_typings(Path::new("fuzz.d.ts"), t)));
    let raw_api = raw_typings
        .as_deref()
        .and_then(|t| checked(t, parse_typings(Path::new("fuzz_bg.wasm.d.ts"), t)));
    let glue = glue
        .as_deref()
        .and_then(|t| checked(t, parse_glue(Path::new("fuzz.cjs"), t)));

    let Ok(wasm) = WasmModule::read_bytes(Path::new("fuzz_bg.wasm"), wasm_bytes) else {
        return; // the read_wasm target covers bad wasm
    };
    let exports = wasm.exports.len();
    let files = ModuleFiles::default();
    let model = ModuleModel::correlate(files, wasm, api, raw_api, glue);
    assert_eq!(model.exports.len(), exports, "an export lost its role");
    serde_json::to_string(&model).expect("a read model serialises");
});

/// The parsed value, or `None` after checking the error is one clear line
/// pointing inside `text`.
fn checked<T>(text: &str, result: Result<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            let line_text = error.to_string();
            assert!(
                !line_text.contains('\n'),
                "error spans lines: {line_text:?}"
            );
            let CodegenError::InvalidSource {
                message,
                line,
                column,
                ..
            } = &error
            else {
                panic!("text in memory gave a non-parse error: {line_text}");
            };
            assert!(
                !message.trim().is_empty(),
                "empty parser message: {line_text}"
            );
            let lines = text.split('\n').count();
            assert!(
                (1..=lines).contains(line) && *column >= 1,
                "position outside the text ({lines} lines): {line_text}"
            );
            None
        }
    }
}
