//! The orthogonal matrix behind `orthogonal` and `delta_orthogonal`: a Gaussian matrix (drawn
//! from an rng in PyTorch's order, or keyed), faer's blocked Householder QR and the formation
//! of Q, their work split in [`QR_SPLIT`] parts run on rayon's pool (`Par::Rayon(QR_SPLIT)`).
//! The split decides how each trailing update is partitioned, hence the last bits of the
//! result; the pool only decides which thread runs which part. So the values are the same for
//! any number of threads (a test checks 1, 2 and 3), and the QR runs on two cores when there
//! are two.
//!
//! Keyed contract 4 (see `keyed.rs`): the keyed Gaussian is the element-wise normal kernel's,
//! written straight into the column-major matrix that is factored, in parallel; Q is formed as
//! LAPACK's `orgqr` forms it, each block of reflectors applied only to the columns it changes
//! (⅔ of the work of applying the reflectors to the whole identity, whose last bits differ);
//! and the transposing copies run by strips of rows, a cache line per column.

use std::num::NonZeroUsize;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::householder::{
    apply_block_householder_on_the_left_in_place_with_conj,
    apply_block_householder_sequence_on_the_left_in_place_scratch,
};
use faer::linalg::qr::no_pivoting::factor::{
    qr_in_place, qr_in_place_scratch, recommended_block_size,
};
use faer::{Conj, Mat, Par};
use rand::Rng;

use super::simd::{self, Path};
use crate::param::element::Float;
use crate::plan::law::Law;

/// The parts faer's QR splits its work in, whatever the threads (part of the keyed contract:
/// another number gives other last bits). Measured on 2 cores, f32 4096²: 3.0 s on one thread
/// (the same as sequential), 1.8 s on two.
pub(crate) const QR_SPLIT: NonZeroUsize = NonZeroUsize::new(4).unwrap();

/// Rows per strip of the transposing copies: 16 f32 (64 bytes, a cache line) of each column.
const STRIP: usize = 16;

/// Where the Gaussian matrix comes from.
pub(crate) enum Gaussian<'a, R: ?Sized> {
    /// Drawn from an rng: `rows × cols` standard normal f64 draws in row-major order, rounded to
    /// the compute type (PyTorch's `orthogonal_` draws its matrix in this order).
    Drawn(&'a mut R),
    /// Keyed (keyed contract 4): element `(i, j)` of the tall `m × n` matrix that is factored
    /// (the `rows × cols` matrix, transposed when wide) is the keyed standard normal of the
    /// element-wise kernels at index `j·m + i` under this key: its column-major order, which
    /// for a wide matrix is the parameter's own row-major order.
    Keyed([u32; 2]),
}

