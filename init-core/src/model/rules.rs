//! [`Rules`]: schemes chosen by a parameter's state-dict name, for models whose parameters
//! carry no scheme of their own (a framework's layers: Burn's `Linear`, candle-nn's `linear`).
//! Framework-neutral: a framework's walk describes each parameter as a [`Site`] (its name,
//! shape, the layer it sits in and that layer's fans), and [`Rules::choose`] says which scheme
//! it gets, prepared for that layer. What each parameter got is an [`Assignments`] report.

use std::fmt;

use crate::error::{ErrorKind, InitError};
use crate::scheme::fans::{Fans, Layout};
use crate::scheme::init::Init;

/// Schemes by state-dict name: `Rules::new().rule("layers.*.ffn.*.weight", Init::he_normal())`.
///
/// **Patterns** match state-dict names (`layers.3.attn.query.weight`) segment by segment,
/// segments being separated by `.`: a segment `**` matches any number of whole segments, none
/// included (`**.bias` matches `bias` and `layers.3.attn.out.bias`); within a segment, `*`
/// matches any run of characters (`*` matches one whole segment, `*_proj` matches `q_proj`);
/// anything else matches itself. Every pattern is valid.
///
/// **The last matching rule wins**, as a later `nn.init` call overrides an earlier one in
/// PyTorch: write the general rules first and the exceptions after them.
///
/// **A rule that matches no parameter** is an error ([`ErrorKind::UnmatchedRule`]) for the
/// whole-model entry points (`weight_init::burn::reinit`), and is listed by
/// [`Assignments::unmatched_rules`] where parameters are requested one by one (candle's
/// `VarBuilder`).
///
/// **Parameters no rule matches** get the rules' [defaults](Rules::torch_defaults) where they
/// have some, and are otherwise left to the framework (kept as they are, or, in candle, given
/// the law the layer asked for).
///
/// ```
/// use init_core::{Init, Rules};
/// let rules = Rules::new()
///     .rule("**.weight", Init::he_normal())
///     .rule("**.bias", Init::zeros())
///     .rule("head.weight", Init::normal(0.0, 0.02));
/// assert_eq!(rules.find("head.weight").unwrap().pattern(), "head.weight");
/// assert_eq!(rules.find("layers.3.fc.weight").unwrap().pattern(), "**.weight");
/// assert!(rules.find("layers.3.norm.gamma").is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rules {
    rules: Vec<Rule>,
    defaults: Defaults,
}

/// One rule of [`Rules`]: a pattern and its scheme.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pattern: String,
    segments: Vec<Piece>,
    init: Init,
}

/// A pattern's segment.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    /// `**`: any number of segments.
    Any,
    /// A segment, `*` matching any run of characters within it.
    Glob(String),
}

/// What a parameter no rule matches gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Defaults {
    /// Nothing: the framework's own (kept as it is, or candle's hint).
    #[default]
    Framework,
    /// PyTorch's defaults for the layer it sits in ([`Rules::torch_defaults`]).
    Torch,
}

/// The kind of layer a parameter sits in, as a framework's walk tells it to [`Rules`]. It
/// chooses [PyTorch's default](Rules::torch_defaults) for the parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layer {
    /// A fully connected layer (`nn.Linear`).
    Linear,
    /// A convolution, 1-D to 3-D (`nn.ConvNd`).
    Conv,
    /// A transposed convolution (`nn.ConvTransposeNd`).
    ConvTranspose,
    /// An embedding table (`nn.Embedding`).
    Embedding,
    /// A normalisation layer's affine parameters (LayerNorm, BatchNorm, GroupNorm, RMSNorm, …).
    Norm,
    /// An attention layer's query, key or value projection (`nn.MultiheadAttention`'s
    /// `in_proj`, one block of it).
    AttentionInput,
    /// An attention layer's output projection (`nn.MultiheadAttention`'s `out_proj`).
    AttentionOutput,
    /// A recurrent layer's gate (LSTM, GRU), whose hidden state has `hidden` units.
    Recurrent {
        /// The hidden size.
        hidden: usize,
    },
    /// Anything else: no default.
    Other,
}

/// What a parameter is to its layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// The weight (a matrix, kernel, table, or a norm's scale).
    Weight,
    /// The bias (a norm's shift).
    Bias,
    /// Anything else.
    Other,
}

