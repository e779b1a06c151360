//! burn-nn layers as fields of a derived struct (`#[init(he_normal, bias = zeros)] fc: Linear`):
//! [`FieldWalk`] for every burn-nn layer with parameters, its rank markers, [`HasBias`] and
//! [`HasForgetGate`], and [`CreateLayer`] from the layer's own configuration.
//!
//! Each parameter is visited under Burn's own name (`fc.weight`, `attn.query.bias`,
//! `lstm.forget_gate.input_transform.weight`), with the layer's layout and PyTorch's fans for
//! it: what [`reinit`](super::reinit::reinit) gives the same parameter (`site.rs` holds the
//! shared classification), so a derived field and `reinit` with rules of the same names write
//! bit-identical values. A parameter is seen in the shape Burn's initialiser builds and is
//! written through its load path (`Param::transform_for_load`): a lazy `Param` gets our values
//! as its initialisation and Burn's initialiser never runs.

use std::panic::{AssertUnwindSafe, catch_unwind};

use burn_core::module::Param;
use burn_nn::attention::{MultiHeadAttention, MultiHeadAttentionConfig};
use burn_nn::conv::{
    Conv1d, Conv1dConfig, Conv2d, Conv2dConfig, Conv3d, Conv3dConfig, ConvTranspose1d,
    ConvTranspose1dConfig, ConvTranspose2d, ConvTranspose2dConfig, ConvTranspose3d,
    ConvTranspose3dConfig,
};
use burn_nn::{
    BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, GateController, GroupNorm,
    GroupNormConfig, Gru, GruConfig, InstanceNorm, InstanceNormConfig, LayerNorm, LayerNormConfig,
    Linear, LinearConfig, Lstm, LstmConfig, RmsNorm, RmsNormConfig,
};
use burn_tensor::{Device, Tensor};

use super::site::{self, generated_shape, place, stores_transposed};
use super::{backend, download};
use crate::error::{ErrorKind, InitError};
use crate::model::build::{CreateLayer, LayerConfig};
use crate::model::field::{FieldInit, FieldWalk, HasBias, HasForgetGate};
use crate::model::path::{ParamPath, Segment};
use crate::model::rules::{Site, fit, torch_default};
use crate::model::visit::{Visit, VisitMut};
use crate::param::parameter::{HostMut, HostRef, Parameter, inspect_on_host, update_on_host};
use crate::param::rank::{AllowsConv, AllowsFans, AllowsMatrix};
use crate::scheme::init::Init;

/// A layer's parameter as the walks see it: in the shape Burn's initialiser builds (`(out,
/// in)` for a `Linear` with `LinearLayout::Col`), written through its load path.
struct Slot<R> {
    param: R,
    transposed: bool,
}

/// The current values in the generated shape (a lazy `Param` is materialised by Burn to be
/// read: only work that reads values reads them).
fn read<const D: usize>(param: &Param<Tensor<D>>, transposed: bool) -> Result<Vec<f32>, InitError> {
    let value = param.val();
    let value = if transposed {
        value.swap_dims(0, 1)
    } else {
        value
    };
    download(&value, "inspect")
}

impl<const D: usize> Parameter for Slot<&Param<Tensor<D>>> {
    type Elem = f32;

    fn dims(&self) -> Vec<usize> {
        generated_shape(self.param, self.transposed)
    }

    fn update<W: HostMut<f32>>(&mut self, _work: W) -> Result<W::Output, InitError> {
        Err(backend(
            "update",
            "a layer's parameter seen by a reading walk cannot be written",
        ))
    }

    fn inspect<W: HostRef<f32>>(&self, work: W) -> Result<W::Output, InitError> {
        let values = read(self.param, self.transposed)?;
        inspect_on_host(&self.dims(), values, work)
    }
}

impl<const D: usize> Parameter for Slot<&mut Param<Tensor<D>>> {
    type Elem = f32;

    fn dims(&self) -> Vec<usize> {
        generated_shape(self.param, self.transposed)
    }

