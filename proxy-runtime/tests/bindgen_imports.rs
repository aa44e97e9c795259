//! wasm-bindgen imports served by operation: lz4-wasm-nodejs 0.9.2 from the npm registry (a
//! plain exported memory, wasm-bindgen 0.2.7x) through its generated table, the module's
//! thrown values readable by the caller, and imports nobody can serve refused at
//! instantiation with their name and JS source.

use std::path::PathBuf;
use std::process::Command;

use proxy_runtime::imports::{JsImport, JsOp};
use proxy_runtime::{
    Error, ImportsPreset, JsValue, ProxyConfig, Result, WasmBindgenImports, proxied,
};

/// lz4_wasm_nodejs's JS imports, as codegen generates them (`common/js_imports/README.md`).
mod lz4_imports {
    include!("common/js_imports/lz4_wasm_nodejs.rs");
}

/// lz4-wasm-nodejs's raw exports (the glue's `compress` / `decompress` by hand).
#[proxied]
pub trait Lz4 {
    #[export = "__wbindgen_add_to_stack_pointer"]
    fn add_to_stack_pointer(&self, delta: i32) -> Result<i32>;
    /// 0.2.7x: one parameter (no alignment).
    #[export = "__wbindgen_malloc"]
    fn malloc(&self, size: i32) -> Result<i32>;
    #[export = "__wbindgen_free"]
    fn free(&self, ptr: i32, len: i32) -> Result<()>;
    fn compress(&self, retptr: i32, ptr: i32, len: i32) -> Result<()>;
    fn decompress(&self, retptr: i32, ptr: i32, len: i32) -> Result<()>;
}

/// The pinned package, fetched on first use: the test fails (never skips) without it.
fn lz4_wasm() -> PathBuf {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/npm/fetch.sh");
    let output = Command::new("bash")
        .args([script, "lz4-wasm-nodejs", "0.9.2"])
        .output()
        .expect("run fixtures/npm/fetch.sh");
    assert!(
        output.status.success(),
        "fetching lz4-wasm-nodejs@0.9.2 failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()).join("lz4_wasm_nodejs_bg.wasm")
}

fn lz4() -> Lz4Proxy {
    Lz4Proxy::new(
        ProxyConfig::from_path(lz4_wasm()).imports(ImportsPreset::WasmBindgen(
            WasmBindgenImports::default().js_imports(lz4_imports::JS_IMPORTS),
        )),
    )
    .expect("lz4 instantiates through its generated table")
}

fn word(p: &Lz4Proxy, at: i32) -> i32 {
    let bytes = p.read_memory(at as u32 as u64, 4).unwrap();
    i32::from_le_bytes(bytes.try_into().unwrap())
}

/// What the glue's `decompress` / `compress` do: the input through `__wbindgen_malloc`, the
/// result (bytes, or, where the export `throws`, a thrown JS value) through the 16-byte
/// return area.
fn call(
    p: &Lz4Proxy,
    f: fn(&Lz4Proxy, i32, i32, i32) -> Result<()>,
    throws: bool,
    input: &[u8],
) -> std::result::Result<Vec<u8>, JsValue> {
    let retptr = p.add_to_stack_pointer(-16).unwrap();
    let ptr = p.malloc(input.len() as i32).unwrap();
    p.write_memory(ptr as u32 as u64, input).unwrap();
    f(p, retptr, ptr, input.len() as i32).unwrap();
    let (r0, r1, r2, r3) = (
        word(p, retptr),
        word(p, retptr + 4),
        word(p, retptr + 8),
        word(p, retptr + 12),
    );
    p.add_to_stack_pointer(16).unwrap();
    if throws && r3 != 0 {
        // `throw takeObject(r2)`
        return Err(p.with_instance(|i| i.take_js_value(r2)));
    }
    let bytes = p.read_memory(r0 as u32 as u64, r1 as u32 as u64).unwrap();
    p.free(r0, r1).unwrap();
    Ok(bytes)
}

#[test]
fn lz4_round_trip_on_a_plain_memory() {
    let p = lz4();
    let input: Vec<u8> = b"wasm proxy ".iter().cycle().take(4096).copied().collect();
    let packed = call(&p, Lz4Proxy::compress, false, &input).expect("compress");
    assert!(packed.len() < input.len() / 4, "{} bytes", packed.len());
    assert_eq!(
        call(&p, Lz4Proxy::decompress, true, &packed).expect("decompress"),
        input
    );
}

/// The module reports bad input as a JS value it made with `__wbindgen_string_new` (served
/// through the table on the module's own memory); the caller reads it.
#[test]
fn lz4_bad_input_is_a_readable_thrown_value() {
    let p = lz4();
    // A size prefix of 64 bytes, then a token promising a literal run that is not there.
    let bad = [64, 0, 0, 0, 0xf0, 0x0a];
    let thrown = call(&p, Lz4Proxy::decompress, true, &bad).expect_err("bad input must throw");
    let JsValue::Str(message) = &thrown else {
        panic!("the module throws a string, got {thrown:?}");
    };
    assert!(!message.is_empty());
    println!("lz4 threw: {message}");
    assert_eq!(thrown.to_string(), *message);
    // The instance still serves.
    let packed = call(&p, Lz4Proxy::compress, false, b"again").unwrap();
    assert_eq!(
        call(&p, Lz4Proxy::decompress, true, &packed).unwrap(),
        b"again"
    );
}

/// A module of one export `run` calling import `name` of `module` (`(i32 i32)`), with the
/// string "boom" at 16 in its exported plain memory.
fn importer(module: &str, name: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
            (import "{module}" "{name}" (func $f (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 16) "boom")
            (func (export "run") (call $f (i32.const 16) (i32.const 4))))"#
    ))
    .unwrap()
}

