//! Building a model from a configuration: [`Configured`] (the configuration's type) and
//! [`Build`] (every parameter made zero from its shape on a device, then initialised).

use rand::Rng;

use super::initialize::Initialize;
use super::path::ParamPath;
use crate::error::InitError;

/// The configuration a model is built from ([`Build`]): what `#[init(config = Cfg)]` names.
///
/// A trait of its own, without the device type, so that the configuration type of a model
/// nested in another is known through its impl whatever the device.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not built from a configuration",
    label = "this nested model has no `#[init(config = ...)]`",
    note = "derive `Initialize` on it with `#[init(config = ...)]` on the struct and `shape = ...` on its parameters, or `#[init(skip)]` this field"
)]
pub trait Configured {
    /// What the shapes are computed from.
    type Config: ?Sized;
}

/// A model that can be built from a configuration: every parameter created zero with the
/// shape its `shape = ...` gives (or its type has), on a device, then initialised. What
/// `#[derive(Initialize)]` also implements when the struct says `#[init(config = Cfg)]`.
///
/// `Dev` is the framework's device type; models of host-memory types (ndarray, `Vec`,
/// fixed-size arrays, nalgebra) are built for any device, `&()` included.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from a configuration on a `{Dev}`",
    label = "no `Build` for this device",
    note = "derive it with `#[derive(Initialize)]` and `#[init(config = YourConfig)]` on the struct, and give each parameter a `shape = ...`"
)]
pub trait Build<Dev: ?Sized>: Initialize + Configured + Sized {
    /// The model with every parameter zero. Errors name the parameter's path.
    fn zeroed(config: &<Self as Configured>::Config, device: &Dev) -> Result<Self, InitError> {
        Self::zeroed_at(config, device, &mut ParamPath::new())
    }

    /// [`zeroed`](Build::zeroed) for a model that sits at `path` inside another; errors name
    /// the full path. What derived code calls for nested models.
    fn zeroed_at(
        config: &<Self as Configured>::Config,
        device: &Dev,
        path: &mut ParamPath,
    ) -> Result<Self, InitError>;

    /// The model, keyed by `seed`: [`zeroed`](Build::zeroed) then
    /// [`init_seeded`](Initialize::init_seeded).
    fn build(
        config: &<Self as Configured>::Config,
        device: &Dev,
        seed: u64,
    ) -> Result<Self, InitError> {
        let mut model = Self::zeroed(config, device)?;
        model.init_seeded(seed)?;
        Ok(model)
    }

    /// The model, filled from `rng`: [`zeroed`](Build::zeroed) then
    /// [`initialize`](Initialize::initialize).
    fn build_with_rng<R: Rng + ?Sized>(
        config: &<Self as Configured>::Config,
        device: &Dev,
        rng: &mut R,
    ) -> Result<Self, InitError> {
        let mut model = Self::zeroed(config, device)?;
        model.initialize(rng)?;
        Ok(model)
    }
}

impl<T: Configured> Configured for Box<T> {
    type Config = T::Config;
}

impl<Dev: ?Sized, T: Build<Dev>> Build<Dev> for Box<T> {
    fn zeroed_at(
        config: &<Self as Configured>::Config,
        device: &Dev,
        path: &mut ParamPath,
    ) -> Result<Self, InitError> {
        T::zeroed_at(config, device, path).map(Box::new)
    }
}

/// A framework's layer built from its own configuration (`#[init(he_normal, config =
/// LinearConfig::new(4, 8))] fc: Linear` in a struct with `#[init(config = ...)]`): the
/// configuration's type. A trait of its own, without the device, as [`Configured`] is.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a layer built from a configuration",
    label = "`config = ...` on a field with a scheme builds a framework layer",
    note = "with `burn`, every burn-nn layer with parameters is built from its own `...Config`: `#[init(he_normal, config = LinearConfig::new(cfg.d, cfg.h))]`; a parameter is built from `shape = ...`"
)]
pub trait LayerConfig {
    /// The layer's configuration (`burn_nn::LinearConfig` for `Linear`).
    type Config;
}

/// A framework's layer created from its configuration on a device, its parameters not yet
/// holding values: a later fill gives them theirs (Burn's lazy parameters: its initialiser
/// never runs). What a derived [`Build`] calls for a layer field with `config = ...`.
///
/// Without [`LayerConfig`] as a supertrait, so that a bound on it in a generic impl does not
/// hide the configuration type behind the bound.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be created from its configuration on a `{Dev}`",
    label = "not a layer for this device",
    note = "burn-nn layers are created on a `burn_tensor::Device` (feature `burn`)"
)]
pub trait CreateLayer<Dev: ?Sized>: Sized {
    /// The layer, its parameters waiting for their values. Errors: a configuration the
    /// framework would refuse ([`ErrorKind::WrongShape`](crate::ErrorKind)), before it panics.
    fn create(config: &<Self as LayerConfig>::Config, device: &Dev) -> Result<Self, InitError>
    where
        Self: LayerConfig;
}
