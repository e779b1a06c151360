//! Stage 3, checks: everything the attribute must satisfy, so that what compiles is what the
//! runtime accepts. Within a field: where the building words may stand, `skip` alone, a scheme
//! for the modifiers, the modifiers the scheme takes, the arguments its form requires or
//! excludes, and literal values inside the runtime's domain. Across fields: `fans_of` names a
//! sibling parameter, and the building words need the struct's `config`. Every rule comes from
//! the [`vocab`] table.

use proc_macro2::Span;
use syn::spanned::Spanned as _;

use crate::ast::{Container, Length};
use crate::ctxt::Ctxt;
use crate::interpret::{ArgValue, FansOf, FieldSpec, SchemeSpec};
use crate::parse::literal_value;
use crate::vocab::{self, IfOmitted, Modifier, P, Rule, When};

/// Checks every field, marking those with errors not clean, then the fields together.
pub(crate) fn check(cx: &mut Ctxt, c: &mut Container) {
    for f in &mut c.fields {
        let before = cx.len();
        field(cx, &f.spec);
        f.clean &= cx.len() == before;
    }
    for f in &mut c.fields {
        let before = cx.len();
        blocks_divide(cx, f, &c.spec);
        f.clean &= cx.len() == before;
    }
    building_words_need_config(cx, c);
    fans_of_targets(cx, c);
}

/// `blocks = k` (a literal) divides the axis it splits, where the field's literal
/// `shape = ...` or its fixed-size array type gives that axis an integer literal length (a
/// constant length is asserted in the generated code, `expand`).
fn blocks_divide(
    cx: &mut Ctxt,
    f: &crate::ast::Field<'_>,
    container: &crate::interpret::ContainerSpec,
) {
    let Some(e) = &f.spec.modifiers.blocks else {
        return;
    };
    let Some(k) = literal_value(e).filter(|k| *k >= 1.0 && k.fract() == 0.0) else {
        return;
    };
    if let Some((axis, Length::Literal(len))) = f.block_axis(container)
        && len as f64 % k != 0.0
    {
        cx.error_spanned(
            e,
            format!(
                "`blocks = {k}` does not divide the output axis of `{}` (axis {axis}, of length {len}): the blocks must be equal parts of it",
                f.display_name()
            ),
        );
    }
}

/// Checks within one field.
fn field(cx: &mut Ctxt, spec: &FieldSpec) {
    let span = spec.span.unwrap_or_else(Span::call_site);
    building_words(cx, spec);
    layer_words(cx, spec);
    let modifiers = spec.modifiers.given();
    if let Some(skip) = &spec.skip {
        if spec.scheme.is_some() || !modifiers.is_empty() {
            // point at what should not be there
            let at = spec.scheme.as_ref().map_or_else(
                || modifiers.first().map_or(skip.span(), |m| m.1),
                |s| s.ident.span(),
            );
            cx.error(
                at,
                "`skip` leaves the field alone: it takes no scheme or modifier",
            );
        }
        return;
    }
    let Some(scheme) = &spec.scheme else {
        if !modifiers.is_empty() {
            cx.error(
                span,
                "modifiers need a scheme: add one, e.g. `#[init(he_normal, ...)]`",
            );
        }
        return;
    };
    let m = &spec.modifiers;
    if let Some(f) = &m.fans_of
        && (m.fan_in.is_some() || m.fan_out.is_some())
    {
        cx.error(
            f.span(),
            "`fans_of` and `fan_in`/`fan_out` both set the fans: keep one",
        );
    }
    let name = scheme.ident.to_string();
    for (def, at) in &modifiers {
        if !scheme.def.takes(def.modifier) {
            let msg = def
                .refusal
                .replace("{modifier}", def.name)
                .replace("{scheme}", &name);
            cx.error(*at, msg);
        }
    }
    // `truncated` on a scheme whose distribution is given: it must be a normal one
    let distribution = scheme.args.iter().flatten().find_map(|a| match a.value {
        ArgValue::Distribution(d) => Some(d),
        ArgValue::Expr(_) => None,
    });
    if let (Some(t), Some(d)) = (m.truncated, distribution)
        && scheme.def.takes(Modifier::Truncated)
        && !d.normal
    {
        cx.error(
            t,
            format!(
                "`truncated` applies to normal distributions, not to `distribution = {}`",
                d.name
            ),
        );
    }
    arguments(cx, scheme);
    literals(cx, scheme);
    for (def, e) in m.numbers() {
        if let (Some(domain), Some(v)) = (def.domain, literal_value(e))
            && !domain.admits(v)
        {
            cx.error_spanned(
                e,
                format!("`{}` must be {}", def.name, domain.requirement()),
            );
        }
    }
}

