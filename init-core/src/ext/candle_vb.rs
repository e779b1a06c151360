//! candle-nn models initialised by weight-init (feature `candle`): a `VarBuilder` whose every
//! variable is created keyed by (seed, its state-dict name, element index), with the scheme the
//! [`Rules`] choose, or, where none does, the law candle-nn's layer asked for.
//!
//! ```
//! use init_core::candle::var_builder;
//! use init_core::candle_core::{DType, Device};
//! use init_core::candle_nn::{VarMap, linear};
//! use init_core::{Init, Rules};
//! let varmap = VarMap::new();
//! let rules = Rules::torch_defaults().rule("**.bias", Init::zeros());
//! // instead of `VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu)`:
//! let vb = var_builder(&varmap, &rules, 42, DType::F32, &Device::Cpu);
//! let fc = linear(16, 4, vb.pp("fc"))?;
//! assert_eq!(varmap.all_vars().len(), 2); // fc.weight, fc.bias: trainable, savable
//! # let _ = fc;
//! # Ok::<(), init_core::candle_core::Error>(())
//! ```
//!
//! **Values.** A variable named `h.3.mlp.c_fc.weight` (the `VarBuilder`'s prefix and the
//! name, joined by `.`: its state-dict name, the name `varmap.save` writes) holds exactly the
//! values an ndarray array of the same shape and element type gets from
//! `init.fill_seeded(&mut a, seed, "h.3.mlp.c_fc.weight")` ([`KEYED_CONTRACT`]): `F32` as an
//! `ArrayD<f32>`, `F64` as an `ArrayD<f64>`, `F16`/`BF16` as an `ArrayD<half::f16>` /
//! `ArrayD<half::bf16>` (f32 values rounded once, a uniform kept below its upper bound).
//! candle's 8-, 6- and 4-bit float dtypes get the f32 values converted by candle; integer
//! dtypes are refused. The values are generated on the host and uploaded once to the device,
//! so a seed gives the same model in every process and on every device; candle's own random
//! generators are never used.
//!
//! **The scheme** of a variable is, in order: the last [rule](Rules) whose pattern matches its
//! name; else the rules' defaults for its layer ([`Rules::torch_defaults`]: PyTorch's
//! `nn.Linear`, `nn.ConvNd`, `nn.ConvTransposeNd`, `nn.Embedding`, norms, `nn.LSTM`/`nn.GRU`);
//! else candle's hint translated exactly ([`from_candle_init`]): `Const(v)` → the constant,
//! `Randn { mean, stdev }` → N(mean, stdev²), `Uniform { lo, up }` → U(lo, up),
//! `Kaiming { dist, fan, non_linearity }` → He's law with candle's gain and candle's fans
//! (`FanInOut::for_shape`: fan-in `dims[1]·k`, 1 below rank 2; fan-out `dims[0]·k`, 1 at rank
//! 0). The report ([`var_builder_with_report`]) says which it was for every variable.
//!
//! **The layer** a request belongs to is inferred from what candle-nn's constructors ask for
//! (its [`Site`]: layer, role, fans), since a `VarBuilder` request carries only a name, a
//! shape and a hint:
//!
//! | last name segment | rank | hint | layer, role |
//! |---|---|---|---|
//! | `weight` | 2 | `Kaiming` | [`Layer::Linear`] weight (`linear`, `linear_no_bias`) |
//! | `weight` | ≥ 3 | `Kaiming` | [`Layer::Conv`] weight (`conv1d`, `conv2d`, `_no_bias`) |
//! | `weight` | ≥ 3 | `Uniform` | [`Layer::ConvTranspose`] weight (`conv_transpose1d/2d`) |
//! | `weight` | 2 | `Randn` | [`Layer::Embedding`] weight (`embedding`) |
//! | `weight`, `gamma` | 1 | `Const` | [`Layer::Norm`] weight (`layer_norm`, `rms_norm`, `batch_norm`, `group_norm`) |
//! | `bias`, `beta` | any | any | the bias of the weight requested before under the same prefix (its layer, its fans); [`Layer::Other`] if none was |
//! | `weight_ih_l*`, `weight_hh_l*`, `bias_ih_l*`, `bias_hh_l*` | | | [`Layer::Recurrent`] (`lstm`, `gru`), hidden size from `weight_hh` (shape `(G·h, h)`) |
//! | anything else (`running_mean`, `running_var`, …) | | | [`Layer::Other`] |
//!
//! Fans are PyTorch's for the same layer: a weight of shape `(out, in, *k)` has fan-in `in·k`
//! and fan-out `out·k` (`_calculate_fan_in_and_fan_out`, which reads a transposed
//! convolution's `(in, out/groups, *k)` the same way), and a bias gets its weight's fans, as
//! `nn.Linear.reset_parameters` gives it. candle-nn's constructors request the weight first,
//! so the fans of each prefix's weight are remembered for its bias. A recurrent layer's
//! `weight_ih` is requested before `weight_hh`, which alone shows the hidden size: when the
//! rules' defaults decide `weight_ih`, it is written again (in place, `Var::set`) with them
//! when its `weight_hh` arrives, and holds candle's law until then.
//!
//! **Requests.** A variable requested again with the same shape and dtype is the same variable
//! (as with `VarMap`); another shape or dtype is an error naming it. A scheme that cannot
//! apply to the shape (a fan-based rule on a norm's vector) is an error naming the variable.
//! Errors reach candle as `candle_core::Error::Msg`; nothing panics.
//!
//! [`KEYED_CONTRACT`]: crate::KEYED_CONTRACT

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::init::{FanInOut, NonLinearity, NormalOrUniform};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{VarBuilder, VarMap};