    fn update<W: HostMut<f32>>(&mut self, work: W) -> Result<W::Output, InitError> {
        let shape = self.dims();
        let current = if W::READS {
            Some(read(self.param, self.transposed)?)
        } else {
            None
        };
        let (values, out) = update_on_host(&shape, current, work)?;
        let tensor = site::new_value(self.param, values, &shape, "update")?;
        *self.param = site::install(self.param.clone(), tensor);
        Ok(out)
    }

    fn inspect<W: HostRef<f32>>(&self, work: W) -> Result<W::Output, InitError> {
        let values = read(self.param, self.transposed)?;
        inspect_on_host(&self.dims(), values, work)
    }
}

/// Where a weight-and-bias pair sits: the burn-nn struct holding it, its field names, and the
/// field and struct one level up (`("query", "MultiHeadAttention")`).
#[derive(Clone, Copy)]
struct Part {
    kind: &'static str,
    weight: &'static str,
    bias: &'static str,
    parent: Option<(&'static str, &'static str)>,
}

impl Part {
    const fn new(kind: &'static str) -> Self {
        Part {
            kind,
            weight: "weight",
            bias: "bias",
            parent: None,
        }
    }

    const fn norm(kind: &'static str) -> Self {
        Part {
            kind,
            weight: "gamma",
            bias: "beta",
            parent: None,
        }
    }

    const fn inside(self, field: &'static str, parent: &'static str) -> Self {
        Part {
            parent: Some((field, parent)),
            ..self
        }
    }
}

/// The schemes of a pair, prepared as `reinit` prepares them: the weight's under the layer's
/// layout and fans, the bias's (`bias`, or PyTorch's default for the layer's bias) with the
/// weight's fans.
struct Plan {
    transposed: bool,
    weight: Init,
    bias: Init,
}

fn plan<const D: usize>(
    part: Part,
    weight: Option<&Param<Tensor<D>>>,
    bias: Option<&Param<Tensor<1>>>,
    init: &Init,
    bias_init: Option<&Init>,
) -> Plan {
    let transposed = weight.is_some_and(stores_transposed);
    let w_shape = weight.map_or_else(Vec::new, |w| generated_shape(w, transposed));
    let w = place(
        part.kind,
        part.weight,
        part.parent,
        &w_shape,
        transposed,
        None,
    );
    let w_site = Site::new("", &w_shape)
        .layer(w.layer, w.role)
        .layout(w.layout.clone())
        .fans(w.fans);
    let b_shape = bias.map_or_else(Vec::new, |b| generated_shape(b, false));
    let b = place(part.kind, part.bias, part.parent, &b_shape, false, w.fans);
    let b_site = Site::new("", &b_shape)
        .layer(b.layer, b.role)
        .layout(b.layout)
        .fans(b.fans);
    let bias = match bias_init {
        Some(i) => fit(i, &b_site),
        None => torch_default(&b_site).map_or_else(Init::zeros, |i| fit(&i, &b_site)),
    };
    Plan {
        transposed,
        weight: fit(init, &w_site),
        bias,
    }
}

fn visit_pair<const D: usize, V: Visit + ?Sized>(
    path: &mut ParamPath,
    visitor: &mut V,
    part: Part,
    (weight, bias): (Option<&Param<Tensor<D>>>, Option<&Param<Tensor<1>>>),
    init: &Init,
    bias_init: Option<&Init>,
) -> Result<(), InitError> {
    let plan = plan(part, weight, bias, init, bias_init);
    if let Some(w) = weight {
        let slot = Slot {
            param: w,
            transposed: plan.transposed,
        };
        path.with(Segment::Field(part.weight), |p| {
            visitor.param(p, &slot, &plan.weight)
        })?;
    }
    if let Some(b) = bias {
        let slot = Slot {
            param: b,
            transposed: false,
        };
        path.with(Segment::Field(part.bias), |p| {
            visitor.param(p, &slot, &plan.bias)
        })?;
    }
    Ok(())
}