/// `shape` on a parameter, `config` and `len` on a nested model, none on a skipped field.
fn building_words(cx: &mut Ctxt, spec: &FieldSpec) {
    if spec.skip.is_some() {
        for (word, _) in [&spec.shape, &spec.config, &spec.len].into_iter().flatten() {
            cx.error(
                word.span(),
                format!("`{word}` has no meaning on a skipped field: when the model is built, it takes `Default::default()`"),
            );
        }
    } else if spec.scheme.is_some() {
        if let Some((word, _)) = &spec.len {
            cx.error(
                word.span(),
                format!("`{word}` builds a nested model; a parameter is built from `shape = ...`"),
            );
        }
        if let (Some((word, _)), Some(_)) = (&spec.config, &spec.shape) {
            cx.error(
                word.span(),
                "a field with a scheme is built from `shape = ...` (a parameter) or `config = ...` (a framework layer, `config = LinearConfig::new(4, 8)`), not both",
            );
        }
    } else if let Some((word, _)) = &spec.shape {
        cx.error(
            word.span(),
            "`shape` belongs to a parameter with a scheme; a nested model is built from `config = ...` (and `len = ...` for a `Vec` of models)",
        );
    }
}

/// `bias = ...` and `forget_bias = ...`: on a layer with its weight's scheme; the bias's own
/// scheme checked as a field's, without `fans_of` (a layer's bias takes its weight's fans).
fn layer_words(cx: &mut Ctxt, spec: &FieldSpec) {
    let words = [
        spec.bias.as_ref().map(|(w, _)| w),
        spec.forget_bias.as_ref().map(|(w, _)| w),
    ];
    for word in words.into_iter().flatten() {
        if spec.skip.is_some() {
            cx.error(
                word.span(),
                format!("`{word}` has no meaning on a skipped field"),
            );
        } else if spec.scheme.is_none() {
            cx.error(
                word.span(),
                format!("`{word}` sets a layer's bias: give the layer's weight a scheme too, e.g. `#[init(he_normal, {word} = ...)]`"),
            );
        }
    }
    if let Some((_, bias)) = &spec.bias {
        if let Some(f) = &bias.modifiers.fans_of {
            cx.error(
                f.span(),
                "a layer's bias takes its weight's fans: `fans_of` has no place in `bias = ...`",
            );
        }
        field(cx, bias);
    }
    if let Some((_, e)) = &spec.forget_bias
        && literal_value(e).is_some_and(|v| !v.is_finite())
    {
        cx.error_spanned(e, "`forget_bias` must be finite");
    }
}

/// The arguments the scheme's form requires (unless an argument was already reported as not
/// understood) and those it excludes.
fn arguments(cx: &mut Ctxt, s: &SchemeSpec) {
    let form = s.form();
    let name = &s.ident;
    if !s.had_bad_arg {
        for r in form.requires {
            let given = r.params.iter().filter(|p| s.arg(**p).is_some()).count();
            if given < r.params.len() {
                let what = match given {
                    0 => r.missing,
                    _ => r.partly.unwrap_or(r.missing),
                };
                cx.error(name.span(), format!("`{name}` needs {what}"));
            }
        }
    }
    if let When::Given(p) = form.when
        && let Some(at) = s.arg(p)
        && form.excludes.iter().any(|q| s.arg(*q).is_some())
    {
        let excluded: Vec<String> = form
            .excludes
            .iter()
            .map(|q| format!("`{}`", q.name()))
            .collect();
        cx.error(
            at.span,
            format!(
                "give {}, or `{}`, not both",
                excluded.join(" and "),
                p.name()
            ),
        );
    }
}

