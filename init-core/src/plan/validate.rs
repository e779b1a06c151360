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
        let scale = finite(self, "scale", self.scale)?;
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
        Ok(Checked { gain, scale })
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
                family: Family::VarianceScaling(s),
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
