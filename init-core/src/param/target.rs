//! What a scheme can fill: ndarray arrays and views, `Vec`, slices and fixed-size arrays.

use ndarray::{ArrayBase, DataMut, Dimension};

use super::element::Float;

/// A parameter a scheme can fill: it knows its shape and hands out its elements in logical
/// (row-major) order, whatever its memory layout.
///
/// Implemented for every ndarray `ArrayBase<S, D>` with `S: DataMut` (owned arrays, views,
/// non-contiguous and transposed views, any dimension including `IxDyn`), `Vec<F>` and `[F]`
/// (rank 1), nested fixed-size arrays `[F; N]`, `[[F; N]; M]`, … whose rank and shape come
/// from the type (outermost length first, so `[[f32; IN]; OUT]` is `(OUT, IN)`), and a `Box`
/// of any of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a parameter",
    label = "not an initialisable parameter",
    note = "parameters are ndarray arrays and views, `Vec`, slices and fixed-size arrays of `f32` or `f64` (integers are refused)"
)]
pub trait Target {
    /// The element type.
    type Elem: Float;

    /// The logical shape.
    fn shape(&self) -> Vec<usize>;

    /// Calls `f` on every element, in logical row-major order.
    fn for_each_mut(&mut self, f: impl FnMut(&mut Self::Elem));

    /// Calls `f` with every element, in logical row-major order.
    fn for_each(&self, f: impl FnMut(Self::Elem));

    /// The elements as one slice in logical order, when the memory is laid out that way
    /// (lets keyed fills run in parallel, and a load read a file's bytes into them in place).
    /// `None` by default.
    fn as_logical_slice_mut(&mut self) -> Option<&mut [Self::Elem]> {
        None
    }

    /// The elements as one slice in logical order, when the memory is laid out that way (lets
    /// a save write them, and a load read into them, in place). `None` by default.
    fn as_logical_slice(&self) -> Option<&[Self::Elem]> {
        None
    }
}

impl<S, D> Target for ArrayBase<S, D>
where
    S: DataMut,
    S::Elem: Float,
    D: Dimension,
{
    type Elem = S::Elem;

    fn shape(&self) -> Vec<usize> {
        ArrayBase::shape(self).to_vec()
    }

    fn for_each_mut(&mut self, f: impl FnMut(&mut Self::Elem)) {
        // `iter_mut` walks in logical order, with a slice fast path when contiguous.
        self.iter_mut().for_each(f);
    }

    fn for_each(&self, mut f: impl FnMut(Self::Elem)) {
        self.iter().for_each(|&x| f(x));
    }

    fn as_logical_slice_mut(&mut self) -> Option<&mut [Self::Elem]> {
        // standard (row-major, contiguous) layout only
        self.as_slice_mut()
    }

    fn as_logical_slice(&self) -> Option<&[Self::Elem]> {
        self.as_slice()
    }
}

/// `[F]` and `Vec<F>`: rank 1, one slice in logical order.
macro_rules! rank_one {
    ($($ty:ty),*) => {$(
        impl<F: Float> Target for $ty {
            type Elem = F;

            fn shape(&self) -> Vec<usize> {
                vec![self.len()]
            }

            fn for_each_mut(&mut self, f: impl FnMut(&mut F)) {
                self.iter_mut().for_each(f);
            }

            fn for_each(&self, mut f: impl FnMut(F)) {
                self.iter().for_each(|&x| f(x));
            }

            fn as_logical_slice_mut(&mut self) -> Option<&mut [F]> {
                Some(self)
            }

            fn as_logical_slice(&self) -> Option<&[F]> {
                Some(self)
            }
        }
    )*};
}

rank_one!([F], Vec<F>);