/// A parameter as a framework's walk describes it to [`Rules::choose`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Site<'a> {
    /// The state-dict name (`layers.3.attn.query.weight`).
    pub name: &'a str,
    /// The shape its values are generated in.
    pub shape: &'a [usize],
    /// The layer it sits in.
    pub layer: Layer,
    /// What it is to the layer.
    pub role: Role,
    /// The layout its shape is read under (Burn's `Linear` weight is `(in, out)`:
    /// [`Layout::InOut`]).
    pub layout: Layout,
    /// The layer's fans, PyTorch's for the same layer; a bias takes its weight's (what
    /// PyTorch's `nn.Linear` does). `None` where the layer has none (a norm).
    pub fans: Option<Fans>,
}

impl<'a> Site<'a> {
    /// A parameter of `name` and `shape` in no known layer: layout `(out, in, …)`, no fans.
    pub fn new(name: &'a str, shape: &'a [usize]) -> Self {
        Site {
            name,
            shape,
            layer: Layer::Other,
            role: Role::Other,
            layout: Layout::OutIn,
            fans: None,
        }
    }

    /// The layer and role.
    #[must_use]
    pub fn layer(mut self, layer: Layer, role: Role) -> Self {
        self.layer = layer;
        self.role = role;
        self
    }

    /// The layout the shape is read under.
    #[must_use]
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// The layer's fans.
    #[must_use]
    pub fn fans(mut self, fans: Option<Fans>) -> Self {
        self.fans = fans;
        self
    }
}

/// Where a parameter's scheme came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Rule number `index` (from 0, in the order given), whose pattern is `pattern`.
    Rule {
        /// Its position among the rules.
        index: usize,
        /// Its pattern.
        pattern: String,
    },
    /// The rules' defaults ([`Rules::torch_defaults`]).
    Default,
    /// The framework's own choice, translated (candle's `Init` hint).
    Framework,
    /// The scheme the parameter's own `#[init(...)]` attribute gives (a derived model
    /// initialised by rules: [`Initialize::init_with_rules`](crate::Initialize::init_with_rules)).
    Attribute,
    /// Nothing: the parameter was left as it was.
    Kept,
}

/// A chosen scheme and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The scheme, prepared for the site (its layer's layout, and its fans where the shape
    /// does not give them).
    pub init: Init,
    /// Where it came from.
    pub source: Source,
}

impl Rules {
    /// No rules; parameters none matches are left to the framework.
    pub fn new() -> Self {
        Self::default()
    }

    /// No rules yet; parameters none matches get PyTorch's default for their layer:
    ///
    /// - linear and convolution weights (transposed too): U(±1/√fan_in), PyTorch's
    ///   `kaiming_uniform_(a = √5)` ([`Init::torch_default`]); their biases U(±1/√fan_in) with
    ///   the weight's fan_in (0 when fan_in is 0);
    /// - embeddings: N(0, 1);
    /// - norms: weight 1, bias 0;
    /// - attention: query, key and value weights Glorot-uniform over the fused `(3d, d)`
    ///   `in_proj_weight` PyTorch has (fan_in d, fan_out 3d, so the bound is √(6/4d), not the
    ///   √(6/2d) of one block alone), their biases 0; the output weight as a linear layer's,
    ///   its bias 0 (`nn.MultiheadAttention._reset_parameters`);
    /// - recurrent gates (LSTM, GRU): weights and biases U(±1/√hidden).
    ///
    /// Rules added on top take precedence.
    pub fn torch_defaults() -> Self {
        Rules {
            rules: Vec::new(),
            defaults: Defaults::Torch,
        }
    }

    /// Adds a rule; later rules take precedence over earlier ones.
    #[must_use]
    pub fn rule(mut self, pattern: impl Into<String>, init: Init) -> Self {
        let pattern = pattern.into();
        let segments = pattern
            .split('.')
            .map(|s| {
                if s == "**" {
                    Piece::Any
                } else {
                    Piece::Glob(s.to_string())
                }
            })
            .collect();
        self.rules.push(Rule {
            pattern,
            segments,
            init,
        });
        self
    }

    /// The rules, in the order given.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What parameters no rule matches get.
    pub fn defaults(&self) -> Defaults {
        self.defaults
    }

    /// The rule that decides `name`: the last one that matches it.
    pub fn find(&self, name: &str) -> Option<&Rule> {
        self.find_indexed(name).map(|(_, r)| r)
    }

    fn find_indexed(&self, name: &str) -> Option<(usize, &Rule)> {
        let segments: Vec<&str> = name.split('.').collect();
        self.rules
            .iter()
            .enumerate()
            .rev()
            .find(|(_, r)| r.matches_segments(&segments))
    }

