//! Every `InitError` variant is reachable, names its scheme and value, and nothing panics or
//! yields a non-finite value on any input.

mod common;

use common::rng;
use ndarray::{Array2, ArrayD, IxDyn};
use proptest::prelude::*;
use weight_init::{Distribution, ErrorKind, FanMode, Gain, Init, InitError, Layout};

fn err(init: Init, shape: &[usize]) -> InitError {
    let e = init.resolve(shape).unwrap_err();
    // fill agrees with resolve
    let small = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .is_some_and(|n| n < 1 << 20);
    if small {
        let mut a = ArrayD::<f32>::zeros(IxDyn(shape));
        assert_eq!(
            init.fill(&mut a, &mut rng(0)).unwrap_err().to_string(),
            e.to_string()
        );
    }
    e
}

#[test]
fn invalid_parameter() {
    let e = err(Init::normal(0.0, f64::NAN), &[3, 3]);
    assert!(matches!(
        e.kind(),
        ErrorKind::InvalidParameter { name: "std", .. }
    ));
    assert_eq!(
        e.to_string(),
        "normal: std must be finite and >= 0, got NaN"
    );
    assert!(matches!(
        err(Init::normal(0.0, -0.1), &[3]).kind(),
        ErrorKind::InvalidParameter { name: "std", .. }
    ));
    assert!(matches!(
        err(Init::normal(f64::INFINITY, 1.0), &[3]).kind(),
        ErrorKind::InvalidParameter { name: "mean", .. }
    ));
    let e = err(Init::sparse(1.5, 0.01), &[4, 4]);
    assert_eq!(e.to_string(), "sparse: sparsity must be in [0, 1], got 1.5");
    assert!(matches!(
        err(Init::he_normal().gain(Gain::Value(f64::NAN)), &[3, 3]).kind(),
        ErrorKind::InvalidParameter { name: "gain", .. }
    ));
    assert!(matches!(
        err(
            Init::he_normal().gain(Gain::LeakyRelu(f64::INFINITY)),
            &[3, 3]
        )
        .kind(),
        ErrorKind::InvalidParameter { .. }
    ));
    assert!(matches!(
        err(Init::zeros().scale(f64::NAN), &[3]).kind(),
        ErrorKind::InvalidParameter { name: "scale", .. }
    ));
    assert!(matches!(
        err(Init::he_normal().fan_in(0), &[3, 3]).kind(),
        ErrorKind::InvalidParameter { name: "fan_in", .. }
    ));
    assert!(matches!(
        err(Init::truncated_normal_sigmas(0.0, 1.0, 0.0), &[3]).kind(),
        ErrorKind::InvalidParameter { name: "sigmas", .. }
    ));
    assert!(matches!(
        err(
            Init::variance_scaling(-1.0, FanMode::FanIn, Distribution::Normal),
            &[3, 3]
        )
        .kind(),
        ErrorKind::InvalidParameter { .. }
    ));
    assert!(matches!(
        err(Init::constant(f64::NAN), &[3]).kind(),
        ErrorKind::InvalidParameter { name: "value", .. }
    ));
}

#[test]
fn empty_range() {
    let e = err(Init::uniform(1.0, 1.0), &[3]);
    assert_eq!(
        e.kind(),
        &ErrorKind::EmptyRange {
            low: 1.0,
            high: 1.0
        }
    );
    assert_eq!(
        e.to_string(),
        "uniform: empty range: low (1) must be < high (1)"
    );
    assert!(matches!(
        err(Init::truncated_normal(0.0, 1.0, 2.0, -2.0), &[3]).kind(),
        ErrorKind::EmptyRange { .. }
    ));
    assert!(matches!(
        err(Init::uniform_symmetric(0.0), &[3]).kind(),
        ErrorKind::EmptyRange { .. }
    ));
}

#[test]
fn degenerate_truncation() {
    let e = err(Init::truncated_normal(5.0, 0.0, -1.0, 1.0), &[3]);
    assert!(matches!(e.kind(), ErrorKind::DegenerateTruncation { .. }));
    // std 0 with the mean inside is the constant
    let mut v = vec![0.0f64; 4];
    Init::truncated_normal(0.5, 0.0, -1.0, 1.0)
        .fill(&mut v, &mut rng(0))
        .unwrap();
    assert_eq!(v, [0.5; 4]);
}

#[test]
fn unsupported_rank() {
    let e = err(Init::he_normal(), &[16]).with_path("layers[2].b");
    assert_eq!(
        e.to_string(),
        "layers[2].b: he_normal: needs a parameter of rank at least 2, got rank 1 (give explicit fans or axes for other ranks)"
    );
    assert_eq!(e.path(), Some("layers[2].b"));
    assert!(matches!(
        err(Init::eye(), &[2, 2, 2]).kind(),
        ErrorKind::UnsupportedRank { rank: 3, .. }
    ));
    assert!(matches!(
        err(Init::dirac(1), &[4, 4]).kind(),
        ErrorKind::UnsupportedRank { rank: 2, .. }
    ));
    assert!(matches!(
        err(Init::orthogonal(), &[4]).kind(),
        ErrorKind::UnsupportedRank { rank: 1, .. }
    ));
    assert!(matches!(
        err(Init::sparse(0.5, 0.1), &[4, 4, 4]).kind(),
        ErrorKind::UnsupportedRank { rank: 3, .. }
    ));
    assert!(matches!(
        err(Init::glorot_uniform(), &[]).kind(),
        ErrorKind::UnsupportedRank { rank: 0, .. }
    ));
}

