//! μP's initialisation: each parameter's base scheme evaluated at the base's fans, times the
//! width factor of its class (mup's `set_base_shapes(rescale_params=True)` with `MuReadout`,
//! and the infshape-aware initialisers of `mup/init.py`).

use super::shapes::{CONTEXT, Class, Formulation, Parametrization};
use crate::error::{ErrorKind, InitError};
use crate::model::rules::Rules;
use crate::param::shape::count;
use crate::scheme::fans::Layout;
use crate::scheme::init::Init;

impl Parametrization {
    /// μP's scheme for the parameter `name`, for its target shape:
    ///
    /// - the readout's weight and bias, with [`readout_zero_init`](super::Mup::readout_zero_init):
    ///   zeros;
    /// - every other parameter: its base scheme with the fans it has in the base model (a
    ///   bias: its layer's weight's), times
    ///   - 1/√fan_in_mult for a [hidden](Class::Hidden) weight (variance ∝ 1/fan_in),
    ///   - 1/fan_in_mult for the [output](Class::Output) weight under
    ///     [`Formulation::Table3`] (variance ∝ 1/fan_in²; under [`Formulation::Mup`] the
    ///     forward pass divides by fan_in_mult instead),
    ///   - 1 otherwise (input weights, vectors and biases keep the base's scale).
    ///
    /// So at the base's shapes μP gives exactly the base scheme (the same keyed values), and a
    /// scheme whose variance is 1/fan_in (PyTorch's default, He, LeCun) gives a hidden weight
    /// exactly what it gives at the target's width. This is mup's rule: `MuReadout` multiplies
    /// PyTorch's default weight and bias by √fan_in_mult, `rescale_linear_bias` every other bias
    /// by √fan_in_mult of its layer (`mup/layer.py`), and `mup/init.py`'s `kaiming_*`,
    /// `xavier_*`, `normal_`, `uniform_` give a parameter with one growing dimension the base's
    /// std and a hidden one the base's std over √fan_in_mult. Tensor Programs V (Yang et al.
    /// 2021), Table 3 and Table 8.
    ///
    /// Errors (naming the parameter): no base scheme ([`ErrorKind::NoWidthRule`]), a base
    /// scheme that cannot be carried across widths (a structured scheme — orthogonal, eye,
    /// dirac, sparse — on a parameter that grows; a non-zero mean on a hidden weight, which
    /// mup asserts against too), a base scheme that does not resolve at the base shape.
    pub fn init(&self, name: &str) -> Result<Init, InitError> {
        let p = self.param(name)?;
        let at = |e: InitError| e.with_path(p.name.clone());
        if self.readout_zero_init && p.readout {
            return Ok(Init::zeros());
        }
        let mut init = p.base_init.clone().ok_or_else(|| {
            at(no_rule(
                "no base scheme: give one with Mup::base (a rule that matches it), or classify derived models (their attributes are the base schemes)",
            ))
        })?;
        if count(&p.shape).map_err(|k| at(InitError::new(CONTEXT, k)))? == 0 {
            return Ok(init);
        }
        if init.layout == Layout::OutIn {
            init.layout = p.layout.clone();
        }
        if init.takes_mode()
            && init.fan_in.is_none()
            && init.fan_out.is_none()
            && let Some(f) = p.layer_fans.filter(|_| p.base_shape.len() < 2)
        {
            init = init.fans(f.fan_in, f.fan_out);
        }
        let resolved = init.resolve(&p.base_shape).map_err(at)?;
        if init.takes_mode()
            && let Some(f) = resolved.fans
        {
            init = init.fans(f.fan_in, f.fan_out);
        }
        if p.class == Class::Finite {
            return Ok(init);
        }
        if resolved.distribution.is_none() {
            return Err(at(no_rule(
                "a structured scheme (orthogonal, eye, dirac, sparse) on a parameter that grows with width: its scale does not follow from the base's; use an element-wise scheme",
            )));
        }
        let m_in = p.fan_in.mult();
        let factor = match p.class {
            Class::Hidden => {
                if resolved.mean != 0.0 {
                    return Err(at(no_rule(
                        "a hidden weight's base scheme must have mean 0 (mup/init.py asserts it): its mean cannot scale with width",
                    )));
                }
                1.0 / m_in.sqrt()
            }
            Class::Output if self.formulation == Formulation::Table3 => 1.0 / m_in,
            _ => 1.0,
        };
        Ok(if factor == 1.0 {
            init
        } else {
            init.scale(factor)
        })
    }

    /// μP's initialisation as [`Rules`]: one rule per parameter, its exact name (a valid
    /// pattern) with its [`init`](Parametrization::init). Applies to a derived model
    /// ([`init_with_rules`](crate::Initialize::init_with_rules)), a Burn module
    /// (`weight_init::burn::reinit`) and candle's `VarBuilder`
    /// (`weight_init::candle::var_builder`) like any rules: keyed by seed and name, sharded, the
    /// same values in every framework. Errors as [`init`](Parametrization::init), for the first
    /// parameter that has one.
    pub fn rules(&self) -> Result<Rules, InitError> {
        self.params.iter().try_fold(Rules::new(), |r, p| {
            Ok(r.rule(p.name.clone(), self.init(&p.name)?))
        })
    }
}

fn no_rule(reason: &'static str) -> InitError {
    InitError::new(CONTEXT, ErrorKind::NoWidthRule { reason })
}
