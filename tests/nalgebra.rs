//! nalgebra matrices and vectors as parameters (feature `nalgebra`): column-major storage,
//! logical row-major values, so element `(i, j)` equals `[i, j]` of an ndarray of the same
//! shape and path (keyed and rng-stream modes); vectors are rank 1; statically sized matrices
//! know their shape; orthogonal matrices are orthonormal the way our convention says; wrong
//! shapes are errors.

mod common;

use common::{assert_ks, rng};
use ndarray::{Array1, Array2};
use weight_init::nalgebra::{DMatrix, DVector, SMatrix, SVector};
use weight_init::{Construct, ErrorKind, FixedShape, Init, Initialize, Parameter, Target, report};

const SEED: u64 = 20_240_917;

/// nalgebra parameters: non-square static and dynamic matrices, vectors, a single row and a
/// single column (one logical slice each), and long ones (parallel keyed fills).
#[derive(Initialize)]
struct NaNet {
    #[init(he_normal)]
    w1: SMatrix<f32, 6, 10>,
    #[init(normal(std = 0.1))]
    b1: SVector<f32, 6>,
    #[init(glorot_uniform)]
    w2: DMatrix<f64>,
    #[init(torch_default, fans_of = w2)]
    b2: DVector<f64>,
    #[init(orthogonal)]
    q: SMatrix<f64, 8, 5>,
    #[init(eye)]
    id: DMatrix<f32>,
    #[init(uniform(-1.0, 1.0))]
    row: DMatrix<f32>,
    #[init(truncated_normal(std = 0.5, sigmas = 2))]
    col: DMatrix<f32>,
    #[init(normal(std = 1.0))]
    long: DVector<f32>,
    #[init(he_uniform)]
    wide: DMatrix<f32>,
}

/// The same model of ndarray arrays.
#[derive(Initialize)]
struct NdNet {
    #[init(he_normal)]
    w1: Array2<f32>,
    #[init(normal(std = 0.1))]
    b1: Array1<f32>,
    #[init(glorot_uniform)]
    w2: Array2<f64>,
    #[init(torch_default, fans_of = w2)]
    b2: Array1<f64>,
    #[init(orthogonal)]
    q: Array2<f64>,
    #[init(eye)]
    id: Array2<f32>,
    #[init(uniform(-1.0, 1.0))]
    row: Array2<f32>,
    #[init(truncated_normal(std = 0.5, sigmas = 2))]
    col: Array2<f32>,
    #[init(normal(std = 1.0))]
    long: Array1<f32>,
    #[init(he_uniform)]
    wide: Array2<f32>,
}

fn na_net() -> NaNet {
    NaNet {
        w1: SMatrix::zeros(),
        b1: SVector::zeros(),
        w2: DMatrix::zeros(7, 13),
        b2: DVector::zeros(7),
        q: SMatrix::zeros(),
        id: DMatrix::zeros(3, 5),
        row: DMatrix::zeros(1, 9000),
        col: DMatrix::zeros(9000, 1),
        long: DVector::zeros(10_000),
        wide: DMatrix::zeros(90, 110),
    }
}

fn nd_net() -> NdNet {
    NdNet {
        w1: Array2::zeros((6, 10)),
        b1: Array1::zeros(6),
        w2: Array2::zeros((7, 13)),
        b2: Array1::zeros(7),
        q: Array2::zeros((8, 5)),
        id: Array2::zeros((3, 5)),
        row: Array2::zeros((1, 9000)),
        col: Array2::zeros((9000, 1)),
        long: Array1::zeros(10_000),
        wide: Array2::zeros((90, 110)),
    }
}

/// Bit equality, element `(i, j)` against `[i, j]`.
fn same_matrix<F: weight_init::Float, const E: usize>(
    name: &str,
    m: &impl std::ops::Index<(usize, usize), Output = F>,
    dims: Vec<usize>,
    a: &Array2<F>,
    bits: impl Fn(F) -> [u8; E],
) {
    assert_eq!(dims, a.shape(), "{name}: shape");
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            assert_eq!(bits(m[(i, j)]), bits(a[[i, j]]), "{name}[({i}, {j})]");
        }
    }
}

fn same_vector<F: weight_init::Float, const E: usize>(
    name: &str,
    v: &impl std::ops::Index<usize, Output = F>,
    dims: Vec<usize>,
    a: &Array1<F>,
    bits: impl Fn(F) -> [u8; E],
) {
    assert_eq!(dims, a.shape(), "{name}: shape (a vector is rank 1)");
    for i in 0..a.len() {
        assert_eq!(bits(v[i]), bits(a[i]), "{name}[{i}]");
    }
}

