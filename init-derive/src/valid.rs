//! Checks across fields: `fans_of` names a sibling that exists and has a scheme; building
//! words (`shape`, `config`, `len`) need the struct's `config`.

use crate::ast::Container;
use crate::attr::FansOf;
use crate::ctxt::Ctxt;
use crate::vocab;

pub(crate) fn check(cx: &mut Ctxt, c: &Container) {
    if c.spec.config.is_none() {
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
    for (i, field) in c.fields.iter().enumerate() {
        let Some(fans_of) = &field.spec.fans_of else {
            continue;
        };
        match sibling(c, fans_of) {
            Some(j) if j == i => cx.error(fans_of.span(), "`fans_of` names the field itself: name its weight"),
            Some(j) if c.fields[j].spec.skip.is_some() => cx.error(
                fans_of.span(),
                format!(
                    "`fans_of = {}` names a skipped field: it must be a parameter with a scheme",
                    c.fields[j].display_name()
                ),
            ),
            Some(j) if c.fields[j].spec.scheme.is_none() => cx.error(
                fans_of.span(),
                format!(
                    "`fans_of = {}` names a field without a scheme: it must be a parameter with `#[init(...)]`",
                    c.fields[j].display_name()
                ),
            ),
            Some(j) if c.fields[j].spec.fans_of.is_some() => cx.error(
                fans_of.span(),
                format!(
                    "`fans_of = {}` names a field that itself takes its fans from another: name that weight instead",
                    c.fields[j].display_name()
                ),
            ),
            Some(_) => {}
            None => {
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
            }
        }
    }
}

/// The index of the field `fans_of` names.
pub(crate) fn sibling(c: &Container, fans_of: &FansOf) -> Option<usize> {
    c.fields.iter().position(|f| match (fans_of, &f.member) {
        (FansOf::Named(n), syn::Member::Named(m)) => n == m,
        (FansOf::Index(n, _), syn::Member::Unnamed(m)) => *n == m.index as usize,
        _ => false,
    })
}
