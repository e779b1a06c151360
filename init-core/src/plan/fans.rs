//! The plan's second step: the fans a scheme uses for a shape — each explicit one, else the
//! shape's under the layout.

use crate::error::{ErrorKind, InitError};
use crate::scheme::fans::{FanMode, Fans};
use crate::scheme::init::Init;

/// The fans a plan uses, each one or why the shape has none.
pub(crate) struct PlanFans {
    fan_in: Result<usize, ErrorKind>,
    fan_out: Result<usize, ErrorKind>,
}

impl PlanFans {
    /// The fans of `init` for `shape`.
    pub(crate) fn of(init: &Init, shape: &[usize]) -> Self {
        let shape_fans = Fans::compute(shape, &init.layout);
        let pick = |explicit: Option<usize>, which: fn(&Fans) -> usize| match explicit {
            Some(n) => Ok(n),
            None => shape_fans.as_ref().map(which).map_err(Clone::clone),
        };
        PlanFans {
            fan_in: pick(init.fan_in, |f| f.fan_in),
            fan_out: pick(init.fan_out, |f| f.fan_out),
        }
    }

    /// The fans of one of `k` equal blocks along the output axis: `fan_out / k` (the output
    /// axis is `k` times shorter), the same `fan_in`. An explicit `fan_out` that `k` does not
    /// divide is an error when a mode reads it.
    pub(crate) fn per_block(self, k: usize) -> Self {
        let fan_out = self.fan_out.and_then(|n| {
            if k > 0 && n.is_multiple_of(k) {
                Ok(n / k)
            } else {
                Err(ErrorKind::InvalidParameter {
                    name: "fan_out",
                    value: n as f64,
                    expected: "divisible by the number of blocks",
                })
            }
        });
        PlanFans {
            fan_in: self.fan_in,
            fan_out,
        }
    }

    /// Both fans, or why one is missing.
    pub(crate) fn both(&self) -> Result<Fans, ErrorKind> {
        Ok(Fans {
            fan_in: self.fan_in.clone()?,
            fan_out: self.fan_out.clone()?,
        })
    }

    /// The `n` of `Var = scale / n` for `mode`, needing only the fans `mode` reads.
    pub(crate) fn n(&self, mode: FanMode) -> Result<f64, ErrorKind> {
        let fan_in = || self.fan_in.clone().map(|n| n as f64);
        let fan_out = || self.fan_out.clone().map(|n| n as f64);
        Ok(match mode {
            FanMode::FanIn => fan_in()?,
            FanMode::FanOut => fan_out()?,
            FanMode::FanAvg => (fan_in()? + fan_out()?) / 2.0,
            FanMode::FanGeoAvg => (fan_in()? * fan_out()?).sqrt(),
        })
    }
}

impl Init {
    /// The fans this scheme uses for a parameter of `shape`: the explicit ones where given,
    /// the shape's under the layout for the others. An error when neither gives them (rank
    /// below 2 without explicit fans, bad axes). These are the whole parameter's fans: under
    /// [`blocks(k)`](Init::blocks) each block's `fan_out` is this `fan_out / k`
    /// ([`resolve`](Init::resolve) reports a block's).
    ///
    /// ```
    /// use init_core::{Init, Fans, Layout};
    /// let fans = Init::he_normal().layout(Layout::InOut).fans_for(&[3, 3, 16, 32]).unwrap();
    /// assert_eq!(fans, Fans { fan_in: 144, fan_out: 288 });
    /// assert!(Init::he_normal().fans_for(&[16]).is_err());
    /// assert_eq!(Init::zeros().fans(5, 7).fans_for(&[16]).unwrap(), Fans { fan_in: 5, fan_out: 7 });
    /// ```
    pub fn fans_for(&self, shape: &[usize]) -> Result<Fans, InitError> {
        PlanFans::of(self, shape).both().map_err(|k| self.err(k))
    }
}
