//! A recipe applied: [`Rules`] for a naming, a per-parameter [`RecipePlan`], and a derived
//! model initialised by it.

use super::naming::{Naming, Role};
use super::recipes::{Dims, Forward, Planned, Recipe};
use crate::error::{ErrorKind, InitError};
use crate::model::{Assignments, Initialize, Rules, params};
use crate::scheme::fans::Layout;
use crate::scheme::init::Init;

/// What a recipe gives one parameter: a row of [`RecipePlan`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PlannedParam {
    /// The state-dict name.
    pub name: String,
    /// The shape.
    pub shape: Vec<usize>,
    /// Its role.
    pub role: Role,
    /// Its layer, if its name gives one.
    pub layer: Option<usize>,
    /// The scheme, or `None` where the recipe leaves the parameter to its own scheme.
    pub init: Option<Init>,
    /// The σ the recipe's formula gives (before any truncation); `None` for constants,
    /// identities and parameters the recipe leaves alone.
    pub std: Option<f64>,
}

/// A recipe planned for a list of parameters ([`Recipe::plan`]): each named parameter's role,
/// layer, scheme and σ, and the names no entry of the naming matched.
#[derive(Clone, Debug, PartialEq)]
pub struct RecipePlan {
    recipe: &'static str,
    rows: Vec<PlannedParam>,
    unmatched: Vec<String>,
}

impl RecipePlan {
    /// The recipe's name.
    pub fn recipe(&self) -> &'static str {
        self.recipe
    }

    /// The parameters the naming matched, in the order given.
    pub fn rows(&self) -> &[PlannedParam] {
        &self.rows
    }

    /// The row of `name`.
    pub fn get(&self, name: &str) -> Option<&PlannedParam> {
        self.rows.iter().find(|r| r.name == name)
    }

    /// The names no entry of the naming matched (they keep their own scheme).
    pub fn unmatched(&self) -> &[String] {
        &self.unmatched
    }

    /// (name, σ) of every matched parameter, for reporting.
    pub fn sigmas(&self) -> Vec<(String, Option<f64>)> {
        self.rows.iter().map(|r| (r.name.clone(), r.std)).collect()
    }

    /// One rule per parameter the recipe gives a scheme, its exact name as the pattern: rules
    /// that match every parameter they name, so that the entry points that refuse unmatched
    /// rules (`weight_init::burn::reinit`, [`Initialize::init_with_rules`]) accept them.
    pub fn rules(&self) -> Rules {
        self.rows
            .iter()
            .fold(Rules::new(), |rules, r| match &r.init {
                Some(init) => rules.rule(r.name.clone(), init.clone()),
                None => rules,
            })
    }
}

/// What [`Recipe::apply`] did to a derived model.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RecipeReport {
    /// The plan: every parameter's role, layer, scheme and σ.
    pub plan: RecipePlan,
    /// What every parameter got, and from where (a rule of the recipe, or its attribute).
    pub assignments: Assignments,
    /// The forward multipliers the model must apply ([`Recipe::forward`]).
    pub forward: Forward,
}

/// `planned`'s scheme in the layout of the entry's weights.
fn with_layout(planned: Planned, role: Role, layout: &Layout) -> Planned {
    if role.is_matrix() && *layout != Layout::OutIn {
        Planned {
            init: planned.init.layout(layout.clone()),
            std: planned.std,
        }
    } else {
        planned
    }
}

