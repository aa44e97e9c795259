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
