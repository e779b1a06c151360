//! Compile-time checks of `#[derive(Initialize)]`: each file under `ui/tests/ui/<category>/` is
//! one mistake with the error it must produce (`.stderr`); `ui/tests/ui-pass/` holds cases that
//! must compile.
//! Run with `cargo test -p weight-init-ui`; re-record with
//! `TRYBUILD=overwrite cargo test -p weight-init-ui` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui-pass/*.rs");
    t.compile_fail("tests/ui/*/*.rs");
}
