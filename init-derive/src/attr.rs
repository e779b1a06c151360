//! Parsing `#[init(...)]`: first into raw items (a name, then `= value`, `(args)` or nothing),
//! then into a checked [`FieldSpec`] or [`ContainerSpec`]. Every mistake is pushed to the
//! [`Ctxt`] and parsing goes on, so one build reports them all.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Expr, Ident, Token};

use crate::ctxt::Ctxt;
use crate::vocab::{self, Needs, SchemeDef};

/// One comma-separated item of an `#[init(...)]` list.
pub(crate) struct Item {
    pub name: Ident,
    pub kind: ItemKind,
}

pub(crate) enum ItemKind {
    /// `name`
    Word,
    /// `name = value`
    Value(Expr),
    /// `name(args)`
    List(Vec<Arg>),
}

/// One argument inside a scheme's parentheses.
pub(crate) enum Arg {
    /// `name = value`
    Named(Ident, Expr),
    /// `value`, or a lone word such as `truncated`
    Positional(Expr),
}

/// Parses the value after `=`: every token up to the next top-level comma. It stays a Rust
/// expression emitted at its own span; syn without its `full` feature does not parse every
/// expression, so what it cannot parse is kept verbatim for rustc to check.
fn parse_value(input: ParseStream, after: &Ident) -> syn::Result<Expr> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    if tokens.is_empty() {
        return Err(syn::Error::new(
            after.span(),
            format!("`{after}` needs a value after `=`"),
        ));
    }
    Ok(syn::parse2::<Expr>(tokens.clone()).unwrap_or(Expr::Verbatim(tokens)))
}

fn parse_args(input: ParseStream) -> syn::Result<Vec<Arg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name = input.call(Ident::parse_any)?;
            input.parse::<Token![=]>()?;
            args.push(Arg::Named(name.clone(), parse_value(input, &name)?));
        } else {
            let start = input.span();
            let mut tokens = TokenStream::new();
            while !input.is_empty() && !input.peek(Token![,]) {
                tokens.extend([input.parse::<TokenTree>()?]);
            }
            if tokens.is_empty() {
                return Err(syn::Error::new(start, "expected an argument before `,`"));
            }
            args.push(Arg::Positional(
                syn::parse2::<Expr>(tokens.clone()).unwrap_or(Expr::Verbatim(tokens)),
            ));
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// Parses the contents of one `#[init(...)]`.
pub(crate) fn parse_items(input: ParseStream) -> syn::Result<Vec<Item>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        let name = input.call(Ident::parse_any)?;
        let kind = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            ItemKind::Value(parse_value(input, &name)?)
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            ItemKind::List(parse_args(&content)?)
        } else {
            ItemKind::Word
        };
        items.push(Item { name, kind });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(items)
}

/// All `#[init(...)]` items of an attribute list, in order.
pub(crate) fn items_of(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Vec<Item> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("init")) {
        match &attr.meta {
            syn::Meta::List(list) => match parse_items.parse2(list.tokens.clone()) {
                Ok(items) => {
                    if items.is_empty() {
                        cx.error(
                            list.delimiter.span().join(),
                            "empty `#[init()]`: give a scheme, e.g. `#[init(he_normal)]`, or `#[init(skip)]`",
                        );
                    }
                    out.extend(items);
                }
                Err(e) => cx.push(e),
            },
            other => cx.error(
                other.span(),
                "expected `#[init(...)]`, e.g. `#[init(he_normal)]`",
            ),
        }
    }
    out
}

