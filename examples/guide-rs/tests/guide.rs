//! The guide quotes this crate's files as written: its step 3 is `src/lib.rs`, its step 2 the
//! code of `build.rs` after the repository's fetch, so the doc tests and the crate agree.

const GUIDE: &str = include_str!("../../../docs/rust-guide.md");

/// The guide's fenced block (` ```lang `) whose first line is `first`, without hidden lines.
fn block(lang: &str, first: &str) -> String {
    let fence = format!("```{lang}\n{first}\n");
    let start = GUIDE
        .find(&fence)
        .unwrap_or_else(|| panic!("the guide has a ```{lang} block starting with {first:?}"));
    let body = &GUIDE[start + fence.len() - first.len() - 1..];
    let body = &body[..body.find("```").expect("the block ends")];
    body.lines()
        .filter(|l| !l.trim_start().starts_with("# ") && l.trim() != "#")
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn step_3_is_this_crate_s_lib_rs() {
    let lib = include_str!("../src/lib.rs");
    let step = block("rust", "// src/lib.rs");
    assert!(
        lib.contains(&step),
        "docs/rust-guide.md step 3 differs from examples/guide-rs/src/lib.rs:\n{step}"
    );
}

#[test]
fn step_2_is_the_code_of_this_crate_s_build_rs() {
    let build = include_str!("../build.rs");
    let step = block("rust", "// build.rs");
    // The lines of its body, as build.rs has them after fetching the package.
    let generate: String = step
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        build.contains(&generate),
        "docs/rust-guide.md step 2 differs from examples/guide-rs/build.rs:\n{generate}"
    );
}
