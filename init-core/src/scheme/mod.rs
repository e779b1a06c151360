//! The vocabulary: [`Init`] (a scheme with its modifiers, and which modifiers mean something for
//! which scheme), [`Gain`], [`Layout`] and [`Fans`], and the depth factors. Values that describe;
//! nothing here meets a shape or draws a number.

pub mod depth;
pub(crate) mod fans;
pub(crate) mod gain;
pub(crate) mod init;

pub use fans::{Axes, FanMode, Fans, Layout};
pub use gain::{Gain, LECUN_TANH_AMPLITUDE, LECUN_TANH_SLOPE, lecun_tanh, lecun_tanh_derivative};
pub use init::{Distribution, Init};