fn assert_same(m: &NaNet, n: &NdNet) {
    let b32 = f32::to_le_bytes;
    let b64 = f64::to_le_bytes;
    same_matrix("w1", &m.w1, m.w1.dims(), &n.w1, b32);
    same_vector("b1", &m.b1, m.b1.dims(), &n.b1, b32);
    same_matrix("w2", &m.w2, m.w2.dims(), &n.w2, b64);
    same_vector("b2", &m.b2, m.b2.dims(), &n.b2, b64);
    same_matrix("q", &m.q, m.q.dims(), &n.q, b64);
    same_matrix("id", &m.id, m.id.dims(), &n.id, b32);
    same_matrix("row", &m.row, m.row.dims(), &n.row, b32);
    same_matrix("col", &m.col, m.col.dims(), &n.col, b32);
    same_vector("long", &m.long, m.long.dims(), &n.long, b32);
    same_matrix("wide", &m.wide, m.wide.dims(), &n.wide, b32);
    // not vacuous, and the non-square matrix is not filled in storage order
    assert!(n.w1.iter().all(|&x| x != 0.0));
    assert_ne!(m.w1.as_slice(), n.w1.as_slice().unwrap());
    assert_eq!(m.w1.transpose().as_slice(), n.w1.as_slice().unwrap());
}

#[test]
fn keyed_values_match_ndarray_element_by_element() {
    let (mut m, mut n) = (na_net(), nd_net());
    m.init_seeded(SEED).unwrap();
    n.init_seeded(SEED).unwrap();
    assert_same(&m, &n);
}

#[test]
fn rng_stream_values_match_ndarray_element_by_element() {
    let (mut m, mut n) = (na_net(), nd_net());
    m.initialize(&mut rng(3)).unwrap();
    n.initialize(&mut rng(3)).unwrap();
    assert_same(&m, &n);
}

#[test]
fn shapes_vectors_are_rank_1_matrices_rank_2() {
    let m = na_net();
    assert_eq!(m.w1.dims(), [6, 10]);
    assert_eq!(m.b1.dims(), [6]);
    assert_eq!(m.b2.dims(), [7]);
    assert_eq!(m.row.dims(), [1, 9000]);
    assert_eq!(
        m.col.dims(),
        [9000, 1],
        "a one-column DMatrix is still a matrix"
    );
    assert_eq!(<SMatrix<f32, 4, 3>>::fixed_shape(), [4, 3]);
    assert_eq!(<SVector<f64, 5>>::fixed_shape(), [5]);
    assert_eq!(<SMatrix<f32, 1, 5>>::fixed_shape(), [1, 5]);
}

