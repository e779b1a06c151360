//! Stage 4, code: the two parameter walks of `Initialize`, and the `const _: () = { … };` block
//! that holds them (and the `Build` impl of [`build`](crate::build)). Generated code reaches
//! the runtime only through `<crate>::__private`; user expressions are emitted at their own
//! spans so rustc checks their types where they were written.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Expr;

use crate::ast::{Container, Field, Length};
use crate::interpret::{ArgValue, ContainerSpec, FieldSpec, GainSpec, LayoutSpec, SchemeSpec};
use crate::vocab::{CtorArg, GainExpr, IfOmitted, Kind, Needs, Param};

/// The path of the runtime: `::weight_init`, or `#[init(crate = ...)]`.
pub(crate) fn krate(spec: &ContainerSpec) -> TokenStream {
    spec.krate
        .as_ref()
        .map_or_else(|| quote!(::weight_init), ToTokens::to_token_stream)
}

/// A numeric argument: an integer literal becomes a float literal (`sigmas = 3` means 3.0), any
/// other expression is emitted as written.
fn float(expr: &Expr) -> TokenStream {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) if i.suffix().is_empty() => {
            let lit = syn::LitFloat::new(&format!("{}.0", i.base10_digits()), i.span());
            lit.into_token_stream()
        }
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            let op = &u.op;
            let inner = float(&u.expr);
            quote!(#op #inner)
        }
        other => other.to_token_stream(),
    }
}