#[proxied]
pub trait Run {
    fn run(&self) -> Result<()>;
}

fn with_table(wasm: Vec<u8>, table: &'static [JsImport]) -> Result<RunProxy> {
    RunProxy::new(
        ProxyConfig::from_bytes(wasm).imports(ImportsPreset::WasmBindgen(
            WasmBindgenImports::default().js_imports(table),
        )),
    )
}

/// `__wbindgen_throw` needs no table; its message reaches the caller, from every import
/// module wasm-bindgen uses (nodejs, web, bundler), on a plain memory.
#[test]
fn a_thrown_message_reaches_the_caller() {
    for module in ["__wbindgen_placeholder__", "wbg", "./lz4_wasm_bg.js"] {
        let p = with_table(importer(module, "__wbindgen_throw"), &[]).expect(module);
        let err = p.run().expect_err("run throws");
        let text = format!("{err}");
        assert!(text.contains("Error: boom"), "{module}: {text}");
    }
}

/// A hashed import is served through the table only, whatever it is called.
#[test]
fn hashed_names_are_served_by_their_operation() {
    static TABLE: &[JsImport] = &[JsImport {
        name: "__wbg_oops_0123456789abcdef",
        op: JsOp::Throw,
        takes: &[],
        catches: false,
        source: "function(arg0, arg1) {\n    throw new Error(getStringFromWasm0(arg0, arg1));\n}",
    }];
    let wasm = importer("wbg", "__wbg_oops_0123456789abcdef");
    let p = with_table(wasm.clone(), TABLE).unwrap();
    assert!(format!("{}", p.run().unwrap_err()).contains("Error: boom"));
    // Without the table nobody knows what it does.
    let Err(err) = with_table(wasm, &[]) else {
        panic!("an unknown hashed import must be refused");
    };
    let text = err.to_string();
    assert!(text.contains("`__wbg_oops_0123456789abcdef`"), "{text}");
    assert!(text.contains("JS_IMPORTS"), "{text}");
}

