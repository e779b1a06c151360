//! Stage 4, code: `Configured` and `Build<Dev>` when the struct says `#[init(config = Type)]`:
//! every field built from the configuration, a parameter zero from its `shape = ...`, a
//! framework layer (a field with a scheme and `config = ...`) from its own configuration, a
//! nested model from its `config = ...` (`len = ...` of them for a `Vec`), a skipped field as
//! `Default::default()`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};

use crate::ast::{Container, Field};
use crate::expand::segment;

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

/// The expression that builds one field in `Build::zeroed_boxed_at`, whether it gives the field
/// in a heap slot (`Box<field type>`: a parameter or a nested model, moved into the model's
/// own heap slot last), and the bound it needs (spanned at the field's type).
///
/// A nested model's bound names `Configured` too when the field's type is free of the struct's
/// generics, so that a model without `config` is one error at the field's type. With generics
/// such a bound would hide the nested model's configuration type behind the where-clause, so
/// it is left to the body's own obligations.
fn build_field(f: &Field, generics: &syn::Generics) -> (TokenStream, bool, Option<TokenStream>) {
    let spec = &f.spec;
    let generic = mentions_generics(&f.original.ty, generics);
    let ty = &f.original.ty;
    let span = f.ty_span();
    let seg = segment(f);
    if spec.skip.is_some() {
        return (
            quote_spanned!(span=> <#ty as __wi::Default>::default()),
            false,
            Some(quote_spanned!(span=> #ty: __wi::Default)),
        );
    }
    if spec.scheme.is_some() {
        if let Some((_, config)) = &spec.config {
            // a framework layer, created from its own configuration
            return (
                quote! { __wi::create_layer::<#ty, __Dev>(&(#config), __device, __path, #seg)? },
                false,
                Some(if generic {
                    quote_spanned!(span=> #ty: __wi::CreateLayer<__Dev>)
                } else {
                    quote_spanned!(span=> #ty: __wi::LayerConfig + __wi::CreateLayer<__Dev>)
                }),
            );
        }
        return match &spec.shape {
            Some((_, shape)) => (
                quote! { __wi::construct::<#ty, __Dev>(#shape, __device, __path, #seg)? },
                true,
                Some(quote_spanned!(span=> #ty: __wi::Construct<__Dev>)),
            ),
            None => (
                quote! { __wi::construct_fixed::<#ty, __Dev>(__device, __path, #seg)? },
                true,
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
            false,
            Some(if generic {
                quote_spanned!(span=> #ty: __wi::BuildManyOn<__Dev, __wi::ItemConfig<#ty>>)
            } else {
                quote_spanned!(span=> #ty: __wi::ManyOf<Item: __wi::Configured> + __wi::BuildManyOn<__Dev, __wi::ItemConfig<#ty>>)
            }),
        ),
        None => (
            quote! { __wi::build_nested::<#ty, __Dev>(#config, __device, __path, #seg)? },
            true,
            Some(if generic {
                quote_spanned!(span=> #ty: __wi::BuildOn<__Dev>)
            } else {
                quote_spanned!(span=> #ty: __wi::Configured + __wi::BuildOn<__Dev>)
            }),
        ),
    }
}

/// `impl Configured` and `impl Build<__Dev>` when the struct says `#[init(config = Type)]`:
/// every field built from the configuration (bound as `cfg` for the fields' expressions), in
/// declaration order, each into a local (a parameter or nested model in a heap slot of its
/// own), then moved into one heap slot for the model (`zeroed_boxed_at`), which `zeroed_at`
/// moves out once: a model holding large arrays inline is on the stack at most once while it
/// is built (`tests/stack.rs`). `body` instead of that, as `zeroed_at`, for the fallback impl.
pub(crate) fn build(c: &Container, body: Option<TokenStream>) -> TokenStream {
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
    let methods = match body {
        Some(body) => quote! {
            fn zeroed_at(
                __config: &#config,
                __device: &__Dev,
                __path: &mut __wi::ParamPath,
            ) -> __wi::Result<Self, __wi::InitError> {
                #body
            }
        },
        None => {
            let mut locals = Vec::new();
            let mut values = Vec::new();
            for (i, f) in c.fields.iter().enumerate() {
                let (value, boxed, bound) = build_field(f, &input.generics);
                predicates.extend(bound);
                let local = quote::format_ident!("__wi_field_{}", i);
                locals.push(quote!(let #local = #value;));
                let moved = if boxed {
                    quote!(*#local)
                } else {
                    quote!(#local)
                };
                values.push(match &f.member {
                    syn::Member::Named(i) => quote!(#i: #moved),
                    syn::Member::Unnamed(_) => moved,
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
                fn zeroed_at(
                    __config: &#config,
                    __device: &__Dev,
                    __path: &mut __wi::ParamPath,
                ) -> __wi::Result<Self, __wi::InitError> {
                    __wi::unboxed(<Self as __wi::Build<__Dev>>::zeroed_boxed_at(__config, __device, __path))
                }
                fn zeroed_boxed_at(
                    __config: &#config,
                    __device: &__Dev,
                    __path: &mut __wi::ParamPath,
                ) -> __wi::Result<__wi::Box<Self>, __wi::InitError> {
                    let cfg: &#config = __config;
                    let _ = cfg;
                    #(#locals)*
                    __wi::Ok(__wi::assemble(move || #fields))
                }
            }
        }
    };
    let (plain_impl_generics, _, plain_where) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #plain_impl_generics __wi::Configured for #name #ty_generics #plain_where {
            type Config = #config;
        }
        #[automatically_derived]
        impl #impl_generics __wi::Build<__Dev> for #name #ty_generics where #(#predicates,)* {
            #methods
        }
    }
}
