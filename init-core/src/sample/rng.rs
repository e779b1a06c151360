//! [`Init::fill`]: a plan executed from any `rand::Rng`, element by element in logical
//! row-major order.

use rand::Rng;
use rand_distr::Distribution as _;

use super::structured;
use crate::error::{ErrorKind, InitError};
use crate::param::element::sealed::Sealed as _;
use crate::param::element::{Compute, Float, clamp_into};
use crate::param::target::Target;
use crate::plan::Plan;
use crate::plan::law::Law;
use crate::scheme::init::Init;

impl Init {
    /// Fills `target` from `rng`, element by element in logical row-major order whatever the
    /// target's memory strides: the same rng state in gives the same values out.
    ///
    /// `target` is any ndarray `ArrayBase<S, D>` with `S: DataMut` of `f32` or `f64` (owned,
    /// views, non-contiguous and transposed views, any dimension), a `Vec`, a slice, or nested
    /// fixed-size arrays (see [`Target`]). A target with zero elements is left untouched and is
    /// not an error (its parameters are still checked). With the feature `half`, `f16` and
    /// `bf16` targets get the values an `f32` target would get from the same rng state, rounded
    /// once (see [`Float`]).
    ///
    /// ```
    /// use init_core::Init;
    /// use ndarray::{Array2, s};
    /// use rand::SeedableRng;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    /// let mut w = Array2::<f64>::zeros((8, 6));
    /// // every second column of a view: non-contiguous targets work
    /// Init::uniform(-0.1, 0.1).fill(&mut w.slice_mut(s![.., ..;2]), &mut rng).unwrap();
    /// assert!(w.iter().all(|&x| (-0.1..0.1).contains(&x)));
    /// assert!(w.column(1).iter().all(|&x| x == 0.0));
    ///
    /// let mut layer = [[0.0f32; 4]; 3]; // (out 3, in 4)
    /// Init::eye().fill(&mut layer, &mut rng).unwrap();
    /// assert_eq!(layer[1], [0.0, 1.0, 0.0, 0.0]);
    /// ```
    pub fn fill<T, R>(&self, target: &mut T, rng: &mut R) -> Result<(), InitError>
    where
        T: Target + ?Sized,
        R: Rng + ?Sized,
    {
        let (plan, _) = self.plan(&target.shape())?;
        plan.check_element::<T::Elem>().map_err(|k| self.err(k))?;
        match &plan {
            Plan::Empty => {}
            Plan::Elementwise(law) => self.fill_law(law, target, rng)?,
            Plan::Blocks(b) => self.fill_blocks(b, target, rng)?,
            structured => structured::write(structured, target, rng, None),
        }
        Ok(())
    }

    /// Element-wise: every element an independent draw of `law`, in the element's compute
    /// type, rounded once (half types: then kept in the law's narrow range).
    pub(crate) fn fill_law<T, R>(
        &self,
        law: &Law,
        target: &mut T,
        rng: &mut R,
    ) -> Result<(), InitError>
    where
        T: Target + ?Sized,
        R: Rng + ?Sized,
    {
        match *law {
            Law::Constant(v) => {
                let v = T::Elem::from_f64(v);
                target.for_each_mut(|x| *x = v);
            }
            Law::Uniform { low, high } => {
                let (lo, hi) = (
                    Compute::<T::Elem>::from_f64(low),
                    Compute::<T::Elem>::from_f64(high),
                );
                let uniform = rand_distr::Uniform::new(lo, hi).map_err(|_| {
                    self.err(ErrorKind::NotRepresentable {
                        what: "uniform range",
                        value: high - low,
                        dtype: T::Elem::NAME,
                    })
                })?;
                let draw = |rng: &mut R| T::Elem::from_compute(uniform.sample(rng));
                // rand's uniform stays below `high`; rounding to a half type may reach it
                match law.narrow_range::<T::Elem>(high) {
                    Some((lo, hi)) if T::Elem::NARROW => {
                        target.for_each_mut(|x| *x = clamp_into(draw(rng), lo, hi));
                    }
                    _ => target.for_each_mut(|x| *x = draw(rng)),
                }
            }
            Law::Normal { mean, std } => {
                let (m, s) = (
                    Compute::<T::Elem>::from_f64(mean),
                    Compute::<T::Elem>::from_f64(std),
                );
                target.for_each_mut(|x| {
                    *x = T::Elem::from_compute(Compute::<T::Elem>::standard_normal(rng) * s + m);
                });
            }
            Law::Truncated(t) => {
                // Sampled in f64 (tail arithmetic), clamped against the last-bit rounding of
                // mean + std·z, then rounded once: rounding is monotone, so the value stays
                // within the bounds as rounded to the element type. The half types then step
                // off the bounds (the law's narrow range).
                let draw = |rng: &mut R| {
                    let v = (t.mean + t.std * t.standard.sample(rng)).clamp(t.low, t.high);
                    T::Elem::from_compute(Compute::<T::Elem>::from_f64(v))
                };
                match law.narrow_range::<T::Elem>(t.high) {
                    Some((lo, hi)) if T::Elem::NARROW => {
                        target.for_each_mut(|x| *x = clamp_into(draw(rng), lo, hi));
                    }
                    _ => target.for_each_mut(|x| *x = draw(rng)),
                }
            }
        }
        Ok(())
    }
}
