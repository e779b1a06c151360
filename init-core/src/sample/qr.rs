//! The orthogonal matrix behind `orthogonal` and `delta_orthogonal`: a Gaussian matrix (drawn
//! from an rng in PyTorch's order, or keyed), faer's blocked Householder QR and the formation
//! of Q. Above a size ([`SEQ_BELOW`]) their work is split in [`QR_SPLIT`] parts run on rayon's
//! pool (`Par::Rayon(QR_SPLIT)`); below it, it runs sequentially. The split decides how each
//! trailing update is partitioned, hence the last bits of the result; the pool only decides
//! which thread runs which part. So the values are the same for any number of threads (a test
//! checks 1, 2 and 3), and the QR runs on two cores when there are two.
//!
//! Since keyed contract 4: the keyed Gaussian comes from the element-wise normal kernel,
//! written straight into the column-major matrix that is factored, in parallel; Q is formed as
//! LAPACK's `sorgqr` forms it, each block of reflectors applied only to the columns it changes
//! (for a square matrix ⅔ of the work of applying them to the whole identity, as contract 3
//! did, whose last bits differ); small matrices are factored sequentially; and the
//! transposing copies run by strips of rows, a cache line of each column at a time.

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
/// another number gives other last bits). Measured on 2 cores (AMD EPYC, AVX-512), f32 4096²,
/// the whole of `orthogonal`: 2.3 s on one thread, 1.3–1.4 s on two; 2 parts gave the same
/// within noise, 8 were slower at 1024².
pub(crate) const QR_SPLIT: NonZeroUsize = NonZeroUsize::new(4).unwrap();

/// Matrices (`m × n`, tall) with `m·n² <` this are factored sequentially (`Par::Seq`, whose last
/// bits differ from the split's; part of the keyed contract too): faer's parallel paths cost
/// more than they give there. Measured on 2 cores, f32, two threads: 256² 1.0 ms sequential
/// against 1.7 ms split, 512² 5.7 against 7.4 ms, 768² 16.8 against 20.3 ms; 1024² 39 ms
/// against 28 ms (the split pays).
pub(crate) const SEQ_BELOW: usize = 1 << 29;

/// How the QR of an `m × n` matrix runs: sequentially when small, else split in [`QR_SPLIT`]
/// parts on rayon's pool. A function of the shape only, never of the threads.
fn par_for(m: usize, n: usize) -> Par {
    if m.saturating_mul(n).saturating_mul(n) < SEQ_BELOW {
        Par::Seq
    } else {
        Par::Rayon(QR_SPLIT)
    }
}

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
/// sequentially when small, else on the current rayon pool split in [`QR_SPLIT`] parts
/// ([`SEQ_BELOW`]).
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
    let par = par_for(m, n);
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
        let h = STRIP.min(m - i0);
        strip[..h * n].iter_mut().for_each(|x| *x = normal());
        // a tile of STRIP × STRIP at a time, through a buffer: the strip's rows lie a power of
        // two apart for power-of-two widths, and would evict each other from the cache
        let mut tile = [[T::ZERO; STRIP]; STRIP];
        for j0 in (0..n).step_by(STRIP) {
            let w = STRIP.min(n - j0);
            for (t, row) in strip[..h * n].chunks_exact(n).enumerate() {
                for (jj, &v) in row[j0..j0 + w].iter().enumerate() {
                    tile[jj][t] = v;
                }
            }
            for (jj, t) in tile[..w].iter().enumerate() {
                col_mut(a, j0 + jj)[i0..i0 + h].copy_from_slice(&t[..h]);
            }
        }
    }
}

/// Elements per task of the keyed Gaussian.
#[cfg(feature = "rayon")]
const CHUNK: usize = 1 << 12;

