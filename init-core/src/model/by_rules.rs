//! [`Rules`] over a model whose parameters know their schemes (a derived model): the rules
//! override the attributes by state-dict name. The behaviour behind
//! [`Initialize::init_with_rules`](super::initialize::Initialize::init_with_rules) and
//! [`init_sharded_with_rules`](super::initialize::Initialize::init_sharded_with_rules): one
//! pass chooses and checks every parameter's scheme before anything is written, then the
//! usual keyed visitors run with the chosen schemes ([`Chosen`]).

use std::collections::HashMap;

use super::params::ParamInfo;
use super::path::ParamPath;
use super::rules::{Assignments, Choice, Layer, Role, Rules, Site, Source};
use super::visit::VisitMut;
use crate::error::InitError;
use crate::param::dtype::Dtype;
use crate::param::parameter::Parameter;
use crate::param::shape::element_count;
use crate::scheme::init::Init;

/// What the rules decide for a model: the parameters with their chosen schemes (the
/// attribute's where no rule matches), the schemes by state-dict name, and the report.
pub(crate) struct Decided {
    pub(crate) params: Vec<ParamInfo>,
    pub(crate) chosen: HashMap<String, Init>,
    pub(crate) report: Assignments,
}

/// Chooses every parameter's scheme by `rules` and checks it against the parameter's shape and
/// element type, so that nothing is written when anything is wrong. A rule that decides no
/// parameter is an error ([`ErrorKind::UnmatchedRule`](crate::ErrorKind::UnmatchedRule)), as in
/// the framework integrations.
///
/// A parameter is described to the rules as a [`Site`] of no known layer (a derived model's
/// field says its scheme, not its layer), with the layout its attribute reads the shape under
/// and the role its name's last segment says (`…weight`, `…bias`). [`Rules::torch_defaults`]
/// therefore adds nothing here: a parameter no rule matches keeps its attribute's scheme.
///
/// With `whole == false` the parameters are shards, whose shapes are not the ones the schemes
/// are planned for: the checks are then left to each shard's fill.
pub(crate) fn decide(
    params: Vec<ParamInfo>,
    rules: &Rules,
    whole: bool,
) -> Result<Decided, InitError> {
    let mut report = Assignments::new(rules);
    let mut chosen = HashMap::new();
    let mut out = Vec::with_capacity(params.len());
    for mut p in params {
        let role = match p.name.rsplit('.').next() {
            Some("bias") => Role::Bias,
            Some("weight") => Role::Weight,
            _ => Role::Other,
        };
        let site = Site::new(&p.name, &p.shape)
            .layer(Layer::Other, role)
            .layout(p.init.layout.clone());
        let choice = match rules.choose(&site) {
            Some(c) => c,
            None => Choice {
                init: p.init.clone(),
                source: Source::Attribute,
            },
        };
        if whole {
            check(&choice.init, &p.shape, p.dtype).map_err(|e| e.with_path(p.path.clone()))?;
        }
        report.push(p.name.clone(), &p.shape, Some(&choice));
        if choice.source != Source::Attribute {
            chosen.insert(p.name.clone(), choice.init.clone());
            p.init = choice.init;
        }
        out.push(p);
    }
    report.check()?;
    Ok(Decided {
        params: out,
        chosen,
        report,
    })
}

/// Whether `init` can fill a parameter of `shape` and element type `dtype`: what a fill would
/// refuse, refused before anything is written.
fn check(init: &Init, shape: &[usize], dtype: Dtype) -> Result<(), InitError> {
    element_count(shape, init.name())?;
    let (plan, _) = init.plan(shape)?;
    let fits = match dtype {
        Dtype::F32 => plan.check_element::<f32>(),
        Dtype::F64 => plan.check_element::<f64>(),
        #[cfg(feature = "half")]
        Dtype::F16 => plan.check_element::<half::f16>(),
        #[cfg(feature = "half")]
        Dtype::Bf16 => plan.check_element::<half::bf16>(),
        #[allow(unreachable_patterns)] // the half types, without the `half` feature
        _ => Ok(()),
    };
    fits.map_err(|kind| InitError::new(init.name(), kind))
}

/// A visitor that hands `inner` the chosen scheme of each parameter instead of its
/// attribute's (by state-dict name).
pub(crate) struct Chosen<'c, V> {
    pub(crate) inner: V,
    pub(crate) chosen: &'c HashMap<String, Init>,
}

impl<V: VisitMut> VisitMut for Chosen<'_, V> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        let init = self.chosen.get(&path.state_dict_name()).unwrap_or(init);
        self.inner.param(path, target, init)
    }
}
