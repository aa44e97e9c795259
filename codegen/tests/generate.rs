//! Generated shims: snapshots, drift checks, atomic writes, diff.

mod common;

use common::*;

/// Runs `codegen generate` on the counter fixture in `dir` (copied there by
/// [`generate_counter`]) into `dir/out`, with `extra` arguments.
fn regenerate(dir: &std::path::Path, extra: &[&std::ffi::OsStr]) -> std::process::Output {
    let wasm = dir.join("counter/counter_bg.wasm");
    let out = dir.join("out");
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "generate".as_ref(),
        wasm.as_os_str(),
        "--out-dir".as_ref(),
        out.as_os_str(),
    ];
    args.extend_from_slice(extra);
    codegen(&args)
}

/// Copies the counter fixture into `dir` and generates its shim into `dir/out`,
/// returning the output directory.
fn generate_counter(dir: &std::path::Path) -> std::path::PathBuf {
    counter_fixture(dir);
    let output = regenerate(dir, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    dir.join("out")
}

#[test]
fn counter_shim_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate_counter(dir.path());
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "counter.proxy.cjs",
            "counter.proxy.d.cts",
            "register.cjs",
            "wasm-proxy-runtime"
        ]
    );
    let mut runtime: Vec<String> = std::fs::read_dir(out.join("wasm-proxy-runtime"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    runtime.sort();
    let mut expected: Vec<String> = codegen::render::typescript::RUNTIME_FILES
        .iter()
        .map(|(path, _)| path.trim_start_matches("wasm-proxy-runtime/").to_owned())
        .collect();
    expected.sort();
    assert_eq!(runtime, expected);
    for file in ["counter.proxy.cjs", "counter.proxy.d.cts", "register.cjs"] {
        let contents = std::fs::read_to_string(out.join(file)).unwrap();
        insta::assert_snapshot!(file, contents);
    }
}

#[test]
fn check_passes_when_up_to_date_and_names_drift() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate_counter(dir.path());
    let wasm = dir.path().join("counter/counter_bg.wasm");
    let check = |out: &std::path::Path| {
        codegen(&[
            "check".as_ref(),
            wasm.as_os_str(),
            "--out-dir".as_ref(),
            out.as_os_str(),
        ])
    };
    assert!(check(&out).status.success());
    let shim = out.join("counter.proxy.cjs");
    let edited =
        std::fs::read_to_string(&shim)
            .unwrap()
            .replacen("return", "return /* edited */", 1);
    std::fs::write(&shim, edited).unwrap();
    std::fs::remove_file(out.join("register.cjs")).unwrap();
    let output = check(&out);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("counter.proxy.cjs: differs from line"),
        "{text}"
    );
    assert!(text.contains("register.cjs: missing"), "{text}");
    assert!(text.contains("2 file(s) out of date"), "{text}");
}

