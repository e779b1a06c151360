//! What a scheme does for one shape: [`Init::resolve`] and the plan that [`Init::fill`] executes.

use crate::TRUNC_2SIGMA_STD;
use crate::error::{ErrorKind, InitError};
use crate::fans::{AxisRoles, FanMode, Fans, Role, checked_len};
use crate::init::{Distribution, Init, Scheme};
use crate::truncnorm::TruncatedStandardNormal;

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
    fn truncated_standard(mean: f64, std: f64, low: f64, high: f64) -> TruncatedStandardNormal {
        TruncatedStandardNormal::new((low - mean) / std, (high - mean) / std)
    }

    /// The mean of one element.
    pub fn mean(&self) -> f64 {
        match *self {
            ElementDistribution::Constant(v) => v,
            ElementDistribution::Uniform { low, high } => low / 2.0 + high / 2.0,
            ElementDistribution::Normal { mean, .. } => mean,
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => mean + std * Self::truncated_standard(mean, std, low, high).mean_std().0,
        }
    }

    /// The standard deviation of one element (after truncation, for the truncated normal).
    pub fn std(&self) -> f64 {
        match *self {
            ElementDistribution::Constant(_) => 0.0,
            ElementDistribution::Uniform { low, high } => {
                (high / 2.0 - low / 2.0) * 2.0 / 12f64.sqrt()
            }
            ElementDistribution::Normal { std, .. } => std,
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => std * Self::truncated_standard(mean, std, low, high).mean_std().1,
        }
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
            ElementDistribution::Normal { mean, std } => {
                crate::special::std_normal_cdf((x - mean) / std)
            }
            ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => crate::stats::truncated_normal_cdf(x, mean, std, low, high),
        }
    }

    /// The same distribution with every value multiplied by `factor` (finite).
    fn scaled(self, factor: f64) -> Self {
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
    fn jax_truncated(mean: f64, std: f64) -> Self {
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
    fn collapse_point_mass(self) -> Self {
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
    /// ±40σ for the normal (beyond any value the ziggurat returns).
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

/// What [`Init::fill`] would do for one shape, computed without sampling.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The scheme's name.
    pub scheme: &'static str,
    /// The shape it was resolved for.
    pub shape: Vec<usize>,
    /// The fans used (explicit ones, or those of the shape under the layout); `None` when the
    /// shape has none (rank < 2) and none were given.
    pub fans: Option<Fans>,
    /// For element-wise schemes, the distribution of every element; `None` for structured
    /// schemes (orthogonal, eye, dirac, delta-orthogonal, sparse) and empty shapes.
    pub distribution: Option<ElementDistribution>,
    /// Expected mean of the values.
    pub mean: f64,
    /// Expected standard deviation of the values over the whole parameter (the "target std" of
    /// a report). For structured schemes, that of the fixed pattern (eye, dirac) or its
    /// expectation (orthogonal: gain·√(min(r, c)/(r·c)); sparse: std·√(1 − zeros/rows)).
    pub std: f64,
}

/// How to fill a shape: the validated, fully derived form of an [`Init`].
#[derive(Clone, Debug)]
pub(crate) enum Plan {
    /// Nothing to write (zero elements).
    Empty,
    /// Every element drawn independently.
    Elementwise(ElementDistribution),
    /// Rank 2: `value` on the diagonal.
    Eye { cols: usize, value: f64 },
    /// Identity convolution.
    Dirac {
        grid: Grid,
        out_per_group: usize,
        value: f64,
    },
    /// Orthogonal (rows = output axes, cols = the rest).
    #[cfg(feature = "orthogonal")]
    Orthogonal { grid: Grid, value: f64 },
    /// Orthogonal centre tap.
    #[cfg(feature = "orthogonal")]
    DeltaOrthogonal { grid: Grid, value: f64 },
    /// Rank 2, `zeros` zeros per column, the rest N(0, std²).
    Sparse { grid: Grid, zeros: usize, std: f64 },
}

/// A shape seen as a matrix: `a` indexes the output units, `b` the inputs (or the rest), and
/// the remaining axes are taps with a centre.
#[derive(Clone, Debug)]
pub(crate) struct Grid {
    pub(crate) shape: Vec<usize>,
    pub(crate) a_stride: Vec<usize>,
    pub(crate) b_stride: Vec<usize>,
    pub(crate) tap: Vec<bool>,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
}

impl Grid {
    /// `a` ravels the axes for which `is_a` holds, `b` those for which `is_b` holds, and the
    /// others are taps.
    fn new(
        shape: &[usize],
        roles: &AxisRoles,
        is_a: impl Fn(Role) -> bool,
        is_b: impl Fn(Role) -> bool,
    ) -> Self {
        let rank = shape.len();
        let (mut a_stride, mut b_stride) = (vec![0; rank], vec![0; rank]);
        let (mut rows, mut cols) = (1usize, 1usize);
        for k in (0..rank).rev() {
            let r = roles.role[k];
            if is_a(r) {
                a_stride[k] = rows;
                rows *= shape[k];
            } else if is_b(r) {
                b_stride[k] = cols;
                cols *= shape[k];
            }
        }
        let tap = roles.role.iter().map(|&r| !is_a(r) && !is_b(r)).collect();
        Grid {
            shape: shape.to_vec(),
            a_stride,
            b_stride,
            tap,
            rows,
            cols,
        }
    }

    /// The coordinates `(a, b, at_centre)` of every element, in logical row-major order.
    pub(crate) fn coords(&self) -> GridIter<'_> {
        let rank = self.shape.len();
        GridIter {
            off_centre: (0..rank)
                .filter(|&k| self.tap[k] && self.shape[k] / 2 != 0)
                .count(),
            grid: self,
            idx: vec![0; rank],
            a: 0,
            b: 0,
            left: self.shape.iter().product(),
        }
    }
}

/// Iterator behind [`Grid::coords`]: an odometer over the shape that keeps `a`, `b` and the
/// number of tap axes away from their centre up to date.
pub(crate) struct GridIter<'g> {
    grid: &'g Grid,
    idx: Vec<usize>,
    a: usize,
    b: usize,
    off_centre: usize,
    left: usize,
}

