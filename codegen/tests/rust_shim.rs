//! The Rust shim (`--lang rust`): snapshots, rustfmt, replay policies, skipped types.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Runs `codegen generate WASM --out-dir OUT` with `extra` flags; returns stdout.
fn generate(wasm: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "generate".as_ref(),
        wasm.as_os_str(),
        "--out-dir".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let output = codegen(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

/// `rustfmt --check` on a generated file: it must be formatted as rustfmt would.
pub fn assert_rustfmt_clean(file: &Path) {
    let output = std::process::Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .arg(file)
        .output()
        .expect("rustfmt is installed with the toolchain (rustup component add rustfmt)");
    assert!(
        output.status.success(),
        "{} is not rustfmt-clean:\n{}",
        file.display(),
        String::from_utf8_lossy(&output.stdout)
    );
}

fn names(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

/// `--runtime-crate` (the Builder's `runtime_crate`): the shim names the runtime under that
/// path, through its `__internal` module, and tells `#[proxied]`; a non-path is refused.
#[test]
fn a_renamed_runtime_crate_is_named_throughout_the_shim() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let out = dir.path().join("out");
    generate(
        &wasm,
        &out,
        &["--lang", "rust", "--runtime-crate", "my_sdk::proxy_runtime"],
    );
    let shim = std::fs::read_to_string(out.join("counter.rs")).unwrap();
    for line in [
        "use my_sdk::proxy_runtime::__internal::{",
        "my_sdk::proxy_runtime::__internal::classes! {",
        "#[proxied(crate = my_sdk::proxy_runtime)]",
    ] {
        assert!(shim.lines().any(|l| l == line), "{line}\n{shim}");
    }
    assert!(!shim.contains("use proxy_runtime"), "{shim}");
    assert_rustfmt_clean(&out.join("counter.rs"));

    let refused = dir.path().join("refused");
    let err = codegen::Builder::new()
        .wasm(&wasm)
        .runtime_crate("proxy-runtime")
        .out_dir(&refused)
        .cargo_metadata(false)
        .generate()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("runtime crate path `proxy-runtime` is not a Rust path"),
        "{err}"
    );
    assert!(!refused.join("counter.rs").exists());
}

#[test]
fn counter_rust_shim_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let out = dir.path().join("out");
    let summary = generate(&wasm, &out, &["--lang", "rust"]);
    assert!(
        summary.contains(
            "trait CounterModule with 13 methods (7 handle parameters, 3 handle results, 8 replayed, 0 untyped)"
        ),
        "{summary}"
    );
    assert_eq!(names(&out), ["counter.rs"]);
    let shim = out.join("counter.rs");
    assert_rustfmt_clean(&shim);
    insta::assert_snapshot!("counter.rs", std::fs::read_to_string(&shim).unwrap());
}

#[test]
fn lang_selects_the_shims_and_ts_stays_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let ts_only = dir.path().join("ts");
    generate(&wasm, &ts_only, &[]);
    assert!(!names(&ts_only).contains(&"counter.rs".to_owned()));
    assert!(names(&ts_only).contains(&"counter.proxy.cjs".to_owned()));
    let both = dir.path().join("both");
    generate(&wasm, &both, &["--lang", "both"]);
    let mut expected = names(&ts_only);
    expected.push("counter.rs".into());
    expected.sort();
    assert_eq!(names(&both), expected);
    // `check` compares what `--lang` selects.
    let check = |lang: &str| {
        codegen(&[
            "check".as_ref(),
            wasm.as_os_str(),
            "--out-dir".as_ref(),
            both.as_os_str(),
            "--lang".as_ref(),
            lang.as_ref(),
        ])
    };
    assert!(check("both").status.success());
    std::fs::write(both.join("counter.rs"), "// edited\n").unwrap();
    let drift = check("rust");
    assert_eq!(drift.status.code(), Some(1));
    assert!(stdout(&drift).contains("counter.rs: differs from line 1"));
}

#[test]
fn wat_modules_get_raw_types_tuples_and_valid_names() {
    let dir = tempfile::tempdir().unwrap();
    for (fixture, module) in [
        ("wat/kinds.wat", "kinds"),
        ("wat/odd_names.wat", "odd_names"),
    ] {
        let wasm = compile_wat(fixture, dir.path(), &format!("{module}.wasm"));
        let out = dir.path().join(module);
        generate(&wasm, &out, &["--lang", "rust"]);
        let shim = out.join(format!("{module}.rs"));
        assert_rustfmt_clean(&shim);
        insta::assert_snapshot!(
            format!("{module}.rs"),
            std::fs::read_to_string(&shim).unwrap()
        );
    }
}