use crate::error::{ErrorKind, InitError};
use crate::model::rules::{Assignments, Choice, Layer, Role, Rules, Site, Source};
use crate::param::element::Float;
use crate::param::shape::element_count;
use crate::scheme::fans::{FanMode, Fans, Layout};
use crate::scheme::gain::Gain;
use crate::scheme::init::Init;

/// A `VarBuilder` that creates each requested variable in `varmap`, keyed by `seed` and its
/// state-dict name, with the scheme `rules` choose (see the [module](self) for the whole
/// story). Use it where candle users write `VarBuilder::from_varmap(&varmap, dtype, device)`.
pub fn var_builder(
    varmap: &VarMap,
    rules: &Rules,
    seed: u64,
    dtype: DType,
    device: &Device,
) -> VarBuilder<'static> {
    var_builder_with_report(varmap, rules, seed, dtype, device).0
}

/// [`var_builder`], and a handle on what each variable got ([`VarBuilderInit::assignments`]).
pub fn var_builder_with_report(
    varmap: &VarMap,
    rules: &Rules,
    seed: u64,
    dtype: DType,
    device: &Device,
) -> (VarBuilder<'static>, VarBuilderInit) {
    let state = Arc::new(Mutex::new(State::default()));
    let backend = Keyed {
        varmap: varmap.clone(),
        rules: rules.clone(),
        seed,
        state: Arc::clone(&state),
    };
    let vb = VarBuilder::from_backend(Box::new(backend), dtype, device.clone());
    let handle = VarBuilderInit {
        rules: rules.clone(),
        state,
    };
    (vb, handle)
}

/// What the variables of a [`var_builder_with_report`] got, as they are created.
#[derive(Clone)]
pub struct VarBuilderInit {
    rules: Rules,
    state: Arc<Mutex<State>>,
}

impl VarBuilderInit {
    /// The report so far: every variable created through the builder, in the order it was
    /// first requested, with its scheme and where it came from ([`Source::Rule`],
    /// [`Source::Default`], [`Source::Framework`] for candle's hint), and the rules that
    /// decided no variable ([`Assignments::unmatched_rules`]; [`Assignments::check`] makes
    /// them an error).
    pub fn assignments(&self) -> Assignments {
        // the state is only pushed to: a panic elsewhere leaves it consistent
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut report = Assignments::new(&self.rules);
        for row in &state.rows {
            report.push(row.name.clone(), &row.shape, Some(&row.choice));
        }
        report
    }
}

impl std::fmt::Debug for VarBuilderInit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VarBuilderInit")
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

