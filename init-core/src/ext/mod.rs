#[cfg(feature = "candle")]
pub(crate) mod candle;
#[cfg(feature = "nalgebra")]
pub(crate) mod nalgebra;
