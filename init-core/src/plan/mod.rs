//! What a scheme does for one shape, decided before any number is drawn: [`Init::plan`] turns
//! an [`Init`] and a shape into a [`Plan`] — the [`Law`] of one element for element-wise
//! schemes, a structured recipe over a [`Grid`] for the others — in separate steps: validate
//! (`validate.rs`), then fans (`fans.rs`), then the law. [`Init::resolve`] reports a plan
//! (`resolve.rs`); the samplers execute one.

pub(crate) mod blocks;
pub(crate) mod fans;
pub(crate) mod grid;
pub(crate) mod law;
pub(crate) mod resolve;
pub(crate) mod validate;

use self::fans::PlanFans;
use self::grid::Grid;
use self::law::{ElementDistribution, Law, fits};
use self::validate::Checked;
use crate::error::{ErrorKind, InitError};
use crate::param::element::Float;
use crate::param::shape::count;
use crate::scheme::fans::{AxisRoles, Fans, Role};
use crate::scheme::init::{Distribution, Family, Init, Scheme};

/// How to fill a shape: the validated, fully derived form of an [`Init`].
#[derive(Clone, Debug)]
pub(crate) enum Plan {
    /// Nothing to write (zero elements).
    Empty,
    /// Every element drawn independently from one law.
    Elementwise(Law),
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
    /// Block by block ([`Init::blocks`]).
    Blocks(Box<Blocked>),
}

impl Plan {
    /// The plan's last step, per element type: every value it can write fits in `F` (and, for
    /// the half types, a truncation interval holds values of `F` strictly inside).
    pub(crate) fn check_element<F: Float>(&self) -> Result<(), ErrorKind> {
        match self {
            Plan::Empty => Ok(()),
            Plan::Elementwise(law) => law.check::<F>(),
            Plan::Eye { value, .. } | Plan::Dirac { value, .. } => {
                fits::<F>("value", *value).map(drop)
            }
            #[cfg(feature = "orthogonal")]
            Plan::Orthogonal { value, .. } | Plan::DeltaOrthogonal { value, .. } => {
                fits::<F>("gain", *value).map(drop)
            }
            Plan::Sparse { std, .. } => fits::<F>("value range", 40.0 * std).map(drop),
            Plan::Blocks(b) => b.plans.iter().try_for_each(Plan::check_element::<F>),
        }
    }
}

impl Init {
    /// Validates and derives everything a fill needs for `shape`, and the fans used (`None`
    /// when the shape has none and none were given).
    pub(crate) fn plan(&self, shape: &[usize]) -> Result<(Plan, Option<Fans>), InitError> {
        let checked = self.validate()?;
        let len = count(shape).map_err(|k| self.err(k))?;
        if self.is_blocked() {
            return self.plan_blocked(shape, len);
        }
        let fans = PlanFans::of(self, shape);
        let used = fans.both().ok();
        if len == 0 {
            return Ok((Plan::Empty, used));
        }
        let plan = self.law(shape, &checked, &fans)?;
        Ok((plan, used))
    }

