//! Keyed initialisation ([`Init::fill_seeded`], [`Init::fill_shard`]): every value a pure
//! function of (seed, the parameter's state-dict name, logical element index), so that values survive
//! refactoring, are bit-identical for any number of threads, and any shard of a parameter can
//! be generated alone.
//!
//! The contract (a compatibility promise, see the README):
//! - key = SplitMix64-finalised (seed ⊕ SplitMix64-finalised FNV-1a-64(name bytes)), split into
//!   the two 32-bit words of a Philox4x32-10 key;
//! - element-wise schemes: f64 parameters take elements `2m`, `2m + 1` from the four Philox
//!   words at counter `(m mod 2³², m div 2³², attempt, 0)` (two 52-bit uniforms; Box–Muller's
//!   cosine and sine), f32 parameters elements `4c … 4c + 3` from counter `c` (four 24-bit
//!   uniforms, or two Box–Muller pairs computed in f32); `attempt` counts a truncated normal's
//!   rejections of that element; a truncated normal far in a tail draws element `i` from its
//!   own stream at counters `(i mod 2³², i div 2³², n, 2)`; an f32 truncated normal whose
//!   standardised interval lies within ±4σ and is wide enough for f32 (since contract 4) is
//!   drawn by its inverse CDF, one word per element, element `64g + 16k + l` from word `k` of
//!   counter `16g + l` (`kernel::single::Quantile`); the README states every formula;
//!   there are no blocks: a shard may start at any element;
//! - structured schemes (sparse, …) draw their whole parameter from the sequential Philox
//!   stream at counters `(n mod 2³², n div 2³², 0, 1)`, n = 0, 1, …: a pure function of
//!   (seed, path, shape); orthogonal and delta-orthogonal (since contract 4) factor a Gaussian
//!   matrix whose element `(i, j)`, in the tall `m × n` matrix that is factored (the
//!   `(rows, cols)` matrix, transposed when wide), is the f32 or f64 kernels' standard normal
//!   at element index `j·m + i` under the key made of the first two words of Philox at counter
//!   `(b, 0, 0, 3)` under the parameter's key, `b` the block (0 unblocked); small matrices
//!   (`m·n² < 2²⁹`) are factored sequentially, larger ones with faer's work split in 4 parts;
//! - blocks ([`Init::blocks`]): an element of a block whose scheme is element-wise is the
//!   element of the same index in the whole under the rules above, drawn from the block's law
//!   (so `blocks(k)` of an element-wise scheme only changes the law's fans, and the blocks of
//!   [`Init::block`] that keep the parameter's scheme hold exactly its unblocked values); a
//!   block `b` whose scheme is structured is generated as a parameter of the block's shape from
//!   the sequential stream at counters `(n mod 2³², n div 2³², b, 1)` (block 0's stream is an
//!   unblocked parameter's) and, if orthogonal, the Gaussian of block `b` above; the blocks are
//!   generated in parallel with each other.
//! - `f16` and `bf16` parameters (feature `half`), element-wise and structured: the f32
//!   parameter's values rounded to nearest (ties to even) once; a uniform's values that rounded
//!   to `high` (rounded) and a truncated normal's that rounded onto or past a bound move one
//!   ulp inward, so truncated normals lie strictly inside `(low, high)`.

use std::ops::Range;

use super::philox::{self, PhiloxStream};
use super::simd::{self, Path};
use super::structured;
use crate::error::{ErrorKind, InitError};
use crate::param::element::Float;
use crate::param::shape::count;
use crate::param::shape::try_filled;
use crate::param::target::Target;
use crate::plan::Plan;
use crate::plan::law::Law;
use crate::scheme::init::Init;

/// The version of the keyed contract these fills keep (README, "Keyed, parallel and sharded
/// initialisation"). A model's walk keys each parameter by its **state-dict name**
/// (`layers.3.w`: [`ParamPath::state_dict_name`](crate::ParamPath::state_dict_name)), the
/// name a Burn `Param` or a candle variable has too, so the three frameworks agree.
///
/// - **4** (weight-init 0.4): f32 (so f16, bf16) truncated normals within ±4σ are drawn by
///   their inverse CDF, without rejection (new values); keyed orthogonal and delta-orthogonal
///   factor a Gaussian drawn by the keyed normal kernel in parallel, small ones sequentially
///   (new values). Every other scheme, every f64 truncated normal and all rng-mode draws kept
///   their values (rng-mode orthogonal matrices from about 100×50 up changed in their last bits,
///   with the QR's new formation of Q).
/// - **3** (weight-init 0.3): the QR behind `orthogonal` and `delta_orthogonal` runs its work
///   split in a fixed number of parts (`sample::qr::QR_SPLIT`, 4), in parallel on
///   rayon's pool: their values changed (the last bits of each), and are the same for any
///   number of threads. Every other scheme kept its values.
/// - **2** (weight-init 0.2): the key is the state-dict name.
/// - **1** (weight-init 0.1): the key was the path as displayed, `layers[3].w`. Parameters
///   whose path has no index (`w1`, `encoder.fc.weight`) have the same name under both and
///   kept their values; those under a `Vec` or an array changed.
pub const KEYED_CONTRACT: u32 = 4;

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