/// Literal arguments outside the runtime's domain, alone or together.
fn literals(cx: &mut Ctxt, s: &SchemeSpec) {
    for arg in s.args.iter().flatten() {
        if let ArgValue::Expr(e) = &arg.value
            && let (Some(domain), Some(v)) = (arg.param.kind.domain(), literal_value(e))
            && !domain.admits(v)
        {
            let name = arg.param.id.name();
            cx.error_spanned(e, format!("`{name}` must be {}", domain.requirement()));
        }
    }
    let literal = |p: P| s.expr(p).and_then(literal_value);
    for rule in s.form().rules {
        match *rule {
            Rule::Below(low, high) => {
                if let (Some(l), Some(h)) = (literal(low), literal(high))
                    && l >= h
                {
                    cx.error(
                        s.expr(high).map_or(s.ident.span(), |e| e.span()),
                        format!(
                            "`{}` ({l}) must be less than `{}` ({h})",
                            low.name(),
                            high.name()
                        ),
                    );
                }
            }
            Rule::HalfWidth(p) => {
                if let Some(e) = s.expr(p)
                    && literal_value(e).is_some_and(|v| v <= 0.0)
                {
                    let ident = &s.ident;
                    cx.error_spanned(e, format!("`{ident}(a)` means U(-a, a): `a` must be > 0"));
                }
            }
            Rule::MeanWithinBounds => {
                let mean = literal(P::Mean).or(match s.def.param(P::Mean).map(|p| p.omitted) {
                    Some(IfOmitted::Float(v)) if s.arg(P::Mean).is_none() => Some(v),
                    _ => None,
                });
                if let (Some(std), Some(mean), Some(low), Some(high)) =
                    (s.expr(P::Std), mean, literal(P::Low), literal(P::High))
                    && literal_value(std) == Some(0.0)
                    && low < high
                    && !(low..=high).contains(&mean)
                {
                    cx.error_spanned(
                        std,
                        format!(
                            "with `std = 0` every value is the mean, {mean}, which lies outside [`low`, `high`] = [{low}, {high}]"
                        ),
                    );
                }
            }
        }
    }
}

fn building_words_need_config(cx: &mut Ctxt, c: &Container) {
    if c.spec.config.is_some() {
        return;
    }
    for field in &c.fields {
        let words = [&field.spec.shape, &field.spec.config, &field.spec.len];
        for (word, _) in words.into_iter().flatten() {
            cx.error(
                word.span(),
                format!(
                    "`{word}` is used when the model is built from a configuration: add `#[init(config = YourConfig)]` to the struct (`config = ()` when every shape is a constant)"
                ),
            );
        }
    }
}

/// `fans_of` names a sibling that exists and is a parameter with its own fans.
fn fans_of_targets(cx: &mut Ctxt, c: &Container) {
    for (i, field) in c.fields.iter().enumerate() {
        let Some(fans_of) = &field.spec.modifiers.fans_of else {
            continue;
        };
        let Some(j) = c.sibling(fans_of) else {
            let names: Vec<String> = c.fields.iter().map(|f| f.display_name()).collect();
            let got = match fans_of {
                FansOf::Named(n) => n.to_string(),
                FansOf::Index(n, _) => n.to_string(),
            };
            cx.error(
                fans_of.span(),
                format!(
                    "`fans_of` names no field of this struct, `{got}`: {}",
                    vocab::suggest(&got, names.iter().map(String::as_str))
                ),
            );
            continue;
        };
        let target = &c.fields[j];
        let sib = target.display_name();
        let problem = if j == i {
            "`fans_of` names the field itself: name its weight".to_string()
        } else if target.spec.skip.is_some() {
            format!("`fans_of = {sib}` names a skipped field: it must be a parameter with a scheme")
        } else if target.spec.scheme.is_none() {
            format!(
                "`fans_of = {sib}` names a field without a scheme: it must be a parameter with `#[init(...)]`"
            )
        } else if target.spec.modifiers.fans_of.is_some() {
            format!(
                "`fans_of = {sib}` names a field that itself takes its fans from another: name that weight instead"
            )
        } else {
            continue;
        };
        cx.error(fans_of.span(), problem);
    }
}

#[cfg(test)]
mod tests {
    use crate::ctxt::Ctxt;
    use crate::interpret::FieldSpec;
    use crate::parse;
    use syn::parse_quote;

