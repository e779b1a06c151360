//! Keyed initialisation: every value a pure function of (seed, parameter path, logical element
//! index), so that values survive refactoring, are bit-identical for any number of threads, and
//! any shard of a parameter can be generated alone.
//!
//! The contract (a compatibility promise, see the README):
//! - key = SplitMix64-finalised (seed ⊕ SplitMix64-finalised FNV-1a-64(path bytes)), split into
//!   the two 32-bit words of a Philox4x32-10 key;
//! - element-wise schemes: f64 parameters take elements `2m`, `2m + 1` from the four Philox
//!   words at counter `(m mod 2³², m div 2³², attempt, 0)` (two 52-bit uniforms; Box–Muller's
//!   cosine and sine), f32 parameters elements `4c … 4c + 3` from counter `c` (four 24-bit
//!   uniforms, or two Box–Muller pairs computed in f32); `attempt` counts a truncated normal's
//!   rejections of that element; a truncated normal far in a tail draws element `i` from its
//!   own stream at counters `(i mod 2³², i div 2³², n, 2)`; the README states every formula;
//!   there are no blocks: a shard may start at any element;
//! - structured schemes (orthogonal, sparse, …) draw their whole parameter from the sequential
//!   Philox stream at counters `(n mod 2³², n div 2³², 0, 1)`, n = 0, 1, …: a pure function of
//!   (seed, path, shape).
//! - `f16` and `bf16` parameters (feature `half`), element-wise and structured: the f32
//!   parameter's values rounded to nearest (ties to even) once; a uniform's values that rounded
//!   to `high` (rounded) and a truncated normal's that rounded onto or past a bound move one
//!   ulp inward, so truncated normals lie strictly inside `(low, high)`.

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

/// Elements below this count are filled on the calling thread. Measured on 2 cores (f32
/// normal): 1.9 ns/element for 4,096 elements either way, 1.1 ns at 8,192 on two threads
/// against 1.8 on one, 0.9 from 65,536 on; so two chunks are the least worth splitting.
#[cfg(feature = "rayon")]
pub const PARALLEL_MIN_ELEMENTS: usize = 2 * CHUNK;

/// Elements per parallel task (a multiple of 4: f32 counters are not split).
#[cfg(feature = "rayon")]
const CHUNK: usize = 1 << 12;

/// An element-wise scheme, ready to produce elements from a key (crate-internal).
#[derive(Clone, Copy, Debug)]
pub enum Keyed {
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
    /// The keyed form of an element-wise `Init` (tests of the SIMD paths).
    #[cfg(test)]
    pub(crate) fn for_tests(init: &Init) -> Self {
        match init.plan(&[4, 4]).expect("valid") {
            (Plan::Elementwise(d), _) => Keyed::new(d),
            _ => panic!("not element-wise"),
        }
    }

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