#[test]
fn exports_a_typed_call_cannot_make_are_called_untyped() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("refs.wasm");
    std::fs::write(
        &wasm,
        wat::parse_str(
            r#"(module
                 (func (export "simd") (param v128) (result i32) i32.const 0)
                 (func (export "make_ref") (result externref) ref.null extern)
                 (func (export "take_ref") (param i32 externref))
                 (func (export "take_func") (param funcref))
                 (func (export "plain") (param f32 f64) (result i64) i64.const 0)
                 (func (export "wide") (param i32 i32 i32 i32 i32 i32 i32 i32 i32
                                              i32 i32 i32 i32 i32 i32 i32 i32 i32)))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let out = dir.path().join("out");
    let summary = generate(&wasm, &out, &["--lang", "rust"]);
    assert!(summary.contains("with 5 methods"), "{summary}");
    assert!(
        summary.contains("4 untyped), 1 function(s) skipped"),
        "{summary}"
    );
    let shim = std::fs::read_to_string(out.join("refs.rs")).unwrap();
    for line in [
        "use proxy_runtime::__internal::{Result, Value, proxied};",
        "    /// Called untyped: parameter 0 is `v128`.",
        "    fn simd(&self, args: &[Value]) -> Result<Vec<Value>>;",
        "    /// Called untyped: it returns `externref`.",
        "    fn make_ref(&self, args: &[Value]) -> Result<Vec<Value>>;",
        "    /// Called untyped: parameter 1 is `externref`.",
        "    fn take_ref(&self, args: &[Value]) -> Result<Vec<Value>>;",
        "    // skipped `take_func`: parameter 0 is `funcref`, which the proxy cannot pass",
        "    fn plain(&self, arg0: f32, arg1: f64) -> Result<i64>;",
        "    /// Called untyped: it has 18 parameters; wasmtime's typed calls take at most 17.",
        "    fn wide(&self, args: &[Value]) -> Result<Vec<Value>>;",
        "/// 1 function(s) left out: the proxy cannot call them (see the comments).",
    ] {
        assert!(shim.lines().any(|l| l == line), "{line}\n{shim}");
    }
    assert_rustfmt_clean(&out.join("refs.rs"));
}

#[test]
fn replay_policy_file_overrides_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let policy = dir.path().join("replay.toml");
    std::fs::write(
        &policy,
        r#"
profile = "wasm-bindgen"
[[rule]]
exports = "make_counter"
[[rule]]
exports = "counter_increment"
mutates = 0
[[rule]]
role = "constructor"
replay = false
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    generate(
        &wasm,
        &out,
        &[
            "--lang",
            "rust",
            "--replay-policy",
            policy.to_str().unwrap(),
        ],
    );
    let shim = std::fs::read_to_string(out.join("counter.rs")).unwrap();
    let attribute_of = |method: &str| -> Option<String> {
        let lines: Vec<&str> = shim.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains(&format!("fn {method}(")))?;
        lines[..at]
            .iter()
            .rev()
            .take_while(|l| !l.contains("fn "))
            .find(|l| l.trim_start().starts_with("#[replay"))
            .map(|l| l.trim().to_owned())
    };
    assert_eq!(attribute_of("make_counter").as_deref(), Some("#[replay]"));
    assert_eq!(
        attribute_of("counter_increment").as_deref(),
        Some("#[replay(mutates = this)]")
    );
    assert_eq!(attribute_of("counter_new"), None, "the last rule wins");
    assert_eq!(attribute_of("add"), None);

    // JSON too; a broken file is one line naming it, and nothing is written.
    let json = dir.path().join("replay.json");
    std::fs::write(&json, r#"{"rule": [{"exports": "add", "mutates": 5}]}"#).unwrap();
    let fresh = dir.path().join("fresh");
    let run = |file: &PathBuf| {
        codegen(&[
            "generate".as_ref(),
            wasm.as_os_str(),
            "--out-dir".as_ref(),
            fresh.as_os_str(),
            "--lang".as_ref(),
            "rust".as_ref(),
            "--replay-policy".as_ref(),
            file.as_os_str(),
        ])
    };
    let output = run(&json);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).trim(),
        "error: counter: cannot render the Rust shim: replay policy: `add` mutates argument 5, \
         but it takes 2 parameter(s)"
    );
    std::fs::write(&json, r#"{"rule": [{"exports": "add", "mutates": 0}]}"#).unwrap();
    let output = run(&json);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`add` mutates argument 0, which is not a class handle"),
        "{}",
        stderr(&output)
    );
    std::fs::write(&json, r#"{"rule": [{"exports": "add", "replay": "no"}]}"#).unwrap();
    let output = run(&json);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.starts_with(&format!(
            "error: {}: invalid replay policy: line 1 column",
            json.display()
        )),
        "{err}"
    );
    assert!(!fresh.join("counter.rs").exists());
}

