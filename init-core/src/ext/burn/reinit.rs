//! [`reinit`]: any Burn module's parameters given schemes by [`Rules`] over their state-dict
//! names, with the fans and layout of the burn-nn layer each sits in.
//!
//! Two walks. The first ([`Survey`], a `ModuleVisitor`) names every float parameter from
//! `enter_module`/`exit_module` (`layers.3.attn.query.weight`), tells its layer from the
//! container types Burn passes (`Struct:Linear` inside `Struct:MultiHeadAttention`, …), asks
//! the rules, and checks every chosen scheme against its shape, so that nothing is written when
//! anything is wrong. The second ([`Write`], a `ModuleMapper`) generates each chosen
//! parameter's values on the host (keyed by seed and name, exactly the values of an ndarray
//! parameter of that name, shape and scheme) and installs them with `Param::transform_for_load`:
//! a lazy `Param` gets them as its initialisation (Burn's initialiser never runs), and keeps its
//! id, device, load/save mappers and `require_grad`.

use std::collections::HashMap;

use burn_core::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn_tensor::Tensor;

use super::site::{self, Placed, generated_shape, stores_transposed};
use super::{backend, refuse_quantized};
use crate::error::InitError;
use crate::model::rules::{Assignments, Choice, Role, Rules, Site};
use crate::param::shape::element_count;
use crate::scheme::fans::Fans;

/// Initialises the parameters of `module` that `rules` match, keyed by `seed` and each
/// parameter's state-dict name; parameters no rule matches are left as they are (or get the
/// rules' defaults, [`Rules::torch_defaults`]).
///
/// A parameter's name is Burn's path to it, `.`-joined: `encoder.layers.3.attn.query.weight`
/// (a `Vec`'s elements are numbered, an `Option` adds nothing). Each gets the fans and layout of
/// the burn-nn layer it sits in, PyTorch's for the same layer:
///
/// | layer | weight shape (as Burn builds it) | fans |
/// |---|---|---|
/// | `Linear` | `(in, out)`; `(out, in)` for `LinearLayout::Col` | fan_in = in, fan_out = out |
/// | `Conv1d/2d/3d` | `(out, in/groups, k…)` | fan_in = in/groups·∏k, fan_out = out·∏k |
/// | `ConvTranspose1d/2d/3d` | `(in, out/groups, k…)` | fan_in = out/groups·∏k, fan_out = in·∏k (PyTorch's, read from the shape) |
/// | `Embedding` | `(num, dim)` | fan_in = dim, fan_out = num |
/// | norms (`gamma`, `beta`) | `(features,)` | none |
///
/// A layer's bias takes its weight's fans (what PyTorch's bias init does); attention's query,
/// key, value and output projections and each LSTM/GRU gate's two transforms are `Linear`s of
/// their own, each with its own fans and name (`attn.query.weight`,
/// `lstm.forget_gate.hidden_transform.weight`). Reparameterizations' own parameters (a LoRA
/// adapter's factors) and running statistics (BatchNorm's `running_mean`, `running_var`) are
/// never touched, nor listed. Values are generated in f32 and uploaded in the
/// parameter's dtype (f32 exactly, f64 widened, f16/bf16 rounded once); a lazy `Param` gets
/// the device's default float dtype, as Burn's initialiser would.
///
/// Errors, before anything is written: a scheme that cannot apply to its parameter (a
/// fan-based scheme on a norm's vector, `eye` on a convolution kernel), naming the parameter;
/// a rule that matches no parameter ([`ErrorKind::UnmatchedRule`](crate::ErrorKind)); a
/// quantized parameter. The module is consumed either way (clone it first to keep it:
/// Burn's clones are cheap).
pub fn reinit<M: Module>(module: M, rules: &Rules, seed: u64) -> Result<M, InitError> {
    let (module, report) = run(module, rules, seed, true)?;
    drop(report);
    Ok(module)
}

/// [`reinit`], also returning what each parameter got (its scheme and the rule it came from).
/// A rule that matches nothing is listed by [`Assignments::unmatched_rules`] rather than
/// being an error.
pub fn reinit_report<M: Module>(
    module: M,
    rules: &Rules,
    seed: u64,
) -> Result<(M, Assignments), InitError> {
    run(module, rules, seed, false)
}

fn run<M: Module>(
    module: M,
    rules: &Rules,
    seed: u64,
    strict: bool,
) -> Result<(M, Assignments), InitError> {
    let mut survey = Survey {
        rules,
        stack: Vec::new(),
        weight_fans: HashMap::new(),
        found: Vec::new(),
        report: Assignments::new(rules),
        error: None,
    };
    module.visit(&mut survey);
    if let Some(e) = survey.error {
        return Err(e);
    }
    if strict {
        survey.report.check()?;
    }
    let mut write = Write {
        found: survey.found.into_iter(),
        stack: Vec::new(),
        seed,
        error: None,
    };
    let module = module.map(&mut write);
    match write.error {
        Some(e) => Err(e),
        None => Ok((module, survey.report)),
    }
}

