//! Element types a parameter can hold: [`Float`] and its sealed per-type kernels.

use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal};

use super::dtype::{Dtype, Values};

pub(crate) mod sealed {
    use rand_distr::uniform::SampleUniform;

    use crate::param::dtype::Values;
    use crate::param::element::ByWidth;

    /// What the QR factorisation needs of the type values are computed in (faer's field, with
    /// the feature `orthogonal`; nothing without it).
    #[cfg(feature = "orthogonal")]
    pub trait QrField: faer::traits::ComplexField {}
    #[cfg(feature = "orthogonal")]
    impl<T: faer::traits::ComplexField> QrField for T {}
    /// What the QR factorisation needs (nothing: the feature `orthogonal` is off).
    #[cfg(not(feature = "orthogonal"))]
    pub trait QrField {}
    #[cfg(not(feature = "orthogonal"))]
    impl<T> QrField for T {}

    /// What differs between element types below the public [`Float`](super::Float): the type
    /// values are computed in, rounding into the type, and the dispatch of work whose code
    /// depends on the element's width ([`ByWidth`]).
    pub trait Sealed: Sized {
        /// The type values are computed in: the type itself for f32 and f64, f32 for the
        /// half-precision types.
        type Compute: super::Float + SampleUniform + QrField;
        /// Whether this is a half-precision type (values computed in f32, rounded once, then
        /// kept inside the range the law's narrow policy gives).
        const NARROW: bool;
        /// Rounds a computed value to this type (the identity for f32 and f64).
        fn from_compute(v: Self::Compute) -> Self;
        /// Rounds `src` into `out` (same length), as `from_compute` does one by one.
        fn from_compute_slice(src: &[Self::Compute], out: &mut [Self]) {
            for (x, &v) in out.iter_mut().zip(src) {
                *x = Self::from_compute(v);
            }
        }
        /// The smallest value of this type above `self`.
        fn next_up(self) -> Self;
        /// Runs `work` on `out` with the code for this type's width.
        fn by_width<W: ByWidth>(work: W, out: &mut [Self]);
        /// The values as a typed buffer (no copy).
        fn into_values(values: Vec<Self>) -> Values;
        /// The buffer's values, when they are of this type (no copy).
        fn from_values(values: Values) -> Option<Vec<Self>>;
        /// Writes the value's little-endian bytes (what every file format holds) to `out`,
        /// exactly the type's size ([`Dtype::size`](crate::Dtype::size)).
        fn put_le(self, out: &mut [u8]);
        /// The value whose little-endian bytes `bytes` are; `bytes` is exactly the type's
        /// size ([`Dtype::size`](crate::Dtype::size)).
        fn from_le(bytes: &[u8]) -> Self;
        /// The values' bytes in memory when they are the little-endian bytes a file holds (a
        /// little-endian target), viewed in place; `None` on a big-endian target.
        #[cfg(any(feature = "safetensors", feature = "npy"))]
        fn le_bytes(values: &[Self]) -> Option<&[u8]>;
        /// [`le_bytes`](Sealed::le_bytes), to write into: reading a file's bytes into them
        /// sets the values.
        #[cfg(any(feature = "safetensors", feature = "npy"))]
        fn le_bytes_mut(values: &mut [Self]) -> Option<&mut [u8]>;
    }

    /// `Sealed::le_bytes` and `Sealed::le_bytes_mut` of a type whose bytes bytemuck can view.
    macro_rules! le_views {
        () => {
            #[cfg(any(feature = "safetensors", feature = "npy"))]
            #[inline]
            fn le_bytes(values: &[Self]) -> Option<&[u8]> {
                cfg!(target_endian = "little").then(|| bytemuck::cast_slice(values))
            }
            #[cfg(any(feature = "safetensors", feature = "npy"))]
            #[inline]
            fn le_bytes_mut(values: &mut [Self]) -> Option<&mut [u8]> {
                cfg!(target_endian = "little").then(|| bytemuck::cast_slice_mut(values))
            }
        };
    }
    #[cfg_attr(not(feature = "half"), allow(unused_imports))]
    pub(crate) use le_views;