fn visit_pair_mut<const D: usize, V: VisitMut + ?Sized>(
    path: &mut ParamPath,
    visitor: &mut V,
    part: Part,
    (weight, bias): (Option<&mut Param<Tensor<D>>>, Option<&mut Param<Tensor<1>>>),
    init: &Init,
    bias_init: Option<&Init>,
) -> Result<(), InitError> {
    let plan = plan(part, weight.as_deref(), bias.as_deref(), init, bias_init);
    if let Some(w) = weight {
        let mut slot = Slot {
            param: w,
            transposed: plan.transposed,
        };
        path.with(Segment::Field(part.weight), |p| {
            visitor.param(p, &mut slot, &plan.weight)
        })?;
    }
    if let Some(b) = bias {
        let mut slot = Slot {
            param: b,
            transposed: false,
        };
        path.with(Segment::Field(part.bias), |p| {
            visitor.param(p, &mut slot, &plan.bias)
        })?;
    }
    Ok(())
}

/// A `Linear` inside another layer (`attn.query`, `lstm.forget_gate.input_transform`).
fn visit_linear<V: Visit + ?Sized>(
    path: &mut ParamPath,
    visitor: &mut V,
    name: &'static str,
    part: Part,
    linear: &Linear,
    init: &Init,
    bias_init: Option<&Init>,
) -> Result<(), InitError> {
    path.with(Segment::Field(name), |p| {
        visit_pair(
            p,
            visitor,
            part,
            (Some(&linear.weight), linear.bias.as_ref()),
            init,
            bias_init,
        )
    })
}

fn visit_linear_mut<V: VisitMut + ?Sized>(
    path: &mut ParamPath,
    visitor: &mut V,
    name: &'static str,
    part: Part,
    linear: &mut Linear,
    init: &Init,
    bias_init: Option<&Init>,
) -> Result<(), InitError> {
    path.with(Segment::Field(name), |p| {
        visit_pair_mut(
            p,
            visitor,
            part,
            (Some(&mut linear.weight), linear.bias.as_mut()),
            init,
            bias_init,
        )
    })
}

/// Layers holding `weight` and an optional `bias`.
macro_rules! weight_and_bias {
    ($($ty:ident: $($marker:ident)*;)*) => {$(
        /// The weight gets the field's scheme with PyTorch's fans for the layer, the bias
        /// `bias = ...` or PyTorch's default, U(±1/√fan_in) with the weight's fan_in.
        impl FieldWalk for $ty {
            fn walk_field<V: Visit + ?Sized>(
                &self,
                path: &mut ParamPath,
                visitor: &mut V,
                init: &FieldInit,
            ) -> Result<(), InitError> {
                let pair = (Some(&self.weight), self.bias.as_ref());
                let part = Part::new(stringify!($ty));
                visit_pair(path, visitor, part, pair, &init.init, init.bias.as_ref())
            }

            fn walk_field_mut<V: VisitMut + ?Sized>(
                &mut self,
                path: &mut ParamPath,
                visitor: &mut V,
                init: &FieldInit,
            ) -> Result<(), InitError> {
                let pair = (Some(&mut self.weight), self.bias.as_mut());
                let part = Part::new(stringify!($ty));
                visit_pair_mut(path, visitor, part, pair, &init.init, init.bias.as_ref())
            }
        }
        impl HasBias for $ty {}
        $(impl $marker for $ty {})*
    )*};
}

weight_and_bias! {
    Linear: AllowsFans AllowsMatrix;
    Conv1d: AllowsFans AllowsConv;
    Conv2d: AllowsFans AllowsConv;
    Conv3d: AllowsFans AllowsConv;
    ConvTranspose1d: AllowsFans;
    ConvTranspose2d: AllowsFans;
    ConvTranspose3d: AllowsFans;
}

/// The table gets the field's scheme, with fans (fan_in = dim, fan_out = num); no bias.
impl FieldWalk for Embedding {
    fn walk_field<V: Visit + ?Sized>(
        &self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        let pair = (Some(&self.weight), None);
        visit_pair(
            path,
            visitor,
            Part::new("Embedding"),
            pair,
            &init.init,
            None,
        )
    }

