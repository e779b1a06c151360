//! Fans and layouts: which axes of a parameter are its inputs and outputs.

use std::borrow::Borrow;

use crate::error::{ErrorKind, InitError};
use crate::param::shape::count;

/// How a parameter's axes map to inputs, outputs and the receptive field.
///
/// - [`Layout::OutIn`] (the default) is PyTorch's: a weight is `(out, in, k1, k2, …)`, so
///   `fan_in = shape[1]·∏shape[2..]` and `fan_out = shape[0]·∏shape[2..]`.
/// - [`Layout::InOut`] is JAX's, Keras's and Flax's: `(k1, k2, …, in, out)`, so
///   `fan_in = shape[r−2]·∏shape[..r−2]` and `fan_out = shape[r−1]·∏shape[..r−2]`.
/// - [`Layout::Axes`] names the axes, as JAX's `in_axis`, `out_axis` and `batch_axis` do: the
///   product of the input axes times the receptive field (every axis that is neither input,
///   output nor batch) is `fan_in`; likewise for `fan_out`. Batch axes count in neither.
///
/// ```
/// use init_core::{Fans, Layout};
/// let conv = Fans::from_shape(&[64, 3, 7, 7], Layout::OutIn).unwrap();
/// assert_eq!((conv.fan_in, conv.fan_out), (147, 3136));
/// let keras = Fans::from_shape(&[7, 7, 3, 64], Layout::InOut).unwrap();
/// assert_eq!(keras, conv);
/// // an attention kernel (d_model, heads, head_dim): inputs on axis 0, outputs on axes 1 and 2
/// let attn = Fans::from_shape(&[512, 8, 64], Layout::axes([0], [1, 2])).unwrap();
/// assert_eq!((attn.fan_in, attn.fan_out), (512, 512));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// PyTorch: `(out, in, *kernel)`.
    #[default]
    OutIn,
    /// JAX / Keras / Flax: `(*kernel, in, out)`.
    InOut,
    /// Explicit axes.
    Axes(Axes),
}

/// Explicit axis roles for [`Layout::Axes`]. Negative axes count from the end, as in JAX.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Axes {
    /// Axes whose product is the number of inputs.
    pub in_axes: Vec<isize>,
    /// Axes whose product is the number of outputs.
    pub out_axes: Vec<isize>,
    /// Axes that index independent parameters (counted in neither fan).
    pub batch_axes: Vec<isize>,
}

impl Layout {
    /// An explicit layout with the given input and output axes and no batch axes.
    pub fn axes(
        in_axes: impl IntoIterator<Item = isize>,
        out_axes: impl IntoIterator<Item = isize>,
    ) -> Self {
        Layout::Axes(Axes {
            in_axes: in_axes.into_iter().collect(),
            out_axes: out_axes.into_iter().collect(),
            batch_axes: Vec::new(),
        })
    }

    /// The same explicit layout with batch axes; other layouts become explicit first
    /// (`OutIn` as in `[1]`, out `[0]`; `InOut` as in `[-2]`, out `[-1]`).
    #[must_use]
    pub fn with_batch_axes(self, batch_axes: impl IntoIterator<Item = isize>) -> Self {
        let mut axes = match self {
            Layout::OutIn => Axes {
                in_axes: vec![1],
                out_axes: vec![0],
                batch_axes: Vec::new(),
            },
            Layout::InOut => Axes {
                in_axes: vec![-2],
                out_axes: vec![-1],
                batch_axes: Vec::new(),
            },
            Layout::Axes(axes) => axes,
        };
        axes.batch_axes = batch_axes.into_iter().collect();
        Layout::Axes(axes)
    }

    /// Assigns a role to every axis of a shape of rank `rank`.
    pub(crate) fn roles(&self, rank: usize) -> Result<AxisRoles, ErrorKind> {
        let mut role = vec![Role::Receptive; rank];
        let too_low = || ErrorKind::UnsupportedRank {
            rank,
            expected: "at least 2",
        };
        match self {
            Layout::OutIn => {
                if rank < 2 {
                    return Err(too_low());
                }
                role[0] = Role::Out;
                role[1] = Role::In;
            }
            Layout::InOut => {
                if rank < 2 {
                    return Err(too_low());
                }
                role[rank - 1] = Role::Out;
                role[rank - 2] = Role::In;
            }
            Layout::Axes(axes) => {
                if axes.in_axes.is_empty() {
                    return Err(ErrorKind::MissingAxes { which: "in_axes" });
                }
                if axes.out_axes.is_empty() {
                    return Err(ErrorKind::MissingAxes { which: "out_axes" });
                }
                for (list, r) in [
                    (&axes.in_axes, Role::In),
                    (&axes.out_axes, Role::Out),
                    (&axes.batch_axes, Role::Batch),
                ] {
                    for &axis in list {
                        let norm = normalise_axis(axis, rank)?;
                        if role[norm] != Role::Receptive {
                            return Err(ErrorKind::RepeatedAxis { axis: norm });
                        }
                        role[norm] = r;
                    }
                }
            }
        }
        Ok(AxisRoles { role })
    }
}