/// o1js's real modules: every function export is a method (typed or untyped),
/// handles are typed where the glue shows them, and the output is rustfmt-clean.
#[test]
fn o1js_shims_cover_every_function_export() {
    use codegen::{ReadOptions, Targets, generate_targets, read_module};
    let bindings = o1js_bindings();
    let dir = tempfile::tempdir().unwrap();
    // kimchi passes externrefs; both have two 24-parameter constructors (random oracles).
    for (module, expected_untyped) in [("plonk_wasm", 2), ("kimchi_wasm", 11)] {
        let wasm = bindings.join(format!("{module}_bg.wasm"));
        let model = read_module(&wasm, &ReadOptions::default()).unwrap();
        let targets = Targets {
            typescript: false,
            rust: true,
            replay: None,
            runtime_crate: None,
        };
        let generation = generate_targets(&model, dir.path(), &targets);
        let shim = generation.rust.expect("rust shim rendered");
        let functions: Vec<&str> = model
            .exports
            .iter()
            .filter(|e| e.kind == codegen::reader::wasm::ExportKind::Function)
            .map(|e| e.name.as_str())
            .collect();
        let text = &shim.file.contents;
        let methods = text
            .lines()
            .filter(|l| l.trim_start().starts_with("fn "))
            .count();
        assert_eq!(methods, shim.methods, "{module}");
        assert_eq!(
            shim.methods,
            functions.len(),
            "{module}: {:?}",
            shim.skipped
        );
        assert!(shim.skipped.is_empty(), "{module}: {:?}", shim.skipped);
        assert_eq!(shim.untyped, expected_untyped, "{module}");
        let untyped_reasons: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("/// Called untyped: "))
            .collect();
        assert_eq!(untyped_reasons.len(), expected_untyped, "{module}");
        for reason in untyped_reasons {
            let too_many =
                reason.starts_with("it has 24 parameters; wasmtime's typed calls take at most 17");
            assert!(
                reason.contains("externref") || too_many,
                "{module}: {reason}"
            );
        }
        // Every export a method does not name by itself is named by `#[export]`.
        let named: std::collections::HashSet<String> = text
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                l.strip_prefix("#[export = \"")
                    .and_then(|r| r.strip_suffix("\"]"))
                    .map(str::to_owned)
                    .or_else(|| {
                        l.strip_prefix("fn ")
                            .and_then(|r| r.split('(').next())
                            .map(str::to_owned)
                    })
            })
            .collect();
        for f in &functions {
            assert!(named.contains(*f), "{module}: `{f}` has no method");
        }
        // The contract's examples, as generated from the real module.
        for expected in [
            "    #[replay]\n    fn caml_fp_srs_create(&self, depth: i32) -> Result<Handle<WasmFpSrs>>;",
            "    fn caml_fp_srs_h(&self, srs: &Handle<WasmFpSrs>) -> Result<Handle<WasmGVesta>>;",
            "    #[replay(mutates = v)]\n    fn caml_pasta_fp_plonk_gate_vector_add(\n        &self,\n        \
             v: &Handle<WasmFpGateVector>,\n        gate: Handle<WasmFpGate>,\n    ) -> Result<()>;",
            "    pub WasmFpSrs = \"__wbg_wasmfpsrs_free\"",
            "#[proxied]\n#[allow(clippy::too_many_arguments)]\n#[allow(dead_code)]\npub trait ",
        ] {
            assert!(text.contains(expected), "{module}: missing\n{expected}");
        }
        // Proofs are not logged; what they consume is typed.
        let proof = text
            .split("fn caml_pasta_fp_plonk_proof_create(")
            .collect::<Vec<_>>();
        assert_eq!(proof.len(), 2, "{module}");
        assert!(!proof[0].trim_end().ends_with("#[replay]"));
        // plonk (wasm-bindgen 0.2.89) passes a return pointer first; kimchi (0.2.100)
        // returns multiple values instead: the handles are typed either way.
        let params = proof[1].split(") -> ").next().unwrap();
        assert!(
            params.contains(
                "\n        index: &Handle<WasmPastaFpPlonkIndex>,\n        witness: Handle<WasmVecVecFp>,"
            ),
            "{module}: {params}"
        );
        let file = dir.path().join(&shim.file.path);
        std::fs::write(&file, text).unwrap();
        assert_rustfmt_clean(&file);
        eprintln!(
            "{module}: {} methods, {} handle parameters, {} handle results, {} replayed, {} untyped",
            shim.methods, shim.handle_params, shim.handle_results, shim.replayed, shim.untyped
        );
    }
}
