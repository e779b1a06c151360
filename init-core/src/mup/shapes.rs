//! Which dimensions of each parameter are widths: a base and a target model compared name by
//! name, as mup's `set_base_shapes` does (`mup/shape.py`, `mup/infshape.py`).

use std::collections::HashMap;

use crate::error::{ErrorKind, InitError};
use crate::model::initialize::{Initialize, params};
use crate::model::params::ParamInfo;
use crate::model::rules::{Defaults, Rules};
use crate::scheme::fans::{Fans, Layout, Role as AxisRole};
use crate::scheme::init::Init;

/// The context μP errors carry.
pub(crate) const CONTEXT: &str = "mup";

/// Where the output (readout) layer's width multiplier goes (Tensor Programs V, Table 3 and
/// Table 8, which are equivalent parametrizations).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Formulation {
    /// mup's (`MuReadout`; Table 8): the readout weight is stored at the base's scale and the
    /// forward pass multiplies the readout's input by `output_mult / fan_in_mult`
    /// ([`Multipliers::output`](crate::mup::Multipliers)); its learning rate is not scaled
    /// for Adam and multiplied by `fan_in_mult` for SGD.
    #[default]
    Mup,
    /// Table 3: the readout weight is stored already divided by `fan_in_mult` (variance
    /// ∝ 1/fan_in²), the forward pass applies only `output_mult`, and its learning rate is
    /// divided by `fan_in_mult` for Adam and for SGD. The same network as [`Formulation::Mup`]
    /// at every step (in exact arithmetic).
    Table3,
}

/// How μP reads a pair of models: which weight is the readout, the layouts, the base
/// schemes, and the readout's options. Build it, then [`classify`](Mup::classify) two lists of
/// shapes or two derived [`models`](Mup::models).
///
/// ```
/// use init_core::mup::{Class, Mup};
/// let base = [("fc1.weight", vec![64, 784]), ("fc1.bias", vec![64]),
///             ("fc2.weight", vec![64, 64]), ("fc2.bias", vec![64]),
///             ("head.weight", vec![10, 64]), ("head.bias", vec![10])];
/// let target = [("fc1.weight", vec![1024, 784]), ("fc1.bias", vec![1024]),
///               ("fc2.weight", vec![1024, 1024]), ("fc2.bias", vec![1024]),
///               ("head.weight", vec![10, 1024]), ("head.bias", vec![10])];
/// let p = Mup::new().readout("head.weight").classify(base, target)?;
/// assert_eq!(p.get("fc1.weight").unwrap().class, Class::Input);
/// assert_eq!(p.get("fc2.weight").unwrap().class, Class::Hidden);
/// assert_eq!(p.get("fc2.bias").unwrap().class, Class::Vector);
/// assert_eq!(p.get("head.weight").unwrap().class, Class::Output);
/// assert_eq!(p.get("head.bias").unwrap().class, Class::Finite);
/// assert_eq!(p.get("fc2.weight").unwrap().fan_in.mult(), 16.0);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mup {
    readout: Vec<String>,
    layouts: Vec<(String, Layout)>,
    base: Rules,
    readout_zero_init: bool,
    output_mult: f64,
    formulation: Formulation,
}

impl Default for Mup {
    fn default() -> Self {
        Mup {
            readout: Vec::new(),
            layouts: Vec::new(),
            base: Rules::new(),
            readout_zero_init: false,
            output_mult: 1.0,
            formulation: Formulation::Mup,
        }
    }
}

/// How one dimension (a fan) of a parameter compares between base and target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WidthDim {
    /// Its size in the base model.
    pub base: usize,
    /// Its size in the target model.
    pub target: usize,
}

impl WidthDim {
    /// Whether it is a width: it differs between base and target (mup's `InfDim.isinf`, with
    /// `zip_infshape`'s `fin_if_same`: a dimension the same in both is finite).
    pub fn grows(&self) -> bool {
        self.base != self.target
    }

    /// Its width multiplier, `target / base` (mup's `InfDim.width_mult`); 1 when it does not
    /// grow.
    pub fn mult(&self) -> f64 {
        if self.grows() {
            self.target as f64 / self.base as f64
        } else {
            1.0
        }
    }
}

