//! What the optimiser and the forward pass need under μP: learning-rate and weight-decay
//! multipliers per parameter (mup's `MuAdam`, `MuSGD`, `mup/optim.py`), the readout's output
//! multiplier (`MuReadout.forward`, `mup/layer.py`), and the attention scale.

use std::fmt;

use super::shapes::{CONTEXT, Class, Formulation, MupParam, Parametrization};
use crate::error::InitError;

/// What one parameter needs beyond its initialisation, as factors of the values tuned on the
/// base model.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Multipliers {
    /// Its learning rate under an Adam-type optimiser (Adam, AdamW, RMSProp, Adagrad: anything
    /// that normalises the gradient entry-wise) is `lr × adam_lr` (mup's `MuAdam`).
    pub adam_lr: f64,
    /// Its learning rate under an SGD-type optimiser is `lr × sgd_lr` (mup's `MuSGD`).
    pub sgd_lr: f64,
    /// Its weight decay under `MuAdam`, for weight decay coupled to the learning rate (L2 added
    /// to the gradient, or PyTorch's `AdamW`, whose decay per step is `lr × wd`): `1 / adam_lr`,
    /// so that `lr × wd` does not change with width. With decay not scaled by the learning rate
    /// (mup's `decoupled_wd=True`), leave the weight decay as it is.
    pub adam_weight_decay: f64,
    /// The same for `MuSGD`: `1 / sgd_lr`.
    pub sgd_weight_decay: f64,
    /// What the forward pass multiplies the layer's input by before this weight: for the
    /// readout's weight `output_mult / fan_in_mult` ([`Formulation::Mup`], mup's
    /// `MuReadout.forward`: `linear(output_mult · x / width_mult)`; the bias is added after, not
    /// multiplied) or `output_mult` ([`Formulation::Table3`]); 1 for every other parameter.
    pub output: f64,
}

/// A family of optimisers, for [`Parametrization::lr_groups`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptimizerKind {
    /// Adam-type: Adam, AdamW, RMSProp, Adagrad ([`Multipliers::adam_lr`]).
    Adam,
    /// SGD-type: SGD, with or without momentum ([`Multipliers::sgd_lr`]).
    Sgd,
}

/// Parameters that share a learning-rate multiplier: one parameter group of the optimiser.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LrGroup {
    /// The group's learning rate is `lr × mult`.
    pub mult: f64,
    /// The state-dict names of its parameters, in the target's order.
    pub names: Vec<String>,
}

impl MupParam {
    /// Its multipliers under `formulation` with the readout's `output_mult`: with `m_in`, `m_out`
    /// the fan_in and fan_out multipliers ([`WidthDim::mult`](super::WidthDim::mult)),
    ///
    /// | class | Adam lr | SGD lr | output |
    /// |---|---|---|---|
    /// | finite | 1 | 1 | 1 |
    /// | vector, input | 1 | m_out | 1 |
    /// | hidden | 1/m_in | m_out/m_in | 1 |
    /// | output ([`Formulation::Mup`]) | 1 | m_in | output_mult/m_in |
    /// | output ([`Formulation::Table3`]) | 1/m_in | 1/m_in | output_mult |
    ///
    /// mup's `MuAdam` divides the learning rate of a parameter with two growing dimensions by
    /// `InfShape.width_mult()` (that of its last growing dimension, the fan_in of an `(out, in)`
    /// weight) and leaves the others; `MuSGD` multiplies that of a parameter with one growing
    /// dimension by its multiplier and divides that of one with two by
    /// `fanin_fanout_mult_ratio()` = m_in/m_out (`mup/optim.py`, `mup/infshape.py`). Tensor
    /// Programs V, Table 3 (Adam: hidden η/fan_in; SGD: input and biases η·fan_out, hidden η,
    /// output η/fan_in) and Table 8 (with the readout's 1/fan_in multiplier: output SGD η·fan_in,
    /// Adam η).
    pub fn multipliers(&self, formulation: Formulation, output_mult: f64) -> Multipliers {
        let (m_in, m_out) = (self.fan_in.mult(), self.fan_out.mult());
        let (adam_lr, sgd_lr, output) = match self.class {
            Class::Finite => (1.0, 1.0, 1.0),
            Class::Vector | Class::Input => (1.0, m_out, 1.0),
            Class::Hidden => (1.0 / m_in, m_out / m_in, 1.0),
            Class::Output => match formulation {
                Formulation::Mup => (1.0, m_in, output_mult / m_in),
                Formulation::Table3 => (1.0 / m_in, 1.0 / m_in, output_mult),
            },
        };
        Multipliers {
            adam_lr,
            sgd_lr,
            adam_weight_decay: 1.0 / adam_lr,
            sgd_weight_decay: 1.0 / sgd_lr,
            output,
        }
    }
}

