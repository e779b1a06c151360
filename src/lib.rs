#![doc = include_str!("../README.md")]

pub use init_core::*;
pub use init_derive::Initialize;

/// What `#[derive(Initialize)]` expands to reaches the runtime only through here, so that
/// generated code never depends on what the user has in scope. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use core::default::Default;
    pub use core::marker::Sized;
    pub use core::result::Result::{self, Err, Ok};
    pub use init_core::{
        AllowsConv, AllowsFans, AllowsMatrix, Build, Configured, Construct, CreateLayer,
        Distribution, FanMode, Fans, FieldInit, FieldWalk, FixedShape, Gain, HasBias,
        HasForgetGate, Init, InitError, Initialize, IntoShape, LayerConfig, Layout, ParamPath,
        Parameter, Segment, Visit, VisitMut,
    };
    pub use std::boxed::Box;

    /// A framework layer created from its configuration (`config = ...` on a field with a
    /// scheme), its parameters waiting for the fill; an error names its path.
    pub fn create_layer<T: CreateLayer<D> + LayerConfig, D: ?Sized>(
        config: &T::Config,
        device: &D,
        path: &mut ParamPath,
        segment: Segment,
    ) -> Result<T, InitError> {
        T::create(config, device).map_err(|e| path.with(segment, |p| e.with_path(p.to_string())))
    }

    /// The fans of the sibling parameter `target` (`fans_of = sibling`), under its own scheme's
    /// layout and explicit fans; an error names the sibling's path.
    pub fn fans_of<T: Parameter + ?Sized>(
        target: &T,
        init: &Init,
        path: &mut ParamPath,
        sibling: Segment,
    ) -> Result<Fans, InitError> {
        init.fans_for(&target.dims())
            .map_err(|e| path.with(sibling, |p| e.with_path(p.to_string())))
    }

    /// The model moved out of its box (`zeroed_at` of a derived model): a call of its own, so
    /// that in a debug build the copy this move makes is not on the stack while the model is
    /// built.
    #[inline(never)]
    pub fn unboxed<T>(built: Result<Box<T>, InitError>) -> Result<T, InitError> {
        match built {
            Ok(b) => Ok(*b),
            Err(e) => Err(e),
        }
    }

    /// `model` moved out of its box onto the end of `models`: a call of its own, made once the
    /// model is built, so that in a debug build the copy this move makes on the stack is not
    /// there while the next model is built.
    #[inline(never)]
    #[allow(clippy::boxed_local)] // boxed on purpose: it is the move out of the box this is for
    fn push_unboxed<T>(models: &mut Vec<T>, model: Box<T>) {
        models.push(*model);
    }

    /// The model `assemble` makes of its fields (each already built, most in heap slots), in a
    /// heap slot. A call of its own, made once every field is built: in a debug build the
    /// copies of the model that assembling it makes on the stack (the moved fields, then the
    /// struct, about twice its size) are then not on the stack while its fields, nested
    /// models included, are built.
    #[inline(never)]
    pub fn assemble<T>(assemble: impl FnOnce() -> T) -> Box<T> {
        Box::new(assemble())
    }

    /// A parameter built zero from a shape (`shape = ...`), in a heap slot (moved into the
    /// model's own once every field is built); an error names its path.
    pub fn construct<T: Construct<D>, D: ?Sized>(
        shape: impl IntoShape,
        device: &D,
        path: &mut ParamPath,
        segment: Segment,
    ) -> Result<Box<T>, InitError> {
        T::zeros_boxed(&shape.into_shape(), device)
            .map_err(|e| path.with(segment, |p| e.with_path(p.to_string())))
    }

    /// A parameter whose type has its shape, built zero in a heap slot; an error names its
    /// path.
    pub fn construct_fixed<T: Construct<D> + FixedShape, D: ?Sized>(
        device: &D,
        path: &mut ParamPath,
        segment: Segment,
    ) -> Result<Box<T>, InitError> {
        construct(T::fixed_shape(), device, path, segment)
    }

    /// [`Build`] as derived code bounds nested models by: without [`Configured`] as a
    /// supertrait, so that such a bound in a generic impl does not hide the nested model's
    /// configuration type behind the bound.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be built from a configuration on a `{D}`",
        label = "this field is a nested model, built with `Build`",
        note = "derive `Initialize` on it with `#[init(config = ...)]` and give its parameters `shape = ...`; or `#[init(skip)]` the field"
    )]
    pub trait BuildOn<D: ?Sized>: Sized {
        /// [`Build::zeroed_boxed_at`].
        fn zeroed_on(
            config: &<Self as Configured>::Config,
            device: &D,
            path: &mut ParamPath,
        ) -> Result<Box<Self>, InitError>
        where
            Self: Configured;
    }

    impl<T: Build<D>, D: ?Sized> BuildOn<D> for T {
        fn zeroed_on(
            config: &<Self as Configured>::Config,
            device: &D,
            path: &mut ParamPath,
        ) -> Result<Box<Self>, InitError> {
            T::zeroed_boxed_at(config, device, path)
        }
    }

    /// A nested model built from its configuration, at its path, in a heap slot.
    pub fn build_nested<T: BuildOn<D> + Configured, D: ?Sized>(
        config: &T::Config,
        device: &D,
        path: &mut ParamPath,
        segment: Segment,
    ) -> Result<Box<T>, InitError> {
        path.with(segment, |p| T::zeroed_on(config, device, p))
    }

    /// The element type of a container of models (`len = ...`).
    #[diagnostic::on_unimplemented(
        message = "`len = ...` builds a `Vec` of models, not a `{Self}`",
        label = "`len` needs a `Vec<Model>` field",
        note = "for a single nested model, give only `config = ...` (or nothing, to pass the same `cfg`)"
    )]
    pub trait ManyOf {
        /// The nested model.
        type Item;
    }

    impl<T> ManyOf for Vec<T> {
        type Item = T;
    }

    /// The configuration type of the models in a container.
    pub type ItemConfig<V> = <<V as ManyOf>::Item as Configured>::Config;

    /// `len` nested models (`len = ...`), each at its index under the field's path. Bounds
    /// derived code like [`BuildOn`], with the configuration type `C` spelled out.
    #[diagnostic::on_unimplemented(
        message = "`len = ...` builds a `Vec` of models; `{Self}` is not a `Vec` of models buildable on a `{D}`",
        label = "`len` needs a `Vec<Model>` field",
        note = "the models in the `Vec` derive `Initialize` with `#[init(config = ...)]`"
    )]
    pub trait BuildManyOn<D: ?Sized, C: ?Sized>: Sized {
        /// `len` models, each built from `config`.
        fn zeroed_many(
            len: usize,
            config: &C,
            device: &D,
            path: &mut ParamPath,
            segment: Segment,
        ) -> Result<Self, InitError>;
    }

    impl<T: Build<D>, D: ?Sized> BuildManyOn<D, T::Config> for Vec<T> {
        fn zeroed_many(
            len: usize,
            config: &T::Config,
            device: &D,
            path: &mut ParamPath,
            segment: Segment,
        ) -> Result<Self, InitError> {
            path.with(segment, |p| {
                // room for every model first: a `len` beyond memory is an error, not an abort
                let mut models = init_core::try_with_capacity(len, "build")
                    .map_err(|e| e.with_path(p.to_string()))?;
                for i in 0..len {
                    let model =
                        p.with(Segment::Index(i), |p| T::zeroed_boxed_at(config, device, p))?;
                    push_unboxed(&mut models, model);
                }
                Ok(models)
            })
        }
    }
}
