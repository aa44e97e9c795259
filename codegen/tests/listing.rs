//! `codegen list` on small fixtures: every kind of export, odd names, no exports.

mod common;

use common::*;

fn list_json(wat: &str, name: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let wasm = compile_wat(wat, dir.path(), name);
    let output = codegen_str(&["list", wasm.to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("list --format json is JSON")
}

#[test]
fn lists_every_kind_with_its_details() {
    let json = list_json("wat/kinds.wat", "kinds.wasm");
    insta::assert_json_snapshot!("kinds", json);
    let exports = json["exports"].as_array().unwrap();
    let kinds: Vec<&str> = exports
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "function", "function", "function", "memory", "memory", "global", "global", "table",
            "tag"
        ]
    );
    // Without typings every function is just a function.
    assert!(exports.iter().all(|e| e["role"] == e["kind"]));
    let shared = &exports[3]["detail"];
    assert_eq!(shared["shared"], true);
    assert_eq!(shared["maximum"], 16);
    assert_eq!(exports[4]["detail"]["memory64"], true);
    assert_eq!(exports[0]["results"], serde_json::json!(["i32", "i64"]));
}

#[test]
fn odd_names_are_listed_verbatim_and_in_module_order() {
    let json = list_json("wat/odd_names.wat", "odd.wasm");
    insta::assert_json_snapshot!("odd_names", json);
    let names: Vec<&str> = json["exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[4], "größe");
    assert_eq!(names[10], "");
    assert_eq!(names.len(), 12);
}

#[test]
fn a_module_without_exports_lists_nothing() {
    let json = list_json("wat/no_exports.wat", "empty.wasm");
    assert_eq!(json["exports"], serde_json::json!([]));
    let dir = tempfile::tempdir().unwrap();
    let wasm = compile_wat("wat/no_exports.wat", dir.path(), "empty.wasm");
    let table = stdout(&codegen_str(&["list", wasm.to_str().unwrap()]));
    assert_eq!(table.lines().count(), 1, "only the header: {table}");
}

#[test]
fn the_table_shows_signature_role_and_owner() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let output = codegen_str(&["list", wasm.to_str().unwrap()]);
    assert!(output.status.success());
    let table = stdout(&output);
    let row = table
        .lines()
        .find(|l| l.starts_with("counter_increment "))
        .expect("row for counter_increment");
    for cell in [
        "function",
        "method",
        "Counter.increment",
        "(i32, i32) -> (i32)",
    ] {
        assert!(row.contains(cell), "{cell:?} missing from {row:?}");
    }
}

#[test]
fn the_committed_counter_wasm_matches_its_wat() {
    // Node tests load the committed binary; it must be what the WAT says.
    let compiled = wat::parse_file(fixture("bindgen/counter/counter_bg.wat")).unwrap();
    let committed_path = fixture("bindgen/counter/counter_bg.wasm");
    if std::env::var_os("FIXTURES_UPDATE").is_some() {
        std::fs::write(&committed_path, &compiled).unwrap();
    }
    let committed = std::fs::read(&committed_path).expect("run with FIXTURES_UPDATE=1 once");
    assert_eq!(
        committed, compiled,
        "counter_bg.wasm is stale: run with FIXTURES_UPDATE=1"
    );
}