/// candle-nn's hint for a variable of `shape` as an [`Init`], the law candle would draw from:
/// `Const(v)` the constant, `Randn { mean, stdev }` N(mean, stdev²), `Uniform { lo, up }`
/// U(lo, up) (the constant `lo` when `lo == up`), `Kaiming { dist, fan, non_linearity }` He's
/// normal (N(0, g²/n)) or uniform (U(±g·√(3/n))) with `g = non_linearity.gain()` and `n`
/// candle's fan of the shape (`FanInOut::for_shape`), given as explicit fans.
pub fn from_candle_init(hint: &candle_nn::Init, shape: &[usize]) -> Init {
    match *hint {
        candle_nn::Init::Const(v) => Init::constant(v),
        candle_nn::Init::Randn { mean, stdev } => Init::normal(mean, stdev),
        candle_nn::Init::Uniform { lo, up } if lo == up => Init::constant(lo),
        candle_nn::Init::Uniform { lo, up } => Init::uniform(lo, up),
        candle_nn::Init::Kaiming {
            dist,
            fan,
            non_linearity,
        } => {
            let shape = Shape::from_dims(shape);
            let init = match dist {
                NormalOrUniform::Normal => Init::he_normal(),
                NormalOrUniform::Uniform => Init::he_uniform(),
            };
            let gain = match non_linearity {
                NonLinearity::ReLU => Gain::Relu,
                NonLinearity::Linear => Gain::Linear,
                NonLinearity::Sigmoid => Gain::Sigmoid,
                NonLinearity::Tanh => Gain::Tanh,
                NonLinearity::SELU => Gain::Selu,
                NonLinearity::ExplicitGain(g) => Gain::Value(g),
            };
            let mode = match fan {
                FanInOut::FanIn => FanMode::FanIn,
                FanInOut::FanOut => FanMode::FanOut,
            };
            init.gain(gain).mode(mode).fans(
                FanInOut::FanIn.for_shape(&shape),
                FanInOut::FanOut.for_shape(&shape),
            )
        }
    }
}

/// One variable's row of the report.
struct Row {
    name: String,
    shape: Vec<usize>,
    choice: Choice,
}

/// A recurrent `weight_ih` the rules' defaults decide, waiting for its hidden size.
struct Pending {
    var: Var,
    row: usize,
}

/// What the backend remembers between requests.
#[derive(Default)]
struct State {
    /// Prefix → the layer and fans of the weight requested under it.
    weights: HashMap<String, (Layer, Option<Fans>)>,
    /// Recurrent layer (`prefix.l0_reverse`) → its hidden size.
    hidden: HashMap<String, usize>,
    /// Recurrent layer → its `weight_ih`, to write again once the hidden size is known.
    pending: HashMap<String, Pending>,
    rows: Vec<Row>,
}

/// The backend: candle-nn's `SimpleBackend` over a `VarMap`.
struct Keyed {
    varmap: VarMap,
    rules: Rules,
    seed: u64,
    state: Arc<Mutex<State>>,
}

/// A failure, in our words, naming the variable.
fn to_candle(name: &str, e: &InitError) -> candle_core::Error {
    candle_core::Error::Msg(format!(
        "weight-init could not create the variable `{name}`: {e}"
    ))
}

fn poisoned(name: &str) -> candle_core::Error {
    candle_core::Error::Msg(format!(
        "weight-init could not create the variable `{name}`: a thread panicked while holding \
         the VarMap's lock"
    ))
}

fn backend(e: impl std::fmt::Display) -> InitError {
    InitError::new(
        "var_builder",
        ErrorKind::Backend {
            message: e.to_string(),
        },
    )
}

/// `(prefix, last segment)` of a dotted name.
fn split_name(name: &str) -> (&str, &str) {
    name.rsplit_once('.').unwrap_or(("", name))
}

/// A recurrent parameter's name: `(is a weight, is the hidden-to-hidden one, the layer
/// suffix)` for `weight_ih_l0`, `bias_hh_l1_reverse`, …
fn recurrent(last: &str) -> Option<(bool, bool, &str)> {
    let (weight, rest) = if let Some(r) = last.strip_prefix("weight_") {
        (true, r)
    } else {
        (false, last.strip_prefix("bias_")?)
    };
    let (hh, layer) = if let Some(l) = rest.strip_prefix("hh_") {
        (true, l)
    } else {
        (false, rest.strip_prefix("ih_")?)
    };
    let digits = layer.strip_prefix('l')?;
    let digits = digits.strip_suffix("_reverse").unwrap_or(digits);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some((weight, hh, layer))
}

