//! Building a model from a configuration: [`Configured`] (the configuration's type) and
//! [`Build`] (every parameter made zero from its shape on a device, then initialised).

use rand::Rng;

use super::initialize::Initialize;
use super::path::ParamPath;
use crate::error::InitError;
use crate::param::construct::unboxed;

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
///
/// # Models larger than a thread's stack
///
/// A derived model is built on the heap: each parameter in a heap slot of its own (a
/// fixed-size array a row at a time, never whole on the stack), each nested model in its own
/// heap slot, then, once every field is built, the fields are moved into one heap slot for the
/// model ([`zeroed_boxed_at`](Build::zeroed_boxed_at)). Only that last move puts the model on
/// the stack: in a debug build, where every temporary has a stack slot of its own, about twice
/// its size (the moved fields, then the struct; no safe Rust builds a struct in a heap slot
/// without them), and never while a nested model is being built. Measured for a model holding
/// `[[f32; 362]; 362]` and `[f32; 362]` inline (525,624 bytes; `tests/stack.rs`, test
/// `smallest_stack`, binary search to 4 KiB):
///
/// | way | smallest stack, debug | release |
/// |---|---|---|
/// | [`build_boxed`](Build::build_boxed), `Box::<Model>::build`, [`zeroed_boxed`](Build::zeroed_boxed) | 2.0× the model | 1.0× |
/// | `let m = Model::build(..).unwrap()` (or [`zeroed`](Build::zeroed)) | 4.0× | 3.0× |
/// | that model nested inline and boxed in another, its `build_boxed`; or `len = 3` of it in a `Vec` field, its `build` | 2.0× | 1.0× |
///
/// (before: 17× for `build`, 12× for `zeroed`, in a debug build). By value, the caller's own
/// `Result` and `m` are two of the four copies. So in a thread of 2 MiB (what Rust gives
/// spawned threads and tests) a debug build builds an inline model of up to about 1 MiB with
/// [`build_boxed`](Build::build_boxed) (or as a `Box<Model>`), and of up to about 500 KiB with
/// [`build`](Build::build). Past that, hold the large arrays in `Box<[[f32; N]; M]>` fields, a
/// parameter type built on the heap directly: the model itself is then small, and no stack
/// size limits it. A `Vec` of models with `len = ...` is small itself: its models are built one
/// at a time, each as [`build_boxed`](Build::build_boxed) builds one.
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

    /// [`zeroed_at`](Build::zeroed_at) into a heap slot. Provided as
    /// `zeroed_at(..).map(Box::new)`; the derive builds every field on the heap first and
    /// moves them into the box, so that the model is never whole on the stack but once (see
    /// [the trait's notes](Build#models-larger-than-a-threads-stack)).
    fn zeroed_boxed_at(
        config: &<Self as Configured>::Config,
        device: &Dev,
        path: &mut ParamPath,
    ) -> Result<Box<Self>, InitError> {
        Self::zeroed_at(config, device, path).map(Box::new)
    }

    /// [`zeroed`](Build::zeroed) into a heap slot: [`zeroed_boxed_at`](Build::zeroed_boxed_at)
    /// at the root.
    fn zeroed_boxed(
        config: &<Self as Configured>::Config,
        device: &Dev,
    ) -> Result<Box<Self>, InitError> {
        Self::zeroed_boxed_at(config, device, &mut ParamPath::new())
    }

    /// The model, keyed by `seed`: [`zeroed`](Build::zeroed) then
    /// [`init_seeded`](Initialize::init_seeded). Built on the heap
    /// ([`build_boxed`](Build::build_boxed)) and moved out once, into the caller's slot.
    fn build(
        config: &<Self as Configured>::Config,
        device: &Dev,
        seed: u64,
    ) -> Result<Self, InitError> {
        // built, then moved out by a call of its own: in a debug build this frame then holds
        // no copy of the model while it is built (`?` or `map` here would hold two)
        unboxed(Self::build_boxed(config, device, seed))
    }

    /// The model, filled from `rng`: [`zeroed`](Build::zeroed) then
    /// [`initialize`](Initialize::initialize). Built on the heap as [`build`](Build::build) is.
    fn build_with_rng<R: Rng + ?Sized>(
        config: &<Self as Configured>::Config,
        device: &Dev,
        rng: &mut R,
    ) -> Result<Self, InitError> {
        unboxed(Self::build_boxed_with_rng(config, device, rng))
    }

    /// [`build`](Build::build) into a heap slot, the same values: the way to build a model
    /// holding arrays too large for the thread's stack (see
    /// [the trait's notes](Build#models-larger-than-a-threads-stack)).
    ///
    /// ```ignore
    /// // (the derive is not available to this crate's doctests: `tests/stack.rs` runs this)
    /// #[derive(Initialize)]
    /// #[init(config = ())]
    /// struct Big {
    ///     #[init(he_normal)]
    ///     w: [[f32; 362]; 362], // 512 KiB, inline
    ///     #[init(zeros)]
    ///     b: [f32; 362],
    /// }
    ///
    /// // a quarter of the thread's stack: built boxed, on a 2 MiB stack, in a debug build
    /// let big: Box<Big> = std::thread::Builder::new()
    ///     .stack_size(2 << 20)
    ///     .spawn(|| Big::build_boxed(&(), &(), 7))
    ///     .unwrap()
    ///     .join()
    ///     .unwrap()?;
    /// ```
    fn build_boxed(
        config: &<Self as Configured>::Config,
        device: &Dev,
        seed: u64,
    ) -> Result<Box<Self>, InitError> {
        let mut model = Self::zeroed_boxed(config, device)?;
        Initialize::init_seeded(&mut *model, seed)?;
        Ok(model)
    }

    /// [`build_with_rng`](Build::build_with_rng) into a heap slot, the same values.
    fn build_boxed_with_rng<R: Rng + ?Sized>(
        config: &<Self as Configured>::Config,
        device: &Dev,
        rng: &mut R,
    ) -> Result<Box<Self>, InitError> {
        let mut model = Self::zeroed_boxed(config, device)?;
        Initialize::initialize(&mut *model, rng)?;
        Ok(model)
    }
}

impl<T: Configured> Configured for Box<T> {
    type Config = T::Config;
}

/// A boxed model is built in its box: [`Build::zeroed_boxed_at`] of the model inside.
impl<Dev: ?Sized, T: Build<Dev>> Build<Dev> for Box<T> {
    fn zeroed_at(
        config: &<Self as Configured>::Config,
        device: &Dev,
        path: &mut ParamPath,
    ) -> Result<Self, InitError> {
        T::zeroed_boxed_at(config, device, path)
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