/// What a parameter is to μP, by which of its fans grow with width (Tensor Programs V, §4 and
/// Table 3; mup counts the growing dimensions, `InfShape.ninf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Class {
    /// No dimension grows (a scalar, the readout's bias, anything whose shape is the base's).
    Finite,
    /// A vector whose one dimension grows: a bias or a norm's gain of a hidden width. μP
    /// treats it as an input weight (Table 3's "input weights & all biases").
    Vector,
    /// A weight whose fan_out grows and fan_in does not (an embedding, the first layer).
    Input,
    /// The output (readout) weight: named by [`Mup::readout`], its fan_out does not grow (its
    /// fan_in usually does).
    Output,
    /// A weight whose fan_in and fan_out both grow.
    Hidden,
}

impl Class {
    /// Its name: `finite`, `vector`, `input`, `output`, `hidden`.
    pub fn name(self) -> &'static str {
        match self {
            Class::Finite => "finite",
            Class::Vector => "vector",
            Class::Input => "input",
            Class::Output => "output",
            Class::Hidden => "hidden",
        }
    }
}

/// One parameter as μP sees it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MupParam {
    /// The state-dict name.
    pub name: String,
    /// Its shape in the base model.
    pub base_shape: Vec<usize>,
    /// Its shape in the target model.
    pub shape: Vec<usize>,
    /// The layout its fans are read under.
    pub layout: Layout,
    /// What it is.
    pub class: Class,
    /// Its fan_in (the product of its input and kernel axes; 1 for a parameter of rank < 2).
    pub fan_in: WidthDim,
    /// Its fan_out (the product of its output and kernel axes; a vector's length for rank 1).
    pub fan_out: WidthDim,
    /// Whether it belongs to the readout layer (its weight, or that weight's bias): what
    /// [`Mup::readout_zero_init`] zeroes.
    pub readout: bool,
    /// Its scheme at the base width: the [base rules](Mup::base)' or the base model's
    /// attribute; `None` when neither gives one.
    pub base_init: Option<Init>,
    /// The fans its base scheme is evaluated with when its shape has none: its layer's weight's
    /// base fans, for a bias named `<layer>.bias` beside `<layer>.weight`.
    pub(crate) layer_fans: Option<Fans>,
}

/// A target model classified against its base: every parameter's [`MupParam`], in the
/// target's order, and the options it was classified with. [`rules`](Parametrization::rules)
/// gives μP's initialisation, [`multipliers`](Parametrization::multipliers) what the optimiser
/// and the forward pass need.
#[derive(Clone, Debug, PartialEq)]
pub struct Parametrization {
    pub(crate) params: Vec<MupParam>,
    pub(crate) index: HashMap<String, usize>,
    pub(crate) readout_zero_init: bool,
    pub(crate) output_mult: f64,
    pub(crate) formulation: Formulation,
}

impl Mup {
    /// No readout named, layout `(out, in, …)` everywhere, no base rules, `output_mult` 1,
    /// mup's [formulation](Formulation::Mup).
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the output (readout) layer: a [`Rules`] pattern (`head.weight`, `lm_head.*`); may
    /// be called more than once. A weight it matches is the readout (mup's `MuReadout`); a
    /// vector it matches, or the `<layer>.bias` of a matched `<layer>.weight`, is the readout's
    /// bias.
    #[must_use]
    pub fn readout(mut self, pattern: impl Into<String>) -> Self {
        self.readout.push(pattern.into());
        self
    }

    /// The layout of the parameters `pattern` matches (the last matching call wins; default
    /// `(out, in, …)`, or a derived model's attribute's). GPT-2's `Conv1D` and Burn's `Linear`
    /// store `(in, out)`: [`Layout::InOut`]; so does an embedding table `(vocab, d)`.
    #[must_use]
    pub fn layout(mut self, pattern: impl Into<String>, layout: Layout) -> Self {
        self.layouts.push((pattern.into(), layout));
        self
    }