/// PyTorch's fans of a weight: `(out, in, *k)` → (in·k, out·k); none below rank 2.
fn torch_fans(shape: &[usize]) -> Option<Fans> {
    Fans::compute(shape, &Layout::OutIn).ok()
}

impl Keyed {
    /// The site of a request, remembering what later requests need (a weight's fans, a
    /// recurrent layer's hidden size).
    fn site<'a>(
        state: &mut State,
        name: &'a str,
        shape: &'a [usize],
        hint: &candle_nn::Init,
    ) -> Site<'a> {
        let (prefix, last) = split_name(name);
        let site = Site::new(name, shape);
        if let Some((weight, hh, layer)) = recurrent(last) {
            let key = format!("{prefix}.{layer}");
            if weight && hh && shape.len() == 2 {
                state.hidden.insert(key.clone(), shape[1]);
            }
            let fans = if weight {
                let fans = torch_fans(shape);
                state.weights.insert(
                    format!("{key}.{}", if hh { "hh" } else { "ih" }),
                    (Layer::Other, fans),
                );
                fans
            } else {
                state
                    .weights
                    .get(&format!("{key}.{}", if hh { "hh" } else { "ih" }))
                    .and_then(|w| w.1)
            };
            let role = if weight { Role::Weight } else { Role::Bias };
            return match state.hidden.get(&key) {
                Some(&hidden) => site.layer(Layer::Recurrent { hidden }, role).fans(fans),
                None => site.layer(Layer::Other, role).fans(fans),
            };
        }
        use candle_nn::Init as H;
        let rank = shape.len();
        match last {
            "weight" | "gamma" => {
                let layer = match (rank, hint) {
                    (2, H::Kaiming { .. }) if last == "weight" => Layer::Linear,
                    (3.., H::Kaiming { .. }) if last == "weight" => Layer::Conv,
                    (3.., H::Uniform { .. }) if last == "weight" => Layer::ConvTranspose,
                    (2, H::Randn { .. }) if last == "weight" => Layer::Embedding,
                    (1, H::Const(_)) => Layer::Norm,
                    _ => Layer::Other,
                };
                let fans = torch_fans(shape);
                state.weights.insert(prefix.to_string(), (layer, fans));
                site.layer(layer, Role::Weight).fans(fans)
            }
            "bias" | "beta" => match state.weights.get(prefix) {
                Some(&(layer, fans)) => site.layer(layer, Role::Bias).fans(fans),
                None => site.layer(Layer::Other, Role::Bias),
            },
            _ => site,
        }
    }

    /// The variable `name`: the existing one, or a new one.
    fn get_var(
        &self,
        shape: &[usize],
        name: &str,
        hint: &candle_nn::Init,
        dtype: DType,
        device: &Device,
    ) -> Result<Tensor, candle_core::Error> {
        let mut vars = self.varmap.data().lock().map_err(|_| poisoned(name))?;
        if let Some(var) = vars.get(name) {
            let t = var.as_tensor();
            if t.dims() != shape {
                return Err(candle_core::Error::Msg(format!(
                    "weight-init: the variable `{name}` is requested with shape {shape:?}, but \
                     the VarMap already holds it with shape {:?}",
                    t.dims()
                )));
            }
            if t.dtype() != dtype {
                return Err(candle_core::Error::Msg(format!(
                    "weight-init: the variable `{name}` is requested as {}, but the VarMap \
                     already holds it as {}",
                    dtype.as_str(),
                    t.dtype().as_str()
                )));
            }
            return Ok(t.clone());
        }
        if dtype.is_int() {
            return Err(candle_core::Error::Msg(format!(
                "weight-init: the variable `{name}` is requested with the integer dtype {}; \
                 weight-init creates floating-point variables only (f32, f64, f16, bf16, …)",
                dtype.as_str()
            )));
        }
        let mut guard = self.state.lock().map_err(|_| poisoned(name))?;
        let state = &mut *guard;
        let site = Self::site(state, name, shape, hint);
        let layer = site.layer;
        let choice = self.rules.choose(&site).unwrap_or_else(|| Choice {
            init: from_candle_init(hint, shape),
            source: Source::Framework,
        });
        let var = generate(&choice.init, shape, dtype, device, self.seed, name)
            .map_err(|e| to_candle(name, &e))?;
        let (prefix, last) = split_name(name);
        let recurrent_layer = recurrent(last).map(|(w, hh, l)| (w, hh, format!("{prefix}.{l}")));
        // a recurrent weight_ih the defaults would decide once the hidden size is known
        if let Some((true, false, key)) = &recurrent_layer
            && matches!(layer, Layer::Other)
            && choice.source == Source::Framework
            && self.rules.defaults() != crate::model::rules::Defaults::Framework
        {
            state.pending.insert(
                key.clone(),
                Pending {
                    var: var.clone(),
                    row: state.rows.len(),
                },
            );
        }
        state.rows.push(Row {
            name: name.to_string(),
            shape: shape.to_vec(),
            choice,
        });
        if let Some((true, true, key)) = &recurrent_layer
            && let Some(&hidden) = state.hidden.get(key)
            && let Some(p) = state.pending.remove(key)
        {
            let row = &state.rows[p.row];
            let (ih_name, ih_shape) = (row.name.clone(), row.shape.clone());
            let ih_site = Site::new(&ih_name, &ih_shape)
                .layer(Layer::Recurrent { hidden }, Role::Weight)
                .fans(torch_fans(&ih_shape));
            if let Some(c) = self.rules.choose(&ih_site) {
                let fresh = generate(&c.init, &ih_shape, dtype, device, self.seed, &ih_name)
                    .map_err(|e| to_candle(&ih_name, &e))?;
                p.var
                    .set(fresh.as_tensor())
                    .map_err(|e| to_candle(&ih_name, &backend(e)))?;
                state.rows[p.row].choice = c;
            }
        }
        let tensor = var.as_tensor().clone();
        vars.insert(name.to_string(), var);
        Ok(tensor)
    }
}