#[test]
fn a_logical_slice_only_for_a_single_row_or_column() {
    let mut m = na_net();
    assert!(m.w1.as_logical_slice_mut().is_none());
    assert!(m.w2.as_logical_slice_mut().is_none());
    assert_eq!(m.row.as_logical_slice_mut().map(|s| s.len()), Some(9000));
    assert_eq!(m.col.as_logical_slice_mut().map(|s| s.len()), Some(9000));
    assert_eq!(m.long.as_logical_slice_mut().map(|s| s.len()), Some(10_000));
    assert!(m.b1.as_logical_slice_mut().is_some());
    // and a for_each walk is row-major
    let mut a = SMatrix::<f32, 2, 3>::new(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
    let mut seen = Vec::new();
    a.for_each(|x| seen.push(x));
    assert_eq!(seen, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let mut k = 0.0;
    a.for_each_mut(|x| {
        k += 1.0;
        *x = 10.0 * k;
    });
    assert_eq!(
        a,
        SMatrix::<f32, 2, 3>::new(10.0, 20.0, 30.0, 40.0, 50.0, 60.0)
    );
    // empty matrices have no elements, whatever the other dimension
    let mut e = DMatrix::<f32>::zeros(3, 0);
    e.for_each_mut(|_| panic!("no elements"));
    assert_eq!(e.values().unwrap(), Vec::<f32>::new());
}

#[test]
fn orthogonal_tall_has_orthonormal_columns_wide_orthonormal_rows() {
    #[derive(Initialize)]
    struct Q {
        #[init(orthogonal)]
        tall: SMatrix<f64, 8, 5>,
        #[init(orthogonal)]
        wide: SMatrix<f64, 5, 8>,
    }
    let mut q = Q {
        tall: SMatrix::zeros(),
        wide: SMatrix::zeros(),
    };
    for fill in 0..2 {
        if fill == 0 {
            q.init_seeded(9).unwrap();
        } else {
            q.initialize(&mut rng(9)).unwrap();
        }
        // rows >= cols: QᵀQ = I (5 × 5); rows <= cols: QQᵀ = I (5 × 5)
        let gram_tall = q.tall.transpose() * q.tall;
        let gram_wide = q.wide * q.wide.transpose();
        let eye = SMatrix::<f64, 5, 5>::identity();
        assert!((gram_tall - eye).abs().max() < 1e-10, "{gram_tall}");
        assert!((gram_wide - eye).abs().max() < 1e-10, "{gram_wide}");
        // the tall one's rows are not orthonormal (8 vectors in 5 dimensions)
        assert!(
            (q.tall * q.tall.transpose() - SMatrix::<f64, 8, 8>::identity())
                .abs()
                .max()
                > 0.1
        );
    }
}

#[test]
fn he_normal_follows_its_law() {
    #[derive(Initialize)]
    struct W {
        #[init(he_normal)]
        w: DMatrix<f64>,
    }
    let mut m = W {
        w: DMatrix::zeros(200, 300),
    };
    m.init_seeded(17).unwrap();
    let d = Init::he_normal()
        .resolve(&[200, 300])
        .unwrap()
        .distribution
        .unwrap();
    assert_ks(m.w.as_slice().to_vec(), |x| d.cdf(x), "nalgebra he_normal");
    let r = report(&m).unwrap();
    assert_eq!(r.rows[0].fan_in, Some(300));
    assert_eq!(r.rows[0].fan_out, Some(200));
}

#[test]
fn svector_passes_the_compile_time_check_and_is_refused_at_run_time() {
    #[derive(Initialize)]
    struct B {
        #[init(he_normal)]
        bias: SVector<f32, 4>,
    }
    let mut b = B {
        bias: SVector::zeros(),
    };
    let err = b.init_seeded(1).unwrap_err();
    assert_eq!(err.path(), Some("bias"));
    assert!(
        matches!(err.kind(), ErrorKind::UnsupportedRank { rank: 1, .. }),
        "{err}"
    );
}

#[test]
fn construct_checks_rank_and_static_dimensions() {
    let wrong = |r: Result<(), weight_init::InitError>| match r {
        Err(e) => assert!(matches!(e.kind(), ErrorKind::WrongShape { .. }), "{e}"),
        Ok(()) => panic!("accepted"),
    };
    let d = <DMatrix<f32> as Construct<()>>::zeros(&[3, 4], &()).unwrap();
    assert_eq!((d.nrows(), d.ncols()), (3, 4));
    assert!(d.iter().all(|&x| x == 0.0));
    wrong(<DMatrix<f32> as Construct<()>>::zeros(&[2, 3, 4], &()).map(drop));
    wrong(<DMatrix<f32> as Construct<()>>::zeros(&[12], &()).map(drop));
    let v = <DVector<f64> as Construct<str>>::zeros(&[5], "any device").unwrap();
    assert_eq!(v.dims(), [5]);
    wrong(<DVector<f64> as Construct<()>>::zeros(&[5, 1], &()).map(drop));
    let s = <SMatrix<f32, 4, 3> as Construct<()>>::zeros(&[4, 3], &()).unwrap();
    assert_eq!(s.dims(), [4, 3]);
    wrong(<SMatrix<f32, 4, 3> as Construct<()>>::zeros(&[3, 4], &()).map(drop));
    wrong(<SMatrix<f32, 4, 3> as Construct<()>>::zeros(&[4], &()).map(drop));
    <SVector<f32, 5> as Construct<()>>::zeros(&[5], &()).unwrap();
    wrong(<SVector<f32, 5> as Construct<()>>::zeros(&[5, 1], &()).map(drop));
    wrong(<SVector<f32, 5> as Construct<()>>::zeros(&[4], &()).map(drop));
    let err = <DMatrix<f32> as Construct<()>>::zeros(&[usize::MAX, 3], &()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ShapeOverflow { .. }),
        "{err}"
    );
    let msg = <SMatrix<f32, 4, 3> as Construct<()>>::zeros(&[3, 4], &())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("[4, 3]"), "{msg}");
}