impl Iterator for GridIter<'_> {
    type Item = (usize, usize, bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = (self.a, self.b, self.off_centre == 0);
        let g = self.grid;
        for k in (0..g.shape.len()).rev() {
            let centre = g.shape[k] / 2;
            let was_centre = self.idx[k] == centre;
            self.idx[k] += 1;
            let wrapped = self.idx[k] == g.shape[k];
            if wrapped {
                self.idx[k] = 0;
                self.a -= g.a_stride[k] * (g.shape[k] - 1);
                self.b -= g.b_stride[k] * (g.shape[k] - 1);
            } else {
                self.a += g.a_stride[k];
                self.b += g.b_stride[k];
            }
            if g.tap[k] {
                let is_centre = self.idx[k] == centre;
                self.off_centre =
                    self.off_centre + usize::from(was_centre) - usize::from(is_centre);
            }
            if !wrapped {
                break;
            }
        }
        Some(item)
    }
}

fn finite(init: &Init, name: &'static str, value: f64) -> Result<f64, InitError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(init.err(ErrorKind::InvalidParameter {
            name,
            value,
            expected: "finite",
        }))
    }
}

fn std_param(init: &Init, name: &'static str, value: f64) -> Result<f64, InitError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(init.err(ErrorKind::InvalidParameter {
            name,
            value,
            expected: "finite and >= 0",
        }))
    }
}

fn range(init: &Init, low: f64, high: f64) -> Result<(), InitError> {
    if low.is_nan() || high.is_nan() {
        let (name, value) = if low.is_nan() {
            ("low", low)
        } else {
            ("high", high)
        };
        return Err(init.err(ErrorKind::InvalidParameter {
            name,
            value,
            expected: "a number",
        }));
    }
    if low < high {
        Ok(())
    } else {
        Err(init.err(ErrorKind::EmptyRange { low, high }))
    }
}

