//! Every kind of target receives the same values in logical row-major order, whatever its
//! memory layout.

mod common;

use common::rng;
use ndarray::{Array1, Array2, Array3, ArrayD, IxDyn, ShapeBuilder, s};
use weight_init::{Init, Target};

fn inits() -> Vec<Init> {
    vec![
        Init::he_normal(),
        Init::glorot_uniform(),
        Init::truncated_normal(0.0, 1.0, -1.0, 2.0),
        Init::orthogonal(),
        Init::sparse(0.3, 1.0),
        Init::eye(),
    ]
}

/// The reference: an owned, contiguous array of the same logical shape.
fn reference(init: &Init, shape: (usize, usize), seed: u64) -> Array2<f64> {
    let mut a = Array2::<f64>::zeros(shape);
    init.fill(&mut a, &mut rng(seed)).unwrap();
    a
}

#[test]
fn views_and_strides_get_logical_order() {
    for (k, init) in inits().iter().enumerate() {
        let seed = k as u64;
        let want = reference(init, (6, 5), seed);
        // column-major (Fortran) memory
        let mut f = Array2::<f64>::zeros((6, 5).f());
        init.fill(&mut f, &mut rng(seed)).unwrap();
        assert_eq!(f, want, "{init}: column-major");
        // a transposed view of a (5, 6) array
        let mut base = Array2::<f64>::zeros((5, 6));
        init.fill(&mut base.view_mut().reversed_axes(), &mut rng(seed))
            .unwrap();
        assert_eq!(base.t(), want, "{init}: transposed view");
        // every second column of a (6, 10) array
        let mut wide = Array2::<f64>::from_elem((6, 10), -7.0);
        init.fill(&mut wide.slice_mut(s![.., ..;2]), &mut rng(seed))
            .unwrap();
        assert_eq!(wide.slice(s![.., ..;2]), want, "{init}: strided view");
        assert!(
            wide.slice(s![.., 1..;2]).iter().all(|&x| x == -7.0),
            "{init}: wrote outside the view"
        );
        // dynamic dimension
        let mut d = ArrayD::<f64>::zeros(IxDyn(&[6, 5]));
        init.fill(&mut d, &mut rng(seed)).unwrap();
        assert_eq!(
            d.into_dimensionality::<ndarray::Ix2>().unwrap(),
            want,
            "{init}: IxDyn"
        );
        // nested fixed-size arrays
        let mut fixed = [[0.0f64; 5]; 6];
        init.fill(&mut fixed, &mut rng(seed)).unwrap();
        assert_eq!(Array2::from(fixed.to_vec()), want, "{init}: [[f64; 5]; 6]");
    }
}

#[test]
fn rank_one_targets_agree() {
    let init = Init::normal(0.0, 1.0);
    let mut a = Array1::<f32>::zeros(10);
    init.fill(&mut a, &mut rng(1)).unwrap();
    let mut v = vec![0.0f32; 10];
    init.fill(&mut v, &mut rng(1)).unwrap();
    let mut arr = [0.0f32; 10];
    init.fill(&mut arr, &mut rng(1)).unwrap();
    let mut buf = [0.0f32; 12];
    init.fill(&mut buf[1..11], &mut rng(1)).unwrap();
    assert_eq!(a.to_vec(), v);
    assert_eq!(arr.to_vec(), v);
    assert_eq!(buf[1..11].to_vec(), v);
    assert_eq!((buf[0], buf[11]), (0.0, 0.0));
}

#[test]
fn fixed_size_shapes_come_from_the_type() {
    assert_eq!([[[[[0.0f32; 2]; 3]; 4]; 5]; 6].shape(), vec![6, 5, 4, 3, 2]);
    assert_eq!([0.0f64; 7].shape(), vec![7]);
    // fans from the type: [[f32; IN]; OUT] is (OUT, IN)
    let mut w = [[0.0f32; 300]; 4];
    Init::glorot_uniform().fill(&mut w, &mut rng(0)).unwrap();
    let bound = (6.0f32 / 304.0).sqrt();
    assert!(w.iter().flatten().all(|x| x.abs() <= bound));
    assert!(w.iter().flatten().any(|x| x.abs() > 0.9 * bound));
    // a rank-3 conv kernel as nested arrays
    let mut k = [[[0.0f64; 3]; 2]; 2];
    Init::dirac(1).fill(&mut k, &mut rng(0)).unwrap();
    assert_eq!(
        k,
        [[[0.0, 1.0, 0.0], [0.0; 3]], [[0.0; 3], [0.0, 1.0, 0.0]]]
    );
}

#[test]
fn rank_three_views() {
    let init = Init::he_uniform();
    let mut a = Array3::<f32>::zeros((4, 3, 5));
    init.fill(&mut a, &mut rng(2)).unwrap();
    // the same logical tensor as a permuted view of a differently laid out array
    let mut b = Array3::<f32>::zeros((5, 3, 4));
    init.fill(&mut b.view_mut().permuted_axes([2, 1, 0]), &mut rng(2))
        .unwrap();
    assert_eq!(b.permuted_axes([2, 1, 0]), a);
}
