//! Parameters initialised block by block ([`Init::blocks`]): a [`Blocked`] plan executed from
//! an rng (the blocks one after the other, each in its own logical order) or keyed (each
//! element from the parameter's key by its index in the whole, or, in a block with a
//! structured scheme, from the block's own structured stream).

use rand::Rng;

use super::philox::PhiloxStream;
use super::simd::{self, Path};
use super::structured;
use crate::error::{ErrorKind, InitError};
use crate::param::element::Float;
use crate::param::shape::try_filled;
use crate::param::target::Target;
use crate::plan::{Blocked, Plan};
use crate::scheme::init::Init;

impl Init {
    /// Fills `target` (of the plan's shape) from `rng`: block 0 in its own logical order, then
    /// block 1, … (the same as the whole in logical order when the blocks are consecutive, as
    /// along axis 0).
    pub(crate) fn fill_blocks<T, R>(
        &self,
        b: &Blocked,
        target: &mut T,
        rng: &mut R,
    ) -> Result<(), InitError>
    where
        T: Target + ?Sized,
        R: Rng + ?Sized,
    {
        if let Some(law) = b.shared_law()
            && b.consecutive()
        {
            return self.fill_law(law, target, rng);
        }
        let mut block = self.zero_block::<T::Elem>(&b.block_shape)?;
        let mut whole = try_filled(b.shape.iter().product(), T::Elem::ZERO, self.name())?;
        for (i, plan) in b.plans.iter().enumerate() {
            match plan {
                Plan::Elementwise(law) => self.fill_law(law, &mut block, rng)?,
                other => structured::write(other, &mut block, rng, None),
            }
            let values = block.as_slice().unwrap_or_default();
            let run = b.run();
            for (p, chunk) in values.chunks(run.max(1)).enumerate() {
                let at = (p * b.k() + i) * run;
                whole[at..at + chunk.len()].copy_from_slice(chunk);
            }
        }
        let mut values = whole.into_iter();
        target.for_each_mut(|x| {
            if let Some(v) = values.next() {
                *x = v;
            }
        });
        Ok(())
    }

    /// A zero array of `shape`, allocated fallibly.
    fn zero_block<F: Float>(&self, shape: &[usize]) -> Result<ndarray::ArrayD<F>, InitError> {
        let zeros = try_filled(shape.iter().product(), F::ZERO, self.name())?;
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), zeros).map_err(|_| {
            self.err(ErrorKind::ShapeOverflow {
                shape: shape.to_vec(),
            })
        })
    }

    /// Writes elements `range` of a blocked parameter keyed by `key` into `out` (holding
    /// `range.len()` elements, in its logical order). Element-wise blocks take element `i` of
    /// the whole from the element-wise kernels at index `i`; a block with a structured scheme
    /// is generated whole (only if the range touches it) from its structured stream, the
    /// blocks in parallel with each other (feature `rayon`; each is a pure function of the key
    /// and its index, so the values are the same).
    pub(crate) fn write_blocks<T: Target + ?Sized>(
        &self,
        b: &Blocked,
        key: [u32; 2],
        out: &mut T,
        range: std::ops::Range<usize>,
    ) -> Result<(), InitError> {
        let path = Path::best();
        let run = b.run().max(1);
        let mut values = try_filled(range.len(), T::Elem::ZERO, self.name())?;
        let mut generated: Vec<Option<ndarray::ArrayD<T::Elem>>> = vec![None; b.k()];
        for (i, block) in self.structured_blocks::<T::Elem>(b, key, &range)? {
            generated[i] = Some(block);
        }
        let mut at = range.start;
        while at < range.end {
            let r = at / run;
            let end = ((r + 1) * run).min(range.end);
            let (i, block_start) = b.run_at(r);
            let dst = &mut values[at - range.start..end - range.start];
            match &b.plans[i] {
                Plan::Empty => {}
                Plan::Elementwise(law) => simd::write(path, law, key, at as u64, dst),
                _ => {
                    if let Some(src) = generated[i].as_ref().and_then(|a| a.as_slice()) {
                        let from = block_start + (at - r * run);
                        dst.copy_from_slice(&src[from..from + dst.len()]);
                    }
                }
            }
            at = end;
        }
        let mut values = values.into_iter();
        out.for_each_mut(|x| {
            if let Some(v) = values.next() {
                *x = v;
            }
        });
        Ok(())
    }

    /// The blocks with a structured scheme that elements `range` touch, each generated whole
    /// from its own structured stream (and, for orthogonal ones, its own keyed Gaussian), in
    /// parallel with each other (feature `rayon`).
    fn structured_blocks<E: Float>(
        &self,
        b: &Blocked,
        key: [u32; 2],
        range: &std::ops::Range<usize>,
    ) -> Result<Vec<(usize, ndarray::ArrayD<E>)>, InitError> {
        if range.is_empty() {
            return Ok(Vec::new());
        }
        let run = b.run().max(1);
        let (first, last) = (range.start / run, (range.end - 1) / run);
        let touched =
            |i: usize| last - first + 1 >= b.k() || (first..=last).any(|r| r % b.k() == i);
        let jobs: Vec<usize> = (0..b.k())
            .filter(|&i| !matches!(b.plans[i], Plan::Empty | Plan::Elementwise(_)) && touched(i))
            .collect();
        let make = |&i: &usize| {
            let mut block = self.zero_block::<E>(&b.block_shape)?;
            let mut stream = PhiloxStream::structured_block(key, i);
            let gaussian = Some(structured::gaussian_key(key, i));
            structured::write(&b.plans[i], &mut block, &mut stream, gaussian);
            Ok((i, block))
        };
        #[cfg(feature = "rayon")]
        {
            use rayon::prelude::*;
            jobs.par_iter().map(make).collect()
        }
        #[cfg(not(feature = "rayon"))]
        jobs.iter().map(make).collect()
    }
}