    fn walk_field_mut<V: VisitMut + ?Sized>(
        &mut self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        let pair = (Some(&mut self.weight), None);
        visit_pair_mut(
            path,
            visitor,
            Part::new("Embedding"),
            pair,
            &init.init,
            None,
        )
    }
}
impl AllowsFans for Embedding {}
impl AllowsMatrix for Embedding {}

/// Norms: `gamma` and `beta` (each optional where Burn's is); the scale gets the field's
/// scheme (no fans: `ones`, `constant(..)`, `normal(..)`), the shift `bias = ...` or 0.
macro_rules! norm {
    ($($ty:ident: |$s:ident| $gamma:expr, $gamma_mut:expr, $beta:expr, $beta_mut:expr;)*) => {$(
        impl FieldWalk for $ty {
            fn walk_field<V: Visit + ?Sized>(
                &self,
                path: &mut ParamPath,
                visitor: &mut V,
                init: &FieldInit,
            ) -> Result<(), InitError> {
                let $s = self;
                let pair = ($gamma, $beta);
                let part = Part::norm(stringify!($ty));
                visit_pair(path, visitor, part, pair, &init.init, init.bias.as_ref())
            }

            fn walk_field_mut<V: VisitMut + ?Sized>(
                &mut self,
                path: &mut ParamPath,
                visitor: &mut V,
                init: &FieldInit,
            ) -> Result<(), InitError> {
                let $s = self;
                let pair = ($gamma_mut, $beta_mut);
                let part = Part::norm(stringify!($ty));
                visit_pair_mut(path, visitor, part, pair, &init.init, init.bias.as_ref())
            }
        }
    )*};
}

norm! {
    LayerNorm: |s| Some(&s.gamma), Some(&mut s.gamma), s.beta.as_ref(), s.beta.as_mut();
    BatchNorm: |s| Some(&s.gamma), Some(&mut s.gamma), Some(&s.beta), Some(&mut s.beta);
    GroupNorm: |s| s.gamma.as_ref(), s.gamma.as_mut(), s.beta.as_ref(), s.beta.as_mut();
    InstanceNorm: |s| s.gamma.as_ref(), s.gamma.as_mut(), s.beta.as_ref(), s.beta.as_mut();
    RmsNorm: |s| Some(&s.gamma), Some(&mut s.gamma), None, None;
}
impl HasBias for LayerNorm {}
impl HasBias for BatchNorm {}
impl HasBias for GroupNorm {}
impl HasBias for InstanceNorm {}

const ATTENTION: [&str; 4] = ["query", "key", "value", "output"];

/// Query, key, value and output projections, each a `Linear` with its own fans
/// (`attn.query.weight`): the weights get the field's scheme, the biases `bias = ...` or 0
/// (PyTorch's `nn.MultiheadAttention`).
impl FieldWalk for MultiHeadAttention {
    fn walk_field<V: Visit + ?Sized>(
        &self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        let linears = [&self.query, &self.key, &self.value, &self.output];
        for (name, linear) in ATTENTION.into_iter().zip(linears) {
            let part = Part::new("Linear").inside(name, "MultiHeadAttention");
            let bias = init.bias.as_ref();
            visit_linear(path, visitor, name, part, linear, &init.init, bias)?;
        }
        Ok(())
    }

    fn walk_field_mut<V: VisitMut + ?Sized>(
        &mut self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        let linears = [
            &mut self.query,
            &mut self.key,
            &mut self.value,
            &mut self.output,
        ];
        for (name, linear) in ATTENTION.into_iter().zip(linears) {
            let part = Part::new("Linear").inside(name, "MultiHeadAttention");
            let bias = init.bias.as_ref();
            visit_linear_mut(path, visitor, name, part, linear, &init.init, bias)?;
        }
        Ok(())
    }
}
impl HasBias for MultiHeadAttention {}
impl AllowsFans for MultiHeadAttention {}
impl AllowsMatrix for MultiHeadAttention {}

