//! Keyed initialisation: every value a pure function of (seed, parameter path, logical element
//! index), so that values survive refactoring, are bit-identical for any number of threads, and
//! any shard of a parameter can be generated alone.
//!
//! The contract (a compatibility promise, see the README):
//! - key = SplitMix64-finalised (seed ⊕ SplitMix64-finalised FNV-1a-64(path bytes)), split into
//!   the two 32-bit words of a Philox4x32-10 key;
//! - element `i` (logical row-major index) of an element-wise scheme takes the four words of
//!   Philox at counter `(i mod 2³², i div 2³², attempt, 0)`, `attempt` = 0 unless the scheme
//!   rejects (truncated normal), then 1, 2, …; uniform: `low + (high − low)·u`, u from words 0–1
//!   (53 bits); normal: Box–Muller's cosine branch with u₁ from words 0–1, u₂ from words 2–3;
//!   there are no blocks: a shard may start at any element;
//! - structured schemes (orthogonal, sparse, …) draw their whole parameter from the sequential
//!   Philox stream at counters `(n mod 2³², n div 2³², 0, 1)`, n = 0, 1, …: a pure function of
//!   (seed, path, shape).

use std::ops::Range;

use crate::element::Float;
use crate::error::{ErrorKind, InitError};
use crate::fans::checked_len;
use crate::init::Init;
use crate::philox::{self, PhiloxStream};
use crate::resolve::{ElementDistribution, Plan};
use crate::target::Target;
use crate::truncnorm::{Method, TruncatedStandardNormal};

/// Which part of a parameter a shard holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Region {
    /// A range of the leading axis: the shard's shape is the full shape with `rows.len()` rows.
    Rows(Range<usize>),
    /// A range of logical (row-major) element indices; the shard may have any shape with that
    /// many elements and is filled in its own logical order.
    Elements(Range<usize>),
}

/// Elements below this count are filled on the calling thread: splitting smaller parameters
/// costs more than it saves.
#[cfg(feature = "rayon")]
pub const PARALLEL_MIN_ELEMENTS: usize = 1 << 15;

/// Elements per parallel task.
#[cfg(feature = "rayon")]
const CHUNK: usize = 1 << 14;

/// An element-wise scheme, ready to produce element `i` from the key.
#[derive(Clone, Copy, Debug)]
enum Keyed {
    Constant(f64),
    Uniform {
        low: f64,
        width: f64,
    },
    Normal {
        mean: f64,
        std: f64,
    },
    Truncated {
        tn: TruncatedStandardNormal,
        mean: f64,
        std: f64,
        low: f64,
        high: f64,
    },
}

impl Keyed {
    fn new(d: ElementDistribution) -> Self {
        match d {
            ElementDistribution::Constant(v) => Keyed::Constant(v),
            ElementDistribution::Uniform { low, high } => Keyed::Uniform {
                low,
                width: high - low,
            },
            ElementDistribution::Normal { mean, std } => Keyed::Normal { mean, std },
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => Keyed::Truncated {
                tn: TruncatedStandardNormal::new((low - mean) / std, (high - mean) / std),
                mean,
                std,
                low,
                high,
            },
        }
    }

    /// Element `i`, in f64.
    #[inline]
    fn value(&self, key: [u32; 2], i: u64) -> f64 {
        match *self {
            Keyed::Constant(v) => v,
            Keyed::Uniform { low, width } => {
                let w = philox::element_words(key, i, 0);
                low + width * philox::unit_f64(w[0], w[1])
            }
            Keyed::Normal { mean, std } => {
                mean + std * philox::normal_from(philox::element_words(key, i, 0))
            }
            Keyed::Truncated {
                tn,
                mean,
                std,
                low,
                high,
            } => {
                let z = if tn.method() == Method::Normal {
                    // Box–Muller draws, one attempt per counter, until one lands in [a, b]
                    let (a, b) = tn.bounds();
                    let mut attempt = 0u32;
                    loop {
                        let z = philox::normal_from(philox::element_words(key, i, attempt));
                        if (a..=b).contains(&z) {
                            break z;
                        }
                        attempt = attempt.wrapping_add(1);
                    }
                } else {
                    tn.sample(&mut PhiloxStream::element(key, i, 0))
                };
                (mean + std * z).clamp(low, high)
            }
        }
    }

    /// Element `i` in the element type; uniform stays below its upper bound after rounding.
    #[inline]
    fn value_as<F: Float>(&self, key: [u32; 2], i: u64, high: F) -> F {
        let v = F::from_f64(self.value(key, i));
        if matches!(self, Keyed::Uniform { .. }) && v >= high {
            high.next_down()
        } else {
            v
        }
    }

    fn upper<F: Float>(&self) -> F {
        match *self {
            Keyed::Uniform { low, width } => F::from_f64(low + width),
            _ => F::from_f64(f64::INFINITY.min(F::MAX)),
        }
    }

    /// Writes elements `start..` into `out`.
    fn write<F: Float>(&self, key: [u32; 2], start: u64, out: &mut [F]) {
        let high = self.upper::<F>();
        for (k, x) in out.iter_mut().enumerate() {
            *x = self.value_as(key, start + k as u64, high);
        }
    }
}