#[test]
fn axes() {
    let e = err(Init::he_normal().layout(Layout::axes([0], [3])), &[4, 4, 4]);
    assert_eq!(e.kind(), &ErrorKind::AxisOutOfRange { axis: 3, rank: 3 });
    assert!(matches!(
        err(
            Init::he_normal().layout(Layout::axes([-4], [0])),
            &[4, 4, 4]
        )
        .kind(),
        ErrorKind::AxisOutOfRange { axis: -4, .. }
    ));
    assert_eq!(
        err(
            Init::he_normal().layout(Layout::axes([0], [-3])),
            &[4, 4, 4]
        )
        .kind(),
        &ErrorKind::RepeatedAxis { axis: 0 }
    );
    assert_eq!(
        err(Init::he_normal().layout(Layout::axes([], [0])), &[4, 4]).kind(),
        &ErrorKind::MissingAxes { which: "in_axes" }
    );
    assert_eq!(
        err(Init::he_normal().layout(Layout::axes([0], [])), &[4, 4]).kind(),
        &ErrorKind::MissingAxes { which: "out_axes" }
    );
}

#[test]
fn shape_overflow() {
    let e = err(Init::zeros(), &[usize::MAX, 2]);
    assert!(matches!(e.kind(), ErrorKind::ShapeOverflow { .. }));
    assert!(matches!(
        weight_init::Fans::from_shape(&[usize::MAX, 3], Layout::OutIn)
            .unwrap_err()
            .kind(),
        ErrorKind::ShapeOverflow { .. }
    ));
}

#[test]
fn groups_mismatch() {
    assert_eq!(
        err(Init::dirac(3), &[8, 4, 3, 3]).kind(),
        &ErrorKind::GroupsMismatch {
            groups: 3,
            out_channels: 8
        }
    );
    assert!(matches!(
        err(Init::dirac(0), &[8, 4, 3]).kind(),
        ErrorKind::GroupsMismatch { groups: 0, .. }
    ));
}

#[test]
fn in_exceeds_out() {
    let e = err(Init::delta_orthogonal(), &[4, 8, 3, 3]);
    assert_eq!(
        e.kind(),
        &ErrorKind::InExceedsOut {
            in_channels: 8,
            out_channels: 4
        }
    );
    assert_eq!(
        e.to_string(),
        "delta_orthogonal: needs in_channels <= out_channels, got 8 > 4"
    );
}

#[test]
fn modifier_not_applicable() {
    assert_eq!(
        err(Init::normal(0.0, 1.0).mode(FanMode::FanOut), &[3, 3]).kind(),
        &ErrorKind::ModifierNotApplicable { modifier: "mode" }
    );
    assert_eq!(
        err(Init::uniform(0.0, 1.0).truncated(), &[3]).kind(),
        &ErrorKind::ModifierNotApplicable {
            modifier: "truncated"
        }
    );
    assert!(
        err(Init::he_uniform().truncated(), &[3, 3])
            .to_string()
            .contains("`truncated`")
    );
}

#[test]
fn not_representable() {
    // valid in f64, overflows f32
    let init = Init::normal(0.0, 1e37);
    let mut a32 = Array2::<f32>::zeros((2, 2));
    let e = init.fill(&mut a32, &mut rng(0)).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotRepresentable { dtype: "f32", .. }),
        "{e}"
    );
    let mut a64 = Array2::<f64>::zeros((2, 2));
    init.fill(&mut a64, &mut rng(0)).unwrap();
    // overflows even f64
    assert!(matches!(
        err(Init::normal(0.0, 1e307), &[2]).kind(),
        ErrorKind::NotRepresentable { .. }
    ));
    assert!(matches!(
        err(Init::he_normal().gain(1e200).scale(1e200), &[2, 2]).kind(),
        ErrorKind::NotRepresentable { .. }
    ));
    // a uniform whose width overflows f32
    let e = Init::uniform(-3e38, 3e38)
        .fill(&mut a32, &mut rng(0))
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotRepresentable { .. }),
        "{e}"
    );
    // the same on the keyed path (issue 11: it returned one constant and NaNs), whole and
    // as a shard
    let e = Init::uniform(-3e38, 3e38)
        .fill_seeded(&mut a32, 7, "w")
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotRepresentable { .. }),
        "{e}"
    );
    let mut part = Array2::<f32>::zeros((1, 2));
    let e = Init::uniform(-3e38, 3e38)
        .fill_shard(&mut part, &[2, 2], weight_init::Region::Rows(0..1), 7, "w")
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotRepresentable { .. }),
        "{e}"
    );
    // a uniform range that rounds to nothing in f32
    let e = Init::uniform(1.0, 1.0 + 1e-12)
        .fill(&mut a32, &mut rng(0))
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotRepresentable { .. }),
        "{e}"
    );
}

