//! The real input: o1js's plonk_wasm and kimchi_wasm, fetched pinned from the npm registry.

mod common;

use std::collections::BTreeMap;

use codegen::{ReadOptions, Role, read_module};
use common::*;

fn counts(module: &str) -> (codegen::ModuleModel, BTreeMap<&'static str, usize>) {
    let wasm = o1js_bindings().join(format!("{module}_bg.wasm"));
    let model = read_module(&wasm, &ReadOptions::default()).unwrap();
    let kinds = model
        .count_by_kind()
        .into_iter()
        .map(|(k, n)| (k.as_str(), n))
        .collect();
    (model, kinds)
}

fn role_counts(model: &codegen::ModuleModel) -> BTreeMap<&'static str, usize> {
    model
        .count_by_role()
        .into_iter()
        .map(|(r, n)| (r.as_str(), n))
        .collect()
}

fn assert_fully_classified(model: &codegen::ModuleModel) {
    let unmatched: Vec<&str> = model
        .exports
        .iter()
        .filter(|e| e.role == Role::Unmatched)
        .map(|e| e.name.as_str())
        .collect();
    assert!(unmatched.is_empty(), "unclassified: {unmatched:?}");
    let warnings: Vec<_> = model.warnings().collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    // Every class member export names its class, and the class exists in the typings.
    let api = model.api.as_ref().unwrap();
    for e in &model.exports {
        let member_role = matches!(
            e.role,
            Role::Constructor
                | Role::Method
                | Role::StaticMethod
                | Role::Getter
                | Role::Setter
                | Role::Free
        );
        assert_eq!(member_role, e.class.is_some(), "{e:?}");
        if let Some(class) = &e.class {
            assert!(
                api.class(class).is_some(),
                "{class} of {} not in typings",
                e.name
            );
        }
    }
}

#[test]
fn plonk_wasm_every_export_listed_and_classified() {
    let (model, kinds) = counts("plonk_wasm");
    assert_eq!(model.exports.len(), 688);
    assert_eq!(
        kinds,
        BTreeMap::from([("function", 685), ("global", 2), ("memory", 1)])
    );
    assert_eq!(model.wasm_bindgen_version(), Some("0.2.89"));
    let api = model.api.as_ref().unwrap();
    assert_eq!((api.functions.len(), api.classes.len()), (157, 57));
    let memory = model.wasm.memories[0];
    assert!(memory.imported && memory.shared && memory.maximum == Some(65536));
    assert_fully_classified(&model);
    insta::assert_debug_snapshot!("plonk_roles", role_counts(&model));
}

#[test]
fn kimchi_wasm_every_export_listed_and_classified() {
    let (model, kinds) = counts("kimchi_wasm");
    assert_eq!(model.exports.len(), 700);
    assert_eq!(kinds["function"], 696);
    assert_eq!(model.wasm_bindgen_version(), Some("0.2.100"));
    assert_fully_classified(&model);
    insta::assert_debug_snapshot!("kimchi_roles", role_counts(&model));
}

#[test]
fn folded_aliases_get_the_member_whose_name_they_carry() {
    // The linker folded fq's max_degree into fp's; the glue calls the fp name for both.
    let (model, _) = counts("plonk_wasm");
    let member = |name: &str| {
        model
            .exports
            .iter()
            .find(|e| e.name == name)
            .unwrap()
            .member
            .clone()
    };
    assert_eq!(
        member("caml_pasta_fq_plonk_index_max_degree").as_deref(),
        Some("caml_pasta_fq_plonk_index_max_degree")
    );
    assert_eq!(
        member("caml_pasta_fp_plonk_index_max_degree").as_deref(),
        Some("caml_pasta_fp_plonk_index_max_degree")
    );
}

#[test]
fn generated_shims_are_complete_and_stable() {
    for module in ["plonk_wasm", "kimchi_wasm"] {
        let wasm = o1js_bindings().join(format!("{module}_bg.wasm"));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join(module);
        let run = |cmd: &str| {
            codegen(&[
                cmd.as_ref(),
                wasm.as_os_str(),
                "--out-dir".as_ref(),
                out.as_os_str(),
            ])
        };
        assert!(run("generate").status.success());
        assert!(
            run("check").status.success(),
            "{module}: check after generate"
        );
        let shim = std::fs::read_to_string(out.join(format!("{module}.proxy.cjs"))).unwrap();
        let model = read_module(&wasm, &ReadOptions::default()).unwrap();
        let api = model.api.as_ref().unwrap();
        for f in &api.functions {
            assert!(
                shim.contains(&format!("module.exports.{} = ", f.name)),
                "{module}: {} not forwarded",
                f.name
            );
        }
        for c in &api.classes {
            assert!(
                shim.contains(&format!("class {} extends $runtime.Handle", c.name)),
                "{module}: class {}",
                c.name
            );
        }
    }
}

#[test]
fn diff_plonk_to_kimchi_shows_the_upgrade() {
    let bindings = o1js_bindings();
    let output = codegen(&[
        "diff".as_ref(),
        bindings.join("plonk_wasm_bg.wasm").as_os_str(),
        bindings.join("kimchi_wasm_bg.wasm").as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert!(output.status.success());
    let diff: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let added = diff["added_exports"].as_array().unwrap();
    assert!(
        added.iter().any(|a| a == "__externref_table_alloc"),
        "kimchi uses externrefs"
    );
    assert!(!diff["api_changes"].as_array().unwrap().is_empty());
}
