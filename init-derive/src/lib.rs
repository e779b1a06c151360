//! `#[derive(Initialize)]` for [weight-init](https://docs.rs/weight-init): reads per-field
//! `#[init(...)]` attributes and generates the parameter walk of `weight_init::Initialize`
//! (and, with `#[init(config = ...)]` on the struct, `Configured` and `Build`).
//!
//! Use it through the `weight-init` crate, which re-exports it; the attribute language is
//! documented there. The stages, one file each, data flowing one way:
//!
//! 1. `parse`: the tokens of `#[init(...)]` into raw items (a name, then `= value`, `(args)` or
//!    nothing), knowing no vocabulary;
//! 2. `interpret`: the items into a typed field or container spec, every word looked up in
//!    `vocab`, the typed table of schemes, modifiers and named values; `ast` holds the struct's
//!    fields with their specs;
//! 3. `validate`: every check, within a field (required and conflicting arguments, modifiers
//!    a scheme does not take, literal values outside the runtime's domain) and across fields
//!    (`fans_of`, the building words and the struct's `config`);
//! 4. `expand` (the walks), `build` (the `Build` impl), or on errors `fallback` (an impl with
//!    unreachable bodies, so that the only errors a user sees are the real ones).
//!
//! Every error is collected in a `Ctxt` and reported in one build. The `agreement` test runs
//! the derive over the whole vocabulary against init-core: what compiles is what the runtime
//! accepts.

#[cfg(test)]
mod agreement;
mod ast;
mod build;
mod ctxt;
mod expand;
mod fallback;
mod interpret;
mod parse;
mod validate;
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
    let mut read = ast::Input::from_ast(&mut cx, input);
    if let ast::Input::Struct(c) = &mut read {
        validate::check(&mut cx, c);
    }
    match (cx.check(), &read) {
        (Ok(()), ast::Input::Struct(c)) => expand::expand(c, &build::build(c, None)),
        // not a struct is always an error
        (Ok(()), ast::Input::NotAStruct(_)) => proc_macro2::TokenStream::new(),
        (Err(errors), read) => fallback::fallback(read, input, errors),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// Runs the derive on a struct whose first field carries `attr` (the text inside
    /// `#[init(...)]`); `None` when the text is not even a token stream.
    fn run(attr: &str) -> Option<(proc_macro2::TokenStream, bool)> {
        let src = format!(
            "struct S {{ #[init({attr})] w: Array2<f32>, #[init(zeros)] b: Array1<f32>, inner: Inner }}"
        );
        let input: syn::DeriveInput = syn::parse_str(&src).ok()?;
        let out = super::derive(&input);
        let failed = out.to_string().contains("compile_error");
        Some((out, failed))
    }

    const CORPUS: &[&str] = &[
        "he_normal",
        "kaiming_uniform(gain = leaky_relu(0.2), mode = fan_out)",
        "glorot_uniform(gain = tanh)",
        "normal(mean = 1.0, std = STD)",
        "uniform(-0.1, 0.1)",
        "uniform(0.05)",
        "truncated_normal(std = 0.02, low = -0.04, high = 0.04)",
        "truncated_normal(std = 0.02, sigmas = 3)",
        "he_normal(truncated)",
        "variance_scaling(scale = 2.0, mode = fan_avg, distribution = truncated_normal)",
        "dirac(groups = 2)",
        "sparse(sparsity = 0.9, std = 0.01)",
        "torch_default, fans_of = b",
        "he_normal, layout = in_out",
        "he_normal, fan_in = 3 * 3 * 64",
        "normal(std = 0.02), scale = 1.0 / (2.0 * N as f64).sqrt()",
        "skip",
    ];

    const PIECES: &[&str] = &[
        "he_normal",
        "uniform",
        "normal",
        "skip",
        "gain",
        "mode",
        "truncated",
        "scale",
        "layout",
        "fans_of",
        "fan_in",
        "std",
        "low",
        "high",
        "sigmas",
        "relu",
        "leaky_relu",
        "fan_out",
        "in_out",
        "crate",
        "w",
        "b",
        "inner",
        "x",
        "=",
        ",",
        "-",
        "0",
        "0.5",
        "1e3",
        "\"s\"",
        "(",
        ")",
        "[",
        "]",
        "(0.1)",
        "(std = 0.1)",
        "*",
        "as",
        "f64",
        "::",
        "Layout",
        "'a",
    ];

    #[test]
    fn corpus_is_valid() {
        for attr in CORPUS {
            let (out, failed) = run(attr).expect("tokens");
            assert!(!failed, "{attr}: {out}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// Random token soup: never a panic; either code or spanned errors.
        #[test]
        fn random_attributes_never_panic(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..14)) {
            let attr = pieces.join(" ");
            if let Some((out, failed)) = run(&attr) {
                // an error always comes with the fallback impl, so nothing else breaks
                prop_assert!(out.to_string().contains("impl"), "{attr}: {out}");
                if failed {
                    prop_assert!(out.to_string().contains("unreachable"), "{attr}");
                }
            }
        }

        /// Valid attributes with one token deleted, duplicated or replaced.
        #[test]
        fn mutated_attributes_never_panic(
            which in 0..CORPUS.len(),
            op in 0..3u8,
            at in any::<prop::sample::Index>(),
            piece in prop::sample::select(PIECES),
        ) {
            let tokens: Vec<String> = CORPUS[which]
                .parse::<proc_macro2::TokenStream>()
                .unwrap()
                .into_iter()
                .map(|t| t.to_string())
                .collect();
            let mut tokens = tokens;
            let i = at.index(tokens.len());
            match op {
                0 => { tokens.remove(i); }
                1 => { let t = tokens[i].clone(); tokens.insert(i, t); }
                _ => tokens[i] = piece.to_string(),
            }
            let attr = tokens.join(" ");
            if let Some((out, _)) = run(&attr) {
                prop_assert!(out.to_string().contains("impl"), "{attr}: {out}");
            }
        }
    }
}
