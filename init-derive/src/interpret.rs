//! Stage 2, meaning: raw [`Item`]s into a typed [`FieldSpec`] or [`ContainerSpec`], every word
//! looked up in the [`vocab`] tables. What cannot be read is reported to the [`Ctxt`] and
//! reading goes on, so one build reports every mistake. A word given twice is caught in one
//! place, [`set_once`]. Whether the pieces fit together is the next stage's question.

use proc_macro2::{Ident, Span};
use syn::Expr;
use syn::spanned::Spanned as _;

use crate::ctxt::Ctxt;
use crate::parse::{self, Arg, Item, ItemKind};
use crate::vocab::{
    self, CONTAINER_WORDS, ContainerWord, DistributionDef, FIELD_WORDS, FieldWord, GAINS, GainDef,
    Kind, LAYOUTS, LayoutDef, MODES, MODIFIERS, ModeDef, Modifier, ModifierDef, Named, P, Param,
    SCHEMES, SchemeDef,
};

/// Fills `slot` with `value`, or reports that `name` is given twice (the first stays).
fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, name: &Ident) {
    if slot.is_some() {
        cx.error(name.span(), format!("`{name}` is given twice"));
    } else {
        *slot = Some(value);
    }
}

/// A named gain or an explicit value.
pub(crate) enum GainSpec {
    /// `tanh`, `relu`, …
    Named(&'static GainDef, Span),
    /// `leaky_relu(slope)`: the `Gain` variant and the slope.
    Slope(&'static str, Expr),
    /// `gain = <expr>`
    Value(Expr),
}

/// `layout = in_out` or any `Layout` expression.
pub(crate) enum LayoutSpec {
    Named(&'static LayoutDef, Span),
    Expr(Expr),
}

impl LayoutSpec {
    fn span(&self) -> Span {
        match self {
            LayoutSpec::Named(_, s) => *s,
            LayoutSpec::Expr(e) => e.span(),
        }
    }
}

/// `fans_of = field` (or a tuple index).
pub(crate) enum FansOf {
    Named(Ident),
    Index(usize, Span),
}

impl FansOf {
    pub(crate) fn span(&self) -> Span {
        match self {
            FansOf::Named(i) => i.span(),
            FansOf::Index(_, s) => *s,
        }
    }
}

/// The value of a scheme's argument.
pub(crate) enum ArgValue {
    Expr(Expr),
    Distribution(&'static DistributionDef),
}

/// One argument given to a scheme.
pub(crate) struct GivenArg {
    pub param: &'static Param,
    /// Its name, or its value when given by position.
    pub span: Span,
    pub value: ArgValue,
}

/// A scheme with its arguments matched to its parameters.
pub(crate) struct SchemeSpec {
    pub ident: Ident,
    pub def: &'static SchemeDef,
    /// By parameter, in the order of `def.params`.
    pub args: Vec<Option<GivenArg>>,
    /// An argument was not understood: checks for missing parameters would only add noise.
    pub had_bad_arg: bool,
}

impl SchemeSpec {
    pub(crate) fn arg(&self, id: P) -> Option<&GivenArg> {
        self.args.iter().flatten().find(|a| a.param.id == id)
    }

    /// The expression given for `id`.
    pub(crate) fn expr(&self, id: P) -> Option<&Expr> {
        match &self.arg(id)?.value {
            ArgValue::Expr(e) => Some(e),
            ArgValue::Distribution(_) => None,
        }
    }

    /// The parameters given, in the order of the scheme's.
    pub(crate) fn given(&self) -> Vec<P> {
        self.args.iter().flatten().map(|a| a.param.id).collect()
    }

    /// The `Init` constructor the arguments select.
    pub(crate) fn form(&self) -> &'static vocab::Form {
        self.def.form(&self.given())
    }
}

/// The modifiers of one field.
#[derive(Default)]
pub(crate) struct Modifiers {
    pub gain: Option<GainSpec>,
    pub mode: Option<(&'static ModeDef, Span)>,
    pub truncated: Option<Span>,
    pub scale: Option<Expr>,
    pub layout: Option<LayoutSpec>,
    pub fans_of: Option<FansOf>,
    pub fan_in: Option<Expr>,
    pub fan_out: Option<Expr>,
    /// `blocks = k`
    pub blocks: Option<Expr>,
}

impl Modifiers {
    /// The modifiers given, in the order of [`MODIFIERS`], each with where its value (or the
    /// flag) was written.
    pub(crate) fn given(&self) -> Vec<(&'static ModifierDef, Span)> {
        let expr = |e: &Option<Expr>| e.as_ref().map(Expr::span);
        let gain = self.gain.as_ref().map(|g| match g {
            GainSpec::Named(_, s) => *s,
            GainSpec::Slope(_, e) | GainSpec::Value(e) => e.span(),
        });
        [
            (Modifier::Gain, gain),
            (Modifier::Mode, self.mode.map(|m| m.1)),
            (Modifier::Truncated, self.truncated),
            (Modifier::Scale, expr(&self.scale)),
            (Modifier::Layout, self.layout.as_ref().map(LayoutSpec::span)),
            (Modifier::FansOf, self.fans_of.as_ref().map(FansOf::span)),
            (Modifier::FanIn, expr(&self.fan_in)),
            (Modifier::FanOut, expr(&self.fan_out)),
            (Modifier::Blocks, expr(&self.blocks)),
        ]
        .into_iter()
        .filter_map(|(m, span)| Some((ModifierDef::of(m), span?)))
        .collect()
    }

    /// The numeric values given, with the modifier each belongs to.
    pub(crate) fn numbers(&self) -> Vec<(&'static ModifierDef, &Expr)> {
        let gain = match &self.gain {
            Some(GainSpec::Slope(_, e) | GainSpec::Value(e)) => Some(e),
            _ => None,
        };
        [
            (Modifier::Gain, gain),
            (Modifier::Scale, self.scale.as_ref()),
            (Modifier::FanIn, self.fan_in.as_ref()),
            (Modifier::FanOut, self.fan_out.as_ref()),
            (Modifier::Blocks, self.blocks.as_ref()),
        ]
        .into_iter()
        .filter_map(|(m, e)| Some((ModifierDef::of(m), e?)))
        .collect()
    }

    /// Whether the fans are given (so the type's rank does not matter).
    pub(crate) fn explicit_fans(&self) -> bool {
        self.fans_of.is_some() || self.fan_in.is_some() || self.fan_out.is_some()
    }
}

/// Everything `#[init(...)]` says about one field.
#[derive(Default)]
pub(crate) struct FieldSpec {
    pub skip: Option<Ident>,
    pub scheme: Option<SchemeSpec>,
    pub modifiers: Modifiers,
    /// `shape = ...`: a parameter's shape when the model is built from its configuration.
    pub shape: Option<(Ident, Expr)>,
    /// `config = ...`: a nested model's configuration when the model is built.
    pub config: Option<(Ident, Expr)>,
    /// `len = ...`: how many models a `Vec` of nested models holds when the model is built.
    pub len: Option<(Ident, Expr)>,
    /// `bias = <scheme>`: a layer's bias, read as a field of its own (its scheme and the
    /// modifiers written inside the scheme's parentheses).
    pub bias: Option<(Ident, Box<FieldSpec>)>,
    /// `forget_bias = <number>`: an LSTM's forget-gate bias.
    pub forget_bias: Option<(Ident, Expr)>,
    /// The first item, to point at the attribute as a whole.
    pub span: Option<Span>,
}

/// What the container-level `#[init(...)]` says.
#[derive(Default)]
pub(crate) struct ContainerSpec {
    pub krate: Option<syn::Path>,
    pub layout: Option<LayoutSpec>,
    /// `config = Type`: the model is built from a `&Type` (`Build`).
    pub config: Option<syn::Type>,
}

/// The entry of `table` that `expr`, a word, names; `what` names the table in messages.
fn lookup<T: Named>(
    cx: &mut Ctxt,
    what: &str,
    table: &'static [T],
    expr: &Expr,
) -> Option<(&'static T, Span)> {
    let Some(w) = parse::word(expr) else {
        cx.error(
            expr.span(),
            format!(
                "expected a {what}: {}",
                vocab::suggest("", vocab::names(table)).trim_start_matches("expected ")
            ),
        );
        return None;
    };
    let found = vocab::find(table, &w.to_string());
    if found.is_none() {
        cx.error(
            w.span(),
            format!(
                "unknown {what} `{w}`: {}",
                vocab::suggest(&w.to_string(), vocab::names(table))
            ),
        );
    }
    found.map(|d| (d, w.span()))
}

fn gain(cx: &mut Ctxt, expr: &Expr) -> Option<GainSpec> {
    if let Expr::Call(call) = expr
        && let Some(w) = parse::word(&call.func)
    {
        let def = vocab::find(GAINS, &w.to_string());
        if let Some(variant) = def.and_then(|d| d.slope)
            && call.args.len() == 1
        {
            return Some(GainSpec::Slope(variant, call.args[0].clone()));
        }
        let msg = match def {
            Some(d) if d.slope.is_some() => {
                format!("`{w}` takes one argument, its negative slope: `gain = {w}(0.2)`")
            }
            _ => {
                let sloped: Vec<String> = GAINS
                    .iter()
                    .filter(|g| g.slope.is_some())
                    .map(|g| format!("`{}(slope)`", g.name))
                    .collect();
                format!(
                    "unknown gain `{w}(..)`: only {} takes an argument; {}",
                    sloped.join(", "),
                    vocab::suggest(&w.to_string(), vocab::names(GAINS))
                )
            }
        };
        cx.error(call.span(), msg);
        return None;
    }
    let Some(w) = parse::word(expr) else {
        return Some(GainSpec::Value(expr.clone()));
    };
    match vocab::find(GAINS, &w.to_string()) {
        Some(def) => Some(GainSpec::Named(def, w.span())),
        None => {
            cx.error(
                w.span(),
                format!(
                    "unknown gain `{w}`: {} (or give a number, `gain = 1.5`)",
                    vocab::suggest(&w.to_string(), vocab::names(GAINS))
                ),
            );
            None
        }
    }
}

fn layout(cx: &mut Ctxt, expr: &Expr) -> Option<LayoutSpec> {
    if parse::word(expr).is_some() {
        lookup(cx, "layout", LAYOUTS, expr).map(|(d, s)| LayoutSpec::Named(d, s))
    } else {
        Some(LayoutSpec::Expr(expr.clone()))
    }
}

fn fans_of(cx: &mut Ctxt, expr: &Expr) -> Option<FansOf> {
    match expr {
        Expr::Path(p) if p.path.get_ident().is_some() => {
            p.path.get_ident().cloned().map(FansOf::Named)
        }
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => match i.base10_parse::<usize>() {
            Ok(n) => Some(FansOf::Index(n, i.span())),
            Err(e) => {
                cx.push(e);
                None
            }
        },
        other => {
            cx.error(
                other.span(),
                "`fans_of` names a sibling field: `fans_of = weight` (or `fans_of = 0` in a tuple struct)",
            );
            None
        }
    }
}

impl Modifiers {
    /// Reads `name = value` (or the flag `name`) of the modifier `def`.
    fn set(&mut self, cx: &mut Ctxt, def: &ModifierDef, name: &Ident, value: Option<Expr>) {
        if def.modifier == Modifier::Truncated {
            if let Some(v) = value {
                cx.error(
                    v.span(),
                    "`truncated` is a flag: write `truncated`, without a value",
                );
            }
            return set_once(cx, &mut self.truncated, name.span(), name);
        }
        let Some(value) = value else {
            cx.error(
                name.span(),
                format!("`{name}` needs a value: `{name} = ...`"),
            );
            return;
        };
        match def.modifier {
            Modifier::Gain => {
                if let Some(g) = gain(cx, &value) {
                    set_once(cx, &mut self.gain, g, name);
                }
            }
            Modifier::Mode => {
                if let Some(m) = lookup(cx, "fan mode", MODES, &value) {
                    set_once(cx, &mut self.mode, m, name);
                }
            }
            Modifier::Scale => set_once(cx, &mut self.scale, value, name),
            Modifier::Layout => {
                if let Some(l) = layout(cx, &value) {
                    set_once(cx, &mut self.layout, l, name);
                }
            }
            Modifier::FansOf => {
                if let Some(f) = fans_of(cx, &value) {
                    set_once(cx, &mut self.fans_of, f, name);
                }
            }
            Modifier::FanIn => set_once(cx, &mut self.fan_in, value, name),
            Modifier::FanOut => set_once(cx, &mut self.fan_out, value, name),
            Modifier::Blocks => set_once(cx, &mut self.blocks, value, name),
            Modifier::Truncated => {}
        }
    }
}

impl FieldSpec {
    /// Interprets the items of a field's `#[init(...)]` attributes.
    pub(crate) fn from_items(cx: &mut Ctxt, items: Vec<Item>) -> Self {
        let mut spec = FieldSpec::default();
        for item in items {
            spec.span.get_or_insert(item.name.span());
            let name = item.name.to_string();
            if let Some(word) = vocab::find(FIELD_WORDS, &name) {
                spec.set_word(cx, word.word, item);
            } else if let Some(def) = vocab::find(SCHEMES, &name) {
                spec.set_scheme(cx, item.name, def, item.kind);
            } else if let Some(def) = vocab::find(MODIFIERS, &name) {
                match item.kind {
                    ItemKind::Value(v) => spec.modifiers.set(cx, def, &item.name, Some(v)),
                    ItemKind::Word => spec.modifiers.set(cx, def, &item.name, None),
                    ItemKind::List(_) => cx.error(
                        item.name.span(),
                        format!("`{name}` is a modifier: write `{name} = ...`, not `{name}(...)`"),
                    ),
                }
            } else if vocab::find(CONTAINER_WORDS, &name).is_some() {
                cx.error(
                    item.name.span(),
                    format!("`{name}` belongs on the struct, `#[init({name} = ...)]` above it"),
                );
            } else {
                let all = vocab::names(SCHEMES)
                    .chain(vocab::names(MODIFIERS))
                    .chain(vocab::names(FIELD_WORDS));
                cx.error(
                    item.name.span(),
                    format!(
                        "unknown scheme or modifier `{name}`: {}",
                        vocab::suggest(&name, all)
                    ),
                );
            }
        }
        spec
    }

    /// `skip`, `shape = ...`, `config = ...`, `len = ...`.
    fn set_word(&mut self, cx: &mut Ctxt, word: FieldWord, item: Item) {
        let name = &item.name;
        let slot = match word {
            FieldWord::Skip => {
                if !matches!(item.kind, ItemKind::Word) {
                    cx.error(name.span(), "`skip` takes no value: `#[init(skip)]`");
                }
                return set_once(cx, &mut self.skip, name.clone(), name);
            }
            FieldWord::Bias => return self.set_bias(cx, item),
            FieldWord::Shape => &mut self.shape,
            FieldWord::Config => &mut self.config,
            FieldWord::Len => &mut self.len,
            FieldWord::ForgetBias => &mut self.forget_bias,
        };
        match item.kind {
            ItemKind::Value(v) => set_once(cx, slot, (name.clone(), v), name),
            _ => cx.error(
                name.span(),
                format!("`{name}` needs a value: `{name} = ...`"),
            ),
        }
    }

    /// `bias = zeros`, `bias = uniform(-0.1, 0.1)`, `bias = normal(std = 0.01, scale = 2)`: the
    /// value read again as one scheme item.
    fn set_bias(&mut self, cx: &mut Ctxt, item: Item) {
        let name = item.name;
        let msg = "`bias` takes a scheme: `bias = zeros`, `bias = constant(0.1)`, `bias = uniform(-0.1, 0.1)`";
        let ItemKind::Value(value) = item.kind else {
            return cx.error(name.span(), msg);
        };
        let tokens = quote::ToTokens::to_token_stream(&value);
        let parsed = syn::parse::Parser::parse2(parse::parse_items, tokens).ok();
        let Some([one]) = parsed.as_deref() else {
            return cx.error(value.span(), msg);
        };
        let Some(def) = vocab::find(SCHEMES, &one.name.to_string()) else {
            let n = one.name.to_string();
            return cx.error(
                one.name.span(),
                format!(
                    "unknown scheme `{n}` for `bias`: {}",
                    vocab::suggest(&n, vocab::names(SCHEMES))
                ),
            );
        };
        let mut sub = FieldSpec {
            span: Some(one.name.span()),
            ..FieldSpec::default()
        };
        let Some(Item { name: ident, kind }) = parsed.and_then(|v| v.into_iter().next()) else {
            return;
        };
        sub.set_scheme(cx, ident, def, kind);
        set_once(cx, &mut self.bias, (name.clone(), Box::new(sub)), &name);
    }

    fn set_scheme(&mut self, cx: &mut Ctxt, ident: Ident, def: &'static SchemeDef, kind: ItemKind) {
        if let Some(prev) = &self.scheme {
            cx.error(
                ident.span(),
                format!(
                    "a field takes one scheme, and `{}` is already given",
                    prev.ident
                ),
            );
            return;
        }
        let mut spec = SchemeSpec {
            args: def.params.iter().map(|_| None).collect(),
            ident,
            def,
            had_bad_arg: false,
        };
        let args = match kind {
            ItemKind::Word => Vec::new(),
            ItemKind::List(args) => args,
            ItemKind::Value(v) => {
                let ident = &spec.ident;
                cx.error(
                    v.span(),
                    format!("a scheme takes its arguments in parentheses: `{ident}(...)`, not `{ident} = ...`"),
                );
                Vec::new()
            }
        };
        let positional: Vec<usize> = (0..def.params.len())
            .filter(|&i| def.params[i].positional)
            .collect();
        let mut next = positional.iter();
        let mut seen_named = false;
        for arg in args {
            match arg {
                Arg::Positional(expr) => {
                    // a lone modifier word inside the parentheses: `he_normal(truncated)`
                    if let Some(w) = parse::word(&expr)
                        && let Some(m) = vocab::find(MODIFIERS, &w.to_string())
                    {
                        self.modifiers.set(cx, m, &w, None);
                        continue;
                    }
                    if seen_named {
                        spec.had_bad_arg = true;
                        cx.error(
                            expr.span(),
                            "a positional argument cannot follow a named one: name it, e.g. `std = 0.02`",
                        );
                        continue;
                    }
                    match next.next() {
                        Some(&i) => {
                            let span = expr.span();
                            spec.set_arg(cx, i, span, expr, None);
                        }
                        None => {
                            spec.had_bad_arg = true;
                            cx.error(expr.span(), spec.too_many_positional(&positional));
                        }
                    }
                }
                Arg::Named(name, expr) => {
                    seen_named = true;
                    let n = name.to_string();
                    if let Some(i) = def.params.iter().position(|p| p.id.name() == n) {
                        spec.set_arg(cx, i, name.span(), expr, Some(&name));
                    } else if let Some(m) = vocab::find(MODIFIERS, &n) {
                        self.modifiers.set(cx, m, &name, Some(expr));
                    } else {
                        spec.had_bad_arg = true;
                        let known = def
                            .params
                            .iter()
                            .map(|p| p.id.name())
                            .chain(vocab::names(MODIFIERS));
                        cx.error(
                            name.span(),
                            format!(
                                "`{}` has no parameter `{n}`: {}",
                                spec.ident,
                                vocab::suggest(&n, known)
                            ),
                        );
                    }
                }
            }
        }
        self.scheme = Some(spec);
    }
}

impl SchemeSpec {
    /// Records the argument of parameter `i`; `name` when it was given by name.
    fn set_arg(&mut self, cx: &mut Ctxt, i: usize, span: Span, expr: Expr, name: Option<&Ident>) {
        let param = &self.def.params[i];
        let value = match param.kind {
            Kind::Distribution => match lookup(cx, "distribution", vocab::DISTRIBUTIONS, &expr) {
                Some((d, _)) => ArgValue::Distribution(d),
                None => return,
            },
            Kind::Float(_) | Kind::Count(_) => ArgValue::Expr(expr),
        };
        let arg = GivenArg { param, span, value };
        match name {
            Some(name) => set_once(cx, &mut self.args[i], arg, name),
            None => self.args[i] = Some(arg),
        }
    }

    fn too_many_positional(&self, positional: &[usize]) -> String {
        let ident = &self.ident;
        let n = positional.len();
        if n == 0 {
            return format!("`{ident}` takes no positional arguments");
        }
        format!(
            "`{ident}` takes at most {n} positional argument{}: {}",
            if n == 1 { "" } else { "s" },
            positional
                .iter()
                .map(|&i| format!("`{}`", self.def.params[i].id.name()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// `value` read again as a `T` (a path, a type), or `msg` at it.
fn reparse<T: syn::parse::Parse>(cx: &mut Ctxt, value: &Expr, msg: &str) -> Option<T> {
    let parsed = syn::parse2(quote::ToTokens::to_token_stream(value)).ok();
    if parsed.is_none() {
        cx.error(value.span(), msg);
    }
    parsed
}

impl ContainerSpec {
    pub(crate) fn from_items(cx: &mut Ctxt, items: Vec<Item>) -> Self {
        let mut spec = ContainerSpec::default();
        for item in items {
            let name = &item.name;
            let Some(word) = vocab::find(CONTAINER_WORDS, &name.to_string()) else {
                let n = name.to_string();
                let on_a_field = vocab::find(SCHEMES, &n).is_some()
                    || vocab::find(MODIFIERS, &n).is_some()
                    || vocab::find(FIELD_WORDS, &n).is_some();
                let hint = if on_a_field {
                    format!(
                        "`{name}` belongs on a field; on the struct, `#[init(...)]` takes `crate = ...`, `layout = ...` and `config = ...`"
                    )
                } else {
                    format!(
                        "unknown struct-level argument `{name}`: {}",
                        vocab::suggest(&n, vocab::names(CONTAINER_WORDS))
                    )
                };
                cx.error(name.span(), hint);
                continue;
            };
            let ItemKind::Value(v) = item.kind else {
                cx.error(
                    name.span(),
                    format!("`{name}` needs a value: `#[init({name} = ...)]`"),
                );
                continue;
            };
            match word.word {
                // #[init(crate = some::path)]
                ContainerWord::Crate => {
                    let msg = "`crate` takes a path: `#[init(crate = my_crate::weight_init)]`";
                    if let Some(p) = reparse(cx, &v, msg) {
                        set_once(cx, &mut spec.krate, p, name);
                    }
                }
                // #[init(layout = in_out)]
                ContainerWord::Layout => {
                    if let Some(l) = layout(cx, &v) {
                        set_once(cx, &mut spec.layout, l, name);
                    }
                }
                // #[init(config = MlpConfig)]
                ContainerWord::Config => {
                    let msg =
                        "`config` takes the configuration's type: `#[init(config = MlpConfig)]`";
                    if let Some(t) = reparse(cx, &v, msg) {
                        set_once(cx, &mut spec.config, t, name);
                    }
                }
            }
        }
        spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn field(attr: syn::Attribute) -> (FieldSpec, Vec<String>) {
        let mut cx = Ctxt::new();
        let items = parse::items_of(&mut cx, &[attr]);
        let spec = FieldSpec::from_items(&mut cx, items);
        let errors = cx
            .into_errors()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        (spec, errors)
    }

    #[test]
    fn scheme_and_modifiers() {
        let (s, e) =
            field(parse_quote!(#[init(kaiming_uniform(gain = leaky_relu(0.2), mode = fan_out))]));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(s.scheme.as_ref().unwrap().def.canonical, "he_uniform");
        assert!(matches!(s.modifiers.gain, Some(GainSpec::Slope(_, _))));
        assert_eq!(s.modifiers.mode.map(|m| m.0.variant), Some("FanOut"));
    }

    #[test]
    fn positional_and_named_arguments() {
        let (s, e) = field(parse_quote!(#[init(uniform(-0.1, 0.1))]));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(s.scheme.unwrap().given(), [P::Low, P::High]);
        let (s, e) = field(parse_quote!(#[init(truncated_normal(std = 0.02, sigmas = 3))]));
        assert!(e.is_empty(), "{e:?}");
        let s = s.scheme.unwrap();
        assert!(s.expr(P::Sigmas).is_some());
        assert_eq!(s.form().ctor, "truncated_normal_sigmas");
        let (s, e) = field(
            parse_quote!(#[init(he_normal(truncated), layout = in_out, fan_in = 3 * 3 * 64)]),
        );
        assert!(e.is_empty(), "{e:?}");
        let m = &s.modifiers;
        assert!(m.truncated.is_some() && m.fan_in.is_some());
        assert!(matches!(m.layout, Some(LayoutSpec::Named(l, _)) if l.variant == "InOut"));
        let (s, e) = field(parse_quote!(#[init(variance_scaling(2.0, distribution = uniform))]));
        assert!(e.is_empty(), "{e:?}");
        let s = s.scheme.unwrap();
        assert!(
            matches!(&s.arg(P::Distribution).unwrap().value, ArgValue::Distribution(d) if d.variant == "Uniform")
        );
    }

    #[test]
    fn values_stay_expressions() {
        let (s, e) = field(
            parse_quote!(#[init(normal(std = 0.02), scale = 1.0 / (2.0 * N_LAYERS as f64).sqrt())]),
        );
        assert!(e.is_empty(), "{e:?}");
        assert!(matches!(s.modifiers.scale, Some(Expr::Binary(_))));
        // syn without `full` cannot parse arrays: kept verbatim for rustc (when another crate of
        // the build turns `full` on, as Burn's and candle's macros do, syn parses the call)
        let (s, e) = field(parse_quote!(#[init(he_normal, layout = Layout::axes([0], [1, 2]))]));
        assert!(e.is_empty(), "{e:?}");
        assert!(matches!(
            s.modifiers.layout,
            Some(LayoutSpec::Expr(Expr::Verbatim(_) | Expr::Call(_)))
        ));
    }

    #[test]
    fn building_words() {
        let (s, e) = field(parse_quote!(#[init(he_normal, shape = (cfg.hidden, cfg.input))]));
        assert!(e.is_empty(), "{e:?}");
        assert!(matches!(s.shape, Some((_, Expr::Tuple(_)))));
        // a nested model: config and len
        let (s, e) = field(parse_quote!(#[init(config = cfg.block, len = cfg.layers)]));
        assert!(e.is_empty(), "{e:?}");
        assert!(s.config.is_some() && s.len.is_some() && s.scheme.is_none());
    }

    #[test]
    fn container_config() {
        let container = |attr: syn::Attribute| {
            let mut cx = Ctxt::new();
            let items = parse::items_of(&mut cx, &[attr]);
            let spec = ContainerSpec::from_items(&mut cx, items);
            let e: Vec<String> = cx.into_errors().iter().map(ToString::to_string).collect();
            (spec, e)
        };
        let (spec, e) = container(parse_quote!(#[init(config = MlpConfig<f32>)]));
        assert!(e.is_empty(), "{e:?}");
        assert!(matches!(spec.config, Some(syn::Type::Path(_))));
        let (_, e) = container(parse_quote!(#[init(config = 1 + 2)]));
        assert!(e[0].contains("takes the configuration's type"), "{e:?}");
        let (spec, e) = container(parse_quote!(#[init(crate = a, crate = b)]));
        assert_eq!(e, ["`crate` is given twice"]);
        assert!(spec.krate.unwrap().is_ident("a"), "the first stays");
    }

    #[test]
    fn every_mistake_is_reported() {
        let (_, e) =
            field(parse_quote!(#[init(he_nromal, gain = tahn, mode = fan_inn, bogus = 1)]));
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].contains("did you mean `he_normal`?"), "{e:?}");
        assert!(e[1].contains("did you mean `tanh`?"), "{e:?}");
        assert!(e[2].contains("did you mean `fan_in`?"), "{e:?}");
        assert!(e[3].contains("expected one of"), "{e:?}");
    }

    #[test]
    fn what_cannot_be_read() {
        let cases: &[(syn::Attribute, &str)] = &[
            (
                parse_quote!(#[init(he_normal, glorot_uniform)]),
                "one scheme",
            ),
            (
                parse_quote!(#[init(he_normal, gain = relu, gain = tanh)]),
                "`gain` is given twice",
            ),
            (
                parse_quote!(#[init(normal(std = 1, std = 2))]),
                "`std` is given twice",
            ),
            (parse_quote!(#[init(skip, skip)]), "`skip` is given twice"),
            (
                parse_quote!(#[init(he_normal, shape = 3, shape = 4)]),
                "`shape` is given twice",
            ),
            (
                parse_quote!(#[init(he_normal, shape)]),
                "`shape` needs a value",
            ),
            (
                parse_quote!(#[init(he_normal, shpae = (3, 4))]),
                "did you mean `shape`?",
            ),
            (
                parse_quote!(#[init(uniform(1, 2, 3))]),
                "at most 2 positional",
            ),
            (
                parse_quote!(#[init(normal(std = 0.1, 0.0))]),
                "cannot follow a named one",
            ),
            (
                parse_quote!(#[init(he_normal, gain = tanh(2))]),
                "only `leaky_relu(slope)` takes an argument",
            ),
            (
                parse_quote!(#[init(he_normal, gain = leaky_relu(1, 2))]),
                "`leaky_relu` takes one argument",
            ),
            (
                parse_quote!(#[init(he_normal, crate = x)]),
                "belongs on the struct",
            ),
        ];
        for (attr, want) in cases {
            let (_, e) = field(attr.clone());
            assert!(
                e.iter().any(|m| m.contains(want)),
                "{}: {e:?}",
                quote::quote!(#attr)
            );
        }
    }
}
