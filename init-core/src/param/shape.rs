//! Shapes: the one element-count rule, and what `shape = ...` accepts.

use crate::error::{ErrorKind, InitError};

/// The number of elements of `shape`, or [`ErrorKind::ShapeOverflow`] (in `context`) when the
/// product of its non-zero dimensions exceeds `isize::MAX`, the most any allocation can hold
/// (ndarray's rule). A shape with a zero dimension has 0 elements whatever the others are, if
/// those fit.
///
/// ```
/// use init_core::element_count;
/// assert_eq!(element_count(&[3, 4], "build").unwrap(), 12);
/// assert_eq!(element_count(&[0, 1 << 40, 4], "build").unwrap(), 0);
/// assert!(element_count(&[usize::MAX, 2], "build").is_err());
/// assert!(element_count(&[0, usize::MAX, 2], "build").is_err());
/// ```
pub fn element_count(shape: &[usize], context: &'static str) -> Result<usize, InitError> {
    count(shape).map_err(|kind| InitError::new(context, kind))
}

/// [`element_count`] without a context, for callers that add their own.
pub(crate) fn count(shape: &[usize]) -> Result<usize, ErrorKind> {
    let nonzero = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| isize::try_from(n).is_ok());
    match nonzero {
        Some(_) if shape.contains(&0) => Ok(0),
        Some(n) => Ok(n),
        None => Err(ErrorKind::ShapeOverflow {
            shape: shape.to_vec(),
        }),
    }
}

/// An empty `Vec` with room for exactly `len` items, or [`ErrorKind::OutOfMemory`] (in
/// `context`, with the bytes asked for) when the allocation fails or its size overflows: the
/// fallible allocation every parameter and `Vec` of models is built with, never an abort.
///
/// ```
/// use init_core::{ErrorKind, try_with_capacity};
/// assert!(try_with_capacity::<f32>(16, "build").unwrap().capacity() >= 16);
/// let err = try_with_capacity::<f32>(1 << 62, "build").unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::OutOfMemory { items: 1 << 62, item_bytes: 4 });
/// assert_eq!(err.to_string(), "build: could not allocate 18446744073709551616 bytes (4611686018427387904 × 4)");
/// ```
pub fn try_with_capacity<T>(len: usize, context: &'static str) -> Result<Vec<T>, InitError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        InitError::new(
            context,
            ErrorKind::OutOfMemory {
                items: len,
                item_bytes: std::mem::size_of::<T>(),
            },
        )
    })?;
    Ok(v)
}

/// `len` copies of `value`, allocated with [`try_with_capacity`].
pub(crate) fn try_filled<T: Clone>(
    len: usize,
    value: T,
    context: &'static str,
) -> Result<Vec<T>, InitError> {
    let mut v = try_with_capacity(len, context)?;
    v.resize(len, value);
    Ok(v)
}

/// A shape written in an attribute: a `usize`, a tuple of up to six `usize`s, an array, a
/// slice or a `Vec` of them. What `shape = ...` accepts.
pub trait IntoShape {
    /// The dimensions, outermost first.
    fn into_shape(self) -> Vec<usize>;
}

impl IntoShape for usize {
    fn into_shape(self) -> Vec<usize> {
        vec![self]
    }
}

impl<const N: usize> IntoShape for [usize; N] {
    fn into_shape(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl IntoShape for &[usize] {
    fn into_shape(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl<const N: usize> IntoShape for &[usize; N] {
    fn into_shape(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl IntoShape for Vec<usize> {
    fn into_shape(self) -> Vec<usize> {
        self
    }
}

impl IntoShape for &Vec<usize> {
    fn into_shape(self) -> Vec<usize> {
        self.clone()
    }
}

macro_rules! tuple_shape {
    ($($n:ident)*) => {
        impl IntoShape for ($($n,)*) {
            #[allow(non_snake_case)]
            fn into_shape(self) -> Vec<usize> {
                let ($($n,)*) = self;
                vec![$($n),*]
            }
        }
    };
}

type A = usize;
type B = usize;
type C = usize;
type D = usize;
type E = usize;
type G = usize;
tuple_shape!(A);
tuple_shape!(A B);
tuple_shape!(A B C);
tuple_shape!(A B C D);
tuple_shape!(A B C D E);
tuple_shape!(A B C D E G);
