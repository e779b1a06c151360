//! Error collection: every stage pushes its errors here and the derive checks once, so a user
//! fixes all mistakes of a struct in one build (serde_derive's `Ctxt`).

use proc_macro2::Span;

/// The errors found so far.
pub(crate) struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt { errors: Vec::new() }
    }

    /// Records an error at `span`.
    pub(crate) fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error spanning all of `tokens` (the whole value, not its first token).
    pub(crate) fn error_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// How many errors so far (to tell whether a stage added any).
    pub(crate) fn len(&self) -> usize {
        self.errors.len()
    }

    /// Records a parse error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// All errors, in the order found.
    #[cfg(test)]
    pub(crate) fn into_errors(self) -> Vec<syn::Error> {
        self.errors
    }

    /// The errors combined into one, if any.
    pub(crate) fn check(self) -> Result<(), syn::Error> {
        let mut it = self.errors.into_iter();
        match it.next() {
            None => Ok(()),
            Some(mut first) => {
                first.extend(it);
                Err(first)
            }
        }
    }
}
