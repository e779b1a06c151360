#![doc = include_str!("../README.md")]

pub use init_core::*;