    /// The scheme `site` gets: the last matching rule's, else the [defaults](Defaults)' for its
    /// layer, else `None` (leave it to the framework). The scheme is prepared for the site:
    /// it reads the shape under the site's layout, and takes the layer's fans where the shape
    /// does not give them (a bias), unless the rule set its own.
    pub fn choose(&self, site: &Site<'_>) -> Option<Choice> {
        if let Some((index, rule)) = self.find_indexed(site.name) {
            return Some(Choice {
                init: fit(&rule.init, site),
                source: Source::Rule {
                    index,
                    pattern: rule.pattern.clone(),
                },
            });
        }
        let init = match self.defaults {
            Defaults::Framework => return None,
            Defaults::Torch => torch_default(site)?,
        };
        Some(Choice {
            init: fit(&init, site),
            source: Source::Default,
        })
    }
}

impl Rule {
    /// The pattern, as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The scheme.
    pub fn init(&self) -> &Init {
        &self.init
    }

    /// Whether the pattern matches the state-dict name `name`.
    pub fn matches(&self, name: &str) -> bool {
        self.matches_segments(&name.split('.').collect::<Vec<_>>())
    }

    fn matches_segments(&self, name: &[&str]) -> bool {
        match_pieces(&self.segments, name)
    }
}

/// Whether `pieces` match all of `name`.
fn match_pieces(pieces: &[Piece], name: &[&str]) -> bool {
    match pieces.split_first() {
        None => name.is_empty(),
        Some((Piece::Any, rest)) => (0..=name.len()).any(|skip| match_pieces(rest, &name[skip..])),
        Some((Piece::Glob(glob), rest)) => name
            .split_first()
            .is_some_and(|(first, tail)| glob_matches(glob, first) && match_pieces(rest, tail)),
    }
}

/// Whether `glob` (with `*` for any run of characters) matches all of `text`.
fn glob_matches(glob: &str, text: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// `init` prepared for `site`: the site's layout, and the layer's fans for a fan-based scheme
/// that has none of its own (a bias takes its weight's).
pub(crate) fn fit(init: &Init, site: &Site<'_>) -> Init {
    let mut init = init.clone();
    if init.layout == Layout::OutIn {
        init.layout = site.layout.clone();
    }
    if let Some(f) = site.fans
        && init.takes_mode()
        && init.fan_in.is_none()
        && init.fan_out.is_none()
    {
        init = init.fans(f.fan_in, f.fan_out);
    }
    init
}

/// PyTorch's default for `site`, if its layer has one.
pub(crate) fn torch_default(site: &Site<'_>) -> Option<Init> {
    let fan_bound = |fans: Option<Fans>| {
        let fan_in = fans?.fan_in;
        let bound = if fan_in == 0 {
            0.0
        } else {
            1.0 / (fan_in as f64).sqrt()
        };
        Some(Init::uniform_symmetric(bound))
    };
    match (site.layer, site.role) {
        (
            Layer::Linear | Layer::Conv | Layer::ConvTranspose | Layer::AttentionOutput,
            Role::Weight,
        ) => Some(Init::torch_default()),
        (Layer::Linear | Layer::Conv | Layer::ConvTranspose, Role::Bias) => fan_bound(site.fans),
        (Layer::Embedding, Role::Weight) => Some(Init::normal(0.0, 1.0)),
        (Layer::Norm, Role::Weight) => Some(Init::ones()),
        (Layer::Norm | Layer::AttentionInput | Layer::AttentionOutput, Role::Bias) => {
            Some(Init::zeros())
        }
        (Layer::AttentionInput, Role::Weight) => {
            let f = site.fans?;
            // one block of the fused (3d, d) in_proj_weight: fans (d, 3d)
            Some(Init::glorot_uniform().fans(f.fan_in, f.fan_out.checked_mul(3)?))
        }
        (Layer::Recurrent { hidden }, Role::Weight | Role::Bias) => fan_bound(Some(Fans {
            fan_in: hidden,
            fan_out: hidden,
        })),
        _ => None,
    }
}

/// What one parameter got: a row of [`Assignments`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Assignment {
    /// The state-dict name.
    pub name: String,
    /// The shape.
    pub shape: Vec<usize>,
    /// The scheme written, or `None` when the parameter was left as it was.
    pub init: Option<Init>,
    /// Where the scheme came from.
    pub source: Source,
}

/// What every parameter got, in the order they were met: the report of a rules-driven
/// initialisation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Assignments {
    rows: Vec<Assignment>,
    rules: Vec<String>,
}