    /// The plan's third step: each scheme's law — the distribution of one element, every
    /// modifier applied, for element-wise schemes; the grid and the value its pattern carries,
    /// for structured ones.
    pub(crate) fn law(
        &self,
        shape: &[usize],
        checked: &Checked,
        fans: &PlanFans,
    ) -> Result<Plan, InitError> {
        // Factor applied to the values of the plain distributions, and structured patterns.
        let factor = checked.gain.unwrap_or(1.0) * checked.scale;
        let elementwise = |d: ElementDistribution| self.elementwise(d.scaled(factor));
        Ok(match self.scheme {
            Scheme::Constant(v) => elementwise(ElementDistribution::Constant(v))?,
            Scheme::Uniform { low, high } => {
                elementwise(ElementDistribution::Uniform { low, high })?
            }
            Scheme::Normal { mean, std } => elementwise(if self.truncated {
                ElementDistribution::jax_truncated(mean, std)
            } else {
                ElementDistribution::Normal { mean, std }
            })?,
            Scheme::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => elementwise(self.truncation(mean, std, low, high)?)?,
            Scheme::TruncatedNormalSigmas { mean, std, sigmas } => elementwise(if std == 0.0 {
                ElementDistribution::Constant(mean)
            } else {
                ElementDistribution::TruncatedNormal {
                    mean,
                    std,
                    low: mean - sigmas * std,
                    high: mean + sigmas * std,
                }
            })?,
            Scheme::Fan {
                family,
                distribution,
            } => self.elementwise(self.fan_law(family, distribution, checked, fans)?)?,
            Scheme::Eye => {
                if shape.len() != 2 {
                    return Err(self.rank_err(shape.len(), "exactly 2"));
                }
                Plan::Eye {
                    cols: shape[1],
                    value: factor,
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
                    value: factor,
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
                    value: factor,
                }
            }
            #[cfg(feature = "orthogonal")]
            Scheme::Orthogonal => {
                let roles = self.roles(shape, 2, "at least 2")?;
                let grid = Grid::new(shape, &roles, |r| r == Role::Out, |r| r != Role::Out);
                Plan::Orthogonal {
                    grid,
                    value: factor,
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
        })
    }

    /// The law of the fan-based family: Var = gain²·base/n, n from the mode's fans, then the
    /// scale (the gain is in the variance).
    fn fan_law(
        &self,
        family: Family,
        distribution: Distribution,
        checked: &Checked,
        fans: &PlanFans,
    ) -> Result<ElementDistribution, InitError> {
        let mode = self.mode.unwrap_or(family.default_mode());
        let n = fans.n(mode).map_err(|k| self.err(k))?;
        let g = checked.gain.unwrap_or(family.default_gain().value());
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
        Ok(d.scaled(checked.scale))
    }

    /// An element-wise plan: a truncation narrower than f64 can tell is its point mass; every
    /// value must be finite in f64; then the law is prepared (standardised) once.
    fn elementwise(&self, d: ElementDistribution) -> Result<Plan, InitError> {
        let d = d.collapse_point_mass();
        let m = d.magnitude();
        if !m.is_finite() {
            // before `law()`, which standardises a truncated normal's bounds by its std
            return Err(self.err(ErrorKind::NotRepresentable {
                what: "value range",
                value: m,
                dtype: "f64",
            }));
        }
        let law = d.law();
        // what the widest element type refuses, every use refuses (`resolve`, `fill` of any
        // type): values beyond f64, a uniform's width beyond f64 (whose std would be infinite)
        law.check::<f64>().map_err(|k| self.err(k))?;
        Ok(Plan::Elementwise(law))
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

    /// PyTorch's `trunc_normal_(mean, std, low, high)`; std 0 is the constant `mean` when it
    /// lies inside the bounds.
    fn truncation(
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
}

/// A parameter of shape `shape` whose axis `axis` is split into `plans.len()` equal blocks,
/// block `b` filled by `plans[b]` as a parameter of shape `block_shape`.
///
/// In logical (row-major) order the parameter is a sequence of runs of
/// [`run`](Blocked::run) elements, run `r` holding the elements `prefix = r div k`,
/// `(r mod k)·run ..` of block `r mod k` (its own logical order): what both fills index by.
#[derive(Clone, Debug)]
pub(crate) struct Blocked {
    pub(crate) axis: usize,
    pub(crate) shape: Vec<usize>,
    pub(crate) block_shape: Vec<usize>,
    pub(crate) plans: Vec<Plan>,
}

impl Blocked {
    /// The number of blocks.
    pub(crate) fn k(&self) -> usize {
        self.plans.len()
    }

    /// Elements of one block per index of the axes before the split one: the block's length
    /// along the axis times the axes after it.
    pub(crate) fn run(&self) -> usize {
        self.block_shape[self.axis..].iter().product()
    }

    /// Elements of one block.
    pub(crate) fn block_len(&self) -> usize {
        self.block_shape.iter().product()
    }

    /// The block of run `r`, and where the run starts in the block's own logical order.
    pub(crate) fn run_at(&self, r: usize) -> (usize, usize) {
        (r % self.k(), (r / self.k()) * self.run())
    }

    /// The one law of every block, when all are element-wise with the same law (the common
    /// `blocks(k)` of an element-wise scheme: only the fans changed).
    pub(crate) fn shared_law(&self) -> Option<&Law> {
        let mut laws = self.plans.iter().map(|p| match p {
            Plan::Elementwise(law) => Some(law),
            _ => None,
        });
        let first = laws.next()??;
        laws.all(|l| l.is_some_and(|l| l.dist() == first.dist()))
            .then_some(first)
    }

    /// Whether the blocks follow each other in logical order (nothing before the split
    /// axis): then filling block after block is filling the whole in logical order.
    pub(crate) fn consecutive(&self) -> bool {
        self.shape[..self.axis].iter().product::<usize>() == 1
    }
}
