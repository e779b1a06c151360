//! Integrations with tensor frameworks and linear-algebra crates, each behind its cargo feature.

#[cfg(feature = "burn")]
pub(crate) mod burn;
#[cfg(feature = "candle")]
pub(crate) mod candle;
#[cfg(feature = "candle")]
pub mod candle_vb;
#[cfg(feature = "nalgebra")]
pub(crate) mod nalgebra;
