//! The orthogonal matrix behind `orthogonal` and `delta_orthogonal`: faer's blocked Householder
//! QR and the formation of Q, their work split in [`QR_SPLIT`] parts run on rayon's pool
//! (`Par::Rayon(QR_SPLIT)`). The split decides how each trailing update is partitioned, hence
//! the last bits of the result; the pool only decides which thread runs which part. So the
//! values are the same for any number of threads (a test checks 1, 2 and 3), and the QR runs
//! on two cores when there are two (keyed contract 3; contract 2 ran it sequentially, whose
//! last bits differ).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::householder::{
    apply_block_householder_sequence_on_the_left_in_place_scratch,
    apply_block_householder_sequence_on_the_left_in_place_with_conj,
};
use faer::linalg::qr::no_pivoting::factor::{
    qr_in_place, qr_in_place_scratch, recommended_block_size,
};
use faer::{Conj, Mat, Par};
use rand::Rng;
use std::num::NonZeroUsize;

use crate::param::element::Float;

/// The parts faer's QR splits its work in, whatever the threads (part of the keyed contract:
/// another number gives other last bits). Measured on 2 cores, f32 4096²: 3.0 s on one thread
/// (the same as sequential), 1.8 s on two.
pub(crate) const QR_SPLIT: NonZeroUsize = NonZeroUsize::new(4).unwrap();

/// A `rows × cols` matrix, row-major, with orthonormal rows (rows ≤ cols) or orthonormal
/// columns (rows ≥ cols), drawn as PyTorch's `orthogonal_` draws it: a standard Gaussian
/// `rows × cols` matrix in row-major order, transposed when wide, `Q` of its QR with each column
/// multiplied by the sign of `R`'s diagonal (Mezzadri 2007: this makes `Q` Haar-distributed),
/// transposed back.
///
/// The factorisation runs in the element type `T` (f32 for f32 parameters, as PyTorch does),
/// on the current rayon pool, split in [`QR_SPLIT`] parts;
/// the Gaussian draws are the same f64 draws for both, rounded.
pub(crate) fn orthogonal_matrix<T, R>(rows: usize, cols: usize, rng: &mut R) -> Vec<T>
where
    T: Float + faer::traits::ComplexField,
    R: Rng + ?Sized,
{
    let mut gaussian = Vec::with_capacity(rows * cols);
    gaussian.extend((0..rows * cols).map(|_| T::from_f64(f64::standard_normal(rng))));
    let wide = rows < cols;
    // The tall matrix A (m × n, m ≥ n) that is factored: the draw, or its transpose.
    let (m, n) = if wide { (cols, rows) } else { (rows, cols) };
    let mut a = Mat::<T>::from_fn(m, n, |i, j| {
        if wide {
            gaussian[j * cols + i]
        } else {
            gaussian[i * cols + j]
        }
    });
    drop(gaussian);
    let par = Par::Rayon(QR_SPLIT);
    let block = recommended_block_size::<T>(m, n);
    let mut coeff = Mat::<T>::zeros(block, n);
    qr_in_place(
        a.as_mut(),
        coeff.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(qr_in_place_scratch::<T>(
            m,
            n,
            block,
            par,
            Default::default(),
        ))),
        Default::default(),
    );
    let (zero, one) = (T::ZERO, T::from_f64(1.0));
    // R's diagonal signs; the Householder basis is the strictly lower part with a unit diagonal.
    let negative: Vec<bool> = (0..n).map(|j| a[(j, j)] < zero).collect();
    let basis = Mat::<T>::from_fn(m, n, |i, j| match i.cmp(&j) {
        std::cmp::Ordering::Greater => a[(i, j)],
        std::cmp::Ordering::Equal => one,
        std::cmp::Ordering::Less => zero,
    });
    drop(a);
    let mut q = Mat::<T>::from_fn(m, n, |i, j| if i == j { one } else { zero });
    apply_block_householder_sequence_on_the_left_in_place_with_conj(
        basis.as_ref(),
        coeff.as_ref(),
        Conj::No,
        q.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(
            apply_block_householder_sequence_on_the_left_in_place_scratch::<T>(m, block, n),
        )),
    );
    // faer returns with the vector registers' upper halves dirty: clear them here, where it
    // happens, so that the SSE code that follows runs at its speed (`simd::clean_upper_state`)
    super::simd::clean_upper_state();
    let mut out = vec![zero; rows * cols];
    for i in 0..m {
        for j in 0..n {
            let v = q[(i, j)];
            let v = if negative[j] {
                T::from_f64(-v.to_f64())
            } else {
                v
            };
            if wide {
                out[j * cols + i] = v;
            } else {
                out[i * cols + j] = v;
            }
        }
    }
    out
}