impl Init {
    /// What [`fill`](Init::fill) would do for a parameter of this shape, without sampling: the
    /// fans, and for element-wise schemes the distribution of one element. Validates exactly as
    /// `fill` does.
    ///
    /// ```
    /// use init_core::{Init, ElementDistribution};
    /// let r = Init::glorot_uniform().resolve(&[3, 5]).unwrap();
    /// let bound = (6.0f64 / 8.0).sqrt();
    /// assert_eq!(r.distribution, Some(ElementDistribution::Uniform { low: -bound, high: bound }));
    /// let t = Init::he_normal().truncated().resolve(&[64, 32]).unwrap();
    /// assert!((t.std - (2.0f64 / 32.0).sqrt()).abs() < 1e-12);
    /// ```
    pub fn resolve(&self, shape: &[usize]) -> Result<Resolved, InitError> {
        let (plan, fans) = self.plan(shape)?;
        let len = checked_len(shape).unwrap_or(0) as f64;
        let (distribution, mean, std) = match &plan {
            Plan::Empty => (None, 0.0, 0.0),
            Plan::Elementwise(d) => (Some(*d), d.mean(), d.std()),
            Plan::Eye { cols, value } => {
                let rows = len / *cols as f64;
                pattern_moments(*value, rows.min(*cols as f64), len)
            }
            Plan::Dirac {
                grid,
                out_per_group,
                value,
            } => {
                let groups = grid.rows / out_per_group;
                let count = (*out_per_group).min(grid.cols) * groups;
                pattern_moments(*value, count as f64, len)
            }
            #[cfg(feature = "orthogonal")]
            Plan::Orthogonal { grid, value } => {
                let k = grid.rows.min(grid.cols) as f64;
                (None, 0.0, value.abs() * (k / len).sqrt())
            }
            #[cfg(feature = "orthogonal")]
            Plan::DeltaOrthogonal { grid, value } => {
                (None, 0.0, value.abs() * (grid.cols as f64 / len).sqrt())
            }
            Plan::Sparse { grid, zeros, std } => {
                let keep = (grid.rows - zeros) as f64 / grid.rows as f64;
                (None, 0.0, std * keep.sqrt())
            }
        };
        Ok(Resolved {
            scheme: self.name(),
            shape: shape.to_vec(),
            fans,
            distribution,
            mean,
            std,
        })
    }

    /// The fans this scheme uses for a parameter of `shape`: the explicit ones where given,
    /// the shape's under the layout for the others. An error when neither gives them (rank
    /// below 2 without explicit fans, bad axes).
    ///
    /// ```
    /// use init_core::{Init, Fans, Layout};
    /// let fans = Init::he_normal().layout(Layout::InOut).fans_for(&[3, 3, 16, 32]).unwrap();
    /// assert_eq!(fans, Fans { fan_in: 144, fan_out: 288 });
    /// assert!(Init::he_normal().fans_for(&[16]).is_err());
    /// assert_eq!(Init::zeros().fans(5, 7).fans_for(&[16]).unwrap(), Fans { fan_in: 5, fan_out: 7 });
    /// ```
    pub fn fans_for(&self, shape: &[usize]) -> Result<Fans, InitError> {
        if let (Some(fan_in), Some(fan_out)) = (self.fan_in, self.fan_out) {
            return Ok(Fans { fan_in, fan_out });
        }
        let f = Fans::compute(shape, &self.layout).map_err(|k| self.err(k))?;
        Ok(Fans {
            fan_in: self.fan_in.unwrap_or(f.fan_in),
            fan_out: self.fan_out.unwrap_or(f.fan_out),
        })
    }

