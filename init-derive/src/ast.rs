//! A borrowing view of the input struct: its fields, each with the user's tokens kept for
//! spans, and what its `#[init(...)]` says (read through [`parse`] and
//! [`interpret`](crate::interpret)).

use proc_macro2::Span;
use syn::spanned::Spanned as _;

use crate::ctxt::Ctxt;
use crate::interpret::{ContainerSpec, FansOf, FieldSpec};
use crate::parse;

/// What the derive reads of its input.
pub(crate) enum Input<'a> {
    Struct(Container<'a>),
    /// An enum or a union, refused (with an error in the `Ctxt`); its `#[init(...)]` is still
    /// read, for the fallback impl's `crate = ...`.
    NotAStruct(ContainerSpec),
}

/// The struct being derived.
pub(crate) struct Container<'a> {
    pub original: &'a syn::DeriveInput,
    pub spec: ContainerSpec,
    pub fields: Vec<Field<'a>>,
}

/// One field.
pub(crate) struct Field<'a> {
    pub original: &'a syn::Field,
    /// `self.<member>`
    pub member: syn::Member,
    pub spec: FieldSpec,
    /// Its attribute was read and checked without error, so its type requirements are known
    /// even when the struct as a whole has errors (set again by the checks).
    pub clean: bool,
}

impl Field<'_> {
    /// The name used in parameter paths and in messages.
    pub(crate) fn display_name(&self) -> String {
        match &self.member {
            syn::Member::Named(i) => i.to_string(),
            syn::Member::Unnamed(i) => i.index.to_string(),
        }
    }

    pub(crate) fn ty_span(&self) -> Span {
        self.original.ty.span()
    }
}

impl<'a> Input<'a> {
    /// Reads the input: the struct's attribute, then each field's.
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a syn::DeriveInput) -> Self {
        let items = parse::items_of(cx, &input.attrs);
        let spec = ContainerSpec::from_items(cx, items);
        let fields = match &input.data {
            syn::Data::Struct(s) => &s.fields,
            syn::Data::Enum(e) => {
                cx.error(
                    e.enum_token.span,
                    "`#[derive(Initialize)]` works on structs; an enum's parameters depend on its variant at run time: derive it on the structs inside",
                );
                return Input::NotAStruct(spec);
            }
            syn::Data::Union(u) => {
                cx.error(
                    u.union_token.span,
                    "`#[derive(Initialize)]` works on structs, not unions",
                );
                return Input::NotAStruct(spec);
            }
        };
        let fields = fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let before = cx.len();
                let items = parse::items_of(cx, &f.attrs);
                let spec = FieldSpec::from_items(cx, items);
                Field {
                    clean: cx.len() == before,
                    original: f,
                    member: match &f.ident {
                        Some(ident) => syn::Member::Named(ident.clone()),
                        None => syn::Member::Unnamed(syn::Index {
                            index: u32::try_from(i).unwrap_or(u32::MAX),
                            span: f.ty.span(),
                        }),
                    },
                    spec,
                }
            })
            .collect();
        Input::Struct(Container {
            original: input,
            spec,
            fields,
        })
    }
}

impl Container<'_> {
    /// The index of the field `fans_of` names.
    pub(crate) fn sibling(&self, fans_of: &FansOf) -> Option<usize> {
        self.fields.iter().position(|f| match (fans_of, &f.member) {
            (FansOf::Named(n), syn::Member::Named(m)) => n == m,
            (FansOf::Index(n, _), syn::Member::Unnamed(m)) => *n == m.index as usize,
            _ => false,
        })
    }
}
