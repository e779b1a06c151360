//! The orthogonal matrix behind `orthogonal` and `delta_orthogonal`: faer's Householder QR,
//! always sequential (`Par::Seq`), so the values never depend on a thread count or on a
//! parallelism setting that another crate changed.

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

use crate::element::Float as _;

/// A `rows × cols` matrix, row-major, with orthonormal rows (rows ≤ cols) or orthonormal
/// columns (rows ≥ cols), drawn as PyTorch's `orthogonal_` draws it: a standard Gaussian
/// `rows × cols` matrix in row-major order, transposed when wide, `Q` of its QR with each column
/// multiplied by the sign of `R`'s diagonal (Mezzadri 2007: this makes `Q` Haar-distributed),
/// transposed back.
pub(crate) fn orthogonal_matrix<R: Rng + ?Sized>(
    rows: usize,
    cols: usize,
    rng: &mut R,
) -> Vec<f64> {
    let mut gaussian = Vec::with_capacity(rows * cols);
    gaussian.extend((0..rows * cols).map(|_| f64::standard_normal(rng)));
    let wide = rows < cols;
    // The tall matrix A (m × n, m ≥ n) that is factored: the draw, or its transpose.
    let (m, n) = if wide { (cols, rows) } else { (rows, cols) };
    let mut a = Mat::<f64>::from_fn(m, n, |i, j| {
        if wide {
            gaussian[j * cols + i]
        } else {
            gaussian[i * cols + j]
        }
    });
    let par = Par::Seq;
    let block = recommended_block_size::<f64>(m, n);
    let mut coeff = Mat::<f64>::zeros(block, n);
    qr_in_place(
        a.as_mut(),
        coeff.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(qr_in_place_scratch::<f64>(
            m,
            n,
            block,
            par,
            Default::default(),
        ))),
        Default::default(),
    );
    // R's diagonal signs; the Householder basis is the strictly lower part with a unit diagonal.
    let signs: Vec<f64> = (0..n)
        .map(|j| if a[(j, j)] < 0.0 { -1.0 } else { 1.0 })
        .collect();
    let basis = Mat::<f64>::from_fn(m, n, |i, j| match i.cmp(&j) {
        std::cmp::Ordering::Greater => a[(i, j)],
        std::cmp::Ordering::Equal => 1.0,
        std::cmp::Ordering::Less => 0.0,
    });
    let mut q = Mat::<f64>::from_fn(m, n, |i, j| if i == j { 1.0 } else { 0.0 });
    apply_block_householder_sequence_on_the_left_in_place_with_conj(
        basis.as_ref(),
        coeff.as_ref(),
        Conj::No,
        q.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(
            apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(m, block, n),
        )),
    );
    let mut out = vec![0.0; rows * cols];
    for i in 0..m {
        for j in 0..n {
            let v = q[(i, j)] * signs[j];
            if wide {
                out[j * cols + i] = v;
            } else {
                out[i * cols + j] = v;
            }
        }
    }
    out
}