/// One argument of a scheme's constructor: the value given, or what omitting it means.
fn argument(s: &SchemeSpec, param: &Param) -> TokenStream {
    let span = s.ident.span();
    let distribution = |variant: &str| {
        let v = format_ident!("{}", variant, span = span);
        quote!(__wi::Distribution::#v)
    };
    match (s.arg(param.id).map(|a| &a.value), param.omitted) {
        (Some(ArgValue::Expr(e)), _) => match param.kind {
            Kind::Float(_) => float(e),
            Kind::Count(_) | Kind::Distribution => e.to_token_stream(),
        },
        (Some(&ArgValue::Distribution(d)), _) | (None, IfOmitted::Distribution(d)) => {
            distribution(d.variant)
        }
        (None, IfOmitted::Float(v)) => Literal::f64_unsuffixed(v).into_token_stream(),
        (None, IfOmitted::Count(n)) => Literal::usize_unsuffixed(n).into_token_stream(),
        // the checks report a missing required argument before any code is generated
        (None, IfOmitted::Required) => {
            let msg = format!("`{}` needs `{}`", s.ident, param.id.name());
            quote!(::core::compile_error!(#msg))
        }
    }
}

/// `__wi::Init::<ctor>(<args>)` for a scheme, as its form says.
fn constructor(s: &SchemeSpec) -> TokenStream {
    let form = s.form();
    let args = form.args.iter().map(|a| match a {
        CtorArg::Param(id) => s
            .def
            .param(*id)
            .map_or_else(TokenStream::new, |p| argument(s, p)),
        CtorArg::Mode(m) => {
            let v = format_ident!("{}", m.variant);
            quote!(__wi::FanMode::#v)
        }
    });
    let ctor = format_ident!("{}", form.ctor, span = s.ident.span());
    quote!(__wi::Init::#ctor(#(#args),*))
}

/// An identifier spanned at the user's expression, so that a type error in the value is
/// labelled there rather than on the derive.
fn at(name: &str, e: &Expr) -> syn::Ident {
    format_ident!("{}", name, span = syn::spanned::Spanned::span(e))
}

fn layout_tokens(l: &LayoutSpec) -> TokenStream {
    match l {
        LayoutSpec::Named(def, span) => {
            let v = format_ident!("{}", def.variant, span = *span);
            quote!(__wi::Layout::#v)
        }
        LayoutSpec::Expr(e) => e.to_token_stream(),
    }
}

fn gain_tokens(g: &GainSpec) -> TokenStream {
    match g {
        GainSpec::Named(def, span) => match def.bare {
            GainExpr::Variant(v) => {
                let v = format_ident!("{}", v, span = *span);
                quote!(__wi::Gain::#v)
            }
            GainExpr::Call(f) => {
                let f = format_ident!("{}", f, span = *span);
                quote!(__wi::Gain::#f())
            }
        },
        GainSpec::Slope(variant, e) => {
            let v = at(variant, e);
            let e = float(e);
            quote!(__wi::Gain::#v(#e))
        }
        GainSpec::Value(e) => {
            let v = at("Value", e);
            let e = float(e);
            quote!(__wi::Gain::#v(#e))
        }
    }
}

/// The full `Init` expression of a parameter field, without `fans_of`.
fn init_expr(c: &Container, spec: &FieldSpec) -> TokenStream {
    let Some(scheme) = &spec.scheme else {
        return TokenStream::new();
    };
    let m = &spec.modifiers;
    let mut out = constructor(scheme);
    if let Some(g) = &m.gain {
        let g = gain_tokens(g);
        out.extend(quote!(.gain(#g)));
    }
    if let Some((def, span)) = m.mode {
        let v = format_ident!("{}", def.variant, span = span);
        out.extend(quote!(.mode(__wi::FanMode::#v)));
    }
    if m.truncated.is_some() {
        out.extend(quote!(.truncated()));
    }
    if let Some(s) = &m.scale {
        let method = at("scale", s);
        let s = float(s);
        out.extend(quote!(.#method(#s)));
    }
    if let Some(l) = m.layout.as_ref().or(c.spec.layout.as_ref()) {
        let l = layout_tokens(l);
        out.extend(quote!(.layout(#l)));
    }
    for (name, n) in [
        ("fan_in", &m.fan_in),
        ("fan_out", &m.fan_out),
        ("blocks", &m.blocks),
    ] {
        if let Some(n) = n {
            let method = at(name, n);
            out.extend(quote!(.#method(#n)));
        }
    }
    out
}

/// The field's segment of a parameter path: its name without a raw identifier's `r#`.
pub(crate) fn segment(f: &Field) -> TokenStream {
    match &f.member {
        syn::Member::Named(i) => {
            // `r#type` is the field `type` in paths and state-dict names, as serde names it
            let name = syn::ext::IdentExt::unraw(i).to_string();
            quote!(__wi::Segment::Field(#name))
        }
        syn::Member::Unnamed(i) => {
            let i = i.index as usize;
            quote!(__wi::Segment::Tuple(#i))
        }
    }
}

/// The statements that visit one field, in `walk` (`mutable = false`) or `walk_mut`.
fn step(c: &Container, f: &Field, mutable: bool) -> TokenStream {
    let spec = &f.spec;
    if spec.skip.is_some() {
        return TokenStream::new();
    }
    let member = &f.member;
    let ty_span = f.ty_span();
    let seg = segment(f);
    let reference = if mutable {
        quote_spanned!(ty_span=> &mut self.#member)
    } else {
        quote_spanned!(ty_span=> &self.#member)
    };
    if spec.scheme.is_none() {
        // a nested model, or a container of them
        let walk = if mutable {
            quote_spanned!(ty_span=> __wi::Initialize::walk_mut)
        } else {
            quote_spanned!(ty_span=> __wi::Initialize::walk)
        };
        return quote! {
            __path.push(#seg);
            let __result = #walk(#reference, __path, __visitor);
            __path.pop();
            __result?;
        };
    }
    let mut init = init_expr(c, spec);
    if let Some(fans_of) = &spec.modifiers.fans_of
        && let Some(j) = c.sibling(fans_of)
    {
        let sib = &c.fields[j];
        let sib_member = &sib.member;
        let sib_init = init_expr(c, &sib.spec);
        let sib_seg = segment(sib);
        init = quote! {{
            let __fans = __wi::fans_of(&self.#sib_member, &#sib_init, __path, #sib_seg)?;
            #init.fans(__fans.fan_in, __fans.fan_out)
        }};
    }
    let mut field_init = quote!(__wi::FieldInit::new(#init));
    if let Some((word, bias)) = &spec.bias {
        let method = format_ident!("{}", "bias", span = word.span());
        let bias = init_expr(c, bias);
        field_init.extend(quote!(.#method(#bias)));
    }
    if let Some((_, e)) = &spec.forget_bias {
        let method = at("forget_bias", e);
        let e = float(e);
        field_init.extend(quote!(.#method(#e)));
    }
    let walk = if mutable {
        quote_spanned!(ty_span=> __wi::FieldWalk::walk_field_mut)
    } else {
        quote_spanned!(ty_span=> __wi::FieldWalk::walk_field)
    };
    let assertion = if mutable {
        blocks_assertion(c, f)
    } else {
        TokenStream::new()
    };
    quote! {
        #assertion
        let __init = #field_init;
        __path.push(#seg);
        let __result = #walk(#reference, __path, __visitor, &__init);
        __path.pop();
        __result?;
    }
}

/// `blocks = k` (a literal) on a fixed-size array whose split axis has a constant length
/// (`[[f32; IN]; OUT]`): a compile-time assertion, in our words, that `k` divides it. An item
/// (checked by `cargo check`) unless the length names a generic parameter of the struct; then
/// an inline `const` block, checked when the walk is instantiated (`cargo build`).
fn blocks_assertion(c: &Container, f: &Field) -> TokenStream {
    let spec = &f.spec;
    let Some(e) = &spec.modifiers.blocks else {
        return TokenStream::new();
    };
    let Some(k) = crate::parse::literal_value(e).filter(|k| *k >= 1.0 && k.fract() == 0.0) else {
        return TokenStream::new();
    };
    let Some((axis, Length::Const(len))) = f.block_axis(&c.spec) else {
        return TokenStream::new();
    };
    let k = Literal::usize_unsuffixed(k as usize);
    let len_text = len.to_token_stream().to_string();
    let msg = format!(
        "`#[init(blocks = {k})]` on `{}`: {k} does not divide the output axis (axis {axis}, of length `{len_text}`): the blocks must be equal parts of it",
        f.display_name()
    );
    let span = syn::spanned::Spanned::span(e);
    let generic = c
        .original
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(t.ident.clone()),
            syn::GenericParam::Const(c) => Some(c.ident.clone()),
            syn::GenericParam::Lifetime(_) => None,
        })
        .any(|g| mentions(len.to_token_stream(), &g));
    if generic {
        quote_spanned!(span=> const { ::core::assert!((#len) % #k == 0, #msg) };)
    } else {
        quote_spanned!(span=> const _: () = ::core::assert!((#len) % #k == 0, #msg);)
    }
}

/// Whether `tokens` contain the identifier `ident`.
fn mentions(tokens: TokenStream, ident: &syn::Ident) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => &i == ident,
        proc_macro2::TokenTree::Group(g) => mentions(g.stream(), ident),
        _ => false,
    })
}

/// The where-clause predicates that make each field's requirement a bound of the impl,
/// spanned at the field's type: a field that cannot be what its attribute says gets one error,
/// in our words (the traits' `on_unimplemented`), at its type.
pub(crate) fn field_bounds(c: &Container) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for f in c.fields.iter().filter(|f| f.clean) {
        let spec = &f.spec;
        if spec.skip.is_some() {
            continue;
        }
        let ty = &f.original.ty;
        let span = f.ty_span();
        let Some(scheme) = &spec.scheme else {
            out.push(quote_spanned!(span=> #ty: __wi::Initialize));
            continue;
        };
        out.push(quote_spanned!(span=> #ty: __wi::FieldWalk));
        if spec.bias.is_some() {
            out.push(quote_spanned!(span=> #ty: __wi::HasBias));
        }
        if spec.forget_bias.is_some() {
            out.push(quote_spanned!(span=> #ty: __wi::HasForgetGate));
        }
        // the rank, where the type shows it
        let rank = match scheme.def.needs {
            Needs::Fans if !spec.modifiers.explicit_fans() => {
                Some(quote_spanned!(span=> __wi::AllowsFans))
            }
            Needs::Matrix => Some(quote_spanned!(span=> __wi::AllowsMatrix)),
            Needs::Conv => Some(quote_spanned!(span=> __wi::AllowsConv)),
            _ => None,
        };
        if let Some(rank) = rank {
            out.push(quote_spanned!(span=> #ty: #rank));
        }
    }
    out
}

/// The struct's impl of `Initialize` with the given bodies, and `build` (the `Build` impl, or
/// nothing), inside one `const _` block that names the runtime `__wi`.
pub(crate) fn impl_block(
    c: &Container,
    bounds: Vec<TokenStream>,
    walk: &TokenStream,
    walk_mut: &TokenStream,
    build: &TokenStream,
) -> TokenStream {
    let input = c.original;
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect())
        .unwrap_or_default();
    predicates.extend(bounds);
    let krate = krate(&c.spec);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, unused_variables)]
        const _: () = {
            use #krate::__private as __wi;
            #[automatically_derived]
            impl #impl_generics __wi::Initialize for #name #ty_generics where #(#predicates,)* {
                fn walk<__V: __wi::Visit + ?__wi::Sized>(
                    &self,
                    __path: &mut __wi::ParamPath,
                    __visitor: &mut __V,
                ) -> __wi::Result<(), __wi::InitError> {
                    #walk
                }
                fn walk_mut<__V: __wi::VisitMut + ?__wi::Sized>(
                    &mut self,
                    __path: &mut __wi::ParamPath,
                    __visitor: &mut __V,
                ) -> __wi::Result<(), __wi::InitError> {
                    #walk_mut
                }
            }
            #build
        };
    }
}

/// The derive's output for a valid struct, with its `Build` impl (or nothing).
pub(crate) fn expand(c: &Container, build: &TokenStream) -> TokenStream {
    let walk: TokenStream = c.fields.iter().map(|f| step(c, f, false)).collect();
    let walk_mut: TokenStream = c.fields.iter().map(|f| step(c, f, true)).collect();
    impl_block(
        c,
        field_bounds(c),
        &quote!(#walk __wi::Ok(())),
        &quote!(#walk_mut __wi::Ok(())),
        build,
    )
}
