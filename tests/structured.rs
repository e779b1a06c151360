//! Structured schemes: orthogonality, exact patterns, a convolution that passes its input
//! through, sparsity per column.

mod common;

use common::{assert_ks, rng};
use ndarray::{Array2, ArrayD, Axis, Dimension, IxDyn};
use weight_init::stats::normal_cdf;
use weight_init::{Gain, Init, Layout};

/// The parameter as a (rows, prod(rest)) matrix.
fn as_matrix<F: Copy + Into<f64>>(a: &ArrayD<F>) -> Array2<f64> {
    let rows = a.shape()[0];
    let cols = a.len() / rows.max(1);
    Array2::from_shape_vec((rows, cols), a.iter().map(|&x| x.into()).collect()).unwrap()
}

/// max |G − gain²·I| where G = WWᵀ (rows ≤ cols) or WᵀW.
fn orthogonality_error(w: &Array2<f64>, gain: f64) -> f64 {
    let g = if w.nrows() <= w.ncols() {
        w.dot(&w.t())
    } else {
        w.t().dot(w)
    };
    let mut worst = 0.0f64;
    for ((i, j), v) in g.indexed_iter() {
        let target = if i == j { gain * gain } else { 0.0 };
        worst = worst.max((v - target).abs());
    }
    worst
}

