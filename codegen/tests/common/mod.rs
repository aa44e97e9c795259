//! Shared helpers of the codegen integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file under `fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    root().join("fixtures").join(relative)
}

/// Compiles a WAT fixture into `dir`, returning the `.wasm` path.
pub fn compile_wat(relative: &str, dir: &Path, file_name: &str) -> PathBuf {
    let bytes = wat::parse_file(fixture(relative)).expect("fixture WAT compiles");
    let out = dir.join(file_name);
    std::fs::write(&out, bytes).expect("write compiled fixture");
    out
}

/// The pinned o1js node bindings directory, fetched from the npm registry on first use.
pub fn o1js_bindings() -> PathBuf {
    let output = Command::new("bash")
        .arg(fixture("o1js/fetch.sh"))
        .output()
        .expect("run fixtures/o1js/fetch.sh");
    assert!(
        output.status.success(),
        "fetching the pinned o1js failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// Copies the `counter` wasm-bindgen fixture into `dir/counter/`, compiling its WAT.
pub fn counter_fixture(dir: &Path) -> PathBuf {
    let target = dir.join("counter");
    std::fs::create_dir_all(&target).unwrap();
    for file in ["counter.cjs", "counter.d.ts", "counter_bg.wasm.d.ts"] {
        std::fs::copy(
            fixture(&format!("bindgen/counter/{file}")),
            target.join(file),
        )
        .unwrap();
    }
    compile_wat("bindgen/counter/counter_bg.wat", &target, "counter_bg.wasm")
}

/// Runs the `codegen` binary.
pub fn codegen(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(args)
        .output()
        .expect("run codegen")
}

/// Runs the `codegen` binary with string arguments.
pub fn codegen_str(args: &[&str]) -> Output {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    codegen(&args)
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