/// Where the walk is: `(name, container type)` of every module entered.
type Stack = Vec<(String, String)>;

/// The state-dict name of the parameter at the top of `stack`.
fn name_of(stack: &[(String, String)]) -> String {
    stack
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether the float tensor at the top of the stack is not a parameter of the model: inside
/// a reparameterization (a LoRA adapter's own factors), or a running statistic (BatchNorm's
/// `running_mean` and `running_var`, buffers that PyTorch's `named_parameters` leaves out too).
fn not_a_parameter(stack: &Stack) -> bool {
    stack.iter().any(|(_, c)| c == "Reparameterization")
        || stack
            .last()
            .is_some_and(|(name, _)| name.starts_with("running_"))
}

/// The struct type of frame `k` from the top (0: the struct holding the parameter).
fn struct_at(stack: &Stack, k: usize) -> Option<(&str, &str)> {
    let (name, container) = stack.get(stack.len().checked_sub(k + 1)?)?;
    Some((name.as_str(), container.strip_prefix("Struct:")?))
}

/// One float parameter as the first walk found it.
struct Found {
    name: String,
    /// The shape values are generated in: the shape Burn's own initialiser builds (the
    /// file's, for a `Linear` with `LinearLayout::Col`).
    shape: Vec<usize>,
    choice: Option<Choice>,
}

/// The first walk: names, sites, choices, checks.
struct Survey<'r> {
    rules: &'r Rules,
    stack: Stack,
    /// The fans of each module's weight, by the module's name, for its bias.
    weight_fans: HashMap<String, Fans>,
    found: Vec<Found>,
    report: Assignments,
    error: Option<InitError>,
}

impl Survey<'_> {
    /// The layer, role, layout and fans of a parameter of `shape` at the top of the stack.
    fn place(&mut self, shape: &[usize], transposed: bool) -> Placed {
        let (field_name, kind) = struct_at(&self.stack, 0).unwrap_or(("", ""));
        let parent = struct_at(&self.stack, 1);
        let module = name_of(&self.stack[..self.stack.len().saturating_sub(1)]);
        let weight_fans = self.weight_fans.get(&module).copied();
        let placed = site::place(kind, field_name, parent, shape, transposed, weight_fans);
        if placed.role == Role::Weight
            && let Some(f) = placed.fans
        {
            self.weight_fans.insert(module, f);
        }
        placed
    }
}

impl ModuleVisitor for Survey<'_> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.stack
            .push((name.to_string(), container_type.to_string()));
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if self.error.is_some() || not_a_parameter(&self.stack) {
            return;
        }
        let name = name_of(&self.stack);
        let transposed = D == 2 && stores_transposed(param);
        let shape = generated_shape(param, transposed);
        let placed = self.place(&shape, transposed);
        let site = Site::new(&name, &shape)
            .layer(placed.layer, placed.role)
            .layout(placed.layout)
            .fans(placed.fans);
        let choice = self.rules.choose(&site);
        if let Some(c) = &choice {
            let checked = (|| {
                if param.is_initialized() {
                    refuse_quantized(param.dtype(), "reinit")?;
                }
                c.init.resolve(&shape)?;
                element_count(&shape, "reinit")
            })();
            if let Err(e) = checked {
                self.error = Some(e.with_path(name));
                return;
            }
        }
        self.report.push(name.clone(), &shape, choice.as_ref());
        self.found.push(Found {
            name,
            shape,
            choice,
        });
    }
}

/// The second walk: writes the chosen parameters, in the order the first found them.
struct Write {
    found: std::vec::IntoIter<Found>,
    stack: Stack,
    seed: u64,
    error: Option<InitError>,
}

impl Write {
    /// The new value of `param`: `choice`'s values for `found`, on the parameter's device, in
    /// its dtype (a lazy one's: the device's default float dtype).
    fn tensor<const D: usize>(
        &self,
        param: &Param<Tensor<D>>,
        found: &Found,
        choice: &Choice,
    ) -> Result<Tensor<D>, InitError> {
        let mut values = ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&found.shape));
        choice
            .init
            .fill_seeded(&mut values, self.seed, &found.name)?;
        site::new_value(
            param,
            values.into_raw_vec_and_offset().0,
            &found.shape,
            "reinit",
        )
    }
}

impl ModuleMapper for Write {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.stack
            .push((name.to_string(), container_type.to_string()));
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if self.error.is_some() || not_a_parameter(&self.stack) {
            return param;
        }
        let name = name_of(&self.stack);
        let Some(found) = self.found.next().filter(|f| f.name == name) else {
            self.error = Some(
                backend(
                    "reinit",
                    "Burn's walks over the module met its parameters in different orders",
                )
                .with_path(name),
            );
            return param;
        };
        let Some(choice) = &found.choice else {
            return param;
        };
        match self.tensor(&param, &found, choice) {
            Ok(tensor) => site::install(param, tensor),
            Err(e) => {
                self.error = Some(e.with_path(found.name));
                param
            }
        }
    }
}