impl Init {
    /// Fills `target` so that each element's value is a pure function of `seed`, `path` and its
    /// logical index (structured schemes: of `seed`, `path` and the shape). Large contiguous
    /// targets are filled in parallel (feature `rayon`); the result is bit-identical for any
    /// number of threads, and for any memory layout of the target.
    ///
    /// ```
    /// use init_core::Init;
    /// let mut a = vec![0.0f32; 1000];
    /// let mut b = vec![0.0f32; 1000];
    /// Init::he_normal().fans(64, 64).fill_seeded(&mut a, 42, "layers[3].w").unwrap();
    /// Init::he_normal().fans(64, 64).fill_seeded(&mut b, 42, "layers[3].w").unwrap();
    /// assert_eq!(a, b);
    /// Init::he_normal().fans(64, 64).fill_seeded(&mut b, 42, "layers[4].w").unwrap();
    /// assert_ne!(a, b);
    /// ```
    pub fn fill_seeded<T: Target + ?Sized>(
        &self,
        target: &mut T,
        seed: u64,
        path: &str,
    ) -> Result<(), InitError> {
        let shape = target.shape();
        let len = checked_len(&shape).map_err(|k| self.err(k))?;
        self.fill_region(target, &shape, 0..len, seed, path)
    }

    /// Fills `shard` with exactly the values that [`fill_seeded`](Init::fill_seeded) would give
    /// the region `region` of a parameter of shape `full_shape`. Element-wise schemes generate
    /// only the shard's elements; structured schemes (orthogonal, sparse, eye, dirac,
    /// delta-orthogonal) generate the whole parameter and copy the region out (cost: the whole
    /// parameter's time and memory).
    ///
    /// ```
    /// use init_core::{Init, Region};
    /// let init = Init::normal(0.0, 0.02);
    /// let mut whole = vec![0.0f32; 12 * 5];
    /// init.fill_seeded(&mut whole, 7, "emb").unwrap();
    /// let mut rows = ndarray::Array2::<f32>::zeros((4, 5));
    /// init.fill_shard(&mut rows, &[12, 5], Region::Rows(4..8), 7, "emb").unwrap();
    /// assert_eq!(rows.as_slice().unwrap(), &whole[20..40]);
    /// ```
    pub fn fill_shard<T: Target + ?Sized>(
        &self,
        shard: &mut T,
        full_shape: &[usize],
        region: Region,
        seed: u64,
        path: &str,
    ) -> Result<(), InitError> {
        let len = checked_len(full_shape).map_err(|k| self.err(k))?;
        let range = match region {
            Region::Elements(r) => r,
            Region::Rows(rows) => {
                let row_len = if full_shape.is_empty() {
                    1
                } else {
                    full_shape[1..].iter().product()
                };
                let full_rows = full_shape.first().copied().unwrap_or(1);
                if rows.start > rows.end || rows.end > full_rows {
                    return Err(self.err(ErrorKind::RegionOutOfRange {
                        start: rows.start,
                        end: rows.end,
                        len: full_rows,
                    }));
                }
                rows.start * row_len..rows.end * row_len
            }
        };
        if range.start > range.end || range.end > len {
            return Err(self.err(ErrorKind::RegionOutOfRange {
                start: range.start,
                end: range.end,
                len,
            }));
        }
        let got = checked_len(&shard.shape()).map_err(|k| self.err(k))?;
        if got != range.len() {
            return Err(self.err(ErrorKind::ShardMismatch {
                expected: range.len(),
                got,
            }));
        }
        self.fill_region(shard, full_shape, range, seed, path)
    }

    /// Fills `out` (holding `range.len()` elements) with elements `range` of the parameter.
    fn fill_region<T: Target + ?Sized>(
        &self,
        out: &mut T,
        full_shape: &[usize],
        range: Range<usize>,
        seed: u64,
        path: &str,
    ) -> Result<(), InitError> {
        let (plan, _) = self.plan(full_shape)?;
        let key = philox::key_of(seed, path);
        match plan {
            Plan::Empty => Ok(()),
            Plan::Elementwise(d) => {
                self.check_representable::<T::Elem>(&d)?;
                let keyed = Keyed::new(d);
                let start = range.start as u64;
                if let Some(slice) = out.as_logical_slice_mut() {
                    write_slice(&keyed, key, start, slice);
                } else {
                    let high = keyed.upper::<T::Elem>();
                    let mut i = start;
                    out.for_each_mut(|x| {
                        *x = keyed.value_as(key, i, high);
                        i += 1;
                    });
                }
                Ok(())
            }
            _ => {
                let mut stream = PhiloxStream::structured(key);
                let len = checked_len(full_shape).map_err(|k| self.err(k))?;
                if range == (0..len) && out.shape() == full_shape {
                    return self.fill(out, &mut stream);
                }
                let mut whole = ndarray::ArrayD::<T::Elem>::from_elem(
                    ndarray::IxDyn(full_shape),
                    T::Elem::ZERO,
                );
                self.fill(&mut whole, &mut stream)?;
                let mut values = whole.iter().skip(range.start).take(range.len());
                out.for_each_mut(|x| {
                    if let Some(v) = values.next() {
                        *x = *v;
                    }
                });
                Ok(())
            }
        }
    }
}

/// Fills a contiguous slice with elements `start..`, in parallel when large.
fn write_slice<F: Float>(keyed: &Keyed, key: [u32; 2], start: u64, slice: &mut [F]) {
    #[cfg(feature = "rayon")]
    if slice.len() >= PARALLEL_MIN_ELEMENTS && !matches!(keyed, Keyed::Constant(_)) {
        use rayon::prelude::*;
        slice
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| keyed.write(key, start + (c * CHUNK) as u64, chunk));
        return;
    }
    keyed.write(key, start, slice);
}