/// The bias schemes of a gate's two transforms: `forget_bias = b` on the forget gate gives the
/// input transform's bias `b` and the hidden transform's 0 (their sum, PyTorch's
/// `b_ih + b_hh`, is `b`); otherwise both get `bias = ...` or the default.
fn gate_biases(init: &FieldInit, forget: bool) -> [Option<Init>; 2] {
    match init.forget_bias {
        Some(b) if forget => [Some(Init::constant(b)), Some(Init::zeros())],
        _ => [init.bias.clone(), init.bias.clone()],
    }
}

const TRANSFORMS: [&str; 2] = ["input_transform", "hidden_transform"];

fn visit_gate<V: Visit + ?Sized>(
    path: &mut ParamPath,
    visitor: &mut V,
    name: &'static str,
    gate: &GateController,
    init: &FieldInit,
    forget: bool,
) -> Result<(), InitError> {
    let biases = gate_biases(init, forget);
    let linears = [&gate.input_transform, &gate.hidden_transform];
    path.with(Segment::Field(name), |p| {
        for ((t, linear), bias) in TRANSFORMS.into_iter().zip(linears).zip(&biases) {
            let part = Part::new("Linear").inside(t, "GateController");
            visit_linear(p, visitor, t, part, linear, &init.init, bias.as_ref())?;
        }
        Ok(())
    })
}

fn visit_gate_mut<V: VisitMut + ?Sized>(
    path: &mut ParamPath,
    visitor: &mut V,
    name: &'static str,
    gate: &mut GateController,
    init: &FieldInit,
    forget: bool,
) -> Result<(), InitError> {
    let biases = gate_biases(init, forget);
    let linears = [&mut gate.input_transform, &mut gate.hidden_transform];
    path.with(Segment::Field(name), |p| {
        for ((t, linear), bias) in TRANSFORMS.into_iter().zip(linears).zip(&biases) {
            let part = Part::new("Linear").inside(t, "GateController");
            visit_linear_mut(p, visitor, t, part, linear, &init.init, bias.as_ref())?;
        }
        Ok(())
    })
}

/// Each gate's input and hidden transforms (`lstm.forget_gate.input_transform.weight`): the
/// weights get the field's scheme with each transform's own fans, the biases `bias = ...` or
/// PyTorch's default U(±1/√hidden); `forget_bias = b` sets the forget gate's input-transform
/// bias to `b` and its hidden-transform bias to 0.
impl FieldWalk for Lstm {
    fn walk_field<V: Visit + ?Sized>(
        &self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        visit_gate(path, visitor, "input_gate", &self.input_gate, init, false)?;
        if let Some(g) = &self.forget_gate {
            visit_gate(path, visitor, "forget_gate", g, init, true)?;
        }
        visit_gate(path, visitor, "output_gate", &self.output_gate, init, false)?;
        visit_gate(path, visitor, "cell_gate", &self.cell_gate, init, false)
    }

    fn walk_field_mut<V: VisitMut + ?Sized>(
        &mut self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        visit_gate_mut(
            path,
            visitor,
            "input_gate",
            &mut self.input_gate,
            init,
            false,
        )?;
        if let Some(g) = &mut self.forget_gate {
            visit_gate_mut(path, visitor, "forget_gate", g, init, true)?;
        }
        visit_gate_mut(
            path,
            visitor,
            "output_gate",
            &mut self.output_gate,
            init,
            false,
        )?;
        visit_gate_mut(path, visitor, "cell_gate", &mut self.cell_gate, init, false)
    }
}
impl HasBias for Lstm {}
impl HasForgetGate for Lstm {}
impl AllowsFans for Lstm {}
impl AllowsMatrix for Lstm {}

/// The update, reset and new gates, as an LSTM's (`gru.reset_gate.input_transform.weight`).
impl FieldWalk for Gru {
    fn walk_field<V: Visit + ?Sized>(
        &self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        visit_gate(path, visitor, "update_gate", &self.update_gate, init, false)?;
        visit_gate(path, visitor, "reset_gate", &self.reset_gate, init, false)?;
        visit_gate(path, visitor, "new_gate", &self.new_gate, init, false)
    }

