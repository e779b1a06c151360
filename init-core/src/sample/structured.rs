//! Structured schemes drawn from an rng: eye, dirac, orthogonal, delta-orthogonal and sparse
//! write a pattern over the plan's [`Grid`], in logical row-major order. The rng stream mode
//! and the keyed mode (on the structured Philox stream) both come here.

use rand::Rng;

use super::philox::philox4x32_10;

use crate::param::element::sealed::Sealed as _;
use crate::param::element::{Compute, Float};
use crate::param::target::Target;
use crate::plan::Plan;
use crate::plan::grid::Grid;

/// The key of the keyed Gaussian matrix behind block `block`'s orthogonal or delta-orthogonal
/// matrix (block 0 for an unblocked parameter), from the parameter's key (keyed contract 4):
/// the first two words of Philox4x32-10 at counter `(block, 0, 0, 3)` under it. Counters with
/// a fourth word of 3 serve nothing else.
pub(crate) fn gaussian_key(key: [u32; 2], block: usize) -> [u32; 2] {
    let w = philox4x32_10([block as u32, 0, 0, 3], key);
    [w[0], w[1]]
}

/// Writes a structured plan into `target` from `rng` (the plan was checked for the element
/// type); keyed fills pass `keyed`, the key from [`gaussian_key`], from which an orthogonal
/// matrix's Gaussian comes instead of `rng`. Element-wise and empty plans write nothing here:
/// their samplers are `rng` and `keyed`; nor do blocks (`blocks.rs`, which calls this for each
/// block).
pub(crate) fn write<T, R>(plan: &Plan, target: &mut T, rng: &mut R, keyed: Option<[u32; 2]>)
where
    T: Target + ?Sized,
    R: Rng + ?Sized,
{
    #[cfg(not(feature = "orthogonal"))]
    let _ = keyed; // only orthogonal matrices have a keyed Gaussian
    match plan {
        // element-wise plans are written by `rng` and `keyed`, blocks by `blocks`
        Plan::Empty | Plan::Elementwise(_) | Plan::Blocks(_) => {}
        Plan::Eye { cols, value } => {
            let (cols, v) = (*cols, T::Elem::from_f64(*value));
            let mut k = 0usize;
            target.for_each_mut(|x| {
                *x = if k / cols == k % cols {
                    v
                } else {
                    T::Elem::ZERO
                };
                k += 1;
            });
        }
        Plan::Dirac {
            grid,
            out_per_group,
            value,
        } => {
            let v = T::Elem::from_f64(*value);
            write_grid(target, grid, |o, i, centre| {
                if centre && o % out_per_group == i {
                    v
                } else {
                    T::Elem::ZERO
                }
            });
        }
        #[cfg(feature = "orthogonal")]
        Plan::Orthogonal { grid, value } => {
            let (q, gain) = orthogonal::<T::Elem, R>(grid, *value, rng, keyed);
            let value = |v: Compute<T::Elem>| T::Elem::from_compute(v * gain);
            match target.as_logical_slice_mut() {
                // the same values as below, without the walk over the grid
                Some(s) if grid.is_row_major() => {
                    s.iter_mut().zip(&q).for_each(|(x, &v)| *x = value(v));
                }
                _ => write_grid(target, grid, |r, c, _| value(q[r * grid.cols + c])),
            }
        }
        #[cfg(feature = "orthogonal")]
        Plan::DeltaOrthogonal { grid, value } => {
            let (q, gain) = orthogonal::<T::Elem, R>(grid, *value, rng, keyed);
            write_grid(target, grid, |o, i, centre| {
                if centre {
                    T::Elem::from_compute(q[o * grid.cols + i] * gain)
                } else {
                    T::Elem::ZERO
                }
            });
        }
        Plan::Sparse { grid, zeros, std } => {
            let s = Compute::<T::Elem>::from_f64(*std);
            // The zero positions first, column by column, then the values in logical order.
            let mut zero = vec![false; grid.rows * grid.cols];
            for c in 0..grid.cols {
                for r in rand::seq::index::sample(rng, grid.rows, *zeros) {
                    zero[r * grid.cols + c] = true;
                }
            }
            write_grid(target, grid, |r, c, _| {
                if zero[r * grid.cols + c] {
                    T::Elem::ZERO
                } else {
                    T::Elem::from_compute(Compute::<T::Elem>::standard_normal(rng) * s)
                }
            });
        }
    }
}

/// The grid's orthogonal matrix, factored in the element's compute type, and the gain in it.
#[cfg(feature = "orthogonal")]
fn orthogonal<F: Float, R: Rng + ?Sized>(
    grid: &Grid,
    gain: f64,
    rng: &mut R,
    keyed: Option<[u32; 2]>,
) -> (Vec<Compute<F>>, Compute<F>) {
    use super::qr::Gaussian;
    let gaussian = match keyed {
        Some(key) => Gaussian::Keyed(key),
        None => Gaussian::Drawn(rng),
    };
    let q = super::qr::orthogonal_matrix::<Compute<F>, R>(grid.rows, grid.cols, gaussian);
    (q, Compute::<F>::from_f64(gain))
}

/// Writes `value(a, b, at_centre)` to every element of `target`, in logical order.
fn write_grid<T: Target + ?Sized>(
    target: &mut T,
    grid: &Grid,
    mut value: impl FnMut(usize, usize, bool) -> T::Elem,
) {
    let mut coords = grid.coords();
    target.for_each_mut(|x| {
        if let Some((a, b, centre)) = coords.next() {
            *x = value(a, b, centre);
        }
    });
}