#[test]
fn generating_twice_rewrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate_counter(dir.path());
    let output = regenerate(dir.path(), &[]);
    // The shim, its typings, register.cjs and the runtime's files.
    let unchanged = format!(
        "0 file(s) written, {} unchanged",
        3 + codegen::render::typescript::RUNTIME_FILES.len()
    );
    assert!(stdout(&output).contains(&unchanged), "{}", stdout(&output));
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn diff_names_added_removed_and_changed_exports() {
    let dir = tempfile::tempdir().unwrap();
    let old = counter_fixture(&dir.path().join("old"));
    let new_dir = dir.path().join("new");
    let new = counter_fixture(&new_dir);
    // The new version drops `add`, adds `sub` and retypes `total`.
    let wat = std::fs::read_to_string(fixture("bindgen/counter/counter_bg.wat"))
        .unwrap()
        .replace("(export \"add\")", "(export \"sub\")")
        .replace(
            "(func (export \"total\") (param $p i32) (result i32)",
            "(func (export \"total\") (param $p i32) (param i32) (result i32)",
        );
    std::fs::write(&new, wat::parse_str(&wat).unwrap()).unwrap();
    let output = codegen(&[
        "diff".as_ref(),
        old.as_os_str(),
        new.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let diff: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(diff["added_exports"], serde_json::json!(["sub"]));
    assert_eq!(diff["removed_exports"], serde_json::json!(["add"]));
    let changed = diff["changed_exports"].as_array().unwrap();
    assert_eq!(changed.len(), 1);
    assert!(
        changed[0]
            .as_str()
            .unwrap()
            .starts_with("total: function (i32) -> (i32) [function] -> function (i32, i32)")
    );
    let same = codegen(&["diff".as_ref(), old.as_os_str(), old.as_os_str()]);
    assert_eq!(stdout(&same).trim(), "no differences");
}

/// The operation line of one shim call, e.g. `Counter.increment`.
fn op_line<'a>(shim: &'a str, local: &str) -> &'a str {
    shim.lines()
        .find(|l| l.starts_with(&format!("const {local} = $runtime.op(")))
        .unwrap_or_else(|| panic!("no operation {local} in the shim"))
}

