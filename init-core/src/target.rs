//! What a scheme can fill: ndarray arrays and views, `Vec`, slices and fixed-size arrays.

use ndarray::{ArrayBase, DataMut, Dimension};

use crate::element::Float;

/// A parameter a scheme can fill: it knows its shape and hands out its elements in logical
/// (row-major) order, whatever its memory layout.
///
/// Implemented for every ndarray `ArrayBase<S, D>` with `S: DataMut` (owned arrays, views,
/// non-contiguous and transposed views, any dimension including `IxDyn`), `Vec<F>` and `[F]`
/// (rank 1), and nested fixed-size arrays `[F; N]`, `[[F; N]; M]`, … whose rank and shape come
/// from the type (outermost length first, so `[[f32; IN]; OUT]` is `(OUT, IN)`).
pub trait Target {
    /// The element type.
    type Elem: Float;

    /// The logical shape.
    fn shape(&self) -> Vec<usize>;

    /// Calls `f` on every element, in logical row-major order.
    fn for_each_mut(&mut self, f: impl FnMut(&mut Self::Elem));
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
}

impl<F: Float> Target for [F] {
    type Elem = F;

    fn shape(&self) -> Vec<usize> {
        vec![self.len()]
    }

    fn for_each_mut(&mut self, f: impl FnMut(&mut F)) {
        self.iter_mut().for_each(f);
    }
}

impl<F: Float> Target for Vec<F> {
    type Elem = F;

    fn shape(&self) -> Vec<usize> {
        vec![self.len()]
    }

    fn for_each_mut(&mut self, f: impl FnMut(&mut F)) {
        self.iter_mut().for_each(f);
    }
}

/// A scalar or a nest of fixed-size arrays of scalars; the building block of the `[T; N]`
/// [`Target`] impl.
pub trait Nested {
    /// The scalar at the bottom of the nest.
    type Elem: Float;
    /// Appends this level's dimensions (none for a scalar).
    fn push_dims(dims: &mut Vec<usize>);
    /// Calls `f` on every scalar in row-major order.
    fn visit(&mut self, f: &mut impl FnMut(&mut Self::Elem));
}

impl Nested for f32 {
    type Elem = f32;
    fn push_dims(_: &mut Vec<usize>) {}
    fn visit(&mut self, f: &mut impl FnMut(&mut f32)) {
        f(self);
    }
}

impl Nested for f64 {
    type Elem = f64;
    fn push_dims(_: &mut Vec<usize>) {}
    fn visit(&mut self, f: &mut impl FnMut(&mut f64)) {
        f(self);
    }
}

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
}