    /// Element `i`, in f64: element `i` is half `i mod 2` of pair `⌊i/2⌋`.
    #[inline]
    fn value(&self, key: [u32; 2], i: u64) -> f64 {
        let (m, odd) = (i / 2, i % 2 == 1);
        let pick = |(a, b): (f64, f64)| if odd { b } else { a };
        match *self {
            Keyed::Constant(v) => v,
            Keyed::Uniform { low, width } => {
                low + width * pick(philox::uniform_pair(philox::pair_words(key, m, 0)))
            }
            Keyed::Normal { mean, std } => {
                mean + std * pick(philox::normal_pair(philox::pair_words(key, m, 0)))
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
                        let z = pick(philox::normal_pair(philox::pair_words(key, m, attempt)));
                        if (a..=b).contains(&z) {
                            break z;
                        }
                        attempt = attempt.wrapping_add(1);
                    }
                } else {
                    tn.sample(&mut PhiloxStream::element(key, i))
                };
                (mean + std * z).clamp(low, high)
            }
        }
    }

    /// A uniform stays below its upper bound after rounding; other values pass unchanged.
    #[inline(always)]
    fn below_high<F: Float>(&self, x: F, high: F) -> F {
        if matches!(self, Keyed::Uniform { .. }) && x >= high {
            high.next_down()
        } else {
            x
        }
    }

    fn upper<F: Float>(&self) -> F {
        match *self {
            Keyed::Uniform { low, width } => F::from_f64(low + width),
            _ => F::from_f64(F::MAX),
        }
    }

    /// Writes elements `start..` into `out`, with the element type's kernel.
    #[inline(always)]
    pub(crate) fn write<F: Float>(&self, key: [u32; 2], start: u64, out: &mut [F]) {
        F::keyed_write(self, key, start, out);
    }

    /// The kernel of the half types (`f16`, `bf16`): the f32 kernel's values in chunks,
    /// rounded once, then moved one ulp inward where rounding reached a bound (a uniform's
    /// `high`; either bound of a truncated normal, which stays strictly inside). Bounds without
    /// values strictly inside were refused by `check_representable`.
    #[cfg(feature = "half")]
    #[inline(always)]
    pub(crate) fn write_narrow<F: Float + crate::element::sealed::Sealed<Compute = f32>>(
        &self,
        key: [u32; 2],
        start: u64,
        out: &mut [F],
    ) {
        const CHUNK: usize = 256;
        let bounds = match *self {
            Keyed::Uniform { .. } => Some((F::from_f64(-F::MAX), self.upper::<F>().next_down())),
            Keyed::Truncated { low, high, .. } => crate::element::strict_interior::<F>(low, high),
            Keyed::Constant(_) | Keyed::Normal { .. } => None,
        };
        let mut buf = [0.0f32; CHUNK];
        let mut i = start;
        for chunk in out.chunks_mut(CHUNK) {
            let buf = &mut buf[..chunk.len()];
            self.write_f32(key, i, buf);
            F::from_compute_slice(buf, chunk);
            if let Some((lo, hi)) = bounds {
                for x in chunk.iter_mut() {
                    *x = crate::element::clamp_into(*x, lo, hi);
                }
            }
            i += chunk.len() as u64;
        }
    }

    /// The f64 kernel: whole pairs in batches of [`philox::LANES`] (a loop over lanes that
    /// the compiler vectorises), the odd ends one by one. Both compute the same expressions, so
    /// the bits do not depend on where a shard starts.
    #[inline(always)]
    pub(crate) fn write_f64(&self, key: [u32; 2], start: u64, out: &mut [f64]) {
        let high = self.upper::<f64>();
        let one = |i: u64| self.below_high(self.value(key, i), high);
        let (mut i, mut rest) = (start, out);
        // an odd start: its first element alone
        if i % 2 == 1 && !rest.is_empty() {
            rest[0] = one(i);
            rest = &mut rest[1..];
            i += 1;
        }
        const BATCH: usize = 2 * philox::LANES;
        let mut batches = rest.chunks_exact_mut(BATCH);
        for chunk in &mut batches {
            self.batch_f64(key, i, chunk, high);
            i += BATCH as u64;
        }
        for x in batches.into_remainder() {
            *x = one(i);
            i += 1;
        }
    }

    /// `2·LANES` f64 elements from pair `start/2` on (`start` even).
    #[inline(always)]
    fn batch_f64(&self, key: [u32; 2], start: u64, out: &mut [f64], high: f64) {
        let z = out;
        let m0 = start / 2;
        match *self {
            Keyed::Constant(v) => z.fill(v),
            Keyed::Uniform { low, width } => {
                let w = philox::pair_words_lanes(key, m0, 0);
                for l in 0..philox::LANES {
                    let (a, b) = philox::uniform_pair([w[0][l], w[1][l], w[2][l], w[3][l]]);
                    z[2 * l] = self.below_high(low + width * a, high);
                    z[2 * l + 1] = self.below_high(low + width * b, high);
                }
            }
            Keyed::Normal { mean, std } => {
                let w = philox::pair_words_lanes(key, m0, 0);
                for l in 0..philox::LANES {
                    let (a, b) = philox::normal_pair([w[0][l], w[1][l], w[2][l], w[3][l]]);
                    z[2 * l] = mean + std * a;
                    z[2 * l + 1] = mean + std * b;
                }
            }
            Keyed::Truncated {
                tn,
                mean,
                std,
                low,
                high: hi,
            } if tn.method() == Method::Normal => {
                // first attempts in bulk; the few rejected elements redo theirs one by one
                let (a, b) = tn.bounds();
                let w = philox::pair_words_lanes(key, m0, 0);
                for l in 0..philox::LANES {
                    let (p, q) = philox::normal_pair([w[0][l], w[1][l], w[2][l], w[3][l]]);
                    z[2 * l] = p;
                    z[2 * l + 1] = q;
                }
                for (k, v) in z.iter_mut().enumerate() {
                    *v = if (a..=b).contains(v) {
                        (mean + std * *v).clamp(low, hi)
                    } else {
                        self.value(key, start + k as u64)
                    };
                }
            }
            Keyed::Truncated { .. } => {
                for (k, v) in z.iter_mut().enumerate() {
                    *v = self.value(key, start + k as u64);
                }
            }
        }
    }

    /// Element `i` of an f32 parameter: slot `i mod 4` of counter `⌊i/4⌋`, computed in f32
    /// (truncated normals: accepted against the standardised bounds, then shifted, scaled and
    /// clamped to the bounds in f32).
    #[inline]
    fn value_f32(&self, key: [u32; 2], i: u64) -> f32 {
        let (c, slot) = (i / 4, (i % 4) as usize);
        match *self {
            Keyed::Constant(v) => v as f32,
            Keyed::Uniform { low, width } => {
                let (low, width) = (low as f32, width as f32);
                let u = philox::unit_f32(philox::pair_words(key, c, 0)[slot]);
                self.below_high(low + width * u, self.upper::<f32>())
            }
            Keyed::Normal { mean, std } => {
                let z = philox::normal_quad_f32(philox::pair_words(key, c, 0))[slot];
                mean as f32 + std as f32 * z
            }
            Keyed::Truncated {
                tn,
                mean,
                std,
                low,
                high,
            } if tn.method() == Method::Normal => {
                let (a, b) = tn.bounds();
                let mut attempt = 0u32;
                let z = loop {
                    let z = philox::normal_quad_f32(philox::pair_words(key, c, attempt))[slot];
                    if a as f32 <= z && z <= b as f32 {
                        break z;
                    }
                    attempt = attempt.wrapping_add(1);
                };
                (mean as f32 + std as f32 * z)
                    .max(low as f32)
                    .min(high as f32)
            }
            Keyed::Truncated { .. } => self.value(key, i) as f32,
        }
    }

    /// The f32 kernel: whole counters (four elements each) in batches of [`philox::LANES`],
    /// the ends one by one, with the same expressions.
    #[inline(always)]
    pub(crate) fn write_f32(&self, key: [u32; 2], start: u64, out: &mut [f32]) {
        let (mut i, mut rest) = (start, out);
        while i % 4 != 0 && !rest.is_empty() {
            rest[0] = self.value_f32(key, i);
            rest = &mut rest[1..];
            i += 1;
        }
        const BATCH: usize = 4 * philox::LANES;
        let mut batches = rest.chunks_exact_mut(BATCH);
        for chunk in &mut batches {
            self.batch_f32(key, i, chunk);
            i += BATCH as u64;
        }
        for x in batches.into_remainder() {
            *x = self.value_f32(key, i);
            i += 1;
        }
    }

    /// `4·LANES` f32 elements from counter `start/4` on (`start` a multiple of 4).
    #[inline(always)]
    fn batch_f32(&self, key: [u32; 2], start: u64, z: &mut [f32]) {
        let c0 = start / 4;
        match *self {
            Keyed::Constant(v) => z.fill(v as f32),
            Keyed::Uniform { low, width } => {
                let (low, width, high) = (low as f32, width as f32, self.upper::<f32>());
                let w = philox::pair_words_lanes(key, c0, 0);
                for l in 0..philox::LANES {
                    for k in 0..4 {
                        z[4 * l + k] =
                            self.below_high(low + width * philox::unit_f32(w[k][l]), high);
                    }
                }
            }
            Keyed::Normal { mean, std } => {
                let (mean, std) = (mean as f32, std as f32);
                let w = philox::pair_words_lanes(key, c0, 0);
                for l in 0..philox::LANES {
                    let q = philox::normal_quad_f32([w[0][l], w[1][l], w[2][l], w[3][l]]);
                    for k in 0..4 {
                        z[4 * l + k] = mean + std * q[k];
                    }
                }
            }
            Keyed::Truncated {
                tn,
                mean,
                std,
                low,
                high,
            } if tn.method() == Method::Normal => {
                // first attempts in bulk; the few rejected elements redo theirs one by one
                let (a, b) = tn.bounds();
                let w = philox::pair_words_lanes(key, c0, 0);
                for l in 0..philox::LANES {
                    let q = philox::normal_quad_f32([w[0][l], w[1][l], w[2][l], w[3][l]]);
                    for k in 0..4 {
                        z[4 * l + k] = q[k];
                    }
                }
                let (m, sd, lo, hi) = (mean as f32, std as f32, low as f32, high as f32);
                let (a, b) = (a as f32, b as f32);
                let mut rejected = [false; 4 * philox::LANES];
                let mut any = false;
                for (v, r) in z.iter_mut().zip(&mut rejected) {
                    let bad = !(a <= *v && *v <= b);
                    *r = bad;
                    any |= bad;
                    *v = (m + sd * *v).max(lo).min(hi);
                }
                // a second attempt in bulk when any element of the batch needs one (one element
                // in 22 for ±2σ), then one by one
                if any {
                    let w = philox::pair_words_lanes(key, c0, 1);
                    let mut y = [0.0f32; 4 * philox::LANES];
                    for l in 0..philox::LANES {
                        let q = philox::normal_quad_f32([w[0][l], w[1][l], w[2][l], w[3][l]]);
                        for k in 0..4 {
                            y[4 * l + k] = q[k];
                        }
                    }
                    for ((v, r), y) in z.iter_mut().zip(&mut rejected).zip(&y) {
                        let take = *r && a <= *y && *y <= b;
                        *v = if take {
                            (m + sd * *y).clamp(lo, hi)
                        } else {
                            *v
                        };
                        *r = *r && !take;
                    }
                }
                for (k, _) in rejected.iter().enumerate().filter(|(_, r)| **r) {
                    z[k] = self.value_f32(key, start + k as u64);
                }
            }
            Keyed::Truncated { .. } => {
                for (k, v) in z.iter_mut().enumerate() {
                    *v = self.value_f32(key, start + k as u64);
                }
            }
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
                    // not laid out in logical order: batches through a buffer
                    let mut buf = vec![T::Elem::ZERO; range.len().min(1 << 16)];
                    let mut next = start;
                    let mut filled = 0usize;
                    let mut used = 0usize;
                    let end = range.end as u64;
                    out.for_each_mut(|x| {
                        if used == filled {
                            filled = buf.len().min((end - next) as usize);
                            crate::simd::write(&keyed, key, next, &mut buf[..filled]);
                            next += filled as u64;
                            used = 0;
                        }
                        *x = buf[used];
                        used += 1;
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

/// Structured parameters (orthogonal, delta-orthogonal, sparse) of a model, computed before
/// the model is written, in parallel with each other: their QR factorisations are sequential
/// each, so many small ones are where threads help. Values are the same as computed one by one
/// (each is a pure function of seed, path and shape). Large ones (above
/// [`AHEAD_MAX_ELEMENTS`]) are left to be computed in place, to keep memory at one copy.
#[derive(Default)]
pub(crate) struct Ahead {
    values: std::collections::HashMap<String, Box<dyn std::any::Any + Send>>,
}

/// The largest structured parameter computed ahead by [`Ahead`].
pub(crate) const AHEAD_MAX_ELEMENTS: usize = 1 << 20;

/// A parameter computed ahead.
type Job = Box<dyn FnOnce() -> Result<Box<dyn std::any::Any + Send>, InitError> + Send>;

struct Collect {
    seed: u64,
    jobs: Vec<(String, Job)>,
}

impl crate::model::Visit for Collect {
    fn param<T: crate::param::Parameter + ?Sized>(
        &mut self,
        path: &crate::model::ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError> {
        let shape = target.dims();
        let small = checked_len(&shape).is_ok_and(|n| n <= AHEAD_MAX_ELEMENTS);
        if small && init.draws_whole() {
            let (init, seed, p) = (init.clone(), self.seed, path.to_string());
            let job: Job = Box::new(move || {
                let mut a =
                    ndarray::ArrayD::<T::Elem>::from_elem(ndarray::IxDyn(&shape), T::Elem::ZERO);
                init.fill_seeded(&mut a, seed, &p)
                    .map_err(|e| e.with_path(p))?;
                Ok(Box::new(a))
            });
            self.jobs.push((path.to_string(), job));
        }
        Ok(())
    }
}

impl Ahead {
    /// Computes the model's small structured parameters, in parallel (feature `rayon`).
    pub(crate) fn compute<M: crate::model::Initialize + ?Sized>(
        model: &M,
        seed: u64,
    ) -> Result<Self, InitError> {
        let mut c = Collect {
            seed,
            jobs: Vec::new(),
        };
        model.walk(&mut crate::model::ParamPath::new(), &mut c)?;
        if c.jobs.len() < 2 {
            return Ok(Ahead::default());
        }
        #[cfg(feature = "rayon")]
        let results: Vec<_> = {
            use rayon::prelude::*;
            c.jobs
                .into_par_iter()
                .map(|(p, job)| job().map(|v| (p, v)))
                .collect()
        };
        #[cfg(not(feature = "rayon"))]
        let results: Vec<_> = c
            .jobs
            .into_iter()
            .map(|(p, job)| job().map(|v| (p, v)))
            .collect();
        Ok(Ahead {
            values: results.into_iter().collect::<Result<_, _>>()?,
        })
    }

    /// The values computed ahead for `path` (logical order), if any.
    pub(crate) fn take<E: Float>(&mut self, path: &str) -> Option<ndarray::ArrayD<E>> {
        let v = self.values.remove(path)?;
        v.downcast::<ndarray::ArrayD<E>>().ok().map(|a| *a)
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
            .for_each(|(c, chunk)| {
                crate::simd::write(keyed, key, start + (c * CHUNK) as u64, chunk)
            });
        return;
    }
    crate::simd::write(keyed, key, start, slice);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a over the bits of the values.
    fn checksum(v: &[f32]) -> u64 {
        v.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
            (h ^ u64::from(x.to_bits())).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }

    /// Two orthogonal parameters and one element-wise: a model written by hand.
    struct Two {
        a: ndarray::Array2<f64>,
        b: ndarray::Array2<f32>,
        c: ndarray::Array2<f32>,
    }

    impl crate::model::Initialize for Two {
        fn walk<V: crate::model::Visit + ?Sized>(
            &self,
            p: &mut crate::model::ParamPath,
            v: &mut V,
        ) -> Result<(), InitError> {
            use crate::model::Segment::Field;
            p.with(Field("a"), |p| v.param(p, &self.a, &Init::sparse(0.3, 1.0)))?;
            p.with(Field("b"), |p| {
                v.param(p, &self.b, &Init::zeros().scale(2.0))
            })?;
            p.with(Field("c"), |p| v.param(p, &self.c, &Init::sparse(0.5, 1.0)))
        }
        fn walk_mut<V: crate::model::VisitMut + ?Sized>(
            &mut self,
            p: &mut crate::model::ParamPath,
            v: &mut V,
        ) -> Result<(), InitError> {
            use crate::model::Segment::Field;
            p.with(Field("a"), |p| {
                v.param(p, &mut self.a, &Init::sparse(0.3, 1.0))
            })?;
            p.with(Field("b"), |p| {
                v.param(p, &mut self.b, &Init::zeros().scale(2.0))
            })?;
            p.with(Field("c"), |p| {
                v.param(p, &mut self.c, &Init::sparse(0.5, 1.0))
            })
        }
    }

    #[test]
    fn structured_parameters_are_computed_ahead_with_the_same_values() {
        use crate::model::Initialize as _;
        let mut m = Two {
            a: ndarray::Array2::zeros((6, 5)),
            b: ndarray::Array2::zeros((3, 3)),
            c: ndarray::Array2::zeros((4, 7)),
        };
        let ahead = Ahead::compute(&m, 5).unwrap();
        let mut keys: Vec<&String> = ahead.values.keys().collect();
        keys.sort();
        assert_eq!(keys, ["a", "c"]);
        m.init_seeded(5).unwrap();
        let mut a = ndarray::Array2::<f64>::zeros((6, 5));
        Init::sparse(0.3, 1.0).fill_seeded(&mut a, 5, "a").unwrap();
        assert_eq!(m.a, a);
        let mut c = ndarray::Array2::<f32>::zeros((4, 7));
        Init::sparse(0.5, 1.0).fill_seeded(&mut c, 5, "c").unwrap();
        assert_eq!(m.c, c);
        assert!(m.b.iter().all(|&x| x == 0.0));
    }

    /// The same bits with the `rayon` feature on (parallel: this is above the cut-off) and off
    /// (sequential): CI runs this test in both configurations against one constant.
    #[test]
    fn same_bits_with_and_without_rayon() {
        let mut v = vec![0.0f32; 200_003];
        Init::normal(0.0, 1.0).fill_seeded(&mut v, 1, "w").unwrap();
        let normal = checksum(&v);
        Init::uniform(-1.0, 1.0)
            .fill_seeded(&mut v, 1, "w")
            .unwrap();
        let uniform = checksum(&v);
        assert_eq!(
            (normal, uniform),
            (10_995_335_636_749_865_744, 7_276_154_583_412_121_033)
        );
    }
}