    fn walk_field_mut<V: VisitMut + ?Sized>(
        &mut self,
        path: &mut ParamPath,
        visitor: &mut V,
        init: &FieldInit,
    ) -> Result<(), InitError> {
        visit_gate_mut(
            path,
            visitor,
            "update_gate",
            &mut self.update_gate,
            init,
            false,
        )?;
        visit_gate_mut(
            path,
            visitor,
            "reset_gate",
            &mut self.reset_gate,
            init,
            false,
        )?;
        visit_gate_mut(path, visitor, "new_gate", &mut self.new_gate, init, false)
    }
}
impl HasBias for Gru {}
impl AllowsFans for Gru {}
impl AllowsMatrix for Gru {}

/// [`ErrorKind::InvalidParameter`] for a layer configuration Burn would panic on.
fn refused(name: &'static str, value: usize, expected: &'static str) -> InitError {
    InitError::new(
        "build",
        ErrorKind::InvalidParameter {
            name,
            value: value as f64,
            expected,
        },
    )
}

/// `groups` divides both channel counts (Burn panics otherwise).
fn check_groups(channels: [usize; 2], groups: usize) -> Result<(), InitError> {
    if groups == 0 || channels.iter().any(|c| !c.is_multiple_of(groups)) {
        return Err(refused(
            "groups",
            groups,
            "at least 1 and a divisor of both channel counts",
        ));
    }
    Ok(())
}

/// Burn's `init`, its assertions on the configuration caught and returned as errors.
fn create_with<L>(init: impl FnOnce() -> L) -> Result<L, InitError> {
    catch_unwind(AssertUnwindSafe(init)).map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
            .unwrap_or_else(|| "Burn refused the layer's configuration".to_string());
        backend("build", message)
    })
}

macro_rules! create {
    ($($ty:ident($config:ident): |$c:ident| $check:expr;)*) => {$(
        impl LayerConfig for $ty {
            type Config = $config;
        }

        /// Burn's own `init` on the device: the parameters are lazy, and a derived fill gives
        /// them their values before Burn's initialiser runs. A configuration Burn would panic
        /// on is an error.
        impl CreateLayer<Device> for $ty {
            fn create($c: &$config, device: &Device) -> Result<Self, InitError> {
                $check?;
                create_with(|| $c.init(device))
            }
        }
    )*};
}

create! {
    Linear(LinearConfig): |c| Ok::<(), InitError>(());
    Conv1d(Conv1dConfig): |c| check_groups([c.channels_in, c.channels_out], c.groups);
    Conv2d(Conv2dConfig): |c| check_groups(c.channels, c.groups);
    Conv3d(Conv3dConfig): |c| check_groups(c.channels, c.groups);
    ConvTranspose1d(ConvTranspose1dConfig): |c| check_groups(c.channels, c.groups);
    ConvTranspose2d(ConvTranspose2dConfig): |c| check_groups(c.channels, c.groups);
    ConvTranspose3d(ConvTranspose3dConfig): |c| check_groups(c.channels, c.groups);
    Embedding(EmbeddingConfig): |c| Ok::<(), InitError>(());
    LayerNorm(LayerNormConfig): |c| Ok::<(), InitError>(());
    BatchNorm(BatchNormConfig): |c| Ok::<(), InitError>(());
    GroupNorm(GroupNormConfig): |c| check_groups([c.num_channels, c.num_channels], c.num_groups);
    InstanceNorm(InstanceNormConfig): |c| Ok::<(), InitError>(());
    RmsNorm(RmsNormConfig): |c| Ok::<(), InitError>(());
    MultiHeadAttention(MultiHeadAttentionConfig): |c| {
        if c.n_heads == 0 || !c.d_model.is_multiple_of(c.n_heads) {
            Err(refused("n_heads", c.n_heads, "at least 1 and a divisor of d_model"))
        } else {
            Ok(())
        }
    };
    Lstm(LstmConfig): |c| Ok::<(), InitError>(());
    Gru(GruConfig): |c| Ok::<(), InitError>(());
}
