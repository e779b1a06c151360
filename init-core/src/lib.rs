//! The runtime of [weight-init](https://docs.rs/weight-init): initialisation schemes with exact
//! constants, fans read from a parameter's shape under a stated [`Layout`], gains, the
//! [`Target`]s a scheme can fill, and the one error type [`InitError`].
//!
//! Users depend on the `weight-init` crate, which re-exports everything here. The entry point is
//! [`Init`]: build one with a constructor (`Init::he_normal()`), adjust it with modifiers
//! (`.gain(Gain::Tanh)`, `.mode(FanMode::FanOut)`, `.truncated()`), then
//! [`fill`](Init::fill) a parameter from any `rand::Rng`, or [`resolve`](Init::resolve) what it
//! would do for a shape.
//!
//! ```
//! use init_core::{Init, Gain};
//! use rand::SeedableRng;
//! let mut rng = rand::rngs::StdRng::seed_from_u64(42);
//! let mut w = ndarray::Array2::<f32>::zeros((128, 64));
//! Init::glorot_uniform().gain(Gain::Tanh).fill(&mut w, &mut rng)?;
//! let bound = 5.0 / 3.0 * (6.0f32 / (64.0 + 128.0)).sqrt();
//! assert!(w.iter().all(|x| x.abs() <= bound));
//! # Ok::<(), init_core::InitError>(())
//! ```
//!
//! The crate re-exports the versions of [`rand`], [`rand_distr`] and [`ndarray`] it is built
//! on, so users get matching ones.
//!
//! Whole models: [`Initialize`] (what `#[derive(Initialize)]` implements) walks a model's
//! parameters; [`Initialize::initialize`] fills them from an rng, [`Initialize::init_seeded`]
//! keyed by seed and path ([`Init::fill_seeded`], [`Init::fill_shard`]), [`report`] tabulates
//! them, [`Lsuv`] rescales them on data, and [`depth`] has depth-aware scales.
//!
//! Cargo features (default on): `orthogonal` brings the QR-based schemes
//! ([`Init::orthogonal`], [`Init::delta_orthogonal`]) through faer, with it off they do not
//! exist; `rayon` fills large keyed parameters in parallel, with the same values either way.
//! Off by default: `burn` (Burn's `Tensor<D>` and `Param<Tensor<D>>`; `burn-flex` adds Burn's
//! flex CPU backend), `candle` (candle's `Tensor` and `Var`), `nalgebra` (its matrices and
//! vectors), `half` (`f16`/`bf16` elements), `safetensors` and `npy` (the `export` module,
//! when either is on). A model's fields are [`Parameter`]s; a model built from a configuration
//! is [`Build`].

/// The `burn-core` this crate is built on (feature `burn`): `Param<Tensor<D>>` is a
/// [`Parameter`].
#[cfg(feature = "burn")]
pub use burn_core;
/// The `burn-nn` this crate is built on (feature `burn`): its layers are what
/// [`burn::reinit`] knows the fans of.
#[cfg(feature = "burn")]
pub use burn_nn;
/// The `burn-tensor` this crate is built on (feature `burn`): a float `Tensor<D>` is a
/// [`Parameter`] (values generated in f32, uploaded in the tensor's dtype to its own device) and
/// [`Construct`]s on a `burn_tensor::Device`.
#[cfg(feature = "burn")]
pub use burn_tensor;
/// The candle version the `candle` feature is built on: `candle_core::Tensor` and
/// `candle_core::Var` of any float dtype are [`Parameter`]s (values generated in f32, converted
/// to the tensor's dtype on upload; integer dtypes refused) and [`Construct`] zero `F32` tensors
/// on a `candle_core::Device`.
#[cfg(feature = "candle")]
pub use candle_core;
/// The candle-nn version the `candle` feature is built on: its layers are built through
/// [`candle::var_builder`].
#[cfg(feature = "candle")]
pub use candle_nn;
/// The half version the `half` feature is built on: arrays of `half::f16` and `half::bf16`
/// are parameters, their values sampled in f32 and rounded once (see [`Float`]).
#[cfg(feature = "half")]
pub use half;
/// The nalgebra version the `nalgebra` feature is built on: its matrices (`DMatrix`, `SMatrix`,
/// shape `(rows, cols)`) and vectors (`DVector`, `SVector`, shape `(n,)`) of `f32`/`f64` are
/// [`Target`]s filled in logical row-major order, like an ndarray of the same shape.
#[cfg(feature = "nalgebra")]
pub use nalgebra;
pub use ndarray;
pub use rand;
pub use rand_distr;

/// Burn modules initialised by the names of their parameters (feature `burn`).
///
/// ```ignore
/// use weight_init::{Init, Rules};
/// let rules = Rules::new()
///     .rule("**.weight", Init::he_normal())
///     .rule("**.bias", Init::zeros())
///     .rule("head.weight", Init::normal(0.0, 0.02));
/// let model = weight_init::burn::reinit(ModelConfig::new().init(&device), &rules, 42)?;
/// ```
#[cfg(feature = "burn")]
pub mod burn {
    pub use crate::ext::burn::reinit::{reinit, reinit_report};
}

// The layers, bottom up: each imports only those above it in this list (docs/ARCHITECTURE.md).
mod error;
#[cfg(any(feature = "safetensors", feature = "npy"))]
pub mod export;
mod ext;
mod lsuv;
mod math;
mod model;
pub mod mup;
mod param;
mod plan;
pub mod recipe;
mod sample;
mod scheme;
pub mod stats;

#[doc(inline)]
pub use scheme::depth;

#[cfg(feature = "candle")]
#[doc(inline)]
pub use ext::candle_vb as candle;

pub use error::{ErrorKind, InitError};
pub use lsuv::{LayerOutputs, Lsuv, LsuvLayer, LsuvReport};
pub use math::truncnorm::TRUNC_2SIGMA_STD;
pub use model::gates;
pub use model::{
    Assignment, Assignments, Build, Choice, Configured, CreateLayer, Defaults, FieldInit,
    FieldWalk, HasBias, HasForgetGate, Initialize, Layer, LayerConfig, ParamInfo, ParamPath,
    Progress, Report, ReportRow, Role, Rule, Rules, SYMMETRIC, Segment, ShardPlan, Site, Source,
    Visit, VisitMut, params, report, rows_of,
};
pub use param::{
    AllowsConv, AllowsFans, AllowsMatrix, Construct, Dtype, FixedShape, Float, HostMut, HostRef,
    IntoShape, Nested, Parameter, Target, element_count, inspect_on_host, try_with_capacity,
    update_on_host, wrong_shape,
};
pub use plan::law::ElementDistribution;
pub use plan::resolve::Resolved;
#[cfg(feature = "rayon")]
pub use sample::keyed::PARALLEL_MIN_ELEMENTS;
pub use sample::keyed::{KEYED_CONTRACT, Region};
pub use scheme::{
    Axes, Distribution, FanMode, Fans, Gain, Init, LECUN_TANH_AMPLITUDE, LECUN_TANH_SLOPE, Layout,
    lecun_tanh, lecun_tanh_derivative,
};
