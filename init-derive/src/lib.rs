//! `#[derive(Initialize)]` for [weight-init](https://docs.rs/weight-init): reads per-field
//! `#[init(...)]` attributes and generates the parameter walk of `weight_init::Initialize`.
//!
//! Use it through the `weight-init` crate, which re-exports it; the attribute language is
//! documented there. The stages, one file each, data flowing one way:
//! `attr` (parse `#[init(...)]`) → `ast` (the struct and its fields) → `valid` (checks across
//! fields) → `expand` (the generated code). Every error is collected in a `Ctxt` and reported
//! in one build; on error the impl is still emitted, with unreachable bodies, so that the only
//! errors a user sees are the real ones.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod valid;
mod vocab;

use proc_macro::TokenStream;

/// Derives `weight_init::Initialize` from per-field `#[init(...)]` attributes.
///
/// See the `weight-init` crate's documentation for the attribute language.
#[proc_macro_derive(Initialize, attributes(init))]
pub fn derive_initialize(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive(&input).into()
}

fn derive(input: &syn::DeriveInput) -> proc_macro2::TokenStream {
    let mut cx = ctxt::Ctxt::new();
    let container = ast::Container::from_ast(&mut cx, input);
    if let Some(c) = &container {
        valid::check(&mut cx, c);
    }
    match cx.check() {
        Ok(()) => match &container {
            Some(c) => expand::expand(c),
            None => proc_macro2::TokenStream::new(),
        },
        Err(errors) => expand::fallback(container.as_ref(), input, errors),
    }
}