    /// f32 and f64: computed in their own type.
    macro_rules! full_width {
        ($($t:ident => $variant:ident, $width:ident;)*) => {$(
            impl Sealed for $t {
                type Compute = $t;
                const NARROW: bool = false;
                #[inline(always)]
                fn from_compute(v: $t) -> Self {
                    v
                }
                #[inline]
                fn next_up(self) -> Self {
                    $t::next_up(self)
                }
                #[inline(always)]
                fn by_width<W: ByWidth>(work: W, out: &mut [Self]) {
                    work.$width(out);
                }
                fn into_values(values: Vec<Self>) -> Values {
                    Values::$variant(values)
                }
                fn from_values(values: Values) -> Option<Vec<Self>> {
                    match values {
                        Values::$variant(v) => Some(v),
                        _ => None,
                    }
                }
                #[inline(always)]
                fn put_le(self, out: &mut [u8]) {
                    out.copy_from_slice(&self.to_le_bytes());
                }
                #[inline(always)]
                fn from_le(bytes: &[u8]) -> Self {
                    let mut b = [0u8; std::mem::size_of::<$t>()];
                    b.copy_from_slice(bytes);
                    $t::from_le_bytes(b)
                }
                le_views!();
            }
        )*};
    }

    full_width! {
        f32 => F32, f32;
        f64 => F64, f64;
    }
}

/// Work whose code depends on the element's width, dispatched by [`sealed::Sealed::by_width`]:
/// the keyed kernels (f32 computes four values per Philox counter, f64 two, the half types
/// take the f32 kernel's values and round them).
pub trait ByWidth {
    /// The work on f32 elements.
    fn f32(self, out: &mut [f32]);
    /// The work on f64 elements.
    fn f64(self, out: &mut [f64]);
    /// The work on a half-precision type (computed in f32).
    #[cfg(feature = "half")]
    fn narrow<F: Float + sealed::Sealed<Compute = f32>>(self, out: &mut [F]);
}

impl Values {
    /// The values of an element type (no copy).
    pub(crate) fn from_vec<E: Float>(values: Vec<E>) -> Values {
        E::into_values(values)
    }

    /// The values as `E`, when they are of that type (no copy); `None` for another type.
    pub(crate) fn into_vec<E: Float>(self) -> Option<Vec<E>> {
        E::from_values(self)
    }
}

/// The type an element's values are computed in (f32 for `f16` and `bf16`).
pub(crate) type Compute<F> = <F as sealed::Sealed>::Compute;

/// A floating-point element type: `f32` or `f64`, and with the feature `half` also
/// `half::f16` and `half::bf16`.
///
/// From an rng stream ([`fill`](crate::Init::fill)), sampling happens in the element's own
/// precision where rand_distr offers it (uniform); rand_distr's standard normal is a f64
/// ziggurat for both types, and the truncated normal is sampled in f64 for its tail
/// arithmetic, then rounded once. Keyed fills compute as the keyed contract says (README).
///
/// Half precision (feature `half`): **sampled in f32, rounded once.** Every value of an `f16`
/// or `bf16` parameter is the value an `f32` parameter of the same shape would get from the
/// same scheme and the same randomness (the same seed and path for keyed fills, the same rng
/// state for [`fill`](crate::Init::fill)), rounded to nearest (ties to even) once; orthogonal
/// matrices are factored in f32, sparse and normal draws scaled in f32, constants rounded to f32
/// and then to the half type. Two promises are kept after rounding, with a one-ulp move inward
/// where rounding broke them (the only values that differ from the rounded f32 ones):
/// - a uniform on `[low, high)` stays below `high` rounded to the type (as f32 and f64 do);
/// - a truncated normal on `[low, high]` never takes a value on a bound or beyond: every value
///   lies strictly between `low` and `high`. A truncation interval holding no value of the type
///   strictly inside is an [`ErrorKind::NotRepresentable`](crate::ErrorKind::NotRepresentable)
///   error, as are derived values above the type's largest finite value (65504 for `f16`),
///   never an infinity.
///
/// Rounding moves a value by at most 2⁻¹¹ of its magnitude for `f16` and 2⁻⁸ for `bf16`
/// (subnormal `f16`s, below 6.1e-5, by at most 2⁻²⁵ absolute).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a floating-point element: parameters hold `f32` or `f64` (and `f16`, `bf16` with the `half` feature)",
    label = "integer and other element types are refused"
)]
pub trait Float:
    sealed::Sealed
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
    /// The type, as a value.
    const DTYPE: Dtype;
    /// The largest finite value, as f64.
    const MAX: f64;
    /// Zero.
    const ZERO: Self;
    /// Rounds an f64 to this type (half types: to f32, then to the type).
    fn from_f64(v: f64) -> Self;
    /// Widens to f64.
    fn to_f64(self) -> f64;
    /// The largest value of this type below `self` (for half-open ranges).
    fn next_down(self) -> Self;
    /// One draw from N(0, 1) in this type (half types: an f32 draw, rounded).
    fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self;
}