    /// The errors of one field's attribute, read and checked.
    fn errors(attr: syn::Attribute) -> Vec<String> {
        let mut cx = Ctxt::new();
        let items = parse::items_of(&mut cx, &[attr]);
        let spec = FieldSpec::from_items(&mut cx, items);
        super::field(&mut cx, &spec);
        cx.into_errors().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn valid_attributes_pass() {
        for attr in [
            parse_quote!(#[init(normal(std = 0.0))]),
            parse_quote!(#[init(normal(std = 0))]),
            parse_quote!(#[init(variance_scaling(0.0, distribution = normal), truncated)]),
            parse_quote!(#[init(variance_scaling, mode = fan_out, truncated)]),
            parse_quote!(#[init(truncated_normal(std = 0, low = -1, high = 1))]),
            parse_quote!(#[init(sparse(sparsity = 0, std = 0))]),
            parse_quote!(#[init(orthogonal, gain = 2, scale = -1, fan_in = 3)]),
            parse_quote!(#[init(he_normal, bias = zeros, config = LinearConfig::new(3, 4))]),
            parse_quote!(#[init(orthogonal, bias = normal(std = 0.01, scale = 2), forget_bias = 1)]),
            parse_quote!(#[init(ones, bias = uniform(-0.1, 0.1))]),
        ] {
            let e = errors(attr);
            assert!(e.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn conflicts_and_missing_parameters() {
        let cases: &[(syn::Attribute, &str)] = &[
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
            (
                parse_quote!(#[init(truncated_normal(std = 1, sigmas = 2), truncated)]),
                "`truncated_normal` is not a normal scheme",
            ),
            (
                parse_quote!(#[init(variance_scaling(distribution = uniform), truncated)]),
                "not to `distribution = uniform`",
            ),
            (parse_quote!(#[init(uniform)]), "needs its bounds"),
            (parse_quote!(#[init(uniform(high = 1))]), "needs its bounds"),
            (parse_quote!(#[init(constant)]), "needs a value"),
            (
                parse_quote!(#[init(truncated_normal(std = 1, low = 0))]),
                "needs both `low` and `high`",
            ),
            (
                parse_quote!(#[init(truncated_normal(std = 1, low = 0, high = 1, sigmas = 2))]),
                "give `low` and `high`, or `sigmas`, not both",
            ),
            (
                parse_quote!(#[init(normal(std = -0.1))]),
                "`std` must be >= 0",
            ),
            (
                parse_quote!(#[init(uniform(0.5, -0.5))]),
                "must be less than",
            ),
            (parse_quote!(#[init(uniform(0))]), "`a` must be > 0"),
            (
                parse_quote!(#[init(truncated_normal(mean = 2, std = 0, low = -1, high = 1))]),
                "lies outside",
            ),
            (
                parse_quote!(#[init(truncated_normal(std = 0, low = 1, high = 2))]),
                "the mean, 0,",
            ),
            (
                parse_quote!(#[init(dirac(0))]),
                "`groups` must be at least 1",
            ),
            (
                parse_quote!(#[init(he_normal, fan_out = -1)]),
                "`fan_out` must be at least 1",
            ),
            (
                parse_quote!(#[init(normal(std = 0.1), mode = fan_in)]),
                "`mode` applies",
            ),
            (
                parse_quote!(#[init(orthogonal, mode = fan_out)]),
                "`mode` applies to fan-based schemes, not to `orthogonal`",
            ),
            (
                parse_quote!(#[init(gain = relu)]),
                "modifiers need a scheme",
            ),
            (
                parse_quote!(#[init(skip, shape = 3)]),
                "no meaning on a skipped field",
            ),
            (
                parse_quote!(#[init(he_normal, config = cfg, shape = 3)]),
                "not both",
            ),
            (
                parse_quote!(#[init(bias = zeros)]),
                "give the layer's weight a scheme",
            ),
            (
                parse_quote!(#[init(he_normal, bias = uniform(1, 0))]),
                "must be less than",
            ),
            (
                parse_quote!(#[init(he_normal, bias = he_normal(fans_of = w))]),
                "takes its weight's fans",
            ),
            (
                parse_quote!(#[init(he_normal, bias = zeros, bias = ones)]),
                "`bias` is given twice",
            ),
            (
                parse_quote!(#[init(he_normal, bias = 0.1)]),
                "`bias` takes a scheme",
            ),
            (
                parse_quote!(#[init(he_normal, bias = zerso)]),
                "did you mean `zeros`?",
            ),
            (
                parse_quote!(#[init(zeros, len = 3)]),
                "`len` builds a nested model",
            ),
            (
                parse_quote!(#[init(shape = (3, 4))]),
                "`shape` belongs to a parameter with a scheme",
            ),
        ];
        for (attr, want) in cases {
            let e = errors(attr.clone());
            assert!(
                e.iter().any(|m| m.contains(want)),
                "{}: {e:?}",
                quote::quote!(#attr)
            );
        }
    }
}
