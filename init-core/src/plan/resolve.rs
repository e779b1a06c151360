//! [`Init::resolve`]: what a plan promises for a shape, reported without sampling.

use super::Plan;
use super::law::ElementDistribution;
use crate::error::InitError;
use crate::param::shape::count;
use crate::scheme::fans::Fans;
use crate::scheme::init::Init;

/// What [`Init::fill`] would do for one shape, computed without sampling.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The scheme's name.
    pub scheme: &'static str,
    /// The shape it was resolved for.
    pub shape: Vec<usize>,
    /// The fans used (explicit ones, or those of the shape under the layout); `None` when the
    /// shape has none (rank < 2) and none were given. Under [`Init::blocks`], one block's:
    /// `fan_out` divided by the block count.
    pub fans: Option<Fans>,
    /// For element-wise schemes, the distribution of every element; `None` for structured
    /// schemes (orthogonal, eye, dirac, delta-orthogonal, sparse), empty shapes, and blocks
    /// ([`Init::blocks`]) whose laws differ.
    pub distribution: Option<ElementDistribution>,
    /// Expected mean of the values.
    pub mean: f64,
    /// Expected standard deviation of the values over the whole parameter (the "target std" of
    /// a report). For structured schemes, that of the fixed pattern (eye, dirac) or its
    /// expectation (orthogonal: gain·√(min(r, c)/(r·c)); sparse: std·√(1 − zeros/rows)); in
    /// blocks, that of the whole (the blocks' mixture).
    pub std: f64,
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
        let len = count(shape).unwrap_or(0) as f64;
        let (distribution, mean, std) = moments(&plan, len);
        Ok(Resolved {
            scheme: self.name(),
            shape: shape.to_vec(),
            fans,
            distribution,
            mean,
            std,
        })
    }
}

/// The distribution of every element (element-wise plans), the mean and the std of a plan of
/// `len` elements.
fn moments(plan: &Plan, len: f64) -> (Option<ElementDistribution>, f64, f64) {
    match plan {
        Plan::Empty => (None, 0.0, 0.0),
        Plan::Elementwise(law) => (Some(law.dist()), law.mean(), law.std()),
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
        Plan::Blocks(b) => {
            if let Some(law) = b.shared_law() {
                return (Some(law.dist()), law.mean(), law.std());
            }
            // equal blocks: the mixture's mean and variance
            let n = b.block_len() as f64;
            let each: Vec<(f64, f64)> = b
                .plans
                .iter()
                .map(|p| {
                    let (_, m, s) = moments(p, n);
                    (m, s)
                })
                .collect();
            let k = each.len() as f64;
            let mean = each.iter().map(|(m, _)| m).sum::<f64>() / k;
            let second = each.iter().map(|(m, s)| s * s + m * m).sum::<f64>() / k;
            (None, mean, (second - mean * mean).max(0.0).sqrt())
        }
    }
}

/// Mean and population std of `count` copies of `value` among `len` elements, the rest zero.
fn pattern_moments(value: f64, count: f64, len: f64) -> (Option<ElementDistribution>, f64, f64) {
    let p = count / len;
    let mean = value * p;
    (None, mean, value.abs() * (p * (1.0 - p)).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// `resolve` refuses what `fill` refuses: a uniform whose width overflows f64 has no finite
    /// std.
    #[test]
    fn resolve_refuses_a_uniform_whose_width_overflows() {
        let init = Init::uniform(-1e308, 1e308);
        let err = init.resolve(&[8]).unwrap_err();
        assert_eq!(
            err.kind(),
            &ErrorKind::NotRepresentable {
                what: "uniform range",
                value: f64::INFINITY,
                dtype: "f64"
            }
        );
        let mut v = vec![0.0f64; 8];
        assert_eq!(init.fill_seeded(&mut v, 1, "w").unwrap_err(), err);
        let r = Init::uniform(-1e307, 1e307).resolve(&[8]).unwrap();
        assert!(r.std.is_finite() && r.std > 5e306);
    }
}