impl Float for f32 {
    const NAME: &'static str = "f32";
    const DTYPE: Dtype = Dtype::F32;
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
    #[inline]
    fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self {
        StandardNormal.sample(rng)
    }
}

impl Float for f64 {
    const NAME: &'static str = "f64";
    const DTYPE: Dtype = Dtype::F64;
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
    #[inline]
    fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self {
        StandardNormal.sample(rng)
    }
}

/// For the half types: the values of `F` strictly between `low` and `high`, as an inclusive
/// range (`None` when there are none). `F::from_f64` rounds to one of the two values of `F`
/// around a bound (or to the bound itself), so the next value inward is the first one inside.
pub(crate) fn strict_interior<F: Float>(low: f64, high: f64) -> Option<(F, F)> {
    let (l, h) = (F::from_f64(low), F::from_f64(high));
    let lo = if l.to_f64() > low { l } else { l.next_up() };
    let hi = if h.to_f64() < high { h } else { h.next_down() };
    (lo <= hi).then_some((lo, hi))
}

/// `x` moved into `[lo, hi]` (no NaN reaches here).
#[inline]
pub(crate) fn clamp_into<F: PartialOrd>(x: F, lo: F, hi: F) -> F {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// `f16` and `bf16`: computed in f32, rounded once.
#[cfg(feature = "half")]
mod half_types {
    use half::{bf16, f16};
    use rand::Rng;

    use super::sealed::le_views;
    use super::{ByWidth, Float, sealed::Sealed};
    use crate::param::dtype::{Dtype, Values};

    /// Bit-level neighbours of a 16-bit float with a sign bit on top (f16, bf16): the next
    /// value up and down, ±0 stepping to the smallest subnormal, ±∞ staying put beyond ∓MAX.
    fn next_up_bits(bits: u16, inf: u16) -> u16 {
        if bits & 0x7fff == 0 {
            1
        } else if bits & 0x8000 == 0 {
            if bits == inf { bits } else { bits + 1 }
        } else {
            bits - 1
        }
    }

    fn next_down_bits(bits: u16, inf: u16) -> u16 {
        if bits & 0x7fff == 0 {
            0x8001
        } else if bits & 0x8000 == 0 {
            bits - 1
        } else if bits == inf | 0x8000 {
            bits
        } else {
            bits + 1
        }
    }

    macro_rules! half_float {
        ($t:ident, $name:literal, $dtype:ident) => {
            impl Sealed for $t {
                type Compute = f32;
                const NARROW: bool = true;
                #[inline(always)]
                fn from_compute(v: f32) -> Self {
                    $t::from_f32(v)
                }
                /// half's slice conversion: the same rounding, vectorised (F16C for f16).
                #[inline]
                fn from_compute_slice(src: &[f32], out: &mut [Self]) {
                    use half::slice::HalfFloatSliceExt as _;
                    out.convert_from_f32_slice(src);
                }
                #[inline]
                fn next_up(self) -> Self {
                    if self.is_nan() {
                        return self;
                    }
                    $t::from_bits(next_up_bits(self.to_bits(), $t::INFINITY.to_bits()))
                }
                #[inline(always)]
                fn by_width<W: ByWidth>(work: W, out: &mut [Self]) {
                    work.narrow(out);
                }
                fn into_values(values: Vec<Self>) -> Values {
                    Values::$dtype(values)
                }
                fn from_values(values: Values) -> Option<Vec<Self>> {
                    match values {
                        Values::$dtype(v) => Some(v),
                        _ => None,
                    }
                }
                #[inline(always)]
                fn put_le(self, out: &mut [u8]) {
                    out.copy_from_slice(&self.to_le_bytes());
                }
                #[inline(always)]
                fn from_le(bytes: &[u8]) -> Self {
                    let mut b = [0u8; 2];
                    b.copy_from_slice(bytes);
                    $t::from_le_bytes(b)
                }
                le_views!();
            }

            impl Float for $t {
                const NAME: &'static str = $name;
                const DTYPE: Dtype = Dtype::$dtype;
                const MAX: f64 = $t::MAX.to_f64_const();
                const ZERO: Self = $t::ZERO;
                #[inline]
                fn from_f64(v: f64) -> Self {
                    $t::from_f32(v as f32)
                }
                #[inline]
                fn to_f64(self) -> f64 {
                    $t::to_f64(self)
                }
                #[inline]
                fn next_down(self) -> Self {
                    if self.is_nan() {
                        return self;
                    }
                    $t::from_bits(next_down_bits(self.to_bits(), $t::INFINITY.to_bits()))
                }
                #[inline]
                fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self {
                    $t::from_f32(f32::standard_normal(rng))
                }
            }
        };
    }

    half_float!(f16, "f16", F16);
    half_float!(bf16, "bf16", Bf16);

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn neighbours() {
            for t in [
                0.0f32, -0.0, 1.0, -1.0, 6.1e-5, -3.0e-8, 65504.0, -65504.0, 0.1,
            ] {
                let x = f16::from_f32(t);
                let (up, down) = (Sealed::next_up(x), Float::next_down(x));
                assert!(up > x && down < x, "{t}");
                // nothing of the type in between: adjacent in the total order of the bits
                assert_eq!(Float::next_down(up).to_f64(), x.to_f64(), "{t}");
                assert_eq!(Sealed::next_up(down).to_f64(), x.to_f64(), "{t}");
                let y = bf16::from_f32(t);
                let (up, down) = (Sealed::next_up(y), Float::next_down(y));
                assert!(up > y && down < y, "{t}");
                assert_eq!(Float::next_down(up).to_f64(), y.to_f64(), "{t}");
            }
            assert_eq!(Sealed::next_up(f16::ZERO).to_bits(), 1);
            assert_eq!(Sealed::next_up(f16::NEG_ZERO).to_bits(), 1);
            assert_eq!(Float::next_down(f16::ZERO).to_bits(), 0x8001);
            assert_eq!(Sealed::next_up(f16::MAX), f16::INFINITY);
            assert_eq!(Sealed::next_up(f16::NEG_INFINITY), f16::MIN);
            assert_eq!(Float::next_down(f16::INFINITY), f16::MAX);
            assert_eq!(Float::next_down(bf16::INFINITY), bf16::MAX);
            assert_eq!(Sealed::next_up(f16::INFINITY), f16::INFINITY);
            assert_eq!(<f16 as Float>::MAX, 65504.0);
        }

        #[test]
        fn interior_is_strict() {
            use crate::param::element::strict_interior;
            // representable bounds: one ulp inward on both sides
            let (lo, hi) = strict_interior::<f16>(-1.0, 1.0).unwrap();
            assert_eq!(
                (lo.to_f64(), hi.to_f64()),
                (-1.0 + 1.0 / 2048.0, 1.0 - 1.0 / 2048.0)
            );
            // 0.1 is not representable: the nearest values inside
            let (lo, hi) = strict_interior::<f16>(-0.1, 0.1).unwrap();
            assert!(lo.to_f64() > -0.1 && Float::next_down(lo).to_f64() < -0.1);
            assert!(hi.to_f64() < 0.1 && Sealed::next_up(hi).to_f64() > 0.1);
            // infinite bounds: the finite range
            let (lo, hi) = strict_interior::<f16>(f64::NEG_INFINITY, f64::INFINITY).unwrap();
            assert_eq!((lo, hi), (f16::MIN, f16::MAX));
            // a tiny interval around zero holds only zero
            let (lo, hi) = strict_interior::<f16>(-1e-9, 1e-9).unwrap();
            assert_eq!((lo.to_f64(), hi.to_f64()), (0.0, 0.0));
            // adjacent values hold nothing strictly between them
            assert_eq!(strict_interior::<f16>(1.0, 1.0 + 1.0 / 1024.0), None);
            assert_eq!(strict_interior::<bf16>(1.0, 1.0 + 1.0 / 128.0), None);
            assert!(strict_interior::<bf16>(1.0, 1.0 + 1.0 / 64.0).is_some());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_type_and_bits() {
        let v = vec![0.1f32, -3.5e-30, f32::MAX, f32::MIN_POSITIVE / 2.0];
        let vals = Values::from_vec(v.clone());
        assert_eq!((vals.dtype(), vals.len()), (Dtype::F32, 4));
        assert_eq!(vals.clone().into_vec::<f32>(), Some(v));
        assert_eq!(vals.into_vec::<f64>(), None);
        let w = vec![0.1f64, -1e-300, f64::MAX];
        assert_eq!(Values::from_vec(w.clone()).into_vec::<f64>(), Some(w));
    }
}