impl Layout {
    /// The axis [`Init::blocks`](crate::Init::blocks) splits for a parameter of rank `rank`:
    /// the output axis (0 under `OutIn`, the last under `InOut`, the first of `out_axes` under
    /// `Axes`), and axis 0 of a rank-1 parameter. A scalar has none.
    pub(crate) fn block_axis(&self, rank: usize) -> Result<usize, ErrorKind> {
        match rank {
            0 => Err(ErrorKind::UnsupportedRank {
                rank,
                expected: "at least 1 (blocks split an axis)",
            }),
            1 => Ok(0),
            _ => match self {
                Layout::OutIn => Ok(0),
                Layout::InOut => Ok(rank - 1),
                Layout::Axes(axes) => {
                    self.roles(rank)?;
                    normalise_axis(axes.out_axes[0], rank)
                }
            },
        }
    }
}

fn normalise_axis(axis: isize, rank: usize) -> Result<usize, ErrorKind> {
    let out_of_range = ErrorKind::AxisOutOfRange { axis, rank };
    let rank_i = isize::try_from(rank).map_err(|_| out_of_range.clone())?;
    let norm = if axis < 0 { axis + rank_i } else { axis };
    if (0..rank_i).contains(&norm) {
        Ok(norm.unsigned_abs())
    } else {
        Err(out_of_range)
    }
}

/// The role of one axis under a layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    In,
    Out,
    Batch,
    Receptive,
}

/// The role of every axis of one shape.
#[derive(Clone, Debug)]
pub(crate) struct AxisRoles {
    pub(crate) role: Vec<Role>,
}

impl AxisRoles {
    /// Product of the dimensions whose axis has role `r` (shape product is known not to overflow).
    pub(crate) fn product(&self, shape: &[usize], r: Role) -> usize {
        shape
            .iter()
            .zip(&self.role)
            .filter(|(_, role)| **role == r)
            .map(|(d, _)| *d)
            .product()
    }
}

/// Which fan a variance-scaling scheme divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// `n = fan_in`: preserves the forward signal's variance.
    FanIn,
    /// `n = fan_out`: preserves the backward gradient's variance.
    FanOut,
    /// `n = (fan_in + fan_out) / 2`: Glorot's compromise.
    FanAvg,
    /// `n = √(fan_in · fan_out)`: JAX's `fan_geo_avg`.
    FanGeoAvg,
}

impl FanMode {
    /// The name in the attribute language: `fan_in`, `fan_out`, `fan_avg`, `fan_geo_avg`.
    pub fn name(self) -> &'static str {
        match self {
            FanMode::FanIn => "fan_in",
            FanMode::FanOut => "fan_out",
            FanMode::FanAvg => "fan_avg",
            FanMode::FanGeoAvg => "fan_geo_avg",
        }
    }
}

/// The fans of a parameter: how many inputs feed one output, and how many outputs one input
/// feeds, counting the receptive field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fans {
    /// Inputs per output unit.
    pub fan_in: usize,
    /// Outputs per input unit.
    pub fan_out: usize,
}

impl Fans {
    /// The fans of a parameter of this shape under `layout` (see [`Layout`]).
    ///
    /// Errors when the rank is below 2 for `OutIn`/`InOut`, when an explicit axis is out of
    /// range or repeated, or when the element count overflows.
    pub fn from_shape(shape: &[usize], layout: impl Borrow<Layout>) -> Result<Fans, InitError> {
        Self::compute(shape, layout.borrow()).map_err(|kind| InitError::new("fans", kind))
    }

    pub(crate) fn compute(shape: &[usize], layout: &Layout) -> Result<Fans, ErrorKind> {
        count(shape)?;
        let roles = layout.roles(shape.len())?;
        let receptive = roles.product(shape, Role::Receptive);
        Ok(Fans {
            fan_in: roles.product(shape, Role::In) * receptive,
            fan_out: roles.product(shape, Role::Out) * receptive,
        })
    }

    /// The `n` of `Var = scale / n` for `mode`.
    pub fn select(&self, mode: FanMode) -> f64 {
        let (i, o) = (self.fan_in as f64, self.fan_out as f64);
        match mode {
            FanMode::FanIn => i,
            FanMode::FanOut => o,
            FanMode::FanAvg => (i + o) / 2.0,
            FanMode::FanGeoAvg => (i * o).sqrt(),
        }
    }
}