#[test]
fn the_replay_policy_reaches_the_typescript_shim() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate_counter(dir.path());
    let shim = std::fs::read_to_string(out.join("counter.proxy.cjs")).unwrap();
    // The default (wasm-bindgen) profile: a method changes its object, a function
    // returning a handle builds one, arithmetic is not logged.
    assert!(op_line(&shim, "$op_Counter_increment").contains("log: true"));
    assert!(op_line(&shim, "$op_make_counter").contains("log: true"));
    assert!(op_line(&shim, "$op_add").contains("log: false"));

    let policy = dir.path().join("replay.toml");
    std::fs::write(
        &policy,
        "profile = \"wasm-bindgen\"\n\
         [[rule]]\nexports = \"counter_increment\"\nreplay = false\n\
         [[rule]]\nexports = \"make_counter\"\nrefuse = \"seeded by the clock\"\n\
         [[transfer]]\nclass = \"Counter\"\nsave = \"snapshot\"\nload = \"restore\"\n",
    )
    .unwrap();
    let output = regenerate(
        dir.path(),
        &["--replay-policy".as_ref(), policy.as_os_str()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let shim = std::fs::read_to_string(out.join("counter.proxy.cjs")).unwrap();
    assert!(op_line(&shim, "$op_Counter_increment").contains("log: false"));
    let refused = op_line(&shim, "$op_make_counter");
    assert!(
        refused.contains("log: true") && refused.contains("refuse: \"seeded by the clock\""),
        "{refused}"
    );
    // A transfer the names do not tell, named in the policy: first in the class's list.
    let transfers = shim
        .lines()
        .find(|l| l.trim_start().starts_with("transfers: "))
        .unwrap();
    assert!(
        transfers.contains(r#""Counter":{"apply":[],"getters":["value"],"readers":[],"serial":[{"load":"restore","load_is_function":false,"save":"snapshot"}]"#),
        "{transfers}"
    );
}

/// Rewrites a file of the counter fixture copied into `dir`.
fn edit_counter(dir: &std::path::Path, file: &str, edit: impl FnOnce(String) -> String) {
    let path = dir.join("counter").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
}

#[test]
fn members_of_a_merged_interface_are_forwarded_and_declared_once() {
    let dir = tempfile::tempdir().unwrap();
    counter_fixture(dir.path());
    // `increment` declared only by `interface Counter`, as loro-crdt declares `getMap`;
    // the field `value` as a getter and a setter of different types.
    edit_counter(dir.path(), "counter.d.ts", |t| {
        t.replace("  increment(by: number): number;\n", "")
            .replace(
                "  value: number;\n",
                "  get value(): number;\n  set value(value: number | null | undefined);\n",
            )
            .replace(
                "export class Counter {",
                "interface Counter {\n  increment(by: number): number;\n}\nexport class Counter {",
            )
    });
    let output = regenerate(dir.path(), &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = dir.path().join("out");
    let js = std::fs::read_to_string(out.join("counter.proxy.cjs")).unwrap();
    assert!(js.contains("  increment(by) {"), "{js}");
    assert!(js.contains("$unwrap(this).increment(by)"), "{js}");
    let dts = std::fs::read_to_string(out.join("counter.proxy.d.cts")).unwrap();
    assert_eq!(
        dts.matches("increment(by: number): number;").count(),
        1,
        "{dts}"
    );
    assert!(
        dts.contains("interface Counter {\n  increment(by: number): number;\n}"),
        "{dts}"
    );
    assert!(
        dts.contains("  get value(): number;\n  set value(value: number | null | undefined);\n"),
        "{dts}"
    );
}

#[test]
fn a_shim_that_cannot_be_written_fails_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    counter_fixture(dir.path());
    // A glue that exports none of the typings' API (a loader, a re-bundled glue).
    edit_counter(dir.path(), "counter.cjs", |t| {
        t.replace("module.exports.", "exports_.")
    });
    for lang in ["ts", "both"] {
        let output = regenerate(dir.path(), &["--lang".as_ref(), lang.as_ref()]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "--lang {lang}: {}",
            stdout(&output)
        );
        let err = stderr(&output);
        assert!(
            err.contains("counter.cjs exports none of the 6 functions and classes the typings")
                && err.contains("counter.d.ts declare (it exports nothing"),
            "--lang {lang}: {err}"
        );
        assert!(!err.contains("see the warning"), "{err}");
        assert!(
            !dir.path().join("out").exists(),
            "--lang {lang} wrote files"
        );
    }
}

#[test]
fn glue_members_the_typings_leave_out_are_forwarded_and_generics_kept() {
    let dir = tempfile::tempdir().unwrap();
    counter_fixture(dir.path());
    // As automerge-wasm 0.1.25's hand-written typings leave out `Automerge.new` and
    // declare `applyPatches<Doc>(obj: Doc): Doc`: `withSeed` only in the glue, and a
    // generic method.
    edit_counter(dir.path(), "counter.d.ts", |t| {
        t.replace(
            "  static withSeed(seed: number): Counter;\n",
            "  pick<T extends object = {}>(x: T): T;\n",
        )
    });
    let output = regenerate(dir.path(), &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = dir.path().join("out");
    let js = std::fs::read_to_string(out.join("counter.proxy.cjs")).unwrap();
    // Untyped: values mapped deeply both ways, logged as the policy says for the export.
    assert!(js.contains("  static withSeed(...$args) {"), "{js}");
    assert!(
        js.contains("$runtime.wrapDeep($glue.Counter.withSeed(...$runtime.unwrapDeep($args)))"),
        "{js}"
    );
    assert!(js.contains("$op_Counter_withSeed"), "{js}");
    // `free` is the runtime's (Handle#free), never forwarded as an undeclared member.
    assert!(!js.contains("free(...$args)"), "{js}");
    let dts = std::fs::read_to_string(out.join("counter.proxy.d.cts")).unwrap();
    assert!(
        !dts.contains("withSeed"),
        "declared although the typings do not: {dts}"
    );
    assert!(
        dts.contains("  pick<T extends object = {}>(x: T): T;"),
        "{dts}"
    );
}

#[test]
fn glue_that_loads_its_wasm_itself_is_refused_with_how() {
    let dir = tempfile::tempdir().unwrap();
    counter_fixture(dir.path());
    edit_counter(dir.path(), "counter.cjs", |t| {
        format!("import * as wasm0 from \"./counter_bg.wasm\";\n{t}")
    });
    let output = regenerate(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(
        err.contains("the glue cannot be handed a fresh instance: it imports the wasm module itself (`import ... from \"./counter_bg.wasm\"`"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "files were written");
}
