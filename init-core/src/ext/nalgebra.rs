//! nalgebra matrices and vectors as parameters (feature `nalgebra`).
//!
//! nalgebra stores matrices column by column; weight-init's logical order is row-major, as for
//! every other target. A matrix with `R` rows and `C` columns has the shape `(R, C)` and element
//! `(i, j)` gets the value an `ndarray::Array2` of that shape gets at `[i, j]`. A vector (a
//! column count of `1` in the type: `DVector`, `SVector`) has rank 1, shape `(n,)`, like a
//! PyTorch bias.

use nalgebra::allocator::Allocator;
use nalgebra::storage::{IsContiguous, RawStorageMut};
use nalgebra::{ArrayStorage, Const, DefaultAllocator, Dim, Dyn, Matrix, OMatrix};

use crate::error::InitError;
use crate::param::construct::{Construct, FixedShape, wrong_shape};
use crate::param::element::Float;
use crate::param::rank::{AllowsFans, AllowsMatrix};
use crate::param::shape::element_count;
use crate::param::target::Target;

/// Whether matrices with the column dimension `C` are vectors (rank 1): `C` is `1` in the type.
/// A `DMatrix` with one column at run time is still a matrix.
fn is_vector<C: Dim>() -> bool {
    C::try_to_usize() == Some(1)
}

/// A nalgebra matrix or vector with contiguous storage: owned `DMatrix`, `DVector`, `SMatrix`,
/// `SVector` (any `OMatrix`) and single-column views. Strided views are not targets; fill an
/// owned matrix and copy it.
///
/// The shape is `(nrows, ncols)`, or `(n,)` when the column count is `1` in the type (`DVector`,
/// `SVector`: rank 1). Elements are visited in logical row-major order: `(0, 0), (0, 1), …`,
/// although nalgebra stores them column by column, so a matrix gets exactly the values of an
/// `ndarray::Array2` of the same shape. The storage is one logical slice (parallel keyed fills)
/// only when the matrix has a single row or column.
impl<F, R, C, S> Target for Matrix<F, R, C, S>
where
    F: Float,
    R: Dim,
    C: Dim,
    S: RawStorageMut<F, R, C> + IsContiguous,
{
    type Elem = F;

    fn shape(&self) -> Vec<usize> {
        if is_vector::<C>() {
            vec![self.nrows()]
        } else {
            vec![self.nrows(), self.ncols()]
        }
    }

    fn for_each_mut(&mut self, mut f: impl FnMut(&mut F)) {
        let rows = self.nrows();
        let data = self.as_mut_slice();
        // column-major: element (i, j) is at j * rows + i, so row i is every rows-th from i
        for i in 0..rows.min(data.len()) {
            data[i..].iter_mut().step_by(rows).for_each(&mut f);
        }
    }

    fn for_each(&self, mut f: impl FnMut(F)) {
        let rows = self.nrows();
        let data = self.as_slice();
        for i in 0..rows.min(data.len()) {
            data[i..].iter().step_by(rows).for_each(|&x| f(x));
        }
    }

    fn as_logical_slice_mut(&mut self) -> Option<&mut [F]> {
        // A single row or column is laid out in logical order; anything wider is column-major.
        if self.nrows() <= 1 || self.ncols() <= 1 {
            Some(self.as_mut_slice())
        } else {
            None
        }
    }
}

/// The shape of a statically sized matrix, `(R, C)`, or `(R,)` for `SVector<F, R>`
/// (`C == 1`).
impl<F: Float, const R: usize, const C: usize> FixedShape
    for Matrix<F, Const<R>, Const<C>, ArrayStorage<F, R, C>>
{
    fn fixed_shape() -> Vec<usize> {
        if C == 1 { vec![R] } else { vec![R, C] }
    }
}

/// A zero matrix in host memory, for any device. The shape must be `(rows, cols)` for a matrix
/// and `(n,)` for a vector, and agree with the dimensions the type fixes; anything else is
/// [`ErrorKind::WrongShape`](crate::ErrorKind::WrongShape).
impl<F, R, C, Dev> Construct<Dev> for OMatrix<F, R, C>
where
    F: Float,
    R: Dim,
    C: Dim,
    Dev: ?Sized,
    DefaultAllocator: Allocator<R, C>,
{
    fn zeros(shape: &[usize], _: &Dev) -> Result<Self, InitError> {
        let (rows, cols) = match (shape, is_vector::<C>()) {
            (&[n], true) => (n, 1),
            (&[r, c], false) => (r, c),
            _ => return Err(wrong_shape(shape, expected::<R, C>())),
        };
        let fits = |dim: Option<usize>, n: usize| dim.is_none_or(|d| d == n);
        if !fits(R::try_to_usize(), rows) || !fits(C::try_to_usize(), cols) {
            return Err(wrong_shape(shape, expected::<R, C>()));
        }
        element_count(shape, "build")?;
        Ok(Matrix::from_element_generic(
            R::from_usize(rows),
            C::from_usize(cols),
            F::ZERO,
        ))
    }
}

/// What a matrix type holds, in words, for [`ErrorKind::WrongShape`](crate::ErrorKind::WrongShape).
fn expected<R: Dim, C: Dim>() -> String {
    let dim = |d: Option<usize>| d.map_or("_".to_string(), |d| d.to_string());
    if is_vector::<C>() {
        format!("shape [{}] (a vector)", dim(R::try_to_usize()))
    } else {
        format!(
            "shape [{}, {}] (a matrix)",
            dim(R::try_to_usize()),
            dim(C::try_to_usize())
        )
    }
}

// Rank markers. Matrices with a dynamic column count (`DMatrix`) and statically sized ones
// (`SMatrix`) are rank 2. `DVector` (and other dynamically sized column vectors) are rank 1 and
// have none. `SVector<F, N>` is `SMatrix<F, N, 1>`: Rust cannot leave `C == 1` out of the
// `SMatrix` impls, so it passes these compile-time checks and a scheme that needs a matrix
// refuses its rank 1 at run time.
impl<F: Float, R: Dim, S: RawStorageMut<F, R, Dyn> + IsContiguous> AllowsFans
    for Matrix<F, R, Dyn, S>
{
}
impl<F: Float, R: Dim, S: RawStorageMut<F, R, Dyn> + IsContiguous> AllowsMatrix
    for Matrix<F, R, Dyn, S>
{
}
impl<F: Float, const R: usize, const C: usize> AllowsFans
    for Matrix<F, Const<R>, Const<C>, ArrayStorage<F, R, C>>
{
}
impl<F: Float, const R: usize, const C: usize> AllowsMatrix
    for Matrix<F, Const<R>, Const<C>, ArrayStorage<F, R, C>>
{
}
