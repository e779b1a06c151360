//! The output on invalid input: the errors, and an impl whose bodies are unreachable, so that
//! the only errors a user sees are the real ones (thiserror's `fallback.rs`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Input;
use crate::{build, expand};

pub(crate) fn fallback(read: &Input, input: &syn::DeriveInput, errors: syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let body = quote!(::core::unreachable!(
        "#[derive(Initialize)] reported errors"
    ));
    let imp = match read {
        // the requirements of the fields that were read cleanly still apply: their type
        // mistakes are reported in the same build as the attribute mistakes
        Input::Struct(c) => expand::impl_block(
            c,
            expand::field_bounds(c),
            &body,
            &body,
            &build::build(c, Some(body.clone())),
        ),
        // an enum or a union: the impl alone, at the runtime the attribute names
        Input::NotAStruct(spec) => {
            let krate = expand::krate(spec);
            let name = &input.ident;
            let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
            quote! {
                const _: () = {
                    use #krate::__private as __wi;
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

#[cfg(test)]
mod tests {
    fn derive(src: &str) -> String {
        let input: syn::DeriveInput = syn::parse_str(src).expect("an item");
        crate::derive(&input).to_string()
    }

    #[test]
    fn the_fallback_honours_crate() {
        for src in [
            "#[init(crate = my::reexport)] enum E { A }",
            "#[init(crate = my::reexport)] union U { a: f32 }",
            "#[init(crate = my::reexport)] struct S { #[init(he_nromal)] w: W }",
        ] {
            let out = derive(src);
            assert!(out.contains("compile_error"), "{src}: {out}");
            assert!(
                out.contains("use my :: reexport :: __private as __wi"),
                "{src}: {out}"
            );
            assert!(!out.contains("weight_init"), "{src}: {out}");
        }
        let out = derive("enum E { A }");
        assert!(
            out.contains("use :: weight_init :: __private as __wi"),
            "{out}"
        );
    }
}