/// Matrices of fewer elements are drawn and copied out on the calling thread (two tasks: the
/// cut-off of the keyed element-wise fills, `keyed::PARALLEL_MIN_ELEMENTS`).
#[cfg(feature = "rayon")]
const PARALLEL_MIN: usize = 2 * CHUNK;

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
    if m * a.ncols() >= PARALLEL_MIN {
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
        // a tile of STRIP × STRIP at a time, through a buffer (see `draw`)
        let mut tile = [[T::ZERO; STRIP]; STRIP];
        for j0 in (0..n).step_by(STRIP) {
            let w = STRIP.min(n - j0);
            for (jj, t) in tile[..w].iter_mut().enumerate() {
                let f = sign[j0 + jj];
                for (x, &v) in t.iter_mut().zip(&col(q, j0 + jj)[i0..i0 + h]) {
                    *x = v * f;
                }
            }
            for (t, row) in rows.chunks_exact_mut(n).enumerate() {
                for (jj, x) in row[j0..j0 + w].iter_mut().enumerate() {
                    *x = tile[jj][t];
                }
            }
        }
    };
    #[cfg(feature = "rayon")]
    if m * n >= PARALLEL_MIN {
        use rayon::prelude::*;
        out.par_chunks_mut(STRIP * n.max(1))
            .enumerate()
            .for_each(strip);
        return out;
    }
    out.chunks_mut(STRIP * n.max(1)).enumerate().for_each(strip);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Element `(i, j)` of the tall matrix of `rows × cols`, from its specification: the
    /// keyed normal at index `j·m + i`, each computed alone.
    fn gaussian_at(key: [u32; 2], m: usize, i: usize, j: usize) -> f64 {
        let law = Law::Normal {
            mean: 0.0,
            std: 1.0,
        };
        let mut v = [0.0f64];
        simd::write(Path::best(), &law, key, (j * m + i) as u64, &mut v);
        v[0]
    }

    /// From an rng, the tall matrix is the draws in the `rows × cols` matrix's row-major
    /// order, transposed when wide (PyTorch's order), across tile boundaries.
    #[test]
    fn drawn_gaussian_is_in_row_major_order() {
        use rand::SeedableRng;
        for (rows, cols) in [(37, 21), (21, 37), (16, 16), (50, 1), (1, 50)] {
            let mut rng = rand::rngs::StdRng::seed_from_u64(5);
            let want: Vec<f64> = (0..rows * cols)
                .map(|_| f64::standard_normal(&mut rng))
                .collect();
            let wide = rows < cols;
            let mut a = if wide {
                Mat::<f64>::zeros(cols, rows)
            } else {
                Mat::<f64>::zeros(rows, cols)
            };
            draw(&mut a, wide, &mut rand::rngs::StdRng::seed_from_u64(5));
            for r in 0..rows {
                for c in 0..cols {
                    let got = if wide { a[(c, r)] } else { a[(r, c)] };
                    assert_eq!(got, want[r * cols + c], "{rows}x{cols} ({r}, {c})");
                }
            }
        }
    }

    /// The keyed Gaussian is the normal kernel's at index `j·m + i`, across the parallel
    /// tasks' boundaries (columns longer than a task, and many short columns).
    #[test]
    fn the_keyed_gaussian_is_the_normal_at_its_column_major_index() {
        let key = [7, 11];
        for (m, n) in [(5000, 3), (100, 300), (7, 5)] {
            let mut a = Mat::<f64>::zeros(m, n);
            keyed(&mut a, key);
            for j in 0..n {
                for i in (0..m).step_by(37).chain([m - 1]) {
                    assert_eq!(a[(i, j)], gaussian_at(key, m, i, j), "{m}x{n} ({i}, {j})");
                }
            }
        }
    }

    /// A keyed orthogonal matrix is Q of its Gaussian's QR with R's diagonal made positive:
    /// Qᵀ·A is upper triangular with a positive diagonal (Q the tall one: the result,
    /// transposed when wide), and Qᵀ·Q = I; for tall, wide and square matrices, factored
    /// sequentially and (the last) split.
    #[test]
    fn keyed_orthogonal_is_q_of_its_gaussian_with_r_positive() {
        let key = [3, 5];
        for (rows, cols) in [
            (40, 25),
            (25, 40),
            (30, 30),
            (700, 600),
            (600, 700),
            (1500, 600),
        ] {
            assert_eq!(
                par_for(rows.max(cols), rows.min(cols)) == Par::Seq,
                rows < 1500
            );
            let out =
                orthogonal_matrix::<f64, rand::rngs::StdRng>(rows, cols, Gaussian::Keyed(key));
            let wide = rows < cols;
            let (m, n) = if wide { (cols, rows) } else { (rows, cols) };
            let q = |i: usize, j: usize| {
                if wide {
                    out[j * cols + i]
                } else {
                    out[i * cols + j]
                }
            };
            // a few columns of R = Qᵀ·A, all of QᵀQ's for the small ones
            for j in (0..n).step_by(n / 7 + 1).chain([n - 1]) {
                let col_a: Vec<f64> = (0..m).map(|i| gaussian_at(key, m, i, j)).collect();
                let norm = col_a.iter().map(|x| x * x).sum::<f64>().sqrt();
                for k in 0..n {
                    let r: f64 = (0..m).map(|i| q(i, k) * col_a[i]).sum();
                    if k > j {
                        assert!(r.abs() < 1e-10 * norm, "{rows}x{cols}: R[{k}, {j}] = {r}");
                    } else if k == j {
                        assert!(r > 0.0, "{rows}x{cols}: R[{j}, {j}] = {r}");
                    }
                }
                for k in 0..n {
                    let g: f64 = (0..m).map(|i| q(i, k) * q(i, j)).sum();
                    let want = if k == j { 1.0 } else { 0.0 };
                    assert!(
                        (g - want).abs() < 1e-12,
                        "{rows}x{cols}: QᵀQ[{k}, {j}] = {g}"
                    );
                }
            }
        }
    }
}
