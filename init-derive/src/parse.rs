//! Stage 1, syntax: the tokens of `#[init(...)]` into raw [`Item`]s (a name, then `= value`,
//! `(args)` or nothing; arguments named or positional). Nothing here knows the vocabulary.

use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Expr, Token};

use crate::ctxt::Ctxt;

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

/// Every token up to the next top-level comma, as an expression. It stays a Rust expression
/// emitted at its own span; syn without its `full` feature does not parse every expression, so
/// what it cannot parse is kept verbatim for rustc to check. `None` when there is no token.
fn value(input: ParseStream) -> syn::Result<Option<Expr>> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok((!tokens.is_empty())
        .then(|| syn::parse2::<Expr>(tokens.clone()).unwrap_or(Expr::Verbatim(tokens))))
}

/// The value after `name =`.
fn value_after(input: ParseStream, name: &Ident) -> syn::Result<Expr> {
    value(input)?
        .ok_or_else(|| syn::Error::new(name.span(), format!("`{name}` needs a value after `=`")))
}

/// Parses `item, item, …` (a trailing comma allowed), each item by `one`.
fn comma_separated<T>(
    input: ParseStream,
    mut one: impl FnMut(ParseStream) -> syn::Result<T>,
) -> syn::Result<Vec<T>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        out.push(one(input)?);
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

fn parse_args(input: ParseStream) -> syn::Result<Vec<Arg>> {
    comma_separated(input, |input| {
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name = input.call(Ident::parse_any)?;
            input.parse::<Token![=]>()?;
            let value = value_after(input, &name)?;
            Ok(Arg::Named(name, value))
        } else {
            let start = input.span();
            value(input)?
                .map(Arg::Positional)
                .ok_or_else(|| syn::Error::new(start, "expected an argument before `,`"))
        }
    })
}

/// Parses the contents of one `#[init(...)]`.
pub(crate) fn parse_items(input: ParseStream) -> syn::Result<Vec<Item>> {
    comma_separated(input, |input| {
        let name = input.call(Ident::parse_any)?;
        let kind = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            ItemKind::Value(value_after(input, &name)?)
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            ItemKind::List(parse_args(&content)?)
        } else {
            ItemKind::Word
        };
        Ok(Item { name, kind })
    })
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

/// A single lowercase identifier: how users write names from the vocabulary.
pub(crate) fn word(expr: &Expr) -> Option<Ident> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn items(tokens: TokenStream) -> syn::Result<Vec<Item>> {
        parse_items.parse2(tokens)
    }

    #[test]
    fn shapes_of_items() {
        let got = items(quote::quote!(
            he_normal,
            gain = tanh,
            uniform(-0.1, high = 0.1),
        ))
        .unwrap();
        assert_eq!(got.len(), 3);
        assert!(matches!(got[0].kind, ItemKind::Word));
        assert!(matches!(got[1].kind, ItemKind::Value(_)));
        let ItemKind::List(args) = &got[2].kind else {
            panic!("a list")
        };
        assert!(matches!(&args[..], [Arg::Positional(_), Arg::Named(n, _)] if n == "high"));
    }

    #[test]
    fn syntax_errors() {
        for (tokens, want) in [
            (quote::quote!(gain =), "`gain` needs a value after `=`"),
            (
                quote::quote!(normal(std = 1,, mean = 0)),
                "expected an argument before `,`",
            ),
            (quote::quote!(he_normal gain), "expected `,`"),
        ] {
            let e = items(tokens).err().expect("an error").to_string();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn literals() {
        let v = |e: Expr| literal_value(&e);
        assert_eq!(v(syn::parse_quote!(-0.5)), Some(-0.5));
        assert_eq!(v(syn::parse_quote!((3))), Some(3.0));
        assert_eq!(v(syn::parse_quote!(STD)), None);
        assert!(word(&syn::parse_quote!(tanh)).is_some());
        assert!(word(&syn::parse_quote!(Layout)).is_none());
    }
}