/// An import whose body codegen could not classify fails the proxy's creation, naming the
/// import and its JS source.
#[test]
fn an_unsupported_import_fails_at_instantiation_with_its_source() {
    static TABLE: &[JsImport] = &[JsImport {
        name: "__wbg_frobnicate_0123456789abcdef",
        op: JsOp::Unsupported,
        takes: &[],
        catches: true,
        source: "function() { return handleError(function (arg0, arg1) {\n    frobnicate(getStringFromWasm0(arg0, arg1));\n}, arguments) }",
    }];
    let Err(err) = with_table(
        importer(
            "__wbindgen_placeholder__",
            "__wbg_frobnicate_0123456789abcdef",
        ),
        TABLE,
    ) else {
        panic!("an unsupported import must be refused");
    };
    assert!(
        matches!(&err, Error::UnsupportedImport { name, .. } if name == "__wbg_frobnicate_0123456789abcdef")
    );
    assert_eq!(
        (err.stage(), err.reason()),
        ("instantiate", "unsupported_import")
    );
    let text = err.to_string();
    assert!(
        text.contains("`__wbg_frobnicate_0123456789abcdef`"),
        "{text}"
    );
    assert!(
        text.contains("frobnicate(getStringFromWasm0(arg0, arg1))"),
        "{text}"
    );

    // A host that accepts it gets the proxy; the import fails when the module calls it,
    // with the same error, and the proxy serves on.
    let lenient = RunProxy::new(
        ProxyConfig::from_bytes(importer(
            "__wbindgen_placeholder__",
            "__wbg_frobnicate_0123456789abcdef",
        ))
        .imports(ImportsPreset::WasmBindgen(
            WasmBindgenImports::default()
                .js_imports(TABLE)
                .unsupported(proxy_runtime::UnsupportedImports::FailOnCall),
        )),
    )
    .expect("created: the import fails only when called");
    let called = lenient
        .run()
        .expect_err("the import fails when called")
        .to_string();
    assert!(
        called.contains("frobnicate(getStringFromWasm0(arg0, arg1))"),
        "{called}"
    );
    assert!(
        lenient.run().is_err(),
        "every call of it fails the same way"
    );
}

#[proxied]
pub trait Catch {
    /// Calls the import; returns the heap index `__wbindgen_exn_store` was given (0: none).
    fn run(&self) -> Result<i32>;
}

/// An import wrapped in `handleError` hands what it throws to the module through
/// `__wbindgen_exn_store`, as the glue does, instead of failing the call.
#[test]
fn a_caught_exception_goes_to_the_module() {
    static TABLE: &[JsImport] = &[JsImport {
        name: "__wbg_call_0123456789abcdef",
        op: JsOp::Call0,
        takes: &[],
        catches: true,
        source: "function() { return handleError(function (arg0, arg1) {\n    const ret = getObject(arg0).call(getObject(arg1));\n    return addHeapObject(ret);\n}, arguments) }",
    }];
    let wasm = wat::parse_str(
        r#"(module
            (import "__wbindgen_placeholder__" "__wbg_call_0123456789abcdef"
                (func $call (param i32 i32) (result i32)))
            (memory (export "memory") 1)
            (global $exn (mut i32) (i32.const 0))
            (func (export "__wbindgen_exn_store") (param i32) (global.set $exn (local.get 0)))
            ;; `undefined.call(undefined)`: heap index 128 is `undefined`.
            (func (export "run") (result i32)
                (drop (call $call (i32.const 128) (i32.const 128)))
                (global.get $exn)))"#,
    )
    .unwrap();
    let p = CatchProxy::new(
        ProxyConfig::from_bytes(wasm).imports(ImportsPreset::WasmBindgen(
            WasmBindgenImports::default().js_imports(TABLE),
        )),
    )
    .unwrap();
    let idx = p
        .run()
        .expect("the exception is the module's, not the caller's");
    assert_ne!(idx, 0);
    let thrown = p.with_instance(|i| i.take_js_value(idx));
    assert!(
        matches!(&thrown, JsValue::Error(m) if m.contains("cannot call")),
        "{thrown:?}"
    );
}
