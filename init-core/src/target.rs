//! What a scheme can fill: ndarray arrays and views, `Vec`, slices and fixed-size arrays.

use ndarray::{ArrayBase, DataMut, Dimension};

use crate::element::Float;
use crate::param::Parameter;

/// A parameter a scheme can fill: it knows its shape and hands out its elements in logical
/// (row-major) order, whatever its memory layout.
///
/// Implemented for every ndarray `ArrayBase<S, D>` with `S: DataMut` (owned arrays, views,
/// non-contiguous and transposed views, any dimension including `IxDyn`), `Vec<F>` and `[F]`
/// (rank 1), and nested fixed-size arrays `[F; N]`, `[[F; N]; M]`, … whose rank and shape come
/// from the type (outermost length first, so `[[f32; IN]; OUT]` is `(OUT, IN)`).
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
    /// (lets keyed fills run in parallel). `None` by default.
    fn as_logical_slice_mut(&mut self) -> Option<&mut [Self::Elem]> {
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
}

impl<F: Float> Target for [F] {
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
}

impl<F: Float> Target for Vec<F> {
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
}

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

// Compile-time rank checks for the derive: a field's type may show its rank (`Array1`,
// `[f32; N]`, `Vec<f32>` are rank 1; `Array2`, `[[f32; N]; M]` rank 2). These marker traits are
// implemented for every target whose type does not rule out what a scheme needs; types of
// unknown rank (`ArrayD`) implement them all and are checked at run time.

/// A target whose type allows rank ≥ 2: fan-based schemes can read fans from its shape.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has rank 1: fan-based schemes need rank >= 2 to derive fan_in and fan_out",
    label = "rank 1 by its type",
    note = "fan-based schemes are glorot_*, xavier_*, he_*, kaiming_*, lecun_*, variance_scaling, torch_default and orthogonal",
    note = "give the fans instead: `fan_in = ...` (and `fan_out = ...`), or take a weight's with `fans_of = <field>`"
)]
pub trait AllowsFans: Parameter {}

/// A target whose type allows rank exactly 2 (`eye`, `sparse`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not rank 2: `eye` and `sparse` need a matrix",
    label = "wrong rank by its type",
    note = "use `Array2<_>`, `[[F; IN]; OUT]` or a dynamic-rank array"
)]
pub trait AllowsMatrix: Parameter {}

/// A target whose type allows rank 3 to 5 (`dirac`, `delta_orthogonal`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a convolution kernel: `dirac` and `delta_orthogonal` need rank 3 to 5",
    label = "wrong rank by its type",
    note = "a kernel is (out, in, k1, ...): `Array3<_>`, `Array4<_>`, `Array5<_>` or nested arrays of that rank"
)]
pub trait AllowsConv: Parameter {}

impl<S: DataMut<Elem: Float>> AllowsFans for ArrayBase<S, ndarray::Ix2> {}
impl<S: DataMut<Elem: Float>> AllowsFans for ArrayBase<S, ndarray::Ix3> {}
impl<S: DataMut<Elem: Float>> AllowsFans for ArrayBase<S, ndarray::Ix4> {}
impl<S: DataMut<Elem: Float>> AllowsFans for ArrayBase<S, ndarray::Ix5> {}
impl<S: DataMut<Elem: Float>> AllowsFans for ArrayBase<S, ndarray::Ix6> {}
impl<S: DataMut<Elem: Float>> AllowsFans for ArrayBase<S, ndarray::IxDyn> {}
impl<S: DataMut<Elem: Float>> AllowsMatrix for ArrayBase<S, ndarray::Ix2> {}
impl<S: DataMut<Elem: Float>> AllowsMatrix for ArrayBase<S, ndarray::IxDyn> {}
impl<S: DataMut<Elem: Float>> AllowsConv for ArrayBase<S, ndarray::Ix3> {}
impl<S: DataMut<Elem: Float>> AllowsConv for ArrayBase<S, ndarray::Ix4> {}
impl<S: DataMut<Elem: Float>> AllowsConv for ArrayBase<S, ndarray::Ix5> {}
impl<S: DataMut<Elem: Float>> AllowsConv for ArrayBase<S, ndarray::IxDyn> {}

impl<T: Nested, const N: usize, const M: usize> AllowsFans for [[T; N]; M] {}
impl<F: Float + Nested, const N: usize, const M: usize> AllowsMatrix for [[F; N]; M] {}
impl<F: Float + Nested, const A: usize, const B: usize, const C: usize> AllowsConv
    for [[[F; A]; B]; C]
{
}
impl<F: Float + Nested, const A: usize, const B: usize, const C: usize, const D: usize> AllowsConv
    for [[[[F; A]; B]; C]; D]
{
}
impl<
    F: Float + Nested,
    const A: usize,
    const B: usize,
    const C: usize,
    const D: usize,
    const E: usize,
> AllowsConv for [[[[[F; A]; B]; C]; D]; E]
{
}