impl Parametrization {
    /// The multipliers of the parameter `name` ([`MupParam::multipliers`]); an error
    /// ([`ErrorKind::UnknownPath`](crate::ErrorKind::UnknownPath)) when there is none of that name.
    pub fn multipliers(&self, name: &str) -> Result<Multipliers, InitError> {
        Ok(self
            .param(name)?
            .multipliers(self.formulation, self.output_mult))
    }

    /// The readout's output multiplier ([`Multipliers::output`] of the readout's weight): what
    /// the forward pass multiplies the readout's input by. 1 when no weight is the readout.
    pub fn output_multiplier(&self) -> f64 {
        self.params
            .iter()
            .find(|p| p.class == Class::Output)
            .map_or(1.0, |p| {
                p.multipliers(self.formulation, self.output_mult).output
            })
    }

    /// The parameters grouped by their learning-rate multiplier under `optimizer`, one group
    /// per distinct multiplier in order of first appearance: the parameter groups to give the
    /// optimiser (as `MuAdam`/`MuSGD` build theirs).
    pub fn lr_groups(&self, optimizer: OptimizerKind) -> Vec<LrGroup> {
        let mut groups: Vec<LrGroup> = Vec::new();
        for p in &self.params {
            let m = p.multipliers(self.formulation, self.output_mult);
            let mult = match optimizer {
                OptimizerKind::Adam => m.adam_lr,
                OptimizerKind::Sgd => m.sgd_lr,
            };
            match groups.iter_mut().find(|g| g.mult == mult) {
                Some(g) => g.names.push(p.name.clone()),
                None => groups.push(LrGroup {
                    mult,
                    names: vec![p.name.clone()],
                }),
            }
        }
        groups
    }
}

impl fmt::Display for Parametrization {
    /// One line per parameter: name, base shape → shape, class, fan multipliers, Adam and SGD
    /// learning-rate multipliers, output multiplier, μP's scheme and the std it gives.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .params
            .iter()
            .map(|p| p.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            f,
            "{:width$}  {:<26} {:<7} {:>7} {:>7} {:>8} {:>8} {:>8}  scheme",
            "name", "base shape -> shape", "class", "m_in", "m_out", "adam lr", "sgd lr", "output"
        )?;
        for p in &self.params {
            let m = p.multipliers(self.formulation, self.output_mult);
            let scheme = self.init(&p.name).and_then(|i| {
                let std = i.resolve(&p.shape)?.std;
                Ok(format!("{i}: std {std:.4e}"))
            });
            let scheme = scheme.unwrap_or_else(|e| format!("({e})"));
            writeln!(
                f,
                "{:width$}  {:<26} {:<7} {:>7.4} {:>7.4} {:>8.4} {:>8.4} {:>8.4}  {scheme}",
                p.name,
                format!("{:?} -> {:?}", p.base_shape, p.shape),
                p.class.name(),
                p.fan_in.mult(),
                p.fan_out.mult(),
                m.adam_lr,
                m.sgd_lr,
                m.output,
            )?;
        }
        Ok(())
    }
}

/// The attention logits' scale under μP: `√base_head_dim / head_dim`, in place of
/// `1/√head_dim`. μP needs 1/d (mup's README: "use 1/d instead of 1/sqrt(d) attention
/// scaling"; Tensor Programs V, §4 and Appendix J): query and key become correlated in training
/// and their dot product grows like d, not √d. The factor √base_head_dim makes it equal to
/// `1/√head_dim` at the base's head dimension (mup's README writes `8 / d`, "backward
/// compatible with 1/d**0.5 when d = 64"); pass `base_head_dim = 1` for plain `1/d`. Errors
/// when either is 0.
///
/// ```
/// use init_core::mup::attention_scale;
/// assert_eq!(attention_scale(64, 64)?, 0.125);          // = 1/√64 at the base
/// assert_eq!(attention_scale(256, 64)?, 8.0 / 256.0);   // mup's README: 8/d
/// assert_eq!(attention_scale(128, 1)?, 1.0 / 128.0);
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn attention_scale(head_dim: usize, base_head_dim: usize) -> Result<f64, InitError> {
    InitError::require(head_dim > 0, CONTEXT, "head_dim", 0.0, "> 0")?;
    InitError::require(base_head_dim > 0, CONTEXT, "base_head_dim", 0.0, "> 0")?;
    Ok((base_head_dim as f64).sqrt() / head_dim as f64)
}
