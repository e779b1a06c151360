//! The law of one element: [`ElementDistribution`], the public description, and [`Law`], the
//! same validated and prepared once (the truncated normal standardised), which every sampler
//! consumes: the rng stream, the keyed f32 and f64 kernels and half precision. The
//! half-precision rounding policy and the element-type check live here too, once.

use crate::error::ErrorKind;
use crate::math::special::std_normal_cdf;
use crate::math::truncnorm::{TRUNC_2SIGMA_STD, TruncatedStandardNormal, truncated_normal_cdf};
use crate::param::element::{Float, strict_interior};

/// The distribution of one element of an element-wise scheme, after every modifier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ElementDistribution {
    /// Every element equals the value.
    Constant(f64),
    /// U(low, high) on `[low, high)`.
    Uniform {
        /// Lower bound (inclusive).
        low: f64,
        /// Upper bound (exclusive).
        high: f64,
    },
    /// N(mean, std²).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// N(mean, std²) conditioned on `[low, high]`; `mean` and `std` are the parameters
    /// before truncation (see [`ElementDistribution::mean`] and [`ElementDistribution::std`]
    /// for the moments after).
    TruncatedNormal {
        /// Mean before truncation.
        mean: f64,
        /// Std before truncation (> 0).
        std: f64,
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
}

impl ElementDistribution {
    /// The mean of one element.
    pub fn mean(&self) -> f64 {
        self.law().mean()
    }

    /// The standard deviation of one element (after truncation, for the truncated normal).
    pub fn std(&self) -> f64 {
        self.law().std()
    }

    /// The support `(low, high)`; infinite for the normal.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            ElementDistribution::Constant(v) => (v, v),
            ElementDistribution::Uniform { low, high }
            | ElementDistribution::TruncatedNormal { low, high, .. } => (low, high),
            ElementDistribution::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// The exact cumulative distribution function at `x`, for goodness-of-fit tests.
    pub fn cdf(&self, x: f64) -> f64 {
        match *self {
            ElementDistribution::Constant(v) => {
                if x < v {
                    0.0
                } else {
                    1.0
                }
            }
            ElementDistribution::Uniform { low, high } => {
                ((x - low) / (high - low)).clamp(0.0, 1.0)
            }
            ElementDistribution::Normal { mean, std } => std_normal_cdf((x - mean) / std),
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => truncated_normal_cdf(x, mean, std, low, high),
        }
    }

    /// The prepared form of this law (the truncated normal standardised).
    pub(crate) fn law(self) -> Law {
        match self {
            ElementDistribution::Constant(v) => Law::Constant(v),
            ElementDistribution::Uniform { low, high } => Law::Uniform { low, high },
            ElementDistribution::Normal { mean, std } => Law::Normal { mean, std },
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => {
                // the one place a truncation interval is standardised
                let standard =
                    TruncatedStandardNormal::new((low - mean) / std, (high - mean) / std);
                let (a, b) = standard.bounds();
                let erf = |z: f64| libm::erf(z * std::f64::consts::FRAC_1_SQRT_2);
                Law::Truncated(Truncation {
                    mean,
                    std,
                    low,
                    high,
                    standard,
                    erf_bounds: (erf(a), erf(b)),
                })
            }
        }
    }

    /// The same distribution with every value multiplied by `factor` (finite).
    pub(crate) fn scaled(self, factor: f64) -> Self {
        if factor == 1.0 {
            return self;
        }
        if factor == 0.0 {
            return ElementDistribution::Constant(0.0);
        }
        let sorted = |a: f64, b: f64| if a <= b { (a, b) } else { (b, a) };
        match self {
            ElementDistribution::Constant(v) => ElementDistribution::Constant(v * factor),
            ElementDistribution::Uniform { low, high } => {
                let (low, high) = sorted(low * factor, high * factor);
                ElementDistribution::Uniform { low, high }
            }
            ElementDistribution::Normal { mean, std } => ElementDistribution::Normal {
                mean: mean * factor,
                std: std * factor.abs(),
            },
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => {
                let (low, high) = sorted(low * factor, high * factor);
                ElementDistribution::TruncatedNormal {
                    mean: mean * factor,
                    std: std * factor.abs(),
                    low,
                    high,
                }
            }
        }
    }

    /// The JAX/Keras corrected truncation of N(mean, std²): ±2σ with σ = std / 0.8796….
    pub(crate) fn jax_truncated(mean: f64, std: f64) -> Self {
        if std == 0.0 {
            return ElementDistribution::Constant(mean);
        }
        let sigma = std / TRUNC_2SIGMA_STD;
        ElementDistribution::TruncatedNormal {
            mean,
            std: sigma,
            low: mean - 2.0 * sigma,
            high: mean + 2.0 * sigma,
        }
    }

