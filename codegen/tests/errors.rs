//! Bad input: one clear line naming the file, a non-zero exit, no panic, no output.

mod common;

use common::*;

#[test]
fn every_malformed_module_gets_one_clear_line_and_no_output() {
    let corpus = fixture("malformed");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    for file in files {
        let out = tempfile::tempdir().unwrap();
        let out_dir = out.path().join("gen");
        let output = codegen(&[file.as_os_str(), "--out-dir".as_ref(), out_dir.as_os_str()]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{}: {err}", file.display());
        assert_eq!(err.lines().count(), 1, "{}: {err}", file.display());
        assert!(
            err.starts_with(&format!(
                "error: {}: not a valid WebAssembly module: ",
                file.display()
            )),
            "{err}"
        );
        assert!(err.contains("at byte offset 0x"), "{err}");
        assert!(
            !out_dir.exists(),
            "{}: output written for bad input",
            file.display()
        );
    }
}

#[test]
fn a_component_is_named_as_such() {
    let output = codegen_str(&[
        "list",
        fixture("malformed/component.wasm").to_str().unwrap(),
    ]);
    assert!(stderr(&output).contains("a WebAssembly component, not a core module"));
}

/// Exit code 1 and exactly this one line on stderr.
fn fails_with(output: &std::process::Output, line: &str) {
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(output).trim(), line);
}

#[test]
fn a_missing_file_is_named() {
    let output = codegen_str(&["list", "/nonexistent/thing_bg.wasm"]);
    fails_with(
        &output,
        "error: /nonexistent/thing_bg.wasm: wasm module not found",
    );
}

#[test]
fn a_missing_typings_flag_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let output = codegen(&[
        "list".as_ref(),
        wasm.as_os_str(),
        "--typings".as_ref(),
        "/nope/x.d.ts".as_ref(),
    ]);
    fails_with(&output, "error: /nope/x.d.ts: typings file not found");
}

#[test]
fn unparsable_typings_name_file_line_and_column_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    let typings = wasm.parent().unwrap().join("counter.d.ts");
    std::fs::write(&typings, "export function ok(): void;\nexport class {{{\n").unwrap();
    let out_dir = dir.path().join("gen");
    let output = codegen(&[wasm.as_os_str(), "--out-dir".as_ref(), out_dir.as_os_str()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        err.starts_with(&format!("error: {}:2:", typings.display())),
        "{err}"
    );
    assert!(err.contains("cannot parse TypeScript typings"), "{err}");
    assert!(!out_dir.exists());
}

#[test]
fn an_unwritable_output_directory_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = counter_fixture(dir.path());
    // A file where the output directory should be.
    let blocker = dir.path().join("gen");
    std::fs::write(&blocker, "not a directory").unwrap();
    let output = codegen(&[wasm.as_os_str(), "--out-dir".as_ref(), blocker.as_os_str()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot write"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(&blocker).unwrap(),
        "not a directory"
    );
}

#[test]
fn no_arguments_is_a_usage_error_not_a_panic() {
    let output = codegen_str(&[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no wasm file given"));
}
