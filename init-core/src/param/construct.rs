//! Building parameters: [`Construct`] makes a zero parameter of a shape on a device (what a
//! derived [`Build`](crate::Build) calls for each field), [`FixedShape`] says a type's own
//! shape.

use ndarray::{Array, ArrayD, Dimension, IxDyn};

use super::element::Float;
use super::parameter::Parameter;
use super::shape::{element_count, try_filled, try_with_capacity};
use super::target::Nested;
use crate::error::{ErrorKind, InitError};

/// A parameter type that can be created, zero-filled, from a shape on a device: what a
/// derived [`Build`](crate::Build) constructor calls for each field with a `shape = ...`.
///
/// `Dev` is the device type of the framework (`burn_tensor::Device`,
/// `candle_core::Device`); host-memory types (ndarray arrays, `Vec`, fixed-size arrays,
/// nalgebra matrices) are built for any device and ignore it, so a model can mix them with
/// framework tensors.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from a shape on a `{Dev}`",
    label = "cannot be built from a shape",
    note = "owned ndarray arrays, `Vec`, fixed-size arrays and, with their features, Burn and candle tensors (on their own device type) and nalgebra matrices can be built; views and slices cannot"
)]
pub trait Construct<Dev: ?Sized>: Parameter + Sized {
    /// A zero parameter of `shape` on `device`. Errors: a shape the type cannot hold
    /// ([`ErrorKind::WrongShape`]), too many elements ([`ErrorKind::ShapeOverflow`]), more
    /// bytes than can be allocated ([`ErrorKind::OutOfMemory`]), a framework's refusal
    /// ([`ErrorKind::Backend`]).
    fn zeros(shape: &[usize], device: &Dev) -> Result<Self, InitError>;

    /// [`zeros`](Construct::zeros) in a heap slot: what a derived [`Build`](crate::Build) calls,
    /// so that a parameter held inline in a model is never on the stack before it is moved
    /// into the model's own heap slot. Provided as `zeros(..).map(Box::new)`; a fixed-size
    /// array is built in its box a row at a time.
    fn zeros_boxed(shape: &[usize], device: &Dev) -> Result<Box<Self>, InitError> {
        Self::zeros(shape, device).map(Box::new)
    }
}

/// A parameter type whose shape is part of the type (`[[f32; 64]; 128]`, nalgebra's
/// `SMatrix<f32, 128, 64>`): a derived constructor builds it without a `shape = ...`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no shape in its type: building it needs `shape = ...`",
    label = "give this field `shape = (rows, cols)` in its `#[init(...)]`",
    note = "the shape is any expression of `usize`s: `shape = (cfg.hidden, cfg.input)`, `shape = [3, 3]`, `shape = dims` (a `Vec<usize>` or slice)"
)]
pub trait FixedShape {
    /// The shape the type has.
    fn fixed_shape() -> Vec<usize>;
}

/// The value moved out of its box, into the caller's slot: a function of its own, called last,
/// so that in a debug build (where every temporary has its own stack slot for the whole call)
/// the one copy of the value this move makes on the stack is not on the frame that built the
/// value while it was being built.
#[inline(never)]
pub(crate) fn unboxed<T>(built: Result<Box<T>, InitError>) -> Result<T, InitError> {
    match built {
        Ok(b) => Ok(*b),
        Err(e) => Err(e),
    }
}

/// [`ErrorKind::WrongShape`] for `shape` against what the type holds.
pub fn wrong_shape(shape: &[usize], expected: impl Into<String>) -> InitError {
    InitError::new(
        "build",
        ErrorKind::WrongShape {
            shape: shape.to_vec(),
            expected: expected.into(),
        },
    )
}

impl<F: Float, D: Dimension, Dev: ?Sized> Construct<Dev> for Array<F, D> {
    fn zeros(shape: &[usize], _: &Dev) -> Result<Self, InitError> {
        if let Some(rank) = D::NDIM
            && rank != shape.len()
        {
            return Err(wrong_shape(shape, format!("rank {rank}")));
        }
        let len = element_count(shape, "build")?;
        ArrayD::from_shape_vec(IxDyn(shape), try_filled(len, F::ZERO, "build")?)
            .and_then(|a| a.into_dimensionality::<D>())
            .map_err(|_| wrong_shape(shape, format!("rank {}", D::NDIM.unwrap_or(shape.len()))))
    }
}

impl<F: Float, Dev: ?Sized> Construct<Dev> for Vec<F> {
    fn zeros(shape: &[usize], _: &Dev) -> Result<Self, InitError> {
        match shape {
            [n] => {
                element_count(shape, "build")?;
                try_filled(*n, F::ZERO, "build")
            }
            _ => Err(wrong_shape(shape, "rank 1")),
        }
    }
}

impl<T: Nested, const N: usize> FixedShape for [T; N] {
    fn fixed_shape() -> Vec<usize> {
        let mut dims = Vec::new();
        <Self as Nested>::push_dims(&mut dims);
        dims
    }
}

impl<T: FixedShape + ?Sized> FixedShape for Box<T> {
    fn fixed_shape() -> Vec<usize> {
        T::fixed_shape()
    }
}

/// A fixed-size array built on the heap a row at a time, never whole on the stack: the type for
/// an array too large for a thread's stack (a model holding `[[f32; 362]; 362]` inline is
/// itself 511 KiB, and a debug build copies a returned value several times).
impl<T: Nested, const N: usize, Dev: ?Sized> Construct<Dev> for Box<[T; N]> {
    fn zeros(shape: &[usize], _: &Dev) -> Result<Self, InitError> {
        let fixed = <[T; N] as FixedShape>::fixed_shape();
        if shape != fixed.as_slice() {
            return Err(wrong_shape(shape, format!("shape {fixed:?}")));
        }
        let mut rows: Vec<T> = try_with_capacity(N, "build")?;
        rows.extend((0..N).map(|_| T::zeroed()));
        rows.into_boxed_slice()
            .try_into()
            .map_err(|_| wrong_shape(shape, format!("shape {fixed:?}")))
    }
}

/// Built as a `Box<[T; N]>`: [`zeros_boxed`](Construct::zeros_boxed) never has the array on the
/// stack, [`zeros`](Construct::zeros) moves it out of the box once, into the caller's slot.
impl<T: Nested, const N: usize, Dev: ?Sized> Construct<Dev> for [T; N] {
    fn zeros(shape: &[usize], device: &Dev) -> Result<Self, InitError> {
        unboxed(Self::zeros_boxed(shape, device))
    }

    fn zeros_boxed(shape: &[usize], device: &Dev) -> Result<Box<Self>, InitError> {
        <Box<Self> as Construct<Dev>>::zeros(shape, device)
    }
}
