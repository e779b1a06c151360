//! [`Grid`]: a shape seen as a matrix of output units × inputs (or the rest), the remaining
//! axes taps with a centre. What the structured schemes (eye, dirac, orthogonal,
//! delta-orthogonal, sparse) index their values by.

use crate::scheme::fans::{AxisRoles, Role};

/// A shape seen as a matrix: `a` indexes the output units, `b` the inputs (or the rest), and
/// the remaining axes are taps with a centre.
#[derive(Clone, Debug)]
pub(crate) struct Grid {
    pub(crate) shape: Vec<usize>,
    pub(crate) a_stride: Vec<usize>,
    pub(crate) b_stride: Vec<usize>,
    pub(crate) tap: Vec<bool>,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
}

impl Grid {
    /// `a` ravels the axes for which `is_a` holds, `b` those for which `is_b` holds, and the
    /// others are taps.
    pub(crate) fn new(
        shape: &[usize],
        roles: &AxisRoles,
        is_a: impl Fn(Role) -> bool,
        is_b: impl Fn(Role) -> bool,
    ) -> Self {
        let rank = shape.len();
        let (mut a_stride, mut b_stride) = (vec![0; rank], vec![0; rank]);
        let (mut rows, mut cols) = (1usize, 1usize);
        for k in (0..rank).rev() {
            let r = roles.role[k];
            if is_a(r) {
                a_stride[k] = rows;
                rows *= shape[k];
            } else if is_b(r) {
                b_stride[k] = cols;
                cols *= shape[k];
            }
        }
        let tap = roles.role.iter().map(|&r| !is_a(r) && !is_b(r)).collect();
        Grid {
            shape: shape.to_vec(),
            a_stride,
            b_stride,
            tap,
            rows,
            cols,
        }
    }

    /// Whether element `k` in logical order is `(k / cols, k % cols)`, no element a tap: every
    /// axis longer than 1 ravels into `a` or `b`, the `a` axes before the `b` axes (a PyTorch
    /// `(out, in, …)` weight's orthogonal grid).
    #[cfg(feature = "orthogonal")]
    pub(crate) fn is_row_major(&self) -> bool {
        let mut in_b = false;
        for k in 0..self.shape.len() {
            if self.shape[k] <= 1 {
                continue;
            }
            if self.tap[k] || (self.a_stride[k] > 0 && in_b) {
                return false;
            }
            in_b |= self.b_stride[k] > 0;
        }
        true
    }

    /// The coordinates `(a, b, at_centre)` of every element, in logical row-major order.
    pub(crate) fn coords(&self) -> GridIter<'_> {
        let rank = self.shape.len();
        GridIter {
            off_centre: (0..rank)
                .filter(|&k| self.tap[k] && self.shape[k] / 2 != 0)
                .count(),
            grid: self,
            idx: vec![0; rank],
            a: 0,
            b: 0,
            left: self.shape.iter().product(),
        }
    }
}

/// Iterator behind [`Grid::coords`]: an odometer over the shape that keeps `a`, `b` and the
/// number of tap axes away from their centre up to date.
pub(crate) struct GridIter<'g> {
    grid: &'g Grid,
    idx: Vec<usize>,
    a: usize,
    b: usize,
    off_centre: usize,
    left: usize,
}

impl Iterator for GridIter<'_> {
    type Item = (usize, usize, bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = (self.a, self.b, self.off_centre == 0);
        let g = self.grid;
        for k in (0..g.shape.len()).rev() {
            let centre = g.shape[k] / 2;
            let was_centre = self.idx[k] == centre;
            self.idx[k] += 1;
            let wrapped = self.idx[k] == g.shape[k];
            if wrapped {
                self.idx[k] = 0;
                self.a -= g.a_stride[k] * (g.shape[k] - 1);
                self.b -= g.b_stride[k] * (g.shape[k] - 1);
            } else {
                self.a += g.a_stride[k];
                self.b += g.b_stride[k];
            }
            if g.tap[k] {
                let is_centre = self.idx[k] == centre;
                self.off_centre =
                    self.off_centre + usize::from(was_centre) - usize::from(is_centre);
            }
            if !wrapped {
                break;
            }
        }
        Some(item)
    }
}
