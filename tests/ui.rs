//! Compile-time checks of `#[derive(Initialize)]`: each file under `tests/ui/<category>/` is one
//! mistake with the error it must produce (`.stderr`); `tests/ui-pass/` holds cases that must
//! compile.
//! Re-record with `TRYBUILD=overwrite cargo test --test ui` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui-pass/*.rs");
    t.compile_fail("tests/ui/*/*.rs");
}
