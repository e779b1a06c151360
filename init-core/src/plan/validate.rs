//! The plan's first step: everything about an [`Init`] that no shape decides — modifiers that
//! mean nothing for the scheme, and numbers outside their domain.

use crate::error::{ErrorKind, InitError};
use crate::scheme::init::{Family, Init, Scheme};

/// What validation found: the checked numbers the law is built from.
pub(crate) struct Checked {
    /// The gain, when one was set.
    pub(crate) gain: Option<f64>,
    /// The scale (finite).
    pub(crate) scale: f64,
}

impl Init {
    /// Checks the modifiers against the scheme, then every number, in a fixed order (the first
    /// problem is the one reported).
    pub(crate) fn validate(&self) -> Result<Checked, InitError> {
        finite(self, "scale", self.scale)?;
        let scale = self.scale;
        let gain = match self.gain {
            Some(g) => Some(g.checked_value(self.name())?),
            None => None,
        };
        if self.mode.is_some() && !self.takes_mode() {
            return Err(self.err(ErrorKind::ModifierNotApplicable { modifier: "mode" }));
        }
        if self.truncated && !self.takes_truncation() {
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
        self.check_blocks()?;
        Ok(Checked { gain, scale })
    }

    /// The block count is at least 1; each block given a scheme of its own names a block
    /// that exists and is not blocked itself (its scheme is validated with the block's plan).
    fn check_blocks(&self) -> Result<(), InitError> {
        let k = self.blocks;
        let ok = k > 0 && u32::try_from(k).is_ok();
        check(self, "blocks", k as f64, ok, "> 0 and below 2^32")?;
        for (index, own) in &self.block_inits {
            check(
                self,
                "block index",
                *index as f64,
                *index < k,
                "below the block count",
            )?;
            if own.is_blocked() {
                return Err(own.err(ErrorKind::InvalidParameter {
                    name: "blocks of a block",
                    value: own.blocks as f64,
                    expected: "1 (a block's own scheme is not split again)",
                }));
            }
        }
        Ok(())
    }

    /// Checks the scheme's own numeric parameters.
    fn check_scalars(&self) -> Result<(), InitError> {
        match self.scheme {
            Scheme::Constant(v) => finite(self, "value", v),
            Scheme::Uniform { low, high } => {
                finite(self, "low", low)?;
                finite(self, "high", high)?;
                range(self, low, high)
            }
            Scheme::Normal { mean, std } => mean_std(self, mean, std),
            Scheme::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => {
                mean_std(self, mean, std)?;
                range(self, low, high)
            }
            Scheme::TruncatedNormalSigmas { mean, std, sigmas } => {
                mean_std(self, mean, std)?;
                let ok = sigmas.is_finite() && sigmas > 0.0;
                check(self, "sigmas", sigmas, ok, "finite and > 0")
            }
            Scheme::Fan {
                family: Family::VarianceScaling(s),
                ..
            } => std_param(self, "variance scale", s),
            Scheme::Sparse { sparsity, std } => {
                let ok = (0.0..=1.0).contains(&sparsity);
                check(self, "sparsity", sparsity, ok, "in [0, 1]")?;
                std_param(self, "std", std)
            }
            _ => Ok(()),
        }
    }
}

/// [`ErrorKind::InvalidParameter`] in the scheme's name unless `ok`.
fn check(
    init: &Init,
    name: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), InitError> {
    InitError::require(ok, init.name(), name, value, expected)
}

fn finite(init: &Init, name: &'static str, value: f64) -> Result<(), InitError> {
    check(init, name, value, value.is_finite(), "finite")
}

/// A standard deviation (or a variance scale): finite and >= 0.
fn std_param(init: &Init, name: &'static str, value: f64) -> Result<(), InitError> {
    let ok = value.is_finite() && value >= 0.0;
    check(init, name, value, ok, "finite and >= 0")
}

/// A normal's mean and std.
fn mean_std(init: &Init, mean: f64, std: f64) -> Result<(), InitError> {
    finite(init, "mean", mean)?;
    std_param(init, "std", std)
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