impl Assignments {
    /// An empty report for `rules` (their patterns are kept to name the unmatched ones).
    pub fn new(rules: &Rules) -> Self {
        Assignments {
            rows: Vec::new(),
            rules: rules.rules.iter().map(|r| r.pattern.clone()).collect(),
        }
    }

    /// Records a parameter: `choice` is what [`Rules::choose`] gave, `None` when it was kept.
    pub fn push(&mut self, name: impl Into<String>, shape: &[usize], choice: Option<&Choice>) {
        self.rows.push(Assignment {
            name: name.into(),
            shape: shape.to_vec(),
            init: choice.map(|c| c.init.clone()),
            source: choice.map_or(Source::Kept, |c| c.source.clone()),
        });
    }

    /// The rows, in the order the parameters were met.
    pub fn rows(&self) -> &[Assignment] {
        &self.rows
    }

    /// The row of the parameter named `name`.
    pub fn get(&self, name: &str) -> Option<&Assignment> {
        self.rows.iter().find(|r| r.name == name)
    }

    /// The patterns of the rules that decided no parameter, in the order given. A rule every
    /// match of which a later rule overrode is among them: it decided nothing.
    pub fn unmatched_rules(&self) -> Vec<&str> {
        self.rules
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !self
                    .rows
                    .iter()
                    .any(|r| matches!(r.source, Source::Rule { index, .. } if index == *i))
            })
            .map(|(_, p)| p.as_str())
            .collect()
    }

    /// An error for the first rule that decided no parameter ([`ErrorKind::UnmatchedRule`]).
    pub fn check(&self) -> Result<(), InitError> {
        match self.unmatched_rules().first() {
            None => Ok(()),
            Some(p) => Err(InitError::new(
                "rules",
                ErrorKind::UnmatchedRule {
                    pattern: p.to_string(),
                },
            )),
        }
    }
}

impl fmt::Display for Assignments {
    /// One line per parameter: name, shape, scheme, source; then the unmatched rules.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
        for r in &self.rows {
            let init = r
                .init
                .as_ref()
                .map_or("(kept)".to_string(), Init::to_string);
            let source = match &r.source {
                Source::Rule { pattern, .. } => format!("rule `{pattern}`"),
                Source::Default => "default".to_string(),
                Source::Framework => "framework".to_string(),
                Source::Attribute => "attribute".to_string(),
                Source::Kept => "no rule".to_string(),
            };
            writeln!(
                f,
                "{:width$}  {:<16} {init}  [{source}]",
                r.name,
                format!("{:?}", r.shape)
            )?;
        }
        for p in self.unmatched_rules() {
            writeln!(f, "rule `{p}` matched nothing")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        Rules::new()
            .rule(pattern, Init::zeros())
            .find(name)
            .is_some()
    }