impl Init {
    /// Fills `target` so that each element's value is a pure function of `seed`, `path` and its
    /// logical index (structured schemes: of `seed`, `path` and the shape). `path` is any
    /// string; a model's walk passes the parameter's state-dict name (`layers.3.w`, see
    /// [`KEYED_CONTRACT`]), so pass that to get the value a model's parameter gets. Large contiguous
    /// targets are filled in parallel (feature `rayon`); the result is bit-identical for any
    /// number of threads, and for any memory layout of the target.
    ///
    /// ```
    /// use init_core::Init;
    /// let mut a = vec![0.0f32; 1000];
    /// let mut b = vec![0.0f32; 1000];
    /// Init::he_normal().fans(64, 64).fill_seeded(&mut a, 42, "layers.3.w").unwrap();
    /// Init::he_normal().fans(64, 64).fill_seeded(&mut b, 42, "layers.3.w").unwrap();
    /// assert_eq!(a, b);
    /// Init::he_normal().fans(64, 64).fill_seeded(&mut b, 42, "layers.4.w").unwrap();
    /// assert_ne!(a, b);
    /// ```
    pub fn fill_seeded<T: Target + ?Sized>(
        &self,
        target: &mut T,
        seed: u64,
        path: &str,
    ) -> Result<(), InitError> {
        let shape = target.shape();
        let len = count(&shape).map_err(|k| self.err(k))?;
        self.fill_region(target, &shape, 0..len, seed, path)
    }