    /// Validates and derives everything `fill` needs for `shape`.
    pub(crate) fn plan(&self, shape: &[usize]) -> Result<(Plan, Option<Fans>), InitError> {
        let scale = finite(self, "scale", self.scale)?;
        let gain = match self.gain {
            Some(g) => Some(g.checked_value(self.name())?),
            None => None,
        };
        let is_fan = matches!(self.scheme, Scheme::Fan { .. });
        if self.mode.is_some() && !is_fan {
            return Err(self.err(ErrorKind::ModifierNotApplicable { modifier: "mode" }));
        }
        let normal_kind = matches!(
            self.scheme,
            Scheme::Normal { .. }
                | Scheme::Fan {
                    distribution: Distribution::Normal | Distribution::TruncatedNormal,
                    ..
                }
        );
        if self.truncated && !normal_kind {
            return Err(self.err(ErrorKind::ModifierNotApplicable {
                modifier: "truncated",
            }));
        }
        for (name, fan) in [("fan_in", self.fan_in), ("fan_out", self.fan_out)] {
            if fan == Some(0) {
                return Err(self.err(ErrorKind::InvalidParameter {
                    name,
                    value: 0.0,
                    expected: "> 0",
                }));
            }
        }
        self.check_scalars()?;
        let len = checked_len(shape).map_err(|k| self.err(k))?;
        let shape_fans = Fans::compute(shape, &self.layout);
        let fans = match (&shape_fans, self.fan_in, self.fan_out) {
            (_, Some(fan_in), Some(fan_out)) => Some(Fans { fan_in, fan_out }),
            (Ok(f), fan_in, fan_out) => Some(Fans {
                fan_in: fan_in.unwrap_or(f.fan_in),
                fan_out: fan_out.unwrap_or(f.fan_out),
            }),
            (Err(_), _, _) => None,
        };
        if len == 0 {
            return Ok((Plan::Empty, fans));
        }
        // Factor applied to the values of the plain distributions.
        let factor = gain.unwrap_or(1.0) * scale;
        let structured_value = gain.unwrap_or(1.0) * scale;
        let plan = match self.scheme {
            Scheme::Constant(v) => {
                Plan::Elementwise(ElementDistribution::Constant(v).scaled(factor))
            }
            Scheme::Uniform { low, high } => {
                Plan::Elementwise(ElementDistribution::Uniform { low, high }.scaled(factor))
            }
            Scheme::Normal { mean, std } => {
                let d = if self.truncated {
                    ElementDistribution::jax_truncated(mean, std)
                } else {
                    ElementDistribution::Normal { mean, std }
                };
                Plan::Elementwise(d.scaled(factor))
            }
            Scheme::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => Plan::Elementwise(
                self.truncated_normal_dist(mean, std, low, high)?
                    .scaled(factor),
            ),
            Scheme::TruncatedNormalSigmas { mean, std, sigmas } => {
                let d = if std == 0.0 {
                    ElementDistribution::Constant(mean)
                } else {
                    ElementDistribution::TruncatedNormal {
                        mean,
                        std,
                        low: mean - sigmas * std,
                        high: mean + sigmas * std,
                    }
                };
                Plan::Elementwise(d.scaled(factor))
            }
            Scheme::Fan {
                family,
                distribution,
            } => {
                let mode = self.mode.unwrap_or(family.default_mode());
                let pick = |explicit: Option<usize>, which: fn(&Fans) -> usize| match explicit {
                    Some(n) => Ok(n),
                    None => shape_fans
                        .as_ref()
                        .map(which)
                        .map_err(|k| self.err(k.clone())),
                };
                let fan_in = || pick(self.fan_in, |f| f.fan_in);
                let fan_out = || pick(self.fan_out, |f| f.fan_out);
                let n = match mode {
                    FanMode::FanIn => fan_in()? as f64,
                    FanMode::FanOut => fan_out()? as f64,
                    FanMode::FanAvg => (fan_in()? as f64 + fan_out()? as f64) / 2.0,
                    FanMode::FanGeoAvg => (fan_in()? as f64 * fan_out()? as f64).sqrt(),
                };
                let g = gain.unwrap_or(family.default_gain().value());
                let var = g * g * family.base() / n;
                if !var.is_finite() {
                    return Err(self.err(ErrorKind::NotRepresentable {
                        what: "variance",
                        value: var,
                        dtype: "f64",
                    }));
                }
                let std = var.sqrt();
                let d = match distribution {
                    Distribution::Uniform => {
                        let bound = (3.0 * var).sqrt();
                        if bound == 0.0 {
                            ElementDistribution::Constant(0.0)
                        } else {
                            ElementDistribution::Uniform {
                                low: -bound,
                                high: bound,
                            }
                        }
                    }
                    Distribution::Normal if !self.truncated => {
                        ElementDistribution::Normal { mean: 0.0, std }
                    }
                    _ => ElementDistribution::jax_truncated(0.0, std),
                };
                Plan::Elementwise(d.scaled(scale))
            }
            Scheme::Eye => {
                if shape.len() != 2 {
                    return Err(self.rank_err(shape.len(), "exactly 2"));
                }
                Plan::Eye {
                    cols: shape[1],
                    value: structured_value,
                }
            }
            Scheme::Dirac { groups } => {
                let grid = self.conv_grid(shape)?;
                if groups == 0 || grid.rows % groups != 0 {
                    return Err(self.err(ErrorKind::GroupsMismatch {
                        groups,
                        out_channels: grid.rows,
                    }));
                }
                Plan::Dirac {
                    out_per_group: grid.rows / groups,
                    grid,
                    value: structured_value,
                }
            }
            #[cfg(feature = "orthogonal")]
            Scheme::DeltaOrthogonal => {
                let grid = self.conv_grid(shape)?;
                if grid.cols > grid.rows {
                    return Err(self.err(ErrorKind::InExceedsOut {
                        in_channels: grid.cols,
                        out_channels: grid.rows,
                    }));
                }
                Plan::DeltaOrthogonal {
                    grid,
                    value: structured_value,
                }
            }
            #[cfg(feature = "orthogonal")]
            Scheme::Orthogonal => {
                let roles = self.roles(shape, 2, "at least 2")?;
                let grid = Grid::new(shape, &roles, |r| r == Role::Out, |r| r != Role::Out);
                Plan::Orthogonal {
                    grid,
                    value: structured_value,
                }
            }
            Scheme::Sparse { sparsity, std } => {
                if shape.len() != 2 {
                    return Err(self.rank_err(shape.len(), "exactly 2"));
                }
                let roles = self.roles(shape, 2, "exactly 2")?;
                let grid = Grid::new(shape, &roles, |r| r == Role::Out, |r| r == Role::In);
                // PyTorch: int(math.ceil(sparsity * rows))
                let zeros = ((sparsity * grid.rows as f64).ceil() as usize).min(grid.rows);
                Plan::Sparse {
                    grid,
                    zeros,
                    std: std * factor.abs(),
                }
            }
        };
        let plan = match plan {
            Plan::Elementwise(d) => Plan::Elementwise(d.collapse_point_mass()),
            other => other,
        };
        if let Plan::Elementwise(d) = &plan {
            let m = d.magnitude();
            if !m.is_finite() {
                return Err(self.err(ErrorKind::NotRepresentable {
                    what: "value range",
                    value: m,
                    dtype: "f64",
                }));
            }
        }
        Ok((plan, fans))
    }

