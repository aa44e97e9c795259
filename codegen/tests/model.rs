//! The model of a wasm-bindgen module: roles from the glue, findings both ways.

mod common;

use codegen::{ReadOptions, Role, read_module};
use common::*;

#[test]
fn counter_roles_come_from_the_glue() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    let role = |name: &str| {
        let e = model.exports.iter().find(|e| e.name == name).unwrap();
        (e.role, e.class.clone(), e.member.clone())
    };
    let members = [
        ("counter_new", Role::Constructor, "constructor"),
        ("counter_withSeed", Role::StaticMethod, "withSeed"),
        ("counter_delete", Role::Method, "delete"),
        ("__wbg_get_counter_value", Role::Getter, "value"),
        ("__wbg_set_counter_value", Role::Setter, "value"),
        ("__wbg_counter_free", Role::Free, "free"),
    ];
    for (export, expected_role, member) in members {
        let expected = (
            expected_role,
            Some("Counter".to_owned()),
            Some(member.to_owned()),
        );
        assert_eq!(role(export), expected, "{export}");
    }
    assert_eq!(role("größe"), (Role::Function, None, Some("größe".into())));
    assert_eq!(role("__wbindgen_malloc").0, Role::Plumbing);
    assert_eq!(role("memory").0, Role::Memory);
    assert!(model.warnings().next().is_none(), "{:?}", model.findings);
}

#[test]
fn disagreements_are_reported_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let counter = wasm.parent().unwrap();
    // The typings promise a function the glue lacks; the wasm exports one nothing uses.
    let typings = std::fs::read_to_string(counter.join("counter.d.ts")).unwrap();
    std::fs::write(
        counter.join("counter.d.ts"),
        typings.replace(
            "export function total",
            "export function ghost(): void;\nexport function total",
        ),
    )
    .unwrap();
    let glue = std::fs::read_to_string(counter.join("counter.cjs")).unwrap();
    std::fs::write(
        counter.join("counter.cjs"),
        glue.replace("wasm.add(a, b)", "wasm.addition(a, b)"),
    )
    .unwrap();
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    let messages: Vec<&str> = model.warnings().map(|f| f.message.as_str()).collect();
    let expect = [
        "typings declare `ghost` but the glue does not export it",
        "glue `add` calls `wasm.addition`, which the module does not export",
        "export `add` is never called by the glue: JS cannot reach it",
    ];
    for e in expect {
        assert!(messages.contains(&e), "missing {e:?} in {messages:#?}");
    }
}

#[test]
fn without_typings_the_wasm_alone_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let options = ReadOptions {
        wasm_only: true,
        ..ReadOptions::default()
    };
    let model = read_module(&wasm, &options).unwrap();
    assert!(model.api.is_none() && model.glue.is_none());
    assert!(
        model
            .exports
            .iter()
            .all(|e| matches!(e.role, Role::Function | Role::Memory))
    );
}

/// The counter fixture in `dir`, its WAT given `extra_wat` before the module's end and
/// its glue `extra_glue` at the end; returns the wasm path.
fn counter_with(dir: &std::path::Path, extra_wat: &str, extra_glue: &str) -> std::path::PathBuf {
    let wasm = counter_fixture(dir);
    let wat = std::fs::read_to_string(fixture("bindgen/counter/counter_bg.wat")).unwrap();
    let end = wat.trim_end().strip_suffix(')').unwrap();
    std::fs::write(
        &wasm,
        wat::parse_str(format!("{end}\n{extra_wat})")).unwrap(),
    )
    .unwrap();
    let glue = wasm.with_file_name("counter.cjs");
    let text = std::fs::read_to_string(&glue).unwrap();
    std::fs::write(&glue, format!("{text}\n{extra_glue}\n")).unwrap();
    wasm
}

