//! Compile-time rank checks for the derive: a field's type may show its rank (`Array1`,
//! `[f32; N]`, `Vec<f32>` are rank 1; `Array2`, `[[f32; N]; M]` rank 2). These marker traits are
//! implemented for every parameter (and framework layer, whose weight decides) whose type does
//! not rule out what a scheme needs; types of
//! unknown rank (`ArrayD`, candle tensors) implement them all and are checked at run time.

use ndarray::{ArrayBase, DataMut};

use super::element::Float;
use super::target::Nested;

/// A target whose type allows rank ≥ 2: fan-based schemes can read fans from its shape.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has rank 1: fan-based schemes need rank >= 2 to derive fan_in and fan_out",
    label = "rank 1 by its type",
    note = "fan-based schemes are glorot_*, xavier_*, he_*, kaiming_*, lecun_*, variance_scaling, torch_default and orthogonal",
    note = "give the fans instead: `fan_in = ...` (and `fan_out = ...`), or take a weight's with `fans_of = <field>`",
    note = "a norm layer's scale and shift are vectors without fans: give it `ones`, `constant(..)` or `normal(..)`"
)]
pub trait AllowsFans {}

/// A target whose type allows rank exactly 2 (`eye`, `sparse`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not rank 2: `eye` and `sparse` need a matrix",
    label = "wrong rank by its type",
    note = "use `Array2<_>`, `[[F; IN]; OUT]` or a dynamic-rank array"
)]
pub trait AllowsMatrix {}

/// A target whose type allows rank 3 to 5 (`dirac`, `delta_orthogonal`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a convolution kernel: `dirac` and `delta_orthogonal` need rank 3 to 5",
    label = "wrong rank by its type",
    note = "a kernel is (out, in, k1, ...): `Array3<_>`, `Array4<_>`, `Array5<_>` or nested arrays of that rank"
)]
pub trait AllowsConv {}

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

impl<T: AllowsFans + ?Sized> AllowsFans for Box<T> {}
impl<T: AllowsMatrix + ?Sized> AllowsMatrix for Box<T> {}
impl<T: AllowsConv + ?Sized> AllowsConv for Box<T> {}

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