#[test]
fn zero_element_targets_are_left_alone() {
    let mut empty = Array2::<f32>::zeros((0, 5));
    Init::he_normal().fill(&mut empty, &mut rng(0)).unwrap();
    Init::orthogonal().fill(&mut empty, &mut rng(0)).unwrap();
    let mut v: Vec<f64> = Vec::new();
    Init::he_normal().fill(&mut v, &mut rng(0)).unwrap();
    // parameters are still checked
    assert!(Init::normal(0.0, -1.0).fill(&mut v, &mut rng(0)).is_err());
}

fn any_init() -> impl Strategy<Value = Init> {
    let num = prop_oneof![
        4 => -10.0f64..10.0,
        1 => Just(0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-1.0),
        1 => Just(1e300),
    ];
    let mode = prop_oneof![
        Just(FanMode::FanIn),
        Just(FanMode::FanOut),
        Just(FanMode::FanAvg),
        Just(FanMode::FanGeoAvg)
    ];
    let dist = prop_oneof![
        Just(Distribution::Uniform),
        Just(Distribution::Normal),
        Just(Distribution::TruncatedNormal)
    ];
    let base = (
        0usize..19,
        num.clone(),
        num.clone(),
        num.clone(),
        0usize..4,
        mode.clone(),
        dist,
    )
        .prop_map(|(k, a, b, c, g, mode, dist)| match k {
            0 => Init::constant(a),
            1 => Init::uniform(a, b),
            2 => Init::normal(a, b),
            3 => Init::truncated_normal(a, b, c, c + a.abs()),
            4 => Init::truncated_normal_sigmas(a, b, c),
            5 => Init::glorot_uniform(),
            6 => Init::glorot_normal(),
            7 => Init::he_uniform(),
            8 => Init::he_normal(),
            9 => Init::lecun_uniform(),
            10 => Init::lecun_normal(),
            11 => Init::variance_scaling(a, mode, dist),
            12 => Init::torch_default(),
            13 => Init::orthogonal(),
            14 => Init::eye(),
            15 => Init::dirac(g),
            16 => Init::delta_orthogonal(),
            17 => Init::sparse(a, b),
            _ => Init::uniform_symmetric(a),
        });
    let layout = prop_oneof![
        Just(Layout::OutIn),
        Just(Layout::InOut),
        (
            prop::collection::vec(-4isize..4, 0..3),
            prop::collection::vec(-4isize..4, 0..3)
        )
            .prop_map(|(i, o)| Layout::axes(i, o)),
    ];
    (
        base,
        prop::option::of(num.clone()),
        prop::option::of(mode),
        any::<bool>(),
        num,
        layout,
        prop::option::of(0usize..50),
    )
        .prop_map(|(init, gain, mode, trunc, scale, layout, fan_in)| {
            let mut init = init.layout(layout);
            if let Some(g) = gain {
                init = init.gain(g);
            }
            if let Some(m) = mode {
                init = init.mode(m);
            }
            if trunc {
                init = init.truncated();
            }
            if scale.is_finite() && scale.abs() < 100.0 {
                init = init.scale(scale);
            }
            if let Some(n) = fan_in {
                init = init.fan_in(n);
            }
            init
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// No input panics; every success is finite; resolve and fill agree on success.
    #[test]
    fn never_panics_never_non_finite(init in any_init(), shape in prop::collection::vec(0usize..6, 0..5), seed in any::<u64>()) {
        let resolved = init.resolve(&shape);
        let mut a32 = ArrayD::<f32>::zeros(IxDyn(&shape));
        let mut a64 = ArrayD::<f64>::zeros(IxDyn(&shape));
        let r32 = init.fill(&mut a32, &mut rng(seed));
        let r64 = init.fill(&mut a64, &mut rng(seed));
        prop_assert_eq!(resolved.is_ok(), r64.is_ok());
        if let Ok(r) = &resolved {
            prop_assert!(r.mean.is_finite() && r.std.is_finite() && r.std >= 0.0, "{:?}", r);
        }
        if r32.is_ok() {
            prop_assert!(a32.iter().all(|x| x.is_finite()));
        }
        if r64.is_ok() {
            prop_assert!(a64.iter().all(|x| x.is_finite()));
        }
        // keyed mode: the same validation, finite values
        let mut k64 = ArrayD::<f64>::zeros(IxDyn(&shape));
        let keyed = init.fill_seeded(&mut k64, seed, "p");
        prop_assert_eq!(keyed.is_ok(), r64.is_ok());
        if keyed.is_ok() {
            prop_assert!(k64.iter().all(|x| x.is_finite()));
        }
        if let Ok(r) = resolved
            && let Some(d) = r.distribution
        {
            let (lo, hi) = d.support();
            prop_assert!(a64.iter().all(|&x| lo <= x && x <= hi));
        }
    }
}
