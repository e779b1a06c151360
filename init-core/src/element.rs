//! Element types a parameter can hold.

use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal, uniform::SampleUniform};

pub(crate) mod sealed {
    use crate::keyed::Keyed;

    /// Per-type kernels of keyed fills (f32 computes in f32, four values per Philox counter;
    /// f64 in f64, two).
    pub trait Sealed: Sized {
        /// Writes elements `start..` of `keyed` into `out`.
        fn keyed_write(keyed: &Keyed, key: [u32; 2], start: u64, out: &mut [Self]);
    }

    impl Sealed for f32 {
        #[inline(always)]
        fn keyed_write(keyed: &Keyed, key: [u32; 2], start: u64, out: &mut [Self]) {
            keyed.write_f32(key, start, out);
        }
    }

    impl Sealed for f64 {
        #[inline(always)]
        fn keyed_write(keyed: &Keyed, key: [u32; 2], start: u64, out: &mut [Self]) {
            keyed.write_f64(key, start, out);
        }
    }
}

/// A floating-point element type: `f32` or `f64`.
///
/// Sampling happens in the element's own precision where rand_distr offers it (uniform);
/// rand_distr's standard normal is a f64 ziggurat for both types, and the truncated normal is
/// sampled in f64 for its tail arithmetic, then rounded once.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a floating-point element: parameters hold `f32` or `f64`",
    label = "integer and other element types are refused"
)]
pub trait Float:
    sealed::Sealed
    + SampleUniform
    + Copy
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Mul<Output = Self>
    + Send
    + Sync
    + std::fmt::Debug
    + 'static
{
    /// The type's name, for error messages.
    const NAME: &'static str;
    /// The largest finite value, as f64.
    const MAX: f64;
    /// Zero.
    const ZERO: Self;
    /// Rounds an f64 to this type.
    fn from_f64(v: f64) -> Self;
    /// Widens to f64.
    fn to_f64(self) -> f64;
    /// The largest value of this type below `self` (for half-open ranges).
    fn next_down(self) -> Self;
    /// A `rows × cols` orthogonal matrix, row-major, factored in this type.
    #[doc(hidden)]
    #[cfg(feature = "orthogonal")]
    fn orthogonal<R: Rng + ?Sized>(rows: usize, cols: usize, rng: &mut R) -> Vec<Self>;
    /// One draw from N(0, 1) in this type.
    fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self;
}

impl Float for f32 {
    const NAME: &'static str = "f32";
    const MAX: f64 = f32::MAX as f64;
    const ZERO: Self = 0.0;
    #[inline]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn next_down(self) -> Self {
        f32::next_down(self)
    }
    #[cfg(feature = "orthogonal")]
    fn orthogonal<R: Rng + ?Sized>(rows: usize, cols: usize, rng: &mut R) -> Vec<Self> {
        crate::orthogonal::orthogonal_matrix::<f32, R>(rows, cols, rng)
    }
    #[inline]
    fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self {
        StandardNormal.sample(rng)
    }
}

impl Float for f64 {
    const NAME: &'static str = "f64";
    const MAX: f64 = f64::MAX;
    const ZERO: Self = 0.0;
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn next_down(self) -> Self {
        f64::next_down(self)
    }
    #[cfg(feature = "orthogonal")]
    fn orthogonal<R: Rng + ?Sized>(rows: usize, cols: usize, rng: &mut R) -> Vec<Self> {
        crate::orthogonal::orthogonal_matrix::<f64, R>(rows, cols, rng)
    }
    #[inline]
    fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self {
        StandardNormal.sample(rng)
    }
}