/// A scalar or a nest of fixed-size arrays of scalars; the building block of the `[T; N]`
/// [`Target`] impl.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a floating-point element: parameters hold `f32` or `f64` (and `f16`, `bf16` with the `half` feature)",
    label = "integer and other element types are refused"
)]
pub trait Nested {
    /// The scalar at the bottom of the nest.
    type Elem: Float;
    /// Appends this level's dimensions (none for a scalar).
    fn push_dims(dims: &mut Vec<usize>);
    /// Calls `f` on every scalar in row-major order.
    fn visit(&mut self, f: &mut impl FnMut(&mut Self::Elem));
    /// Calls `f` with every scalar in row-major order.
    fn read(&self, f: &mut impl FnMut(Self::Elem));
    /// The nest with every scalar zero.
    fn zeroed() -> Self;
}

impl Nested for f32 {
    type Elem = f32;
    fn push_dims(_: &mut Vec<usize>) {}
    fn visit(&mut self, f: &mut impl FnMut(&mut f32)) {
        f(self);
    }
    fn read(&self, f: &mut impl FnMut(f32)) {
        f(*self);
    }
    fn zeroed() -> Self {
        0.0
    }
}

impl Nested for f64 {
    type Elem = f64;
    fn push_dims(_: &mut Vec<usize>) {}
    fn visit(&mut self, f: &mut impl FnMut(&mut f64)) {
        f(self);
    }
    fn read(&self, f: &mut impl FnMut(f64)) {
        f(*self);
    }
    fn zeroed() -> Self {
        0.0
    }
}

#[cfg(feature = "half")]
macro_rules! half_scalar {
    ($($t:ty),*) => {$(
        impl Nested for $t {
            type Elem = $t;
            fn push_dims(_: &mut Vec<usize>) {}
            fn visit(&mut self, f: &mut impl FnMut(&mut $t)) {
                f(self);
            }
            fn read(&self, f: &mut impl FnMut($t)) {
                f(*self);
            }
            fn zeroed() -> Self {
                <$t as Float>::ZERO
            }
        }
    )*};
}

#[cfg(feature = "half")]
half_scalar!(half::f16, half::bf16);

impl<T: Nested, const N: usize> Nested for [T; N] {
    type Elem = T::Elem;
    fn push_dims(dims: &mut Vec<usize>) {
        dims.push(N);
        T::push_dims(dims);
    }
    fn visit(&mut self, f: &mut impl FnMut(&mut Self::Elem)) {
        for item in self {
            item.visit(f);
        }
    }
    fn read(&self, f: &mut impl FnMut(Self::Elem)) {
        for item in self {
            item.read(f);
        }
    }
    fn zeroed() -> Self {
        std::array::from_fn(|_| T::zeroed())
    }
}

/// A boxed target is its content: `Box<[[f32; 4096]; 4096]>` holds a fixed-size array too
/// large for a stack, and is built on the heap ([`Construct`](crate::Construct)).
impl<T: Target + ?Sized> Target for Box<T> {
    type Elem = T::Elem;

    fn shape(&self) -> Vec<usize> {
        (**self).shape()
    }

    fn for_each_mut(&mut self, f: impl FnMut(&mut Self::Elem)) {
        (**self).for_each_mut(f);
    }

    fn for_each(&self, f: impl FnMut(Self::Elem)) {
        (**self).for_each(f);
    }

    fn as_logical_slice_mut(&mut self) -> Option<&mut [Self::Elem]> {
        (**self).as_logical_slice_mut()
    }

    fn as_logical_slice(&self) -> Option<&[Self::Elem]> {
        (**self).as_logical_slice()
    }
}

impl<T: Nested, const N: usize> Target for [T; N] {
    type Elem = T::Elem;

    fn shape(&self) -> Vec<usize> {
        let mut dims = Vec::new();
        <Self as Nested>::push_dims(&mut dims);
        dims
    }

    fn for_each_mut(&mut self, mut f: impl FnMut(&mut Self::Elem)) {
        self.visit(&mut f);
    }

    fn for_each(&self, mut f: impl FnMut(Self::Elem)) {
        self.read(&mut f);
    }
}