#[test]
fn closure_adapters_the_glue_calls_are_closures() {
    let dir = tempfile::tempdir().unwrap();
    // wasm-bindgen's adapters across versions; the glue calls the first two from code
    // no export holds (as it does when JS invokes a Rust closure), not the third.
    let invoke = "wasm_bindgen__convert__closures__invoke1_mut__h0123456789abcdef";
    let describe = "_dyn_core__ops__function__FnMut__A____Output___R_as_wasm_bindgen__closure__WasmClosure___describe__invoke__h1f2e";
    let unused = "closure7_externref_shim";
    let wasm = counter_with(
        dir.path(),
        &format!(
            r#"(func (export "{invoke}") (param i32 i32 i32))
               (func (export "{describe}") (param i32 i32))
               (func (export "{unused}") (param i32 i32))"#
        ),
        &format!(
            "function __wbg_adapter_8(arg0, arg1, arg2) {{ wasm.{invoke}(arg0, arg1, addHeapObject(arg2)); }}\n\
             function __wbg_adapter_11(arg0, arg1) {{ wasm.{describe}(arg0, arg1); }}"
        ),
    );
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    let role = |name: &str| model.exports.iter().find(|e| e.name == name).unwrap().role;
    assert_eq!(role(invoke), Role::Closure);
    assert_eq!(role(describe), Role::Closure);
    assert_eq!(Role::Closure.as_str(), "closure");
    // One the glue never calls is no closure adapter of this glue: still reported.
    assert_eq!(role(unused), Role::Unmatched);
    // (The fixture's raw typings list none of the three: not what this test is about.)
    let warnings: Vec<&str> = model
        .warnings()
        .map(|f| f.message.as_str())
        .filter(|m| !m.contains("raw typings"))
        .collect();
    assert_eq!(
        warnings,
        [format!("export `{unused}` matches nothing in the typings or glue").as_str()]
    );
}

#[test]
fn typings_are_found_through_package_json() {
    // @automerge/automerge-wasm's shape: `nodejs/X_bg.wasm` + `nodejs/X.js`, and a
    // hand-written `index.d.ts` at the package root named by `"types"`.
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let package = wasm.parent().unwrap().parent().unwrap();
    std::fs::rename(
        wasm.with_file_name("counter.d.ts"),
        package.join("index.d.ts"),
    )
    .unwrap();
    let manifest = package.join("package.json");
    let write = |json: &str| std::fs::write(&manifest, json).unwrap();
    write(r#"{ "name": "counter", "types": "index.d.ts" }"#);
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    assert_eq!(model.files.typings, Some(package.join("index.d.ts")));
    assert!(model.api.as_ref().unwrap().class("Counter").is_some());
    assert!(model.warnings().next().is_none(), "{:?}", model.findings);
    // `typings` is the older name of the field.
    write(r#"{ "name": "counter", "typings": "./index.d.ts" }"#);
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    assert_eq!(model.files.typings, Some(package.join("./index.d.ts")));
    // A package.json beside the wasm without the field (`{"type": "commonjs"}`) is passed.
    std::fs::write(
        wasm.with_file_name("package.json"),
        r#"{ "type": "commonjs" }"#,
    )
    .unwrap();
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    assert!(model.api.is_some());
    // The search ends at the package's root (the first manifest with a name).
    std::fs::write(
        wasm.with_file_name("package.json"),
        r#"{ "name": "inner", "main": "counter.cjs" }"#,
    )
    .unwrap();
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    assert!(model.files.typings.is_none() && model.api.is_none());
}

#[test]
fn an_export_only_the_raw_typings_declare_is_raw_not_unmatched() {
    // A symbol of a linked library (ring's `ring_core_*__bn_mul_mont`, zstd's
    // `rust_zstd_wasm_shim_*`): wasm-bindgen lists it in `X_bg.wasm.d.ts`, and neither the
    // typings nor the glue use it. Here `add` plays that part.
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let counter = wasm.parent().unwrap();
    let typings = std::fs::read_to_string(counter.join("counter.d.ts")).unwrap();
    std::fs::write(
        counter.join("counter.d.ts"),
        typings.replace("export function add(a: number, b: number): number;", ""),
    )
    .unwrap();
    let glue = std::fs::read_to_string(counter.join("counter.cjs")).unwrap();
    std::fs::write(
        counter.join("counter.cjs"),
        glue.replace("const ret = wasm.add(a, b);", "const ret = a + b;"),
    )
    .unwrap();
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    let add = model.exports.iter().find(|e| e.name == "add").unwrap();
    assert_eq!(
        (add.role, add.class.as_deref(), add.member.as_deref()),
        (Role::Raw, None, None)
    );
    assert_eq!(Role::Raw.as_str(), "raw");
    assert!(
        model.warnings().all(|w| !w.message.contains("`add`")),
        "{:?}",
        model.findings
    );
    assert!(
        model.findings.iter().any(|f| f
            .message
            .contains("`add` is declared only by the raw typings")),
        "{:?}",
        model.findings
    );

    // Without the raw typings nothing accounts for it: unmatched, with a warning.
    std::fs::remove_file(counter.join("counter_bg.wasm.d.ts")).unwrap();
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    let add = model.exports.iter().find(|e| e.name == "add").unwrap();
    assert_eq!(add.role, Role::Unmatched);
}
