//! The trybuild compile-fail suite of `weight-init`'s `#[derive(Initialize)]`, kept in its own
//! crate so that trybuild builds its test projects against `weight-init` and `ndarray` only,
//! not against the root crate's dev-dependencies. The crate has no code: see `tests/ui.rs`.
