//! Compile errors of `#[proxied]`, pinned with their spans (trybuild).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
