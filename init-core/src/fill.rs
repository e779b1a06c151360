//! [`Init::fill`]: executing a plan on a target.

use rand::Rng;
use rand_distr::Distribution as _;

use crate::element::sealed::Sealed as _;
use crate::element::{Compute, Float, clamp_into, strict_interior};
use crate::error::{ErrorKind, InitError};
use crate::init::Init;
use crate::resolve::{ElementDistribution, Grid, Plan};
use crate::target::Target;
use crate::truncnorm::TruncatedStandardNormal;

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
        let shape = target.shape();
        let (plan, _) = self.plan(&shape)?;
        match plan {
            Plan::Empty => Ok(()),
            Plan::Elementwise(d) => self.fill_elementwise(d, target, rng),
            Plan::Eye { cols, value } => {
                let v = self.convert::<T::Elem>("value", value)?;
                let mut k = 0usize;
                target.for_each_mut(|x| {
                    *x = if k / cols == k % cols {
                        v
                    } else {
                        T::Elem::ZERO
                    };
                    k += 1;
                });
                Ok(())
            }
            Plan::Dirac {
                grid,
                out_per_group,
                value,
            } => {
                let v = self.convert::<T::Elem>("value", value)?;
                write_grid(target, &grid, |o, i, centre| {
                    if centre && o % out_per_group == i {
                        v
                    } else {
                        T::Elem::ZERO
                    }
                });
                Ok(())
            }
            #[cfg(feature = "orthogonal")]
            Plan::Orthogonal { grid, value } => {
                self.convert::<T::Elem>("gain", value)?;
                let q = Compute::<T::Elem>::orthogonal(grid.rows, grid.cols, rng);
                let (cols, gain) = (grid.cols, Compute::<T::Elem>::from_f64(value));
                write_grid(target, &grid, |r, c, _| {
                    T::Elem::from_compute(q[r * cols + c] * gain)
                });
                Ok(())
            }
            #[cfg(feature = "orthogonal")]
            Plan::DeltaOrthogonal { grid, value } => {
                self.convert::<T::Elem>("gain", value)?;
                let q = Compute::<T::Elem>::orthogonal(grid.rows, grid.cols, rng);
                let (cols, gain) = (grid.cols, Compute::<T::Elem>::from_f64(value));
                write_grid(target, &grid, |o, i, centre| {
                    if centre {
                        T::Elem::from_compute(q[o * cols + i] * gain)
                    } else {
                        T::Elem::ZERO
                    }
                });
                Ok(())
            }
            Plan::Sparse { grid, zeros, std } => {
                self.convert::<T::Elem>("value range", 40.0 * std)?;
                let s = Compute::<T::Elem>::from_f64(std);
                // The zero positions first, column by column, then the values in logical order.
                let mut zero = vec![false; grid.rows * grid.cols];
                for c in 0..grid.cols {
                    for r in rand::seq::index::sample(rng, grid.rows, zeros) {
                        zero[r * grid.cols + c] = true;
                    }
                }
                write_grid(target, &grid, |r, c, _| {
                    if zero[r * grid.cols + c] {
                        T::Elem::ZERO
                    } else {
                        T::Elem::from_compute(Compute::<T::Elem>::standard_normal(rng) * s)
                    }
                });
                Ok(())
            }
        }
    }

    /// Rounds a derived value to `F`, or says it overflows.
    fn convert<F: Float>(&self, what: &'static str, value: f64) -> Result<F, InitError> {
        if value.abs() <= F::MAX {
            Ok(F::from_f64(value))
        } else {
            Err(self.err(ErrorKind::NotRepresentable {
                what,
                value,
                dtype: F::NAME,
            }))
        }
    }

    fn range_error<F: Float>(&self, low: f64, high: f64) -> InitError {
        self.err(ErrorKind::NotRepresentable {
            what: "uniform range",
            value: high - low,
            dtype: F::NAME,
        })
    }

    /// Checks that every value the distribution can take, and a uniform's width, fit in `F`;
    /// for the half types, also that a truncated normal has values strictly inside its bounds.
    pub(crate) fn check_representable<F: Float>(
        &self,
        d: &ElementDistribution,
    ) -> Result<(), InitError> {
        self.convert::<F>("value range", d.magnitude())?;
        match *d {
            ElementDistribution::Uniform { low, high } => {
                let (lo, hi) = (F::from_f64(low), F::from_f64(high));
                if !(lo < hi && (hi.to_f64() - lo.to_f64()) <= F::MAX) {
                    return Err(self.range_error::<F>(low, high));
                }
            }
            ElementDistribution::TruncatedNormal { low, high, .. }
                if F::NARROW && strict_interior::<F>(low, high).is_none() =>
            {
                return Err(self.err(ErrorKind::NotRepresentable {
                    what: "truncation interval (no value strictly inside)",
                    value: high - low,
                    dtype: F::NAME,
                }));
            }
            _ => {}
        }
        Ok(())
    }

    fn fill_elementwise<T, R>(
        &self,
        d: ElementDistribution,
        target: &mut T,
        rng: &mut R,
    ) -> Result<(), InitError>
    where
        T: Target + ?Sized,
        R: Rng + ?Sized,
    {
        self.check_representable::<T::Elem>(&d)?;
        match d {
            ElementDistribution::Constant(v) => {
                let v = T::Elem::from_f64(v);
                target.for_each_mut(|x| *x = v);
            }
            ElementDistribution::Uniform { low, high } => {
                let (lo, hi) = (
                    Compute::<T::Elem>::from_f64(low),
                    Compute::<T::Elem>::from_f64(high),
                );
                let uniform = rand_distr::Uniform::new(lo, hi)
                    .map_err(|_| self.range_error::<T::Elem>(low, high))?;
                if T::Elem::NARROW {
                    // rounding may reach `high` rounded: one ulp below it instead
                    let below = T::Elem::from_f64(high).next_down();
                    let min = T::Elem::from_f64(-T::Elem::MAX);
                    target.for_each_mut(|x| {
                        *x = clamp_into(T::Elem::from_compute(uniform.sample(rng)), min, below);
                    });
                } else {
                    target.for_each_mut(|x| *x = T::Elem::from_compute(uniform.sample(rng)));
                }
            }
            ElementDistribution::Normal { mean, std } => {
                let (m, s) = (
                    Compute::<T::Elem>::from_f64(mean),
                    Compute::<T::Elem>::from_f64(std),
                );
                target.for_each_mut(|x| {
                    *x = T::Elem::from_compute(Compute::<T::Elem>::standard_normal(rng) * s + m);
                });
            }
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => {
                let tn = TruncatedStandardNormal::new((low - mean) / std, (high - mean) / std);
                // Sampled in f64 (tail arithmetic), clamped against the last-bit rounding of
                // mean + std·z, then rounded once: rounding is monotone, so the value stays
                // within the bounds as rounded to the element type. The half types round the
                // f32 value, then step off the bounds (`check_representable` saw room inside).
                let draw = |rng: &mut R| {
                    let v = (mean + std * tn.sample(rng)).clamp(low, high);
                    T::Elem::from_compute(Compute::<T::Elem>::from_f64(v))
                };
                match strict_interior::<T::Elem>(low, high) {
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

/// Writes `value(a, b, at_centre)` to every element of `target`, in logical order.
fn write_grid<T: Target + ?Sized>(
    target: &mut T,
    grid: &Grid,
    mut value: impl FnMut(usize, usize, bool) -> T::Elem,
) {
    let mut coords = grid.coords();
    target.for_each_mut(|x| {
        if let Some((a, b, centre)) = coords.next() {
            *x = value(a, b, centre);
        }
    });
}