/// The keyed values of `init` for `shape` as a variable of `dtype` on `device`: those of an
/// ndarray array of the same shape, element type, seed and name.
fn generate(
    init: &Init,
    shape: &[usize],
    dtype: DType,
    device: &Device,
    seed: u64,
    name: &str,
) -> Result<Var, InitError> {
    let len = element_count(shape, "var_builder")?;
    let var = match dtype {
        DType::F32 => Var::from_vec(keyed::<f32>(init, shape, len, seed, name)?, shape, device),
        DType::F64 => Var::from_vec(keyed::<f64>(init, shape, len, seed, name)?, shape, device),
        DType::F16 => Var::from_vec(
            keyed::<half::f16>(init, shape, len, seed, name)?,
            shape,
            device,
        ),
        DType::BF16 => Var::from_vec(
            keyed::<half::bf16>(init, shape, len, seed, name)?,
            shape,
            device,
        ),
        other => Tensor::from_vec(keyed::<f32>(init, shape, len, seed, name)?, shape, device)
            .and_then(|t| t.to_dtype(other))
            .and_then(|t| Var::from_tensor(&t)),
    };
    var.map_err(backend)
}

/// The keyed values in logical row-major order.
fn keyed<F: Float>(
    init: &Init,
    shape: &[usize],
    len: usize,
    seed: u64,
    name: &str,
) -> Result<Vec<F>, InitError> {
    let mut values = vec![F::ZERO; len];
    let mut view = ndarray::ArrayViewMut::from_shape(ndarray::IxDyn(shape), &mut values[..])
        .map_err(backend)?;
    init.fill_seeded(&mut view, seed, name)?;
    Ok(values)
}

impl SimpleBackend for Keyed {
    fn get(
        &self,
        s: Shape,
        name: &str,
        h: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        self.get_var(s.dims(), name, &h, dtype, dev)
    }

    fn get_unchecked(
        &self,
        name: &str,
        _dtype: DType,
        _dev: &Device,
    ) -> candle_core::Result<Tensor> {
        Err(candle_core::Error::Msg(format!(
            "weight-init's VarBuilder creates variables and needs their shape: request `{name}` \
             with `get` (or a candle-nn constructor), not `get_unchecked`"
        )))
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.varmap
            .data()
            .lock()
            .is_ok_and(|vars| vars.contains_key(name))
    }
}
