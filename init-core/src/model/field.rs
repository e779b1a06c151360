//! What a field with `#[init(...)]` is to the walks: [`FieldWalk`], implemented for every
//! [`Parameter`] (the field is one parameter) and, in the framework integrations, for a
//! framework's layers (the field holds several parameters, each visited under its own name:
//! `fc.weight`, `fc.bias`). [`FieldInit`] is what the attribute says: the scheme, and for a
//! layer its bias's scheme and options.

use super::path::ParamPath;
use super::visit::{Visit, VisitMut};
use crate::error::InitError;
use crate::param::parameter::Parameter;
use crate::scheme::init::Init;

/// What `#[init(...)]` says about one field: the scheme of the parameter (of a layer's weight),
/// and, for a layer, the scheme of its bias and its options.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FieldInit {
    /// The parameter's scheme; a layer's weight's (a norm's scale).
    pub init: Init,
    /// A layer's bias (a norm's shift): `bias = ...`; `None` for the layer's default.
    pub bias: Option<Init>,
    /// An LSTM's forget-gate bias: `forget_bias = ...`.
    pub forget_bias: Option<f64>,
}

impl FieldInit {
    /// A field initialised by `init`, a layer's bias by its default.
    pub fn new(init: Init) -> Self {
        FieldInit {
            init,
            bias: None,
            forget_bias: None,
        }
    }

    /// The scheme of a layer's bias.
    #[must_use]
    pub fn bias(mut self, init: Init) -> Self {
        self.bias = Some(init);
        self
    }

    /// An LSTM's forget-gate bias.
    #[must_use]
    pub fn forget_bias(mut self, value: f64) -> Self {
        self.forget_bias = Some(value);
        self
    }
}

/// A field with a scheme, as the derived walks visit it: one parameter (every [`Parameter`]),
/// or a framework's layer whose parameters are visited under the field's path with their own
/// names (`fc.weight`, `fc.bias`, `attn.query.weight`), their layer's fans and layout, and
/// their own schemes (feature `burn`: every burn-nn layer with parameters).
///
/// The caller has pushed the field's segment on `path`; a layer pushes and pops its own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a parameter",
    label = "not an initialisable parameter",
    note = "parameters are ndarray arrays and views, `Vec`, slices and fixed-size arrays of `f32` or `f64` (integers are refused), and, with their features, Burn, candle and nalgebra tensors and f16/bf16 arrays; with `burn`, burn-nn layers (`Linear`, convolutions, `Embedding`, norms, attention, `Lstm`, `Gru`)"
)]
pub trait FieldWalk {
    /// Reads the field's parameters.
    fn walk_field<V: Visit + ?Sized>(
        &self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError>;

    /// Writes the field's parameters.
    fn walk_field_mut<V: VisitMut + ?Sized>(
        &mut self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError>;
}

/// One parameter: the visitor gets it with the field's scheme (`bias` and `forget_bias` are
/// refused at compile time, [`HasBias`]).
impl<P: Parameter + ?Sized> FieldWalk for P {
    fn walk_field<V: Visit + ?Sized>(
        &self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        visitor.param(path, self, &init.init)
    }

    fn walk_field_mut<V: VisitMut + ?Sized>(
        &mut self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        visitor.param(path, self, &init.init)
    }
}

/// A layer with a bias (or a norm with a shift): what `bias = ...` needs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no bias: `bias = ...` sets a layer's bias",
    label = "no bias to set",
    note = "`bias = ...` applies to burn-nn layers with a bias: `Linear`, the convolutions and their transposes, the norms with a shift (`LayerNorm`, `BatchNorm`, `GroupNorm`, `InstanceNorm`), `MultiHeadAttention`, `Lstm`, `Gru`",
    note = "a bias held in a field of its own takes its own `#[init(...)]`, with `fans_of = <weight>` for its weight's fans"
)]
pub trait HasBias: FieldWalk {}

/// A layer with a forget gate (an LSTM): what `forget_bias = ...` needs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no forget gate: `forget_bias = ...` applies to an LSTM",
    label = "not an LSTM",
    note = "`forget_bias = 1.0` sets a burn-nn `Lstm`'s forget-gate bias (Jozefowicz et al. 2015)"
)]
pub trait HasForgetGate: FieldWalk {}