    #[test]
    fn patterns() {
        assert!(m("layers.*.ffn.*.weight", "layers.3.ffn.up.weight"));
        assert!(!m("layers.*.ffn.*.weight", "layers.3.ffn.up.down.weight"));
        assert!(m("**.bias", "bias"));
        assert!(m("**.bias", "a.b.c.bias"));
        assert!(!m("**.bias", "a.b.c.bias_hh"));
        assert!(m("**", "anything.at.all"));
        assert!(m("a.**.z", "a.z"));
        assert!(m("a.**.z", "a.b.c.z"));
        assert!(!m("a.**.z", "a.b.c.y"));
        assert!(m("*_proj.weight", "q_proj.weight"));
        assert!(!m("*_proj.weight", "proj.weight_x"));
        assert!(m("h.*.attn.c_*.weight", "h.11.attn.c_attn.weight"));
        assert!(m("a*b*c", "abc"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxc"));
        assert!(!m("ab*ba", "aba"));
        assert!(m("w", "w"));
        assert!(!m("w", "w.x"));
        assert!(!m("*", "a.b"));
    }

    #[test]
    fn the_last_matching_rule_wins() {
        let rules = Rules::new()
            .rule("**.weight", Init::he_normal())
            .rule("head.weight", Init::zeros())
            .rule("**", Init::ones());
        assert_eq!(rules.find("head.weight").unwrap().pattern(), "**");
        let rules = Rules::new()
            .rule("**", Init::ones())
            .rule("**.weight", Init::he_normal())
            .rule("head.weight", Init::zeros());
        assert_eq!(rules.find("head.weight").unwrap().init(), &Init::zeros());
        assert_eq!(rules.find("x.weight").unwrap().init(), &Init::he_normal());
        assert_eq!(rules.find("x.bias").unwrap().init(), &Init::ones());
    }

    #[test]
    fn a_bias_takes_its_layers_fans() {
        let rules = Rules::new().rule("**", Init::he_normal());
        let fans = Some(Fans {
            fan_in: 12,
            fan_out: 5,
        });
        let shape = [5];
        let site = Site::new("fc.bias", &shape)
            .layer(Layer::Linear, Role::Bias)
            .fans(fans);
        let c = rules.choose(&site).unwrap();
        assert_eq!(c.init, Init::he_normal().fans(12, 5));
        let r = c.init.resolve(&shape).unwrap();
        assert!((r.std - (2.0f64 / 12.0).sqrt()).abs() < 1e-15);
        // a rule's own fans are kept
        let rules = Rules::new().rule("**", Init::he_normal().fan_in(3));
        assert_eq!(
            rules.choose(&site).unwrap().init,
            Init::he_normal().fan_in(3)
        );
        // a norm has no fans: the scheme cannot resolve
        let norm = Site::new("ln.weight", &shape).layer(Layer::Norm, Role::Weight);
        let c = Rules::new()
            .rule("**", Init::he_normal())
            .choose(&norm)
            .unwrap();
        assert!(c.init.resolve(&shape).is_err());
    }

    fn high(r: &crate::plan::resolve::Resolved) -> f64 {
        match r.distribution {
            Some(crate::plan::law::ElementDistribution::Uniform { high, .. }) => high,
            ref d => panic!("not a uniform: {d:?}"),
        }
    }

    #[test]
    fn torch_defaults_follow_pytorch() {
        let rules = Rules::torch_defaults();
        let fans = Some(Fans {
            fan_in: 16,
            fan_out: 4,
        });
        let shape = [16, 4];
        let w = Site::new("fc.weight", &shape)
            .layer(Layer::Linear, Role::Weight)
            .layout(Layout::InOut)
            .fans(fans);
        let r = rules.choose(&w).unwrap().init.resolve(&shape).unwrap();
        assert_eq!(r.fans.unwrap().fan_in, 16);
        assert!((high(&r) - 0.25).abs() < 1e-15, "{r:?}");
        let b = Site::new("fc.bias", &[4])
            .layer(Layer::Linear, Role::Bias)
            .fans(fans);
        let c = rules.choose(&b).unwrap();
        assert_eq!(c.init, Init::uniform_symmetric(0.25));
        assert_eq!(c.source, Source::Default);
        let e = Site::new("emb.weight", &shape).layer(Layer::Embedding, Role::Weight);
        assert_eq!(rules.choose(&e).unwrap().init, Init::normal(0.0, 1.0));
        let q = Site::new("attn.query.weight", &shape)
            .layer(Layer::AttentionInput, Role::Weight)
            .layout(Layout::InOut)
            .fans(Some(Fans {
                fan_in: 8,
                fan_out: 8,
            }));
        let r = rules.choose(&q).unwrap().init.resolve(&[8, 8]).unwrap();
        assert!((high(&r) - (6.0f64 / 32.0).sqrt()).abs() < 1e-15);
        let g = Site::new("lstm.forget_gate.hidden_transform.bias", &[8])
            .layer(Layer::Recurrent { hidden: 64 }, Role::Bias);
        assert_eq!(
            rules.choose(&g).unwrap().init,
            Init::uniform_symmetric(0.125)
        );
        let o = Site::new("odd", &[3]);
        assert!(rules.choose(&o).is_none());
        assert!(Rules::new().choose(&e).is_none());
    }

    #[test]
    fn unmatched_rules_are_reported() {
        let rules = Rules::new()
            .rule("**.weight", Init::he_normal())
            .rule("encoder.**", Init::zeros())
            .rule("x.weight", Init::ones());
        let mut report = Assignments::new(&rules);
        for name in ["a.weight", "x.weight", "a.bias"] {
            let site = Site::new(name, &[2, 2]);
            report.push(name, &[2, 2], rules.choose(&site).as_ref());
        }
        assert_eq!(report.unmatched_rules(), ["encoder.**"]);
        let err = report.check().unwrap_err();
        assert_eq!(
            err.kind(),
            &ErrorKind::UnmatchedRule {
                pattern: "encoder.**".into()
            }
        );
        assert_eq!(report.get("a.bias").unwrap().source, Source::Kept);
        let text = report.to_string();
        assert!(text.contains("rule `encoder.**` matched nothing"), "{text}");
    }
}
