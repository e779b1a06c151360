//! μP, the maximal update parametrization (Yang, Hu et al. 2021, "Tensor Programs V: Tuning
//! Large Neural Networks via Zero-Shot Hyperparameter Transfer"; the reference implementation
//! is [microsoft/mup](https://github.com/microsoft/mup)): initialisation, learning rates and
//! output multiplier chosen per parameter so that the best hyperparameters of a small model are
//! the best of a wide one.
//!
//! **1. Classify.** Two models of the same structure, a base (small) one and the target, by
//! state-dict name and shape ([`Mup::classify`]) or as two derived models ([`Mup::models`]):
//! every dimension that differs is a width (mup's `set_base_shapes`, `zip_infshape`). A
//! parameter is then [finite](Class::Finite) (nothing grows), a [vector](Class::Vector) (a bias
//! of a hidden width), an [input](Class::Input) weight (fan_out grows), the
//! [output](Class::Output) weight (the readout, which the user names: mup's `MuReadout`), or a
//! [hidden](Class::Hidden) weight (both grow), with its fan_in and fan_out multipliers
//! ([`WidthDim::mult`], mup's `InfDim.width_mult`). Fans are read under each parameter's
//! [`Layout`](crate::Layout) (GPT-2's `Conv1D` and Burn's `Linear` are `(in, out)`).
//!
//! **2. Initialise.** [`Parametrization::rules`] gives [`Rules`](crate::Rules), one exact name
//! per parameter: the base scheme (the standard parametrization: PyTorch's defaults, a
//! `normal(0, σ)`, He, …) at the base's fans, hidden weights divided by √fan_in_mult (variance
//! ∝ 1/fan_in), the readout kept at the base's scale (mup) or divided by fan_in_mult
//! (Table 3; variance ∝ 1/fan_in²), or zero (`readout_zero_init`). At the base's shapes this is
//! the base scheme exactly. Rules are keyed by seed and name, so they apply, sharded or not,
//! with the same values, to a derived model, a Burn module (`weight_init::burn::reinit`) and
//! candle's `VarBuilder` (`weight_init::candle::var_builder`).
//!
//! **3. Train.** [`Parametrization::multipliers`] gives each parameter's learning-rate
//! multipliers for Adam-type and SGD-type optimisers (mup's `MuAdam`, `MuSGD`) and the output
//! multiplier the forward pass applies to the readout's input (mup's `output_mult /
//! width_mult`); [`Parametrization::lr_groups`] groups the names by learning rate;
//! [`attention_scale`] is the 1/d attention scale that replaces 1/√d.
//!
//! ```
//! use init_core::{Init, Rules};
//! use init_core::mup::{Class, Mup, OptimizerKind};
//! let shapes = |w: usize| vec![
//!     ("fc1.weight".to_string(), vec![w, 32]), ("fc1.bias".to_string(), vec![w]),
//!     ("fc2.weight".to_string(), vec![w, w]), ("fc2.bias".to_string(), vec![w]),
//!     ("head.weight".to_string(), vec![10, w]), ("head.bias".to_string(), vec![10]),
//! ];
//! let p = Mup::new()
//!     .readout("head.weight")
//!     .base(Rules::torch_defaults())          // SP: PyTorch's nn.Linear defaults
//!     .classify(shapes(128), shapes(1024))?;
//! // initialisation: hidden weights U(±1/√1024) (PyTorch's at this width), the readout's
//! // U(±1/√128) (the base's), every bias U(±1/√fan_in of the base)
//! let rules = p.rules()?;
//! let hidden = rules.find("fc2.weight").unwrap().init().resolve(&[1024, 1024])?;
//! assert!((hidden.std - 1.0 / (3.0f64 * 1024.0).sqrt()).abs() < 1e-15);
//! let head = rules.find("head.weight").unwrap().init().resolve(&[10, 1024])?;
//! assert!((head.std - 1.0 / (3.0f64 * 128.0).sqrt()).abs() < 1e-15);
//! // the optimiser and the forward pass
//! assert_eq!(p.multipliers("fc2.weight")?.adam_lr, 0.125);  // 1/fan_in_mult
//! assert_eq!(p.multipliers("fc1.weight")?.adam_lr, 1.0);
//! assert_eq!(p.multipliers("fc1.weight")?.sgd_lr, 8.0);      // fan_out_mult
//! assert_eq!(p.output_multiplier(), 0.125);                 // logits = head(x / 8)
//! let groups = p.lr_groups(OptimizerKind::Adam);
//! assert_eq!(groups[1].names, ["fc2.weight"]);
//! # Ok::<(), init_core::InitError>(())
//! ```
//!
//! ## Feeding the multipliers to an optimiser
//!
//! Adam's update does not depend on the gradient's scale, so a learning-rate multiplier cannot
//! be folded into the gradients: each group of parameters needs its own learning rate. (For
//! plain SGD, multiplying each gradient by its `sgd_lr` is the same thing.)
//!
//! **Burn** (0.22): a [`ModuleLrScheduler`](https://docs.rs/burn-optim) gives each group of
//! parameter paths its learning rate; Burn's paths are the state-dict names weight-init uses.
//!
//! ```rust,ignore
//! use burn::module::ParamGroup;
//! use burn::optim::{AdamConfig, GradientsParams, Optimizer};
//! use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrSchedulerConfig;
//! use weight_init::mup::OptimizerKind;
//!
//! // Burn stores Linear and Embedding weights (in, out); its convolutions are (out, in, k…)
//! let p = Mup::new()
//!     .layout("**.weight", Layout::InOut)
//!     .layout("**.conv*.weight", Layout::OutIn)
//!     .readout("head.weight").base(sp_rules)
//!     .classify(base_shapes, target_shapes)?;
//! let model = weight_init::burn::reinit(model, &p.rules()?, seed)?;
//! let mut sched = p.lr_groups(OptimizerKind::Adam).into_iter().fold(
//!     ModuleLrSchedulerConfig::new(lr.into()),
//!     |c, g| c.with_group(ParamGroup::from_paths(g.names), lr * g.mult),
//! ).init()?;
//! let mut optim = AdamConfig::new().init();
//! // in the forward pass: logits = self.head.forward(x * p.output_multiplier())
//! let grads = GradientsParams::from_grads(loss.backward(), &model);
//! model = optim.step(sched.step(), model, grads);
//! ```
//!
//! **candle** (0.11): one `AdamW` per group of `Var`s, all stepped with the same gradients.
//!
//! ```rust,ignore
//! use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};
//! use weight_init::mup::OptimizerKind;
//!
//! let varmap = VarMap::new();
//! let vb = weight_init::candle::var_builder(&varmap, &p.rules()?, seed, DType::F32, &device);
//! let model = Model::new(&cfg, vb)?;
//! let vars = varmap.data().lock().unwrap().clone();
//! let mut optims = p.lr_groups(OptimizerKind::Adam).into_iter().map(|g| {
//!     let group = g.names.iter().map(|n| vars[n].clone()).collect();
//!     AdamW::new(group, ParamsAdamW { lr: lr * g.mult, ..Default::default() })
//! }).collect::<candle_core::Result<Vec<_>>>()?;
//! // forward: logits = head.forward(&(x * p.output_multiplier())?)?
//! let grads = loss.backward()?;
//! for o in &mut optims { o.step(&grads)?; }
//! ```
//!
//! The shapes of a Burn or candle model are listed by building it once at each width: for
//! candle from the `VarMap` (`varmap.data()`: name → `Var`, `var.dims()`), for Burn from
//! `weight_init::burn::reinit_report`'s rows.
//!
//! What this module does not do, as mup does not: choose the base width (take the model whose
//! hyperparameters were tuned), or scale depth.

mod multipliers;
mod scale;
mod shapes;

pub use multipliers::{LrGroup, Multipliers, OptimizerKind, attention_scale};
pub use shapes::{Class, Formulation, Mup, MupParam, Parametrization, WidthDim};
