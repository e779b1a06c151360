//! A borrowing view of the input struct: its fields, each with the user's tokens kept for
//! spans, and what its `#[init(...)]` says (read through [`parse`] and
//! [`interpret`](crate::interpret)).

use proc_macro2::Span;
use syn::spanned::Spanned as _;

use crate::ctxt::Ctxt;
use crate::interpret::{ContainerSpec, FansOf, FieldSpec, LayoutSpec};
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

/// The length of an axis as the field shows it at compile time.
pub(crate) enum Length<'a> {
    /// An integer literal.
    Literal(usize),
    /// A constant expression in the type (`[[f32; IN]; OUT]`), possibly of generic parameters.
    Const(&'a syn::Expr),
}

/// The lengths of a fixed-size array type, outermost first (`[[f32; 4]; 12]`: 12, 4), seen
/// through `Box`.
fn array_lengths(ty: &syn::Type) -> Option<Vec<Length<'_>>> {
    match ty {
        syn::Type::Array(a) => {
            let mut out = vec![length(&a.len)];
            if let Some(rest) = array_lengths(&a.elem) {
                out.extend(rest);
            }
            Some(out)
        }
        syn::Type::Group(g) => array_lengths(&g.elem),
        syn::Type::Paren(p) => array_lengths(&p.elem),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            match &last.arguments {
                syn::PathArguments::AngleBracketed(args) if last.ident == "Box" => {
                    match args.args.first()? {
                        syn::GenericArgument::Type(inner @ syn::Type::Array(_)) => {
                            array_lengths(inner)
                        }
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn length(e: &syn::Expr) -> Length<'_> {
    match literal_int(e) {
        Some(n) => Length::Literal(n),
        None => Length::Const(e),
    }
}

fn literal_int(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        syn::Expr::Paren(p) => literal_int(&p.expr),
        syn::Expr::Group(g) => literal_int(&g.expr),
        _ => None,
    }
}

/// The lengths a literal `shape = ...` gives: `shape = 12`, `shape = (12, 4)`, every one an
/// integer literal.
fn shape_lengths(e: &syn::Expr) -> Option<Vec<Length<'_>>> {
    let dims: Vec<Option<usize>> = match e {
        syn::Expr::Tuple(t) => t.elems.iter().map(literal_int).collect(),
        syn::Expr::Paren(p) => return shape_lengths(&p.expr),
        other => vec![literal_int(other)],
    };
    dims.into_iter()
        .map(|d| d.map(Length::Literal))
        .collect::<Option<Vec<_>>>()
}

impl Field<'_> {
    /// The axis `blocks = k` splits and its length, where the field shows it at compile time:
    /// the layout's output axis (axis 0 under `out_in`, the default; the last under `in_out`;
    /// axis 0 at rank 1) of a literal `shape = ...`, else of a fixed-size array type. `None`
    /// when the shape or the layout (an expression) is known only at run time.
    pub(crate) fn block_axis(&self, container: &ContainerSpec) -> Option<(usize, Length<'_>)> {
        let lengths = match &self.spec.shape {
            Some((_, e)) => shape_lengths(e)?,
            None => array_lengths(&self.original.ty)?,
        };
        let layout = self
            .spec
            .modifiers
            .layout
            .as_ref()
            .or(container.layout.as_ref());
        let axis = match (lengths.len(), layout) {
            (0, _) => return None,
            (1, _) | (_, None) => 0,
            (rank, Some(LayoutSpec::Named(def, _))) => match def.variant {
                "InOut" => rank - 1,
                _ => 0,
            },
            (_, Some(LayoutSpec::Expr(_))) => return None,
        };
        let len = lengths.into_iter().nth(axis)?;
        Some((axis, len))
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
