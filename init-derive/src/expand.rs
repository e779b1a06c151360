//! Code generation: the two parameter walks of `Initialize`. Generated code reaches the runtime
//! only through `<crate>::__private`, inside `const _: () = { … };`; user expressions are
//! emitted at their own spans so rustc checks their types where they were written.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Expr;

use crate::ast::{Container, Field};
use crate::attr::{FieldSpec, GainSpec, LayoutSpec, SchemeSpec};
use crate::valid;
use crate::vocab::Needs;

/// The path of the runtime: `::weight_init`, or `#[init(crate = ...)]`.
fn krate(c: &Container) -> TokenStream {
    c.spec
        .krate
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

/// `__wi::Init::<ctor>(<args>)` for a scheme.
fn constructor(s: &SchemeSpec, spec: &FieldSpec) -> TokenStream {
    let span = s.ident.span();
    let arg = |name: &str, default: TokenStream| s.arg(name).map_or(default, float);
    let (ctor, args): (&str, Vec<TokenStream>) = match s.def.canonical {
        "constant" => ("constant", vec![arg("value", quote!(0.0))]),
        "uniform" if s.args.len() == 1 && s.args[0].0 == "low" => {
            ("uniform_symmetric", vec![arg("low", quote!(0.0))])
        }
        "uniform" => (
            "uniform",
            vec![arg("low", quote!(0.0)), arg("high", quote!(0.0))],
        ),
        "normal" => (
            "normal",
            vec![arg("mean", quote!(0.0)), arg("std", quote!(0.0))],
        ),
        "truncated_normal" if s.arg("sigmas").is_some() => (
            "truncated_normal_sigmas",
            vec![
                arg("mean", quote!(0.0)),
                arg("std", quote!(0.0)),
                arg("sigmas", quote!(2.0)),
            ],
        ),
        "truncated_normal" => (
            "truncated_normal",
            vec![
                arg("mean", quote!(0.0)),
                arg("std", quote!(0.0)),
                arg("low", quote!(0.0)),
                arg("high", quote!(0.0)),
            ],
        ),
        "variance_scaling" => {
            let dist = format_ident!(
                "{}",
                spec.distribution.map_or("TruncatedNormal", |d| d.0),
                span = span
            );
            (
                "variance_scaling",
                vec![
                    arg("scale", quote!(1.0)),
                    quote!(__wi::FanMode::FanIn),
                    quote!(__wi::Distribution::#dist),
                ],
            )
        }
        "dirac" => (
            "dirac",
            vec![s.arg("groups").map_or(quote!(1), ToTokens::to_token_stream)],
        ),
        "sparse" => (
            "sparse",
            vec![arg("sparsity", quote!(0.0)), arg("std", quote!(0.01))],
        ),
        other => (other, Vec::new()),
    };
    let ctor = format_ident!("{}", ctor, span = span);
    quote!(__wi::Init::#ctor(#(#args),*))
}

/// An identifier spanned at the user's expression, so that a type error in the value is
/// labelled there rather than on the derive.
fn at(name: &str, e: &Expr) -> syn::Ident {
    format_ident!("{}", name, span = syn::spanned::Spanned::span(e))
}

fn layout_tokens(l: &LayoutSpec) -> TokenStream {
    match l {
        LayoutSpec::Named(v, span) => {
            let v = format_ident!("{}", v, span = *span);
            quote!(__wi::Layout::#v)
        }
        LayoutSpec::Expr(e) => e.to_token_stream(),
    }
}

/// The full `Init` expression of a parameter field, without `fans_of`.
fn init_expr(c: &Container, f: &Field) -> TokenStream {
    let spec = &f.spec;
    let Some(scheme) = &spec.scheme else {
        return TokenStream::new();
    };
    let mut out = constructor(scheme, spec);
    if let Some(g) = &spec.gain {
        let g = match g {
            GainSpec::Named(v, span) => {
                let v = format_ident!("{}", v, span = *span);
                quote!(__wi::Gain::#v)
            }
            GainSpec::LeakyRelu(e) => {
                let v = at("LeakyRelu", e);
                let e = float(e);
                quote!(__wi::Gain::#v(#e))
            }
            GainSpec::Value(e) => {
                let v = at("Value", e);
                let e = float(e);
                quote!(__wi::Gain::#v(#e))
            }
        };
        out.extend(quote!(.gain(#g)));
    }
    if let Some((m, span)) = spec.mode {
        let m = format_ident!("{}", m, span = span);
        out.extend(quote!(.mode(__wi::FanMode::#m)));
    }
    if spec.truncated.is_some() {
        out.extend(quote!(.truncated()));
    }
    if let Some(s) = &spec.scale {
        let m = at("scale", s);
        let s = float(s);
        out.extend(quote!(.#m(#s)));
    }
    if let Some(l) = spec.layout.as_ref().or(c.spec.layout.as_ref()) {
        let l = layout_tokens(l);
        out.extend(quote!(.layout(#l)));
    }
    for (name, n) in [("fan_in", &spec.fan_in), ("fan_out", &spec.fan_out)] {
        if let Some(n) = n {
            let m = at(name, n);
            out.extend(quote!(.#m(#n)));
        }
    }
    out
}

fn segment(f: &Field) -> TokenStream {
    match &f.member {
        syn::Member::Named(i) => {
            let name = i.to_string();
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
    let mut init = init_expr(c, f);
    if let Some(fans_of) = &spec.fans_of
        && let Some(j) = valid::sibling(c, fans_of)
    {
        let sib = &c.fields[j];
        let sib_member = &sib.member;
        let sib_init = init_expr(c, sib);
        let sib_seg = segment(sib);
        init = quote! {{
            let __fans = __wi::fans_of(&self.#sib_member, &#sib_init, __path, #sib_seg)?;
            #init.fans(__fans.fan_in, __fans.fan_out)
        }};
    }
    quote! {
        let __init = #init;
        __path.push(#seg);
        let __result = __visitor.param(__path, #reference, &__init);
        __path.pop();
        __result?;
    }
}

/// The where-clause predicates that make each field's requirement a bound of the impl,
/// spanned at the field's type: a field that cannot be what its attribute says gets one error,
/// in our words (the traits' `on_unimplemented`), at its type.
fn field_bounds(c: &Container) -> Vec<TokenStream> {
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
        out.push(quote_spanned!(span=> #ty: __wi::Parameter));
        // the rank, where the type shows it
        let rank = match scheme.def.needs {
            Needs::Fans if !spec.explicit_fans() => Some(quote_spanned!(span=> __wi::AllowsFans)),
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

fn impl_block(
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
    let krate = krate(c);
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

/// Whether `ty` names one of the struct's type or const parameters.
fn mentions_generics(ty: &syn::Type, generics: &syn::Generics) -> bool {
    fn walk(tokens: TokenStream, names: &[String]) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => names.contains(&i.to_string()),
            proc_macro2::TokenTree::Group(g) => walk(g.stream(), names),
            _ => false,
        })
    }
    let names: Vec<String> = generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(t.ident.to_string()),
            syn::GenericParam::Const(c) => Some(c.ident.to_string()),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    walk(ty.to_token_stream(), &names)
}

/// The expression that builds one field in `Build::zeroed_at`, and the bound it needs (spanned
/// at the field's type).
///
/// A nested model's bound names `Configured` too when the field's type is free of the struct's
/// generics, so that a model without `config` is one error at the field's type. With generics
/// such a bound would hide the nested model's configuration type behind the where-clause, so
/// it is left to the body's own obligations.
fn build_field(f: &Field, generics: &syn::Generics) -> (TokenStream, Option<TokenStream>) {
    let spec = &f.spec;
    let generic = mentions_generics(&f.original.ty, generics);
    let ty = &f.original.ty;
    let span = f.ty_span();
    let seg = segment(f);
    if spec.skip.is_some() {
        return (
            quote_spanned!(span=> <#ty as __wi::Default>::default()),
            Some(quote_spanned!(span=> #ty: __wi::Default)),
        );
    }
    if spec.scheme.is_some() {
        return match &spec.shape {
            Some((_, shape)) => (
                quote! { __wi::construct::<#ty, __Dev>(#shape, __device, __path, #seg)? },
                Some(quote_spanned!(span=> #ty: __wi::Construct<__Dev>)),
            ),
            None => (
                quote! { __wi::construct_fixed::<#ty, __Dev>(__device, __path, #seg)? },
                Some(quote_spanned!(span=> #ty: __wi::FixedShape + __wi::Construct<__Dev>)),
            ),
        };
    }
    let config = spec
        .config
        .as_ref()
        .map_or_else(|| quote!(cfg), |(_, e)| quote!(&(#e)));
    match &spec.len {
        Some((_, len)) => (
            quote! { <#ty as __wi::BuildManyOn<__Dev, __wi::ItemConfig<#ty>>>::zeroed_many(#len, #config, __device, __path, #seg)? },
            Some(if generic {
                quote_spanned!(span=> #ty: __wi::BuildManyOn<__Dev, __wi::ItemConfig<#ty>>)
            } else {
                quote_spanned!(span=> #ty: __wi::ManyOf<Item: __wi::Configured> + __wi::BuildManyOn<__Dev, __wi::ItemConfig<#ty>>)
            }),
        ),
        None => (
            quote! { __wi::build_nested::<#ty, __Dev>(#config, __device, __path, #seg)? },
            Some(if generic {
                quote_spanned!(span=> #ty: __wi::BuildOn<__Dev>)
            } else {
                quote_spanned!(span=> #ty: __wi::Configured + __wi::BuildOn<__Dev>)
            }),
        ),
    }
}

/// `impl Build<__Dev>` when the struct says `#[init(config = Type)]`: every field built from
/// the configuration (bound as `cfg` for the fields' expressions), in declaration order.
fn build_impl(c: &Container, body: Option<TokenStream>) -> TokenStream {
    let Some(config) = &c.spec.config else {
        return TokenStream::new();
    };
    let input = c.original;
    let name = &input.ident;
    let mut generics = input.generics.clone();
    generics.params.push(syn::parse_quote!(__Dev: ?__wi::Sized));
    let (impl_generics, _, _) = generics.split_for_impl();
    let (_, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect())
        .unwrap_or_default();
    let body = body.unwrap_or_else(|| {
        let mut values = Vec::new();
        for f in &c.fields {
            let (value, bound) = build_field(f, &input.generics);
            predicates.extend(bound);
            values.push(match &f.member {
                syn::Member::Named(i) => quote!(#i: #value),
                syn::Member::Unnamed(_) => value,
            });
        }
        let fields = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(_),
                ..
            }) => quote!(Self { #(#values,)* }),
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Unit,
                ..
            }) => quote!(Self),
            _ => quote!(Self(#(#values,)*)),
        };
        quote! {
            let cfg: &#config = __config;
            let _ = cfg;
            __wi::Ok(#fields)
        }
    });
    let (plain_impl_generics, _, plain_where) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #plain_impl_generics __wi::Configured for #name #ty_generics #plain_where {
            type Config = #config;
        }
        #[automatically_derived]
        impl #impl_generics __wi::Build<__Dev> for #name #ty_generics where #(#predicates,)* {
            fn zeroed_at(
                __config: &#config,
                __device: &__Dev,
                __path: &mut __wi::ParamPath,
            ) -> __wi::Result<Self, __wi::InitError> {
                #body
            }
        }
    }
}

/// The derive's output for a valid struct.
pub(crate) fn expand(c: &Container) -> TokenStream {
    let walk: TokenStream = c.fields.iter().map(|f| step(c, f, false)).collect();
    let walk_mut: TokenStream = c.fields.iter().map(|f| step(c, f, true)).collect();
    impl_block(
        c,
        field_bounds(c),
        &quote!(#walk __wi::Ok(())),
        &quote!(#walk_mut __wi::Ok(())),
        &build_impl(c, None),
    )
}

/// On invalid input: the errors, and an impl whose bodies are unreachable, so the only errors
/// the user sees are the real ones (thiserror's `fallback.rs`).
pub(crate) fn fallback(
    c: Option<&Container>,
    input: &syn::DeriveInput,
    errors: syn::Error,
) -> TokenStream {
    let errors = errors.to_compile_error();
    let body = quote!(::core::unreachable!(
        "#[derive(Initialize)] reported errors"
    ));
    let imp = match c {
        // the requirements of the fields that parsed cleanly still apply: their type mistakes
        // are reported in the same build as the attribute mistakes
        Some(c) => impl_block(
            c,
            field_bounds(c),
            &body,
            &body,
            &build_impl(c, Some(body.clone())),
        ),
        None => {
            let name = &input.ident;
            let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
            quote! {
                const _: () = {
                    use ::weight_init::__private as __wi;
                    impl #impl_generics __wi::Initialize for #name #ty_generics #where_clause {
                        fn walk<__V: __wi::Visit + ?__wi::Sized>(&self, _: &mut __wi::ParamPath, _: &mut __V) -> __wi::Result<(), __wi::InitError> { #body }
                        fn walk_mut<__V: __wi::VisitMut + ?__wi::Sized>(&mut self, _: &mut __wi::ParamPath, _: &mut __V) -> __wi::Result<(), __wi::InitError> { #body }
                    }
                };
            }
        }
    };
    quote!(#errors #imp)
}