    /// The base scheme (the standard parametrization μP starts from) by name: the last matching
    /// rule's scheme, which takes precedence over a derived model's attributes. With
    /// [`Rules::torch_defaults`], a parameter no rule matches gets PyTorch's `nn.Linear`/`nn.ConvNd`
    /// default where its name tells it (a weight of rank ≥ 2: U(±1/√fan_in); `<layer>.bias`
    /// beside `<layer>.weight`: U(±1/√fan_in) with the weight's fan_in); embeddings and norms
    /// need rules of their own.
    #[must_use]
    pub fn base(mut self, rules: Rules) -> Self {
        self.base = rules;
        self
    }

    /// Zero the readout's weight and bias (mup's `MuReadout(readout_zero_init=True)`, which its
    /// README recommends: the output is then exactly 0 at every width at initialisation).
    #[must_use]
    pub fn readout_zero_init(mut self, zero: bool) -> Self {
        self.readout_zero_init = zero;
        self
    }

    /// The readout's tunable multiplier (mup's `output_mult`, default 1): the forward pass
    /// multiplies the readout's input by it ([`Multipliers::output`](crate::mup::Multipliers)).
    #[must_use]
    pub fn output_mult(mut self, mult: f64) -> Self {
        self.output_mult = mult;
        self
    }

    /// Where the readout's width multiplier goes (default [`Formulation::Mup`]).
    #[must_use]
    pub fn formulation(mut self, formulation: Formulation) -> Self {
        self.formulation = formulation;
        self
    }

    /// Classifies the target's parameters against the base's, both given as `(state-dict name,
    /// shape)` lists: mup's `set_base_shapes(target, base)`.
    ///
    /// Errors (each names the parameter): a name in one list and not the other, shapes of
    /// different rank ([`ErrorKind::StructureMismatch`]), a name twice
    /// ([`ErrorKind::DuplicateTensor`]), a dimension smaller in the target than in the base
    /// ([`ErrorKind::ShrinkingWidth`]), a kernel or batch axis that differs
    /// ([`ErrorKind::FixedAxisChanges`]), a readout whose fan_out grows or a weight whose fan_in
    /// grows and fan_out does not that is not named as the readout
    /// ([`ErrorKind::ReadoutShape`]), a layout that does not fit the rank, a readout pattern
    /// that matches nothing ([`ErrorKind::UnmatchedRule`]), an `output_mult` that is not
    /// finite and > 0.
    pub fn classify<B, T, N, S, M, U>(
        &self,
        base: B,
        target: T,
    ) -> Result<Parametrization, InitError>
    where
        B: IntoIterator<Item = (N, S)>,
        T: IntoIterator<Item = (M, U)>,
        N: AsRef<str>,
        S: AsRef<[usize]>,
        M: AsRef<str>,
        U: AsRef<[usize]>,
    {
        let base: Vec<Entry> = base
            .into_iter()
            .map(|(n, s)| Entry::plain(n.as_ref(), s.as_ref()))
            .collect();
        let target: Vec<Entry> = target
            .into_iter()
            .map(|(n, s)| Entry::plain(n.as_ref(), s.as_ref()))
            .collect();
        self.classify_entries(&base, &target)
    }

    /// Classifies a derived target model against a derived base model (each built, for
    /// example, with [`Build::zeroed`](crate::Build::zeroed) from its configuration): their
    /// [`params`](crate::params). Each parameter's layout and base scheme are its attribute's
    /// in the base model (so `fans_of` and explicit fans are the base's), unless
    /// [`layout`](Mup::layout) or [`base`](Mup::base) rules say otherwise. Errors as
    /// [`classify`](Mup::classify).
    pub fn models<B: Initialize + ?Sized, T: Initialize + ?Sized>(
        &self,
        base: &B,
        target: &T,
    ) -> Result<Parametrization, InitError> {
        let base: Vec<Entry> = params(base)?.iter().map(Entry::model).collect();
        let target: Vec<Entry> = params(target)?.iter().map(Entry::model).collect();
        self.classify_entries(&base, &target)
    }