/// A named gain or an explicit value.
pub(crate) enum GainSpec {
    /// `tanh`, `relu`, …: the `Gain` variant.
    Named(&'static str, Span),
    /// `leaky_relu(slope)`
    LeakyRelu(Expr),
    /// `gain = <expr>`
    Value(Expr),
}

/// `layout = in_out` or any `Layout` expression.
pub(crate) enum LayoutSpec {
    Named(&'static str, Span),
    Expr(Expr),
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

/// A scheme with its arguments matched to its parameters.
pub(crate) struct SchemeSpec {
    pub ident: Ident,
    pub def: &'static SchemeDef,
    /// `(parameter, value)` in the order given.
    pub args: Vec<(&'static str, Span, Expr)>,
    /// An argument was not understood: checks for missing parameters would only add noise.
    pub had_bad_arg: bool,
}

impl SchemeSpec {
    pub(crate) fn arg(&self, name: &str) -> Option<&Expr> {
        self.args
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, e)| e)
    }
}

/// Everything `#[init(...)]` says about one field.
#[derive(Default)]
pub(crate) struct FieldSpec {
    pub skip: Option<Ident>,
    pub scheme: Option<SchemeSpec>,
    pub gain: Option<GainSpec>,
    pub mode: Option<(&'static str, Span)>,
    pub distribution: Option<(&'static str, Span)>,
    pub truncated: Option<Span>,
    pub scale: Option<Expr>,
    pub layout: Option<LayoutSpec>,
    pub fans_of: Option<FansOf>,
    pub fan_in: Option<Expr>,
    pub fan_out: Option<Expr>,
    /// `shape = ...`: a parameter's shape when the model is built from its configuration.
    pub shape: Option<(Ident, Expr)>,
    /// `config = ...`: a nested model's configuration when the model is built.
    pub config: Option<(Ident, Expr)>,
    /// `len = ...`: how many models a `Vec` of nested models holds when the model is built.
    pub len: Option<(Ident, Expr)>,
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

/// A single lowercase identifier: how users write names from our vocabulary.
fn word_of(expr: &Expr) -> Option<Ident> {
    match expr {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => {
            let ident = p.path.get_ident()?;
            let s = ident.to_string();
            (s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && !s.contains(|c: char| c.is_ascii_uppercase()))
            .then(|| ident.clone())
        }
        _ => None,
    }
}

fn parse_named(
    cx: &mut Ctxt,
    what: &str,
    table: &'static [(&'static str, &'static str)],
    expr: &Expr,
) -> Option<(&'static str, Span)> {
    match word_of(expr) {
        Some(w) => match vocab::lookup(table, &w.to_string()) {
            Some(v) => Some((v, w.span())),
            None => {
                cx.error(
                    w.span(),
                    format!(
                        "unknown {what} `{w}`: {}",
                        vocab::suggest(&w.to_string(), table.iter().map(|(n, _)| *n))
                    ),
                );
                None
            }
        },
        None => {
            cx.error(
                expr.span(),
                format!(
                    "expected a {what}: {}",
                    vocab::suggest("", table.iter().map(|(n, _)| *n))
                        .trim_start_matches("expected ")
                ),
            );
            None
        }
    }
}

fn parse_gain(cx: &mut Ctxt, expr: &Expr) -> Option<GainSpec> {
    if let Expr::Call(call) = expr
        && let Some(w) = word_of(&call.func)
    {
        if w == "leaky_relu" && call.args.len() == 1 {
            return Some(GainSpec::LeakyRelu(call.args[0].clone()));
        }
        let msg = if w == "leaky_relu" {
            "`leaky_relu` takes one argument, its negative slope: `gain = leaky_relu(0.2)`"
                .to_string()
        } else {
            format!(
                "unknown gain `{w}(..)`: only `leaky_relu(slope)` takes an argument; {}",
                vocab::suggest(&w.to_string(), vocab::GAINS.iter().map(|(n, _)| *n))
            )
        };
        cx.error(call.span(), msg);
        return None;
    }
    match word_of(expr) {
        Some(w) => match vocab::lookup(vocab::GAINS, &w.to_string()) {
            Some(v) => Some(GainSpec::Named(v, w.span())),
            None => {
                cx.error(
                    w.span(),
                    format!(
                        "unknown gain `{w}`: {} (or give a number, `gain = 1.5`)",
                        vocab::suggest(&w.to_string(), vocab::GAINS.iter().map(|(n, _)| *n))
                    ),
                );
                None
            }
        },
        None => Some(GainSpec::Value(expr.clone())),
    }
}

fn parse_layout(cx: &mut Ctxt, expr: &Expr) -> Option<LayoutSpec> {
    if word_of(expr).is_some() {
        parse_named(cx, "layout", vocab::LAYOUTS, expr).map(|(v, s)| LayoutSpec::Named(v, s))
    } else {
        Some(LayoutSpec::Expr(expr.clone()))
    }
}

fn parse_fans_of(cx: &mut Ctxt, expr: &Expr) -> Option<FansOf> {
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

/// The numeric value of a literal (`0.02`, `-1`, `3`), for compile-time checks.
pub(crate) fn literal_value(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
            syn::Lit::Float(f) => f.base10_parse().ok(),
            syn::Lit::Int(i) => i.base10_parse::<f64>().ok(),
            _ => None,
        },
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => literal_value(expr).map(|v| -v),
        Expr::Paren(p) => literal_value(&p.expr),
        Expr::Group(g) => literal_value(&g.expr),
        _ => None,
    }
}

impl FieldSpec {
    /// Interprets the items of a field's `#[init(...)]` attributes.
    pub(crate) fn from_items(cx: &mut Ctxt, items: Vec<Item>) -> Self {
        let mut spec = FieldSpec::default();
        for item in items {
            spec.span.get_or_insert(item.name.span());
            let name = item.name.to_string();
            if name == "skip" {
                if !matches!(item.kind, ItemKind::Word) {
                    cx.error(item.name.span(), "`skip` takes no value: `#[init(skip)]`");
                }
                if spec.skip.replace(item.name.clone()).is_some() {
                    cx.error(item.name.span(), "`skip` is given twice");
                }
            } else if matches!(name.as_str(), "shape" | "config" | "len") {
                let slot = match name.as_str() {
                    "shape" => &mut spec.shape,
                    "config" => &mut spec.config,
                    _ => &mut spec.len,
                };
                match item.kind {
                    ItemKind::Value(v) => {
                        if slot.replace((item.name.clone(), v)).is_some() {
                            cx.error(item.name.span(), format!("`{name}` is given twice"));
                        }
                    }
                    _ => cx.error(
                        item.name.span(),
                        format!("`{name}` needs a value: `{name} = ...`"),
                    ),
                }
            } else if let Some(def) = vocab::scheme(&name) {
                spec.set_scheme(cx, item.name, def, item.kind);
            } else if vocab::MODIFIERS.contains(&name.as_str()) {
                match item.kind {
                    ItemKind::Value(v) => spec.set_modifier(cx, &item.name, Some(v)),
                    ItemKind::Word => spec.set_modifier(cx, &item.name, None),
                    ItemKind::List(_) => cx.error(
                        item.name.span(),
                        format!("`{name}` is a modifier: write `{name} = ...`, not `{name}(...)`"),
                    ),
                }
            } else if vocab::CONTAINER_WORDS.contains(&name.as_str()) && name != "config" {
                cx.error(
                    item.name.span(),
                    format!("`{name}` belongs on the struct, `#[init({name} = ...)]` above it"),
                );
            } else {
                let all = vocab::SCHEMES
                    .iter()
                    .map(|s| s.name)
                    .chain(vocab::MODIFIERS.iter().copied())
                    .chain(vocab::FIELD_WORDS.iter().copied());
                cx.error(
                    item.name.span(),
                    format!(
                        "unknown scheme or modifier `{name}`: {}",
                        vocab::suggest(&name, all)
                    ),
                );
            }
        }
        spec.check(cx);
        spec
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
            ident: ident.clone(),
            def,
            args: Vec::new(),
            had_bad_arg: false,
        };
        let args = match kind {
            ItemKind::Word => Vec::new(),
            ItemKind::List(args) => args,
            ItemKind::Value(v) => {
                cx.error(
                    v.span(),
                    format!("a scheme takes its arguments in parentheses: `{ident}(...)`, not `{ident} = ...`"),
                );
                Vec::new()
            }
        };
        let mut positional = 0usize;
        let mut seen_named = false;
        for arg in args {
            match arg {
                Arg::Positional(expr) => {
                    // a lone modifier word inside the parentheses: `he_normal(truncated)`
                    if let Some(w) = word_of(&expr)
                        && vocab::MODIFIERS.contains(&w.to_string().as_str())
                    {
                        self.set_modifier(cx, &w, None);
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
                    let params = positional_params(def);
                    match params.get(positional) {
                        Some(p) => spec.args.push((p, expr.span(), expr)),
                        None => {
                            spec.had_bad_arg = true;
                            let n = params.len();
                            cx.error(
                                expr.span(),
                                if n == 0 {
                                    format!("`{ident}` takes no positional arguments")
                                } else {
                                    format!(
                                        "`{ident}` takes at most {n} positional argument{}: {}",
                                        if n == 1 { "" } else { "s" },
                                        params
                                            .iter()
                                            .map(|p| format!("`{p}`"))
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    )
                                },
                            );
                        }
                    }
                    positional += 1;
                }
                Arg::Named(name, expr) => {
                    seen_named = true;
                    let n = name.to_string();
                    if let Some(p) = def.params.iter().find(|p| **p == n) {
                        if *p == "mode" && def.canonical == "variance_scaling" {
                            self.set_modifier(cx, &name, Some(expr));
                        } else if spec.arg(p).is_some() {
                            cx.error(name.span(), format!("`{n}` is given twice"));
                        } else {
                            spec.args.push((p, name.span(), expr));
                        }
                    } else if vocab::MODIFIERS.contains(&n.as_str()) {
                        self.set_modifier(cx, &name, Some(expr));
                    } else {
                        spec.had_bad_arg = true;
                        let known = def
                            .params
                            .iter()
                            .copied()
                            .chain(vocab::MODIFIERS.iter().copied());
                        cx.error(
                            name.span(),
                            format!(
                                "`{ident}` has no parameter `{n}`: {}",
                                vocab::suggest(&n, known)
                            ),
                        );
                    }
                }
            }
        }
        self.scheme = Some(spec);
    }

    fn set_modifier(&mut self, cx: &mut Ctxt, name: &Ident, value: Option<Expr>) {
        let n = name.to_string();
        let twice = |cx: &mut Ctxt| cx.error(name.span(), format!("`{n}` is given twice"));
        if n == "truncated" {
            if let Some(v) = value {
                cx.error(
                    v.span(),
                    "`truncated` is a flag: write `truncated`, without a value",
                );
            }
            if self.truncated.replace(name.span()).is_some() {
                twice(cx);
            }
            return;
        }
        let Some(value) = value else {
            cx.error(name.span(), format!("`{n}` needs a value: `{n} = ...`"));
            return;
        };
        let taken = match n.as_str() {
            "gain" => parse_gain(cx, &value).is_some_and(|g| self.gain.replace(g).is_some()),
            "mode" => parse_named(cx, "fan mode", vocab::MODES, &value)
                .is_some_and(|m| self.mode.replace(m).is_some()),
            "scale" => self.scale.replace(value).is_some(),
            "layout" => parse_layout(cx, &value).is_some_and(|l| self.layout.replace(l).is_some()),
            "fans_of" => {
                parse_fans_of(cx, &value).is_some_and(|f| self.fans_of.replace(f).is_some())
            }
            "fan_in" => self.fan_in.replace(value).is_some(),
            "fan_out" => self.fan_out.replace(value).is_some(),
            _ => false,
        };
        if taken {
            twice(cx);
        }
    }

    /// Checks within one field.
    fn check(&mut self, cx: &mut Ctxt) {
        let span = self.span.unwrap_or_else(Span::call_site);
        let build_words = [&self.shape, &self.config, &self.len];
        if self.skip.is_some() {
            for (word, _) in build_words.iter().copied().flatten() {
                cx.error(
                    word.span(),
                    format!("`{word}` has no meaning on a skipped field: when the model is built, it takes `Default::default()`"),
                );
            }
        } else if self.scheme.is_some() {
            for (word, _) in [&self.config, &self.len].into_iter().flatten() {
                cx.error(
                    word.span(),
                    format!(
                        "`{word}` builds a nested model; a parameter is built from `shape = ...`"
                    ),
                );
            }
        } else if let Some((word, _)) = &self.shape {
            cx.error(
                word.span(),
                "`shape` belongs to a parameter with a scheme; a nested model is built from `config = ...` (and `len = ...` for a `Vec` of models)",
            );
        }
        if let Some(skip) = &self.skip {
            if self.scheme.is_some() || self.has_modifiers() {
                // point at what should not be there
                let at = self.scheme.as_ref().map_or_else(
                    || self.modifier_span().unwrap_or(skip.span()),
                    |s| s.ident.span(),
                );
                cx.error(
                    at,
                    "`skip` leaves the field alone: it takes no scheme or modifier",
                );
            }
            return;
        }
        let Some(scheme) = &self.scheme else {
            if self.has_modifiers() {
                cx.error(
                    span,
                    "modifiers need a scheme: add one, e.g. `#[init(he_normal, ...)]`",
                );
            }
            return;
        };
        let def = scheme.def;
        let name = scheme.ident.to_string();
        let ident_span = scheme.ident.span();
        if self.fans_of.is_some() && (self.fan_in.is_some() || self.fan_out.is_some()) {
            cx.error(
                self.fans_of.as_ref().map_or(span, FansOf::span),
                "`fans_of` and `fan_in`/`fan_out` both set the fans: keep one",
            );
        }
        if self.mode.is_some() && def.needs != Needs::Fans {
            cx.error(
                self.mode.map_or(span, |m| m.1),
                format!("`mode` applies to fan-based schemes, not to `{name}`"),
            );
        }
        if let Some(t) = self.truncated {
            let normal = matches!(
                def.canonical,
                "normal" | "glorot_normal" | "he_normal" | "lecun_normal" | "variance_scaling"
            );
            if !normal {
                cx.error(
                    t,
                    format!("`truncated` turns a normal into its ±2σ form; `{name}` is not a normal scheme"),
                );
            }
        }
        // variance_scaling(distribution = ...)
        if def.canonical == "variance_scaling" {
            if let Some(d) = scheme.arg("distribution") {
                self.distribution =
                    parse_named(cx, "distribution", vocab::DISTRIBUTIONS, &d.clone());
            }
            if self.truncated.is_some() && self.distribution.is_some_and(|d| d.0 == "Uniform") {
                cx.error(
                    self.truncated.unwrap_or(span),
                    "`truncated` applies to normal distributions, not to `distribution = uniform`",
                );
            }
        }
        // required parameters (unless an argument was already reported as not understood)
        let has = |p: &str| scheme.had_bad_arg || scheme.arg(p).is_some();
        let missing = |cx: &mut Ctxt, what: &str| {
            cx.error(ident_span, format!("`{name}` needs {what}"));
        };
        match def.canonical {
            "constant" if !has("value") => missing(cx, "a value: `constant(0.1)`"),
            "uniform" => {
                let positional_one = scheme.args.len() == 1 && scheme.args[0].0 == "low";
                if !(positional_one || has("low") && has("high")) {
                    missing(
                        cx,
                        "its bounds: `uniform(-0.1, 0.1)`, `uniform(low = -0.1, high = 0.1)` or `uniform(0.1)` for U(-0.1, 0.1)",
                    );
                }
            }
            "normal" if !has("std") => missing(cx, "a std: `normal(std = 0.02)`"),
            "truncated_normal" => {
                if !has("std") {
                    missing(
                        cx,
                        "a std: `truncated_normal(std = 0.02, low = -0.04, high = 0.04)`",
                    );
                }
                let bounds = has("low") || has("high");
                if bounds && scheme.arg("sigmas").is_some() {
                    let at = scheme
                        .args
                        .iter()
                        .find(|a| a.0 == "sigmas")
                        .map_or(ident_span, |a| a.1);
                    cx.error(at, "give `low` and `high`, or `sigmas`, not both");
                } else if bounds && !(has("low") && has("high")) {
                    missing(cx, "both `low` and `high`");
                } else if !bounds && !has("sigmas") {
                    missing(
                        cx,
                        "bounds: `low = ..., high = ...` (absolute) or `sigmas = 2` (relative)",
                    );
                }
            }
            "sparse" if !has("sparsity") => missing(cx, "a sparsity: `sparse(sparsity = 0.9)`"),
            _ => {}
        }
        // literal values known to be wrong
        for (param, _, expr) in &scheme.args {
            let Some(v) = literal_value(expr) else {
                continue;
            };
            let bad = match *param {
                "std" if v <= 0.0 => {
                    Some("`std` must be > 0 (for a constant, use `constant(...)`)".to_string())
                }
                "sparsity" if !(0.0..=1.0).contains(&v) => {
                    Some("`sparsity` must be in [0, 1]".into())
                }
                "groups" if v < 1.0 => Some("`groups` must be at least 1".into()),
                "sigmas" if v <= 0.0 => Some("`sigmas` must be > 0".into()),
                "scale" if v < 0.0 => Some("`scale` must be >= 0".into()),
                "low" if def.canonical == "uniform" && scheme.args.len() == 1 && v <= 0.0 => {
                    Some("`uniform(a)` means U(-a, a): `a` must be > 0".into())
                }
                _ => None,
            };
            if let Some(msg) = bad {
                cx.error_spanned(expr, msg);
            }
        }
        if let (Some(low), Some(high)) = (
            scheme.arg("low").and_then(literal_value),
            scheme.arg("high").and_then(literal_value),
        ) && low >= high
        {
            cx.error(
                scheme.arg("high").map_or(ident_span, Expr::span),
                format!("`low` ({low}) must be less than `high` ({high})"),
            );
        }
        for (what, e) in [("fan_in", &self.fan_in), ("fan_out", &self.fan_out)] {
            if let Some(e) = e
                && literal_value(e) == Some(0.0)
            {
                cx.error_spanned(e, format!("`{what}` must be at least 1"));
            }
        }
    }

    /// Where the first modifier was written, for messages about modifiers as a whole.
    fn modifier_span(&self) -> Option<Span> {
        let exprs = [&self.scale, &self.fan_in, &self.fan_out];
        self.truncated
            .or(self.mode.map(|m| m.1))
            .or(self.fans_of.as_ref().map(FansOf::span))
            .or(exprs.iter().find_map(|e| e.as_ref().map(Expr::span)))
            .or(self.gain.as_ref().map(|g| match g {
                GainSpec::Named(_, s) => *s,
                GainSpec::LeakyRelu(e) | GainSpec::Value(e) => e.span(),
            }))
            .or(self.layout.as_ref().map(|l| match l {
                LayoutSpec::Named(_, s) => *s,
                LayoutSpec::Expr(e) => e.span(),
            }))
    }

    fn has_modifiers(&self) -> bool {
        self.gain.is_some()
            || self.mode.is_some()
            || self.truncated.is_some()
            || self.scale.is_some()
            || self.layout.is_some()
            || self.fans_of.is_some()
            || self.fan_in.is_some()
            || self.fan_out.is_some()
    }

    /// Whether the fans are given (so the type's rank does not matter).
    pub(crate) fn explicit_fans(&self) -> bool {
        self.fans_of.is_some() || self.fan_in.is_some() || self.fan_out.is_some()
    }
}

/// Parameters that may be given by position (`sigmas` only by name).
fn positional_params(def: &SchemeDef) -> &'static [&'static str] {
    match def.canonical {
        "truncated_normal" => &def.params[..4],
        "variance_scaling" => &def.params[..1],
        _ => def.params,
    }
}

impl ContainerSpec {
    pub(crate) fn from_items(cx: &mut Ctxt, items: Vec<Item>) -> Self {
        let mut spec = ContainerSpec::default();
        for item in items {
            let name = item.name.to_string();
            match (name.as_str(), item.kind) {
                // #[init(crate = some::path)]
                ("crate", ItemKind::Value(v)) => {
                    match syn::parse2::<syn::Path>(quote::ToTokens::to_token_stream(&v)) {
                        Ok(p) => {
                            if spec.krate.replace(p).is_some() {
                                cx.error(item.name.span(), "`crate` is given twice");
                            }
                        }
                        Err(_) => cx.error(
                            v.span(),
                            "`crate` takes a path: `#[init(crate = my_crate::weight_init)]`",
                        ),
                    }
                }
                // #[init(layout = in_out)]
                ("layout", ItemKind::Value(v)) => {
                    if let Some(l) = parse_layout(cx, &v)
                        && spec.layout.replace(l).is_some()
                    {
                        cx.error(item.name.span(), "`layout` is given twice");
                    }
                }
                // #[init(config = MlpConfig)]
                ("config", ItemKind::Value(v)) => {
                    match syn::parse2::<syn::Type>(quote::ToTokens::to_token_stream(&v)) {
                        Ok(t) => {
                            if spec.config.replace(t).is_some() {
                                cx.error(item.name.span(), "`config` is given twice");
                            }
                        }
                        Err(_) => cx.error(
                            v.span(),
                            "`config` takes the configuration's type: `#[init(config = MlpConfig)]`",
                        ),
                    }
                }
                ("crate" | "layout" | "config", _) => cx.error(
                    item.name.span(),
                    format!("`{name}` needs a value: `#[init({name} = ...)]`"),
                ),
                _ => {
                    let hint = if vocab::scheme(&name).is_some()
                        || vocab::MODIFIERS.contains(&name.as_str())
                        || vocab::FIELD_WORDS.contains(&name.as_str())
                    {
                        format!(
                            "`{name}` belongs on a field; on the struct, `#[init(...)]` takes `crate = ...`, `layout = ...` and `config = ...`"
                        )
                    } else {
                        format!(
                            "unknown struct-level argument `{name}`: {}",
                            vocab::suggest(&name, vocab::CONTAINER_WORDS.iter().copied())
                        )
                    };
                    cx.error(item.name.span(), hint);
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
        let items = items_of(&mut cx, &[attr]);
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
        assert!(matches!(s.gain, Some(GainSpec::LeakyRelu(_))));
        assert_eq!(s.mode.map(|m| m.0), Some("FanOut"));
    }

    #[test]
    fn positional_and_named_arguments() {
        let (s, e) = field(parse_quote!(#[init(uniform(-0.1, 0.1))]));
        assert!(e.is_empty(), "{e:?}");
        let args: Vec<_> = s.scheme.unwrap().args.iter().map(|a| a.0).collect();
        assert_eq!(args, ["low", "high"]);
        let (s, e) = field(parse_quote!(#[init(truncated_normal(std = 0.02, sigmas = 3))]));
        assert!(e.is_empty(), "{e:?}");
        assert!(s.scheme.unwrap().arg("sigmas").is_some());
        let (s, e) = field(
            parse_quote!(#[init(he_normal(truncated), layout = in_out, fan_in = 3 * 3 * 64)]),
        );
        assert!(e.is_empty(), "{e:?}");
        assert!(s.truncated.is_some() && s.fan_in.is_some());
        assert!(matches!(s.layout, Some(LayoutSpec::Named("InOut", _))));
    }

    #[test]
    fn values_stay_expressions() {
        let (s, e) = field(
            parse_quote!(#[init(normal(std = 0.02), scale = 1.0 / (2.0 * N_LAYERS as f64).sqrt())]),
        );
        assert!(e.is_empty(), "{e:?}");
        assert!(matches!(s.scale, Some(Expr::Binary(_))));
        // syn without `full` cannot parse arrays: kept verbatim for rustc (when another crate of
        // the build turns `full` on, as Burn's and candle's macros do, syn parses the call)
        let (s, e) = field(parse_quote!(#[init(he_normal, layout = Layout::axes([0], [1, 2]))]));
        assert!(e.is_empty(), "{e:?}");
        assert!(matches!(
            s.layout,
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
        let cases: &[(syn::Attribute, &str)] = &[
            (
                parse_quote!(#[init(he_normal, config = cfg)]),
                "`config` builds a nested model",
            ),
            (
                parse_quote!(#[init(zeros, len = 3)]),
                "`len` builds a nested model",
            ),
            (
                parse_quote!(#[init(shape = (3, 4))]),
                "`shape` belongs to a parameter with a scheme",
            ),
            (
                parse_quote!(#[init(skip, shape = 3)]),
                "no meaning on a skipped field",
            ),
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
        ];
        for (attr, want) in cases {
            let (_, e) = field(attr.clone());
            assert!(e.iter().any(|m| m.contains(want)), "{want}: {e:?}");
        }
    }

    #[test]
    fn container_config() {
        let mut cx = Ctxt::new();
        let items = items_of(&mut cx, &[parse_quote!(#[init(config = MlpConfig<f32>)])]);
        let spec = ContainerSpec::from_items(&mut cx, items);
        assert!(cx.into_errors().is_empty());
        assert!(matches!(spec.config, Some(syn::Type::Path(_))));
        let mut cx = Ctxt::new();
        let items = items_of(&mut cx, &[parse_quote!(#[init(config = 1 + 2)])]);
        ContainerSpec::from_items(&mut cx, items);
        let e: Vec<String> = cx.into_errors().iter().map(ToString::to_string).collect();
        assert!(e[0].contains("takes the configuration's type"), "{e:?}");
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
    fn conflicts_and_missing_parameters() {
        let cases: &[(syn::Attribute, &str)] = &[
            (
                parse_quote!(#[init(he_normal, glorot_uniform)]),
                "one scheme",
            ),
            (
                parse_quote!(#[init(he_normal, gain = relu, gain = tanh)]),
                "given twice",
            ),
            (
                parse_quote!(#[init(skip, he_normal)]),
                "`skip` leaves the field alone",
            ),
            (
                parse_quote!(#[init(torch_default, fans_of = w, fan_in = 3)]),
                "keep one",
            ),
            (
                parse_quote!(#[init(uniform(0.0, 1.0), truncated)]),
                "not a normal scheme",
            ),
            (parse_quote!(#[init(uniform)]), "needs its bounds"),
            (parse_quote!(#[init(constant)]), "needs a value"),
            (
                parse_quote!(#[init(uniform(1, 2, 3))]),
                "at most 2 positional",
            ),
            (
                parse_quote!(#[init(normal(std = 0.1, 0.0))]),
                "cannot follow a named one",
            ),
            (parse_quote!(#[init(normal(std = -0.1))]), "must be > 0"),
            (
                parse_quote!(#[init(uniform(0.5, -0.5))]),
                "must be less than",
            ),
            (
                parse_quote!(#[init(normal(std = 0.1), mode = fan_in)]),
                "`mode` applies",
            ),
            (
                parse_quote!(#[init(gain = relu)]),
                "modifiers need a scheme",
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