    /// Fills `shard` with exactly the values that [`fill_seeded`](Init::fill_seeded) would give
    /// the region `region` of a parameter of shape `full_shape`. Element-wise schemes generate
    /// only the shard's elements; structured schemes (orthogonal, sparse, eye, dirac,
    /// delta-orthogonal) generate the whole parameter and copy the region out (cost: the whole
    /// parameter's time and memory, and for `orthogonal` faer's QR workspace on top: one element
    /// of a (2²⁶, 1) orthogonal costs about 800 MB). The whole parameter is allocated fallibly: a
    /// full shape beyond memory is [`ErrorKind::OutOfMemory`], not an abort; the QR's own
    /// workspace is not (faer allocates it).
    ///
    /// Errors: a region outside the parameter ([`ErrorKind::RegionOutOfRange`]), a shard with
    /// another element count ([`ErrorKind::ShardMismatch`]), a [`Region::Rows`] shard whose
    /// shape is not the full shape with the region's rows ([`ErrorKind::WrongShape`]).
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
        let len = count(full_shape).map_err(|k| self.err(k))?;
        // a shard of rows has the full shape with fewer rows, not only as many elements
        let mut rows_shape = None;
        let range = match region {
            Region::Elements(r) => r,
            Region::Rows(rows) => {
                if let [_, rest @ ..] = full_shape {
                    rows_shape = Some([&[rows.len()][..], rest].concat());
                }
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
        let got = count(&shard.shape()).map_err(|k| self.err(k))?;
        if got != range.len() {
            return Err(self.err(ErrorKind::ShardMismatch {
                expected: range.len(),
                got,
            }));
        }
        if let Some(expected) = rows_shape {
            let shape = shard.shape();
            if shape != expected {
                return Err(self.err(ErrorKind::WrongShape {
                    shape,
                    expected: format!("shape {expected:?} (the region's rows)"),
                }));
            }
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
        plan.check_element::<T::Elem>().map_err(|k| self.err(k))?;
        let key = philox::key_of(seed, path);
        match &plan {
            Plan::Empty => {}
            Plan::Elementwise(law) => write_region(law, key, out, range),
            Plan::Blocks(b) => match b.shared_law() {
                Some(law) => write_region(law, key, out, range),
                None => self.write_blocks(b, key, out, range)?,
            },
            structured_plan => {
                let mut stream = PhiloxStream::structured(key);
                let gaussian = Some(structured::gaussian_key(key, 0));
                let len = count(full_shape).map_err(|k| self.err(k))?;
                if range == (0..len) && out.shape() == full_shape {
                    structured::write(structured_plan, out, &mut stream, gaussian);
                } else {
                    // the whole parameter, allocated fallibly: a huge full shape is an error
                    let zeros = try_filled(len, T::Elem::ZERO, self.name())?;
                    let mut whole =
                        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(full_shape), zeros)
                            .map_err(|_| {
                                self.err(ErrorKind::ShapeOverflow {
                                    shape: full_shape.to_vec(),
                                })
                            })?;
                    structured::write(structured_plan, &mut whole, &mut stream, gaussian);
                    let mut values = whole.iter().skip(range.start).take(range.len());
                    out.for_each_mut(|x| {
                        if let Some(v) = values.next() {
                            *x = *v;
                        }
                    });
                }
            }
        }
        Ok(())
    }
}

/// Writes elements `range` of an element-wise parameter into `out` (holding `range.len()`
/// elements): straight into its memory when laid out in logical order, else through a buffer.
fn write_region<T: Target + ?Sized>(law: &Law, key: [u32; 2], out: &mut T, range: Range<usize>) {
    let path = Path::best();
    let start = range.start as u64;
    if let Some(slice) = out.as_logical_slice_mut() {
        write_slice(path, law, key, start, slice);
        return;
    }
    let mut buf = vec![T::Elem::ZERO; range.len().min(1 << 16)];
    let mut next = start;
    let mut filled = 0usize;
    let mut used = 0usize;
    let end = range.end as u64;
    out.for_each_mut(|x| {
        if used == filled {
            filled = buf.len().min((end - next) as usize);
            simd::write(path, law, key, next, &mut buf[..filled]);
            next += filled as u64;
            used = 0;
        }
        *x = buf[used];
        used += 1;
    });
}

/// Fills a contiguous slice with elements `start..`, in parallel when large.
fn write_slice<F: Float>(path: Path, law: &Law, key: [u32; 2], start: u64, slice: &mut [F]) {
    #[cfg(feature = "rayon")]
    if slice.len() >= PARALLEL_MIN_ELEMENTS && !matches!(law, Law::Constant(_)) {
        use rayon::prelude::*;
        slice
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| simd::write(path, law, key, start + (c * CHUNK) as u64, chunk));
        return;
    }
    simd::write(path, law, key, start, slice);
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

    /// A structured scheme's shard of a huge parameter is an error, not a panic or an abort.
    #[test]
    fn a_structured_shard_of_a_huge_parameter_is_an_error() {
        let structured = [
            Some(Init::sparse(0.5, 0.01)),
            #[cfg(feature = "orthogonal")]
            Some(Init::orthogonal()),
        ];
        for init in structured.into_iter().flatten() {
            let mut shard = ndarray::Array2::<f32>::zeros((1, 4));
            let err = init
                .fill_shard(&mut shard, &[1 << 50, 4], Region::Rows(0..1), 1, "w")
                .unwrap_err();
            assert_eq!(err.context(), init.name());
            assert_eq!(
                err.kind(),
                &ErrorKind::OutOfMemory {
                    items: 1 << 52,
                    item_bytes: 4
                },
                "{init}"
            );
        }
    }

    /// A shard of rows has the full shape with the region's rows: the right element count in
    /// another shape is refused.
    #[test]
    fn a_rows_shard_of_the_wrong_shape_is_an_error() {
        let init = Init::normal(0.0, 1.0);
        let mut shard = ndarray::Array2::<f32>::zeros((5, 2));
        let err = init
            .fill_shard(&mut shard, &[4, 5], Region::Rows(1..3), 0, "w")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "normal: shape [5, 2] does not fit a parameter of shape [2, 5] (the region's rows)"
        );
        let mut flat = vec![0.0f32; 10];
        assert!(
            init.fill_shard(&mut flat, &[4, 5], Region::Rows(1..3), 0, "w")
                .is_err()
        );
        let mut right = ndarray::Array2::<f32>::zeros((2, 5));
        init.fill_shard(&mut right, &[4, 5], Region::Rows(1..3), 0, "w")
            .unwrap();
        // elements may take any shape
        init.fill_shard(&mut flat, &[4, 5], Region::Elements(5..15), 0, "w")
            .unwrap();
        assert_eq!(right.as_slice().unwrap(), &flat[..]);
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