    fn classify_entries(
        &self,
        base: &[Entry],
        target: &[Entry],
    ) -> Result<Parametrization, InitError> {
        InitError::require(
            self.output_mult.is_finite() && self.output_mult > 0.0,
            CONTEXT,
            "output_mult",
            self.output_mult,
            "finite and > 0",
        )?;
        let by_name = index_of(base)?;
        let target_index = index_of(target)?;
        if let Some(b) = base.iter().find(|b| !target_index.contains_key(&b.name)) {
            return Err(mismatch(&b.name, Some(&b.shape), None));
        }
        let readout = pattern_set(&self.readout);
        let layouts = self.layouts.iter().fold(Rules::new(), |r, (p, l)| {
            r.rule(p.clone(), Init::zeros().layout(l.clone()))
        });
        let mut out = Vec::with_capacity(target.len());
        for t in target {
            let b = by_name
                .get(&t.name)
                .map(|&i| &base[i])
                .ok_or_else(|| mismatch(&t.name, None, Some(&t.shape)))?;
            let layout = layouts
                .find(&t.name)
                .map(|r| r.init().layout.clone())
                .or_else(|| b.init.as_ref().map(|i| i.layout.clone()))
                .unwrap_or_default();
            let named = readout.find(&t.name).is_some();
            let mut p = classify_one(&t.name, &b.shape, &t.shape, layout, named)
                .map_err(|e| e.with_path(t.name.clone()))?;
            p.base_init = self
                .base
                .find(&t.name)
                .map(|r| r.init().clone())
                .or_else(|| b.init.clone());
            out.push(p);
        }
        let index: HashMap<String, usize> = out
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        // a bias beside its layer's weight: the weight's base fans, the readout's flag, and
        // PyTorch's default when the base rules ask for it
        for i in 0..out.len() {
            if out[i].shape.len() >= 2 {
                if out[i].base_init.is_none() && self.base.defaults() == Defaults::Torch {
                    out[i].base_init = Some(Init::torch_default());
                }
                continue;
            }
            let Some(&w) = sibling_weight(&out[i].name).and_then(|n| index.get(&n)) else {
                continue;
            };
            if out[w].shape.len() < 2 {
                continue;
            }
            let fans = Fans::compute(&out[w].base_shape, &out[w].layout)
                .map_err(|k| InitError::new(CONTEXT, k).with_path(out[w].name.clone()))?;
            out[i].layer_fans = Some(fans);
            out[i].readout |= out[w].class == Class::Output;
            if out[i].base_init.is_none() && self.base.defaults() == Defaults::Torch {
                out[i].base_init = Some(Init::torch_default());
            }
        }
        let mut unmatched = self.readout.iter().filter(|pat| {
            !out.iter().any(|p| {
                pattern_set(std::slice::from_ref(pat))
                    .find(&p.name)
                    .is_some()
            })
        });
        if let Some(pat) = unmatched.next() {
            return Err(InitError::new(
                CONTEXT,
                ErrorKind::UnmatchedRule {
                    pattern: pat.clone(),
                },
            ));
        }
        Ok(Parametrization {
            params: out,
            index,
            readout_zero_init: self.readout_zero_init,
            output_mult: self.output_mult,
            formulation: self.formulation,
        })
    }
}

/// A parameter as given: its name, shape, and (from a derived model) its scheme.
struct Entry {
    name: String,
    shape: Vec<usize>,
    init: Option<Init>,
}

impl Entry {
    fn plain(name: &str, shape: &[usize]) -> Self {
        Entry {
            name: name.to_string(),
            shape: shape.to_vec(),
            init: None,
        }
    }

    fn model(info: &ParamInfo) -> Self {
        Entry {
            name: info.name.clone(),
            shape: info.shape.clone(),
            init: Some(info.init.clone()),
        }
    }
}

fn index_of(list: &[Entry]) -> Result<HashMap<String, usize>, InitError> {
    let mut map = HashMap::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        if map.insert(e.name.clone(), i).is_some() {
            return Err(InitError::new(
                CONTEXT,
                ErrorKind::DuplicateTensor {
                    name: e.name.clone(),
                },
            )
            .with_path(e.name.clone()));
        }
    }
    Ok(map)
}

fn mismatch(name: &str, base: Option<&[usize]>, target: Option<&[usize]>) -> InitError {
    InitError::new(
        CONTEXT,
        ErrorKind::StructureMismatch {
            base: base.map(<[usize]>::to_vec),
            target: target.map(<[usize]>::to_vec),
        },
    )
    .with_path(name.to_string())
}