    /// A truncated normal whose standardised bounds round together (a std tiny next to the
    /// distance from the mean to the interval) is, to f64 precision, the point mass at the
    /// bound nearest the mean.
    pub(crate) fn collapse_point_mass(self) -> Self {
        match self {
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } if (low - mean) / std >= (high - mean) / std => {
                ElementDistribution::Constant(mean.clamp(low, high))
            }
            other => other,
        }
    }

    /// The largest magnitude a value can take, for representability checks: the support, or
    /// ±40σ for the normal (beyond any value the samplers return).
    pub(crate) fn magnitude(&self) -> f64 {
        let (low, high) = match *self {
            ElementDistribution::Normal { mean, std } => (mean - 40.0 * std, mean + 40.0 * std),
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => (low.max(mean - 40.0 * std), high.min(mean + 40.0 * std)),
            other => other.support(),
        };
        low.abs().max(high.abs())
    }
}

/// An element's law, validated and prepared: what every sampler consumes. Made by
/// [`ElementDistribution::law`]; [`Law::dist`] gives the description back.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Law {
    /// Every element equals the value.
    Constant(f64),
    /// U(low, high) on `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// N(mean, std²).
    Normal { mean: f64, std: f64 },
    /// N(mean, std²) conditioned on `[low, high]`.
    Truncated(Truncation),
}

/// A truncated normal with its standardised form.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Truncation {
    /// Mean before truncation.
    pub(crate) mean: f64,
    /// Std before truncation (> 0).
    pub(crate) std: f64,
    /// Lower bound.
    pub(crate) low: f64,
    /// Upper bound.
    pub(crate) high: f64,
    /// The standard normal on `[(low − mean)/std, (high − mean)/std]`.
    pub(crate) standard: TruncatedStandardNormal,
    /// `(erf(a/√2), erf(b/√2))` of the standardised bounds `a`, `b` (`a·(1/√2)` in f64,
    /// `libm::erf`): the interval in the inverse CDF's variable, computed once here rather than
    /// by each chunk a kernel writes.
    pub(crate) erf_bounds: (f64, f64),
}

impl Law {
    /// The public description.
    pub(crate) fn dist(&self) -> ElementDistribution {
        match *self {
            Law::Constant(v) => ElementDistribution::Constant(v),
            Law::Uniform { low, high } => ElementDistribution::Uniform { low, high },
            Law::Normal { mean, std } => ElementDistribution::Normal { mean, std },
            Law::Truncated(t) => ElementDistribution::TruncatedNormal {
                mean: t.mean,
                std: t.std,
                low: t.low,
                high: t.high,
            },
        }
    }

    /// The mean of one element.
    pub(crate) fn mean(&self) -> f64 {
        match *self {
            Law::Constant(v) => v,
            Law::Uniform { low, high } => low / 2.0 + high / 2.0,
            Law::Normal { mean, .. } => mean,
            Law::Truncated(t) => t.mean + t.std * t.standard.mean_std().0,
        }
    }

    /// The standard deviation of one element (after truncation).
    pub(crate) fn std(&self) -> f64 {
        match *self {
            Law::Constant(_) => 0.0,
            Law::Uniform { low, high } => (high / 2.0 - low / 2.0) * 2.0 / 12f64.sqrt(),
            Law::Normal { std, .. } => std,
            Law::Truncated(t) => t.std * t.standard.mean_std().1,
        }
    }

    /// Checks that every value the law can take, and a uniform's width, fit in `F`; for the
    /// half types, also that a truncated normal has values strictly inside its bounds.
    pub(crate) fn check<F: Float>(&self) -> Result<(), ErrorKind> {
        let dist = self.dist();
        fits::<F>("value range", dist.magnitude())?;
        match *self {
            Law::Uniform { low, high } => {
                let (lo, hi) = (F::from_f64(low), F::from_f64(high));
                if !(lo < hi && (hi.to_f64() - lo.to_f64()) <= F::MAX) {
                    return Err(ErrorKind::NotRepresentable {
                        what: "uniform range",
                        value: high - low,
                        dtype: F::NAME,
                    });
                }
            }
            Law::Truncated(t) if F::NARROW && strict_interior::<F>(t.low, t.high).is_none() => {
                return Err(ErrorKind::NotRepresentable {
                    what: "truncation interval (no value strictly inside)",
                    value: t.high - t.low,
                    dtype: F::NAME,
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// The half-precision rounding policy, the one place it is written: a value computed in
    /// f32 is rounded once to `F`, then kept in the range this returns — below a uniform's upper
    /// bound (`uniform_upper`, as the sampler computes it) and strictly inside a truncation
    /// interval, moving one ulp inward where rounding reached a bound. `None`: nothing to keep.
    /// Bounds without a value strictly inside were refused by [`check`](Law::check).
    pub(crate) fn narrow_range<F: Float>(&self, uniform_upper: f64) -> Option<(F, F)> {
        match *self {
            Law::Uniform { .. } => {
                Some((F::from_f64(-F::MAX), F::from_f64(uniform_upper).next_down()))
            }
            Law::Truncated(t) => strict_interior::<F>(t.low, t.high),
            Law::Constant(_) | Law::Normal { .. } => None,
        }
    }
}

/// `value` rounded to `F`, or [`ErrorKind::NotRepresentable`] when it overflows `F`.
pub(crate) fn fits<F: Float>(what: &'static str, value: f64) -> Result<F, ErrorKind> {
    if value.abs() <= F::MAX {
        Ok(F::from_f64(value))
    } else {
        Err(ErrorKind::NotRepresentable {
            what,
            value,
            dtype: F::NAME,
        })
    }
}