#[test]
fn orthogonal_shapes() {
    let mut shapes: Vec<Vec<usize>> =
        vec![vec![3, 4], vec![4, 3], vec![20, 2, 3, 4], vec![2, 3, 4, 5]];
    for r in 0..4 {
        for c in 0..4 {
            shapes.push(vec![r, c]);
        }
    }
    for (k, shape) in shapes.iter().enumerate() {
        for gain in [1.0, 2.0f64.sqrt()] {
            let init = Init::orthogonal().gain(gain);
            let mut w64 = ArrayD::<f64>::zeros(IxDyn(shape));
            init.fill(&mut w64, &mut rng(k as u64)).unwrap();
            let mut w32 = ArrayD::<f32>::zeros(IxDyn(shape));
            init.fill(&mut w32, &mut rng(k as u64)).unwrap();
            if w64.is_empty() {
                continue;
            }
            let e64 = orthogonality_error(&as_matrix(&w64), gain);
            let e32 = orthogonality_error(&as_matrix(&w32), gain);
            assert!(e64 < 1e-6, "{shape:?} gain {gain}: f64 error {e64}");
            assert!(e32 < 1e-5, "{shape:?} gain {gain}: f32 error {e32}");
            // the same draws, factored in each precision (f32 as PyTorch does)
            for (a, b) in w64.iter().zip(&w32) {
                assert!((*a - f64::from(*b)).abs() < 1e-4, "{shape:?}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn orthogonal_in_out_layout_is_orthogonal_along_the_output_axis() {
    // (k, k, in, out): each output unit's (k·k·in) weight vector is orthonormal
    let shape = [3, 3, 8, 16];
    let mut w = ArrayD::<f64>::zeros(IxDyn(&shape));
    Init::orthogonal()
        .layout(Layout::InOut)
        .fill(&mut w, &mut rng(3))
        .unwrap();
    let m = w.into_shape_with_order((72, 16)).unwrap(); // rows: k·k·in, cols: out
    assert!(orthogonality_error(&m.t().to_owned(), 1.0) < 1e-6);
}

#[test]
fn orthogonal_is_not_a_fixed_matrix() {
    // Haar: entries of a large orthogonal matrix are ≈ N(0, 1/n)
    let n = 200;
    let mut w = Array2::<f64>::zeros((n, n));
    Init::orthogonal().fill(&mut w, &mut rng(11)).unwrap();
    let s = (1.0 / n as f64).sqrt();
    assert_ks(
        w.iter().copied().collect(),
        |x| normal_cdf(x, 0.0, s),
        "orthogonal entries",
    );
}

#[test]
fn eye_is_exact() {
    for (r, c) in [(3, 5), (5, 3), (4, 4), (1, 7)] {
        let mut w = Array2::<f32>::from_elem((r, c), 9.0);
        Init::eye()
            .gain(Gain::Value(0.5))
            .fill(&mut w, &mut rng(0))
            .unwrap();
        for ((i, j), &v) in w.indexed_iter() {
            assert_eq!(
                v,
                if i == j { 0.5 } else { 0.0 },
                "({r}, {c}) at ({i}, {j})"
            );
        }
    }
    assert!(
        Init::identity()
            .fill(&mut ArrayD::<f32>::zeros(IxDyn(&[2, 2, 2])), &mut rng(0))
            .is_err()
    );
}

/// Direct 1-D/2-D "same" convolution (cross-correlation, zero padding k//2) of a (c_in, h, w)
/// input with a (c_out, c_in/groups, kh, kw) kernel.
fn conv2d(x: &ArrayD<f64>, w: &ArrayD<f64>, groups: usize) -> ArrayD<f64> {
    let (c_in, h, wd) = (x.shape()[0], x.shape()[1], x.shape()[2]);
    let (c_out, c_in_g, kh, kw) = (w.shape()[0], w.shape()[1], w.shape()[2], w.shape()[3]);
    assert_eq!(c_in, c_in_g * groups);
    let out_per_group = c_out / groups;
    let mut y = ArrayD::<f64>::zeros(IxDyn(&[c_out, h, wd]));
    for o in 0..c_out {
        let g = o / out_per_group;
        for i in 0..h {
            for j in 0..wd {
                let mut acc = 0.0;
                for ci in 0..c_in_g {
                    for a in 0..kh {
                        for b in 0..kw {
                            let (ii, jj) = (
                                i as isize + a as isize - (kh / 2) as isize,
                                j as isize + b as isize - (kw / 2) as isize,
                            );
                            if ii >= 0 && jj >= 0 && (ii as usize) < h && (jj as usize) < wd {
                                acc += w[[o, ci, a, b]]
                                    * x[[g * c_in_g + ci, ii as usize, jj as usize]];
                            }
                        }
                    }
                }
                y[[o, i, j]] = acc;
            }
        }
    }
    y
}

#[test]
fn dirac_passes_input_through() {
    use weight_init::rand::RngExt;
    let mut r = rng(5);
    for (shape, groups) in [
        ([6, 6, 3, 3], 1),
        ([6, 3, 5, 5], 2),
        ([4, 4, 4, 2], 1),
        ([8, 2, 3, 3], 4),
    ] {
        let mut w = ArrayD::<f64>::from_elem(IxDyn(&shape), 7.0);
        Init::dirac(groups).fill(&mut w, &mut r).unwrap();
        let (out, inp) = (shape[0], shape[1]);
        let nonzero = w.iter().filter(|&&v| v != 0.0).count();
        assert_eq!(
            nonzero,
            (out / groups).min(inp) * groups,
            "{shape:?} groups {groups}"
        );
        assert!(w.iter().all(|&v| v == 0.0 || v == 1.0));
        if out == inp * groups {
            let x = ArrayD::from_shape_fn(IxDyn(&[inp * groups, 6, 5]), |_| r.random::<f64>());
            let y = conv2d(&x, &w, groups);
            assert_eq!(
                y, x,
                "{shape:?} groups {groups}: the convolution is not the identity"
            );
        }
    }
    // 1-D and 3-D kernels: the centre tap k//2
    let mut w1 = ArrayD::<f32>::zeros(IxDyn(&[2, 2, 4]));
    Init::dirac(1).fill(&mut w1, &mut rng(0)).unwrap();
    assert_eq!(w1[[0, 0, 2]], 1.0);
    assert_eq!(w1[[1, 1, 2]], 1.0);
    assert_eq!(w1.sum(), 2.0);
    let mut w3 = ArrayD::<f32>::zeros(IxDyn(&[3, 3, 3, 3, 3]));
    Init::dirac(1).fill(&mut w3, &mut rng(0)).unwrap();
    assert_eq!((0..3).map(|c| w3[[c, c, 1, 1, 1]]).sum::<f32>(), 3.0);
    assert_eq!(w3.sum(), 3.0);
}

#[test]
fn delta_orthogonal_centre_tap() {
    for (k, shape) in [
        vec![8, 8, 3, 3],
        vec![16, 4, 5],
        vec![6, 6, 3, 3, 3],
        vec![5, 3, 2, 4],
    ]
    .into_iter()
    .enumerate()
    {
        let mut w = ArrayD::<f64>::zeros(IxDyn(&shape));
        Init::delta_orthogonal()
            .gain(Gain::Relu)
            .fill(&mut w, &mut rng(k as u64))
            .unwrap();
        let (out, inp) = (shape[0], shape[1]);
        let centre: Vec<usize> = shape[2..].iter().map(|d| d / 2).collect();
        let mut tap = Array2::<f64>::zeros((out, inp));
        for (idx, &v) in w.indexed_iter() {
            let idx = idx.slice().to_vec();
            if idx[2..] == centre[..] {
                tap[[idx[0], idx[1]]] = v;
            } else {
                assert_eq!(v, 0.0, "{shape:?}: non-centre tap {idx:?} is {v}");
            }
        }
        // out ≥ in: orthonormal columns, times gain
        assert!(orthogonality_error(&tap, 2f64.sqrt()) < 1e-6, "{shape:?}");
    }
}

#[test]
fn sparse_zeros_per_column_and_normal_rest() {
    let (rows, cols) = (40, 300);
    for sparsity in [0.0, 0.1, 0.33, 0.9, 1.0] {
        let mut w = Array2::<f64>::zeros((rows, cols));
        Init::sparse(sparsity, 0.01)
            .fill(&mut w, &mut rng(9))
            .unwrap();
        let zeros = (sparsity * rows as f64).ceil() as usize;
        for col in w.axis_iter(Axis(1)) {
            // a N(0, 0.01²) draw is never exactly 0
            assert_eq!(
                col.iter().filter(|&&v| v == 0.0).count(),
                zeros,
                "sparsity {sparsity}"
            );
        }
        let nz: Vec<f64> = w.iter().copied().filter(|&v| v != 0.0).collect();
        if nz.len() > 100 {
            assert_ks(
                nz,
                |x| normal_cdf(x, 0.0, 0.01),
                &format!("sparse {sparsity} non-zeros"),
            );
        }
    }
    // the zero positions come from the rng: two seeds, two masks; one seed, one mask
    let mask = |seed| {
        let mut w = Array2::<f32>::zeros((10, 10));
        Init::sparse(0.5, 1.0).fill(&mut w, &mut rng(seed)).unwrap();
        w.mapv(|v| v == 0.0)
    };
    assert_eq!(mask(1), mask(1));
    assert_ne!(mask(1), mask(2));
}