/// A `rows × cols` matrix, row-major, with orthonormal rows (rows ≤ cols) or orthonormal
/// columns (rows ≥ cols), as PyTorch's `orthogonal_` makes it: from a standard Gaussian
/// `rows × cols` matrix, transposed when wide (the tall `m × n` matrix `A`), `Q` of `A`'s QR
/// with each column multiplied by the sign of `R`'s diagonal (Mezzadri 2007: this makes `Q`
/// Haar-distributed), transposed back.
///
/// The factorisation runs in the element type `T` (f32 for f32 parameters, as PyTorch does),
/// on the current rayon pool, split in [`QR_SPLIT`] parts.
pub(crate) fn orthogonal_matrix<T, R>(rows: usize, cols: usize, gaussian: Gaussian<'_, R>) -> Vec<T>
where
    T: Float + faer::traits::ComplexField,
    R: Rng + ?Sized,
{
    let wide = rows < cols;
    let (m, n) = if wide { (cols, rows) } else { (rows, cols) };
    let mut a = Mat::<T>::zeros(m, n);
    match gaussian {
        Gaussian::Drawn(rng) => draw(&mut a, wide, rng),
        Gaussian::Keyed(key) => keyed(&mut a, key),
    }
    let par = Par::Rayon(QR_SPLIT);
    let block = recommended_block_size::<T>(m, n);
    let mut coeff = Mat::<T>::zeros(block, n);
    let mut scratch = MemBuffer::new(
        qr_in_place_scratch::<T>(m, n, block, par, Default::default())
            .or(apply_block_householder_sequence_on_the_left_in_place_scratch::<T>(m, block, n)),
    );
    let stack = MemStack::new(&mut scratch);
    qr_in_place(a.as_mut(), coeff.as_mut(), par, stack, Default::default());
    let (one, minus_one) = (T::from_f64(1.0), T::from_f64(-1.0));
    // R's diagonal signs, as factors of Q's columns (multiplying by ±1 is exact)
    let sign: Vec<T> = (0..n)
        .map(|j| if a[(j, j)] < T::ZERO { minus_one } else { one })
        .collect();
    // Q = H₀·H₁·…·I, the blocks applied last to first (LAPACK's `orgqr`): before block
    // `j₀..j₁` is applied, the columns left of `j₀` are still the identity's, zero in the
    // rows the block acts on, so it is applied to the columns from `j₀` on only. The
    // Householder basis is `a`'s strictly lower part: faer reads no more of it.
    let mut q = Mat::<T>::zeros(m, n);
    for j in 0..n {
        q[(j, j)] = one;
    }
    let mut end = n;
    let mut size = match n % block {
        0 => block,
        r => r,
    };
    while end > 0 {
        let start = end - size;
        apply_block_householder_on_the_left_in_place_with_conj(
            a.as_ref().get(start.., start..end),
            coeff.as_ref().get(..size, start..end),
            Conj::No,
            q.as_mut().get_mut(start.., start..),
            par,
            &mut *stack,
        );
        end = start;
        size = block;
    }
    drop(a);
    // faer returns with the vector registers' upper halves dirty: clear them here, where it
    // happens, so that the SSE code that follows runs at its speed (`simd::clean_upper_state`)
    simd::clean_upper_state();
    copy_out(&q, &sign, wide)
}

/// Column `j` of a faer matrix as a slice (faer's columns are contiguous).
fn col_mut<T>(a: &mut Mat<T>, j: usize) -> &mut [T] {
    a.col_mut(j)
        .try_as_col_major_mut()
        .map(|c| c.as_slice_mut())
        .unwrap_or_default()
}

/// Column `j` of a faer matrix as a slice.
fn col<T>(a: &Mat<T>, j: usize) -> &[T] {
    a.col(j)
        .try_as_col_major()
        .map(|c| c.as_slice())
        .unwrap_or_default()
}

/// Fills `a` (`m × n`) with the rng's draws in the order of the `rows × cols` matrix: a wide
/// one's rows are `a`'s columns; a tall one's rows are drawn a strip at a time and written
/// into `a`'s columns a strip of rows at a time.
fn draw<T: Float, R: Rng + ?Sized>(a: &mut Mat<T>, wide: bool, rng: &mut R) {
    let (m, n) = (a.nrows(), a.ncols());
    let mut normal = || T::from_f64(f64::standard_normal(rng));
    if wide {
        for j in 0..n {
            col_mut(a, j).iter_mut().for_each(|x| *x = normal());
        }
        return;
    }
    let mut strip = vec![T::ZERO; STRIP * n];
    for i0 in (0..m).step_by(STRIP) {
        let s = STRIP.min(m - i0);
        strip[..s * n].iter_mut().for_each(|x| *x = normal());
        for j in 0..n {
            let c = &mut col_mut(a, j)[i0..i0 + s];
            for (t, x) in c.iter_mut().enumerate() {
                *x = strip[t * n + j];
            }
        }
    }
}

/// Elements per task of the keyed Gaussian.
#[cfg(feature = "rayon")]
const CHUNK: usize = 1 << 12;

/// Fills `a` (`m × n`) with the keyed standard normal at index `j·m + i` for element `(i, j)`,
/// in parallel when large (feature `rayon`; the same bits either way).
fn keyed<T: Float>(a: &mut Mat<T>, key: [u32; 2]) {
    let m = a.nrows();
    let law = Law::Normal {
        mean: 0.0,
        std: 1.0,
    };
    let path = Path::best();
    #[cfg(feature = "rayon")]
    if m * a.ncols() >= super::keyed::PARALLEL_MIN_ELEMENTS {
        use rayon::prelude::*;
        a.par_col_iter_mut()
            .with_min_len(CHUNK.div_ceil(m.max(1)))
            .enumerate()
            .for_each(|(j, c)| {
                let c = c.try_as_col_major_mut().map(|c| c.as_slice_mut());
                c.unwrap_or_default()
                    .par_chunks_mut(CHUNK)
                    .enumerate()
                    .for_each(|(k, x)| simd::write(path, &law, key, (j * m + k * CHUNK) as u64, x));
            });
        return;
    }
    for j in 0..a.ncols() {
        simd::write(path, &law, key, (j * m) as u64, col_mut(a, j));
    }
}

/// The `rows × cols` row-major result from `Q` (`m × n`) with column `j` multiplied by
/// `sign[j]`: a wide result's rows are `Q`'s columns; a tall one is written a strip of rows
/// at a time, in parallel when large.
fn copy_out<T: Float>(q: &Mat<T>, sign: &[T], wide: bool) -> Vec<T> {
    let (m, n) = (q.nrows(), q.ncols());
    let mut out = vec![T::ZERO; m * n];
    if wide {
        for (j, row) in out.chunks_exact_mut(m).enumerate() {
            for (o, &v) in row.iter_mut().zip(col(q, j)) {
                *o = v * sign[j];
            }
        }
        return out;
    }
    let strip = |(s, rows): (usize, &mut [T])| {
        let i0 = s * STRIP;
        let h = rows.len() / n.max(1);
        for (j, &f) in sign.iter().enumerate() {
            for (t, &v) in col(q, j)[i0..i0 + h].iter().enumerate() {
                rows[t * n + j] = v * f;
            }
        }
    };
    #[cfg(feature = "rayon")]
    if m * n >= super::keyed::PARALLEL_MIN_ELEMENTS {
        use rayon::prelude::*;
        out.par_chunks_mut(STRIP * n.max(1))
            .enumerate()
            .for_each(strip);
        return out;
    }
    out.chunks_mut(STRIP * n.max(1)).enumerate().for_each(strip);
    out
}
