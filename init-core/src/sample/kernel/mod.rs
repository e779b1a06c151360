//! The keyed kernels, one file per element width: element `i` of a parameter is a pure
//! function of (its law, its Philox key, `i`), written from any start with the same bits
//! (the keyed contract, README). [`write`] picks the width's kernel; `simd` compiles it again
//! for wider vectors.

mod double;
#[cfg(feature = "half")]
mod half;
mod single;

use crate::param::element::{ByWidth, Float};
use crate::plan::law::Law;

/// Writes elements `start..` of a parameter with law `law` and key `key` into `out`, with the
/// element type's kernel.
#[inline(always)]
pub(crate) fn write<F: Float>(law: &Law, key: [u32; 2], start: u64, out: &mut [F]) {
    F::by_width(Kernel { law, key, start }, out);
}

/// The kernel's inputs, handed to the element type's width.
struct Kernel<'a> {
    law: &'a Law,
    key: [u32; 2],
    start: u64,
}

impl ByWidth for Kernel<'_> {
    #[inline(always)]
    fn f32(self, out: &mut [f32]) {
        single::write(self.law, self.key, self.start, out);
    }

    #[inline(always)]
    fn f64(self, out: &mut [f64]) {
        double::write(self.law, self.key, self.start, out);
    }

    #[cfg(feature = "half")]
    #[inline(always)]
    fn narrow<F: Float + crate::param::element::sealed::Sealed<Compute = f32>>(
        self,
        out: &mut [F],
    ) {
        half::write(self.law, self.key, self.start, out);
    }
}