    fn rank_err(&self, rank: usize, expected: &'static str) -> InitError {
        self.err(ErrorKind::UnsupportedRank { rank, expected })
    }

    fn roles(
        &self,
        shape: &[usize],
        min_rank: usize,
        expected: &'static str,
    ) -> Result<AxisRoles, InitError> {
        if shape.len() < min_rank {
            return Err(self.rank_err(shape.len(), expected));
        }
        self.layout.roles(shape.len()).map_err(|k| self.err(k))
    }

    /// Outputs × inputs, the other axes taps (rank ≥ 3).
    fn conv_grid(&self, shape: &[usize]) -> Result<Grid, InitError> {
        let roles = self.roles(shape, 3, "at least 3")?;
        Ok(Grid::new(
            shape,
            &roles,
            |r| r == Role::Out,
            |r| r == Role::In,
        ))
    }

    fn truncated_normal_dist(
        &self,
        mean: f64,
        std: f64,
        low: f64,
        high: f64,
    ) -> Result<ElementDistribution, InitError> {
        if std == 0.0 {
            return if (low..=high).contains(&mean) {
                Ok(ElementDistribution::Constant(mean))
            } else {
                Err(self.err(ErrorKind::DegenerateTruncation { mean, low, high }))
            };
        }
        Ok(ElementDistribution::TruncatedNormal {
            mean,
            std,
            low,
            high,
        })
    }

    /// Checks the scheme's own numeric parameters.
    fn check_scalars(&self) -> Result<(), InitError> {
        match self.scheme {
            Scheme::Constant(v) => {
                finite(self, "value", v)?;
            }
            Scheme::Uniform { low, high } => {
                finite(self, "low", low)?;
                finite(self, "high", high)?;
                range(self, low, high)?;
            }
            Scheme::Normal { mean, std } => {
                finite(self, "mean", mean)?;
                std_param(self, "std", std)?;
            }
            Scheme::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => {
                finite(self, "mean", mean)?;
                std_param(self, "std", std)?;
                range(self, low, high)?;
            }
            Scheme::TruncatedNormalSigmas { mean, std, sigmas } => {
                finite(self, "mean", mean)?;
                std_param(self, "std", std)?;
                if !(sigmas.is_finite() && sigmas > 0.0) {
                    return Err(self.err(ErrorKind::InvalidParameter {
                        name: "sigmas",
                        value: sigmas,
                        expected: "finite and > 0",
                    }));
                }
            }
            Scheme::Fan {
                family: crate::init::Family::VarianceScaling(s),
                ..
            } => {
                std_param(self, "variance scale", s)?;
            }
            Scheme::Sparse { sparsity, std } => {
                if !(0.0..=1.0).contains(&sparsity) {
                    return Err(self.err(ErrorKind::InvalidParameter {
                        name: "sparsity",
                        value: sparsity,
                        expected: "in [0, 1]",
                    }));
                }
                std_param(self, "std", std)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Mean and population std of `count` copies of `value` among `len` elements, the rest zero.
fn pattern_moments(value: f64, count: f64, len: f64) -> (Option<ElementDistribution>, f64, f64) {
    let p = count / len;
    let mean = value * p;
    (None, mean, value.abs() * (p * (1.0 - p)).sqrt())
}