/// Patterns as a [`Rules`] set, for their matching.
fn pattern_set(patterns: &[String]) -> Rules {
    patterns
        .iter()
        .fold(Rules::new(), |r, p| r.rule(p.clone(), Init::zeros()))
}

/// `<layer>.weight` for `<layer>.<anything else>`.
fn sibling_weight(name: &str) -> Option<String> {
    let (layer, last) = name.rsplit_once('.')?;
    (last != "weight").then(|| format!("{layer}.weight"))
}

/// One parameter's classification (the error gets its path from the caller).
fn classify_one(
    name: &str,
    base: &[usize],
    target: &[usize],
    layout: Layout,
    named_readout: bool,
) -> Result<MupParam, InitError> {
    let err = |kind| InitError::new(CONTEXT, kind);
    if base.len() != target.len() {
        return Err(err(ErrorKind::StructureMismatch {
            base: Some(base.to_vec()),
            target: Some(target.to_vec()),
        }));
    }
    for (axis, (&b, &t)) in base.iter().zip(target).enumerate() {
        if t < b || (b == 0 && t != 0) {
            return Err(err(ErrorKind::ShrinkingWidth {
                axis,
                base: b,
                target: t,
            }));
        }
    }
    let (fan_in, fan_out) = if target.len() < 2 {
        let len = |s: &[usize]| s.first().copied().unwrap_or(1);
        (
            WidthDim { base: 1, target: 1 },
            WidthDim {
                base: len(base),
                target: len(target),
            },
        )
    } else {
        let roles = layout.roles(target.len()).map_err(err)?;
        for (axis, ((&b, &t), role)) in base.iter().zip(target).zip(&roles.role).enumerate() {
            if b != t && !matches!(role, AxisRole::In | AxisRole::Out) {
                return Err(err(ErrorKind::FixedAxisChanges {
                    axis,
                    base: b,
                    target: t,
                }));
            }
        }
        let fb = Fans::compute(base, &layout).map_err(err)?;
        let ft = Fans::compute(target, &layout).map_err(err)?;
        (
            WidthDim {
                base: fb.fan_in,
                target: ft.fan_in,
            },
            WidthDim {
                base: fb.fan_out,
                target: ft.fan_out,
            },
        )
    };
    let class = if target.len() < 2 {
        if fan_out.grows() {
            Class::Vector
        } else {
            Class::Finite
        }
    } else if named_readout {
        if fan_out.grows() {
            return Err(err(ErrorKind::ReadoutShape {
                expected: "the readout's fan_out grows with width: an output weight maps a width to a fixed size (its fan_in grows, its fan_out does not); check its layout",
            }));
        }
        Class::Output
    } else {
        match (fan_in.grows(), fan_out.grows()) {
            (false, false) => Class::Finite,
            (false, true) => Class::Input,
            (true, true) => Class::Hidden,
            (true, false) => {
                return Err(err(ErrorKind::ReadoutShape {
                    expected: "its fan_in grows and its fan_out does not, as an output weight's, but it is not named as the readout (Mup::readout); if it is an input weight (an embedding table (vocab, d)), give its layout (Layout::InOut)",
                }));
            }
        }
    };
    Ok(MupParam {
        name: name.to_string(),
        base_shape: base.to_vec(),
        shape: target.to_vec(),
        layout,
        class,
        fan_in,
        fan_out,
        readout: named_readout,
        base_init: None,
        layer_fans: None,
    })
}

impl Parametrization {
    /// Every parameter, in the target's order.
    pub fn params(&self) -> &[MupParam] {
        &self.params
    }

    /// The parameter named `name`.
    pub fn get(&self, name: &str) -> Option<&MupParam> {
        self.index.get(name).map(|&i| &self.params[i])
    }

    /// The readout's tunable multiplier (mup's `output_mult`).
    pub fn output_mult(&self) -> f64 {
        self.output_mult
    }

    /// The formulation.
    pub fn formulation(&self) -> Formulation {
        self.formulation
    }

    /// The parameter named `name`, or an error naming it.
    pub(crate) fn param(&self, name: &str) -> Result<&MupParam, InitError> {
        self.get(name).ok_or_else(|| {
            InitError::new(CONTEXT, ErrorKind::UnknownPath).with_path(name.to_string())
        })
    }
}
