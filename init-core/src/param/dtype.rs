//! Element types at run time: [`Dtype`] names one, [`Values`] holds a parameter's values in
//! their own type (what files hold, and what is computed ahead of a walk). Generic code
//! converts through [`Float`](super::element::Float) (`Values::from_vec`, `Values::into_vec`).

/// An element type, as a value: what [`Float::DTYPE`](super::element::Float::DTYPE) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dtype {
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `half::f16` (feature `half`).
    F16,
    /// `half::bf16` (feature `half`).
    Bf16,
}

impl Dtype {
    /// The size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F64 => 8,
            Dtype::F16 | Dtype::Bf16 => 2,
        }
    }

    /// The Rust name: `f32`, `f64`, `f16`, `bf16` (what
    /// [`Float::NAME`](super::element::Float::NAME) says).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
            Dtype::F16 => "f16",
            Dtype::Bf16 => "bf16",
        }
    }
}

/// A parameter's values in their own element type, logical row-major order.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    F32(Vec<f32>),
    F64(Vec<f64>),
    #[cfg(feature = "half")]
    F16(Vec<half::f16>),
    #[cfg(feature = "half")]
    Bf16(Vec<half::bf16>),
}

impl Values {
    /// The element type.
    #[cfg_attr(not(any(feature = "safetensors", feature = "npy")), allow(dead_code))]
    pub(crate) fn dtype(&self) -> Dtype {
        match self {
            Values::F32(_) => Dtype::F32,
            Values::F64(_) => Dtype::F64,
            #[cfg(feature = "half")]
            Values::F16(_) => Dtype::F16,
            #[cfg(feature = "half")]
            Values::Bf16(_) => Dtype::Bf16,
        }
    }

    /// How many values.
    #[cfg_attr(not(any(feature = "safetensors", feature = "npy")), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            #[cfg(feature = "half")]
            Values::F16(v) => v.len(),
            #[cfg(feature = "half")]
            Values::Bf16(v) => v.len(),
        }
    }
}