impl Recipe {
    /// The recipe as [`Rules`] over `naming`'s patterns, each `{l}` expanded to every layer
    /// `0..dims.n_layers` (one rule per layer), for a model of `dims`: what
    /// `weight_init::candle::var_builder` takes, and what any entry point takes whose model
    /// has a parameter for every pattern. A naming entry the recipe leaves alone gives no rule.
    ///
    /// Errors: a pattern without `{l}` for a role whose scheme depends on the layer
    /// ([`ErrorKind::MissingLayerIndex`], naming the pattern); what
    /// [`plan_role`](Recipe::plan_role) refuses.
    ///
    /// ```
    /// use init_core::recipe::{Dims, Naming, Recipe};
    /// let dims = Dims::new(256, 4, 1024, 1000);
    /// let rules = Recipe::mitchell().rules(&Naming::hf_gpt2(), &dims)?;
    /// let r = rules.find("h.3.attn.c_proj.weight").unwrap();
    /// assert_eq!(r.pattern(), "**.h.3.attn.c_proj.weight");
    /// let sigma = 1.0 / (2.0 * 256.0 * 4.0f64).sqrt(); // 1/√(2·d·(l+1)), l = 3
    /// assert_eq!(r.init(), &init_core::Init::truncated_normal_sigmas(0.0, sigma, 3.0).layout(init_core::Layout::InOut));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn rules(&self, naming: &Naming, dims: &Dims) -> Result<Rules, InitError> {
        let mut rules = Rules::new();
        // a naming's first matching entry decides, a Rules' last matching rule: reversed
        for entry in naming.entries().iter().rev() {
            let role = entry.role();
            if entry.has_layer() {
                for l in 0..dims.n_layers {
                    let pattern = entry.at_layer(l);
                    if let Some(p) =
                        self.plan_role(role, Some(l), dims, naming.stack_of(), &pattern)?
                    {
                        rules = rules.rule(pattern, with_layout(p, role, entry.layout()).init);
                    }
                }
            } else if let Some(p) =
                self.plan_role(role, None, dims, naming.stack_of(), entry.pattern())?
            {
                rules = rules.rule(entry.pattern(), with_layout(p, role, entry.layout()).init);
            }
        }
        Ok(rules)
    }

    /// The recipe for the named parameters `params` (state-dict name and shape): each one's
    /// role and layer by `naming`, its scheme and σ. Names no entry matches are listed
    /// ([`RecipePlan::unmatched`]) and keep their own scheme.
    ///
    /// Errors: no name matched, or no name of a layer where the naming has `{l}` patterns
    /// ([`ErrorKind::NamingMatchedNothing`]: the wrong naming); a
    /// name without a layer index whose scheme needs one ([`ErrorKind::MissingLayerIndex`]);
    /// a layer index ≥ `dims.n_layers` ([`ErrorKind::LayerOutOfRange`]); what
    /// [`plan_role`](Recipe::plan_role) refuses. Each error names the parameter.
    pub fn plan<'a, S: AsRef<[usize]> + 'a>(
        &self,
        naming: &Naming,
        dims: &Dims,
        params: impl IntoIterator<Item = (&'a str, S)>,
    ) -> Result<RecipePlan, InitError> {
        let mut rows = Vec::new();
        let mut unmatched = Vec::new();
        for (name, shape) in params {
            let Some((entry, layer)) = naming.entry_of(name) else {
                unmatched.push(name.to_string());
                continue;
            };
            let role = entry.role();
            let planned = self
                .plan_role(role, layer, dims, naming.stack_of(), name)
                .map_err(|e| e.with_path(name))?
                .map(|p| with_layout(p, role, entry.layout()));
            rows.push(PlannedParam {
                name: name.to_string(),
                shape: shape.as_ref().to_vec(),
                role,
                layer,
                std: planned.as_ref().and_then(|p| p.std),
                init: planned.map(|p| p.init),
            });
        }
        // a naming with layer patterns that found no layer is the wrong naming, even if a
        // name such as `lm_head.weight` happens to be shared
        let layered = naming.entries().iter().any(|e| e.has_layer());
        if rows.is_empty() || layered && rows.iter().all(|r| r.layer.is_none()) {
            return Err(InitError::new(
                self.name(),
                ErrorKind::NamingMatchedNothing {
                    naming: naming.name().to_string(),
                },
            ));
        }
        Ok(RecipePlan {
            recipe: self.name(),
            rows,
            unmatched,
        })
    }

    /// Initialises a derived model by the recipe, keyed by `seed`: every parameter `naming`
    /// matches gets the recipe's scheme ([`Initialize::init_with_rules`], by state-dict name:
    /// `h[3].attn.c_proj.weight` is `h.3.attn.c_proj.weight`, layer 3); the others keep their
    /// attribute's. Nothing is written unless every scheme fits its parameter.
    ///
    /// ```
    /// use init_core::recipe::{Dims, Naming, Recipe, Role};
    /// use init_core::{Init, InitError, Initialize, ParamPath, Segment, Visit, VisitMut};
    /// // one block of a GPT, by hand (a derive writes the same walk)
    /// struct Proj { weight: Vec<f32> }
    /// impl Initialize for Proj {
    ///     fn walk<V: Visit + ?Sized>(&self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
    ///         p.with(Segment::Field("weight"), |p| v.param(p, &self.weight, &Init::zeros()))
    ///     }
    ///     fn walk_mut<V: VisitMut + ?Sized>(&mut self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
    ///         p.with(Segment::Field("weight"), |p| v.param(p, &mut self.weight, &Init::zeros()))
    ///     }
    /// }
    /// let naming = Naming::new("tiny").role("{l}.weight", Role::AttnOut);
    /// let mut blocks = vec![Proj { weight: vec![0.0; 4096] }, Proj { weight: vec![0.0; 4096] }];
    /// let dims = Dims::new(64, 2, 256, 100);
    /// let report = Recipe::llama_depth().apply(&mut blocks, &naming, &dims, 42)?;
    /// assert_eq!(report.plan.get("1.weight").unwrap().std, Some(0.02 / 4f64.sqrt()));
    /// assert!(blocks[1].weight.iter().all(|x| x.abs() <= 3.0 * 0.01 + 1e-7));
    /// # Ok::<(), InitError>(())
    /// ```
    pub fn apply<M: Initialize + ?Sized>(
        &self,
        model: &mut M,
        naming: &Naming,
        dims: &Dims,
        seed: u64,
    ) -> Result<RecipeReport, InitError> {
        let listed = params(model)?;
        let plan = self.plan(
            naming,
            dims,
            listed.iter().map(|p| (p.name.as_str(), p.shape.as_slice())),
        )?;
        let assignments = model.init_with_rules(&plan.rules(), seed)?;
        Ok(RecipeReport {
            forward: self.forward(dims, naming.stack_of()),
            plan,
            assignments,
        })
    }
}
