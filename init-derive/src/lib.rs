//! `#[derive(Initialize)]` for [weight-init](https://docs.rs/weight-init).
//!
//! This crate holds the procedural macro only; the `#[init(...)]` attribute language is being
//! built (see the project's issue on the derive). Until it lands the derive reports a spanned
//! error in our words instead of generating code, so that no struct silently goes
//! uninitialised.

use proc_macro::TokenStream;

/// Derives `Initialize` for a network struct from per-field `#[init(...)]` attributes.
///
/// Not available yet: it emits a compile error naming the attribute language that is to come.
#[proc_macro_derive(Initialize, attributes(init))]
pub fn derive_initialize(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    syn::Error::new_spanned(
        &input.ident,
        "weight-init: #[derive(Initialize)] is not available in this version yet; \
         fill parameters with `Init::fill` in the meantime",
    )
    .to_compile_error()
    .into()
}
