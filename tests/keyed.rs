//! Keyed, parallel and sharded initialisation: values are a pure function of (seed, path,
//! element index); bit-identical across thread counts, memory layouts and shards.

mod common;

use common::{assert_ks, rng};
use ndarray::{Array1, Array2, ArrayD, IxDyn, s};
use rand::RngExt;
use weight_init::stats::{normal_cdf, truncated_normal_cdf, uniform_cdf};
use weight_init::{ErrorKind, Init, Initialize, ParamPath, Region, rows_of};

fn schemes() -> Vec<Init> {
    vec![
        Init::he_normal(),
        Init::glorot_uniform(),
        Init::uniform(-0.3, 0.7),
        Init::normal(0.0, 0.02).truncated(),
        Init::truncated_normal(-3.0, 1.0, -0.5, 0.5),
        Init::truncated_normal(0.0, 1.0, 4.0, 6.0),
        Init::constant(0.5),
        Init::orthogonal(),
        Init::sparse(0.4, 0.1),
        Init::eye(),
    ]
}

fn whole(init: &Init, shape: &[usize], seed: u64, path: &str) -> ArrayD<f32> {
    let mut a = ArrayD::<f32>::zeros(IxDyn(shape));
    init.fill_seeded(&mut a, seed, path).unwrap();
    a
}

#[test]
fn same_key_same_values_other_key_other_values() {
    for init in schemes() {
        let a = whole(&init, &[40, 30], 1, "w");
        assert_eq!(a, whole(&init, &[40, 30], 1, "w"), "{init}");
        if !matches!(init.name(), "constant" | "eye") {
            assert_ne!(a, whole(&init, &[40, 30], 2, "w"), "{init}: seed ignored");
            assert_ne!(a, whole(&init, &[40, 30], 1, "v"), "{init}: path ignored");
        }
    }
}

#[test]
fn keyed_values_follow_the_law() {
    let n = 100_000;
    let draw = |init: Init| {
        let mut v = vec![0.0f64; n];
        init.fill_seeded(&mut v, 9, "x").unwrap();
        v
    };
    assert_ks(
        draw(Init::normal(0.5, 2.0)),
        |x| normal_cdf(x, 0.5, 2.0),
        "keyed normal",
    );
    assert_ks(
        draw(Init::uniform(-1.0, 3.0)),
        |x| uniform_cdf(x, -1.0, 3.0),
        "keyed uniform",
    );
    assert_ks(
        draw(Init::truncated_normal(0.0, 1.0, -2.0, 2.0)),
        |x| truncated_normal_cdf(x, 0.0, 1.0, -2.0, 2.0),
        "keyed truncated (normal rejection)",
    );
    assert_ks(
        draw(Init::truncated_normal(-3.0, 1.0, -0.5, 0.5)),
        |x| truncated_normal_cdf(x, -3.0, 1.0, -0.5, 0.5),
        "keyed truncated (tail)",
    );
    // f32 too
    let mut v = vec![0.0f32; n];
    Init::normal(0.0, 1.0).fill_seeded(&mut v, 3, "y").unwrap();
    assert_ks(
        v.iter().map(|&x| f64::from(x)).collect(),
        |x| normal_cdf(x, 0.0, 1.0),
        "keyed normal f32",
    );
    // and the KS test has teeth here too
    let mut xs = draw(Init::normal(0.0, 1.05));
    let r = weight_init::stats::ks_test(&mut xs, |x| normal_cdf(x, 0.0, 1.0));
    assert!(r.p_value < 1e-6, "p = {}", r.p_value);
}

#[test]
fn value_stability() {
    // element 0..4 of "fc1.weight" under seed 42: part of the compatibility promise
    let mut v = vec![0.0f64; 4];
    Init::normal(0.0, 1.0)
        .fill_seeded(&mut v, 42, "fc1.weight")
        .unwrap();
    let want = [
        -0.3408451361984518,
        -0.15315098313542203,
        -1.2178218739129056,
        1.5753202391882426,
    ];
    assert_eq!(v, want, "normal");
    let mut u = vec![0.0f64; 4];
    Init::uniform(0.0, 1.0)
        .fill_seeded(&mut u, 42, "fc1.weight")
        .unwrap();
    assert_eq!(
        u,
        [
            0.06743396527484347,
            0.5672102198457298,
            0.86225649549484,
            0.3547396792794022
        ],
        "uniform"
    );
    // the same words make both: Box–Muller, checked with std's ln and atan2
    for pair in 0..2 {
        let (z0, z1) = (v[2 * pair], v[2 * pair + 1]);
        let (u1, u2) = (u[2 * pair], u[2 * pair + 1]);
        let r2 = -2.0 * (1.0 - u1).ln();
        assert!(
            (z0 * z0 + z1 * z1 - r2).abs() < 1e-13 * r2.max(1.0),
            "pair {pair}: radius"
        );
        let angle = z1.atan2(z0).rem_euclid(std::f64::consts::TAU);
        assert!(
            (angle - std::f64::consts::TAU * u2).abs() < 1e-12,
            "pair {pair}: angle"
        );
    }
}

#[test]
fn identical_for_1_2_and_4_threads() {
    let shape = [300, 400]; // above the parallel cut-off
    for init in [
        Init::he_normal(),
        Init::uniform(-1.0, 1.0),
        Init::normal(0.0, 0.02).truncated(),
    ] {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| whole(&init, &shape, 5, "big"))
        };
        let one = run(1);
        assert_eq!(one, run(2), "{init}");
        assert_eq!(one, run(4), "{init}");
        // and equal to element-by-element generation of a non-contiguous view
        let mut base = Array2::<f32>::zeros((400, 300));
        init.fill_seeded(&mut base.view_mut().reversed_axes(), 5, "big")
            .unwrap();
        assert_eq!(
            base.t(),
            one.view().into_dimensionality::<ndarray::Ix2>().unwrap(),
            "{init}"
        );
    }
}

/// The QR behind `orthogonal` runs split in a fixed number of parts on rayon's pool (keyed
/// contract 3), or sequentially when small (contract 4), and its Gaussian and the blocks of a
/// blocked parameter are computed in parallel: the same bits whatever the pool's size, for
/// matrices large enough that faer splits its work (f32 and f64, tall, wide, and one whose
/// Gaussian spans several parallel tasks), a small one, one in blocks, and a
/// delta-orthogonal kernel.
#[test]
fn orthogonal_is_identical_for_1_2_and_3_threads() {
    let run = |init: &Init, shape: &[usize], threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut a = ArrayD::<f64>::zeros(IxDyn(shape));
            init.fill_seeded(&mut a, 9, "w").unwrap();
            let f = whole(init, shape, 9, "w");
            (a, f)
        })
    };
    for (init, shape) in [
        (Init::orthogonal(), vec![600, 500]),
        (Init::orthogonal(), vec![300, 700]),
        (Init::orthogonal(), vec![1500, 600]),
        (Init::orthogonal(), vec![90, 70]),
        (Init::orthogonal().blocks(4), vec![1024, 200]),
        (Init::delta_orthogonal(), vec![256, 256, 3]),
    ] {
        let one = run(&init, &shape, 1);
        for threads in [2, 3] {
            let other = run(&init, &shape, threads);
            assert!(
                one.0 == other.0,
                "{init} {shape:?} f64: {threads} threads differ"
            );
            assert!(
                one.1 == other.1,
                "{init} {shape:?} f32: {threads} threads differ"
            );
        }
    }
}

#[test]
fn strided_views_match_contiguous() {
    for init in schemes() {
        let want = whole(&init, &[6, 5], 3, "p")
            .into_dimensionality::<ndarray::Ix2>()
            .unwrap();
        let mut wide = Array2::<f32>::from_elem((6, 10), -7.0);
        init.fill_seeded(&mut wide.slice_mut(s![.., ..;2]), 3, "p")
            .unwrap();
        assert_eq!(wide.slice(s![.., ..;2]), want, "{init}");
        assert!(wide.slice(s![.., 1..;2]).iter().all(|&x| x == -7.0));
    }
}

#[test]
fn shards_reassemble_the_whole() {
    let mut r = rng(77);
    for case in 0..60 {
        let rank = r.random_range(1..4usize);
        let shape: Vec<usize> = (0..rank).map(|_| r.random_range(1..9usize)).collect();
        let len: usize = shape.iter().product();
        for init in schemes() {
            if init.resolve(&shape).is_err() {
                continue;
            }
            let full = whole(&init, &shape, case, "layer");
            let flat: Vec<f32> = full.iter().copied().collect();
            // k row ranges
            let k = r.random_range(1..5usize);
            let mut rows_joined = Vec::new();
            for w in 0..k {
                let rows = rows_of(w, k, shape[0]);
                let mut shard_shape = shape.clone();
                shard_shape[0] = rows.len();
                let mut shard = ArrayD::<f32>::zeros(IxDyn(&shard_shape));
                init.fill_shard(&mut shard, &shape, Region::Rows(rows), case, "layer")
                    .unwrap();
                rows_joined.extend(shard.iter().copied());
            }
            assert_eq!(rows_joined, flat, "{init} {shape:?}: rows");
            // arbitrary element ranges
            let mut cuts: Vec<usize> = (0..r.random_range(0..4usize))
                .map(|_| r.random_range(0..=len))
                .collect();
            cuts.extend([0, len]);
            cuts.sort_unstable();
            let mut joined = Vec::new();
            for pair in cuts.windows(2) {
                let mut shard = vec![0.0f32; pair[1] - pair[0]];
                init.fill_shard(
                    &mut shard,
                    &shape,
                    Region::Elements(pair[0]..pair[1]),
                    case,
                    "layer",
                )
                .unwrap();
                joined.extend(shard);
            }
            assert_eq!(joined, flat, "{init} {shape:?}: elements {cuts:?}");
        }
    }
}

#[test]
fn shard_errors() {
    let init = Init::normal(0.0, 1.0);
    let mut s = vec![0.0f32; 10];
    let e = init
        .fill_shard(&mut s, &[4, 5], Region::Rows(2..5), 0, "w")
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::RegionOutOfRange {
            start: 2,
            end: 5,
            len: 4
        }
    );
    let e = init
        .fill_shard(&mut s, &[4, 5], Region::Elements(3..25), 0, "w")
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::RegionOutOfRange { .. }));
    let e = init
        .fill_shard(&mut s, &[4, 5], Region::Rows(0..1), 0, "w")
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::ShardMismatch {
            expected: 5,
            got: 10
        }
    );
    assert!(
        e.to_string()
            .contains("holds 10 elements but its region has 5")
    );
}

// the model level

#[derive(Initialize)]
struct Small {
    #[init(he_normal)]
    w1: Array2<f32>,
    #[init(zeros)]
    b1: Array1<f32>,
    #[init(glorot_uniform)]
    w2: Array2<f32>,
}

#[derive(Initialize)]
struct Refactored {
    // a new field first, others reordered: w1 and w2 keep their values
    #[init(normal(std = 1.0))]
    extra: Array2<f32>,
    #[init(glorot_uniform)]
    w2: Array2<f32>,
    #[init(he_normal)]
    w1: Array2<f32>,
}

#[test]
fn refactoring_keeps_values() {
    let mut a = Small {
        w1: Array2::zeros((8, 4)),
        b1: Array1::zeros(8),
        w2: Array2::zeros((3, 8)),
    };
    let mut b = Refactored {
        extra: Array2::zeros((5, 5)),
        w2: Array2::zeros((3, 8)),
        w1: Array2::zeros((8, 4)),
    };
    a.init_seeded(11).unwrap();
    b.init_seeded(11).unwrap();
    assert_eq!(a.w1, b.w1);
    assert_eq!(a.w2, b.w2);
    // and each equals the per-parameter fill
    let mut w1 = Array2::<f32>::zeros((8, 4));
    Init::he_normal().fill_seeded(&mut w1, 11, "w1").unwrap();
    assert_eq!(a.w1, w1);
}

#[test]
fn model_shards_equal_the_whole() {
    let mut whole = Small {
        w1: Array2::zeros((9, 4)),
        b1: Array1::zeros(9),
        w2: Array2::zeros((3, 9)),
    };
    whole.init_seeded(5).unwrap();
    let full = |p: &ParamPath| -> Vec<usize> {
        match p.to_string().as_str() {
            "w1" => vec![9, 4],
            "b1" => vec![9],
            _ => vec![3, 9],
        }
    };
    let workers = 2;
    let mut rows_w1 = Vec::new();
    let mut rows_w2 = Vec::new();
    for w in 0..workers {
        let (r1, r2) = (rows_of(w, workers, 9), rows_of(w, workers, 3));
        let mut part = Small {
            w1: Array2::zeros((r1.len(), 4)),
            b1: Array1::zeros(r1.len()),
            w2: Array2::zeros((r2.len(), 9)),
        };
        part.init_sharded(5, &|p: &ParamPath, _: &[usize]| {
            let shape = full(p);
            Ok((shape.clone(), Region::Rows(rows_of(w, workers, shape[0]))))
        })
        .unwrap();
        rows_w1.extend(part.w1.iter().copied());
        rows_w2.extend(part.w2.iter().copied());
    }
    assert_eq!(rows_w1, whole.w1.iter().copied().collect::<Vec<_>>());
    assert_eq!(rows_w2, whole.w2.iter().copied().collect::<Vec<_>>());
}

#[test]
fn value_stability_f32() {
    let mut v = vec![0.0f32; 6];
    Init::normal(0.0, 1.0)
        .fill_seeded(&mut v, 42, "fc1.weight")
        .unwrap();
    assert_eq!(
        v,
        [
            -2.3212073,
            0.07217846,
            0.3646246,
            1.0005497,
            0.4667037,
            -0.28034377
        ],
        "normal"
    );
    Init::uniform(0.0, 1.0)
        .fill_seeded(&mut v, 42, "fc1.weight")
        .unwrap();
    assert_eq!(
        v,
        [
            0.06743395, 0.49505264, 0.5672102, 0.19438064, 0.86225647, 0.91390896
        ],
        "uniform"
    );
    // the same words as the f64 stream: f32 element 4c + 2j is the f64 element 2c + j cut to
    // its high 24 bits
    let mut w = vec![0.0f64; 3];
    Init::uniform(0.0, 1.0)
        .fill_seeded(&mut w, 42, "fc1.weight")
        .unwrap();
    for (k32, k64) in [(0, 0), (2, 1), (4, 2)] {
        assert_eq!(
            f64::from(v[k32]),
            (w[k64] * 16_777_216.0).floor() / 16_777_216.0
        );
    }
}

// many small orthogonal parameters are computed in parallel with each other

#[derive(Initialize)]
struct Rnn {
    #[init(orthogonal)]
    w_hh: Array2<f32>,
    #[init(sparse(sparsity = 0.5, std = 0.1))]
    w_in: Array2<f32>,
    #[init(he_normal)]
    w_out: Array2<f64>,
}

#[derive(Initialize)]
struct Stack {
    layers: Vec<Rnn>,
}

fn stack() -> Stack {
    Stack {
        layers: (0..8)
            .map(|_| Rnn {
                w_hh: Array2::zeros((24, 24)),
                w_in: Array2::zeros((24, 10)),
                w_out: Array2::zeros((5, 24)),
            })
            .collect(),
    }
}

#[test]
fn model_structured_parameters_in_parallel_are_the_same() {
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut s = stack();
        pool.install(|| s.init_seeded(77)).unwrap();
        s
    };
    let (one, four) = (run(1), run(4));
    for (k, (a, b)) in one.layers.iter().zip(&four.layers).enumerate() {
        assert_eq!(a.w_hh, b.w_hh);
        assert_eq!(a.w_in, b.w_in);
        assert_eq!(a.w_out, b.w_out);
        // and equal to filling that parameter alone
        let mut w = Array2::<f32>::zeros((24, 24));
        Init::orthogonal()
            .fill_seeded(&mut w, 77, &format!("layers.{k}.w_hh"))
            .unwrap();
        assert_eq!(a.w_hh, w);
        let mut w = Array2::<f32>::zeros((24, 10));
        Init::sparse(0.5, 0.1)
            .fill_seeded(&mut w, 77, &format!("layers.{k}.w_in"))
            .unwrap();
        assert_eq!(a.w_in, w);
    }
}

// keyed contract 2: a model's parameter is keyed by its state-dict name (`layers.3.w`), the
// name a Burn `Param` or a candle variable of the same model has

#[test]
fn model_parameters_are_keyed_by_their_state_dict_name() {
    assert_eq!(weight_init::KEYED_CONTRACT, 4);
    let mut s = stack();
    s.init_seeded(42).unwrap();
    let mut w = Array2::<f64>::zeros((5, 24));
    Init::he_normal()
        .fill_seeded(&mut w, 42, "layers.3.w_out")
        .unwrap();
    assert_eq!(s.layers[3].w_out, w);
    // the displayed path is no longer the key
    Init::he_normal()
        .fill_seeded(&mut w, 42, "layers[3].w_out")
        .unwrap();
    assert_ne!(s.layers[3].w_out, w);
    // part of the compatibility promise: the first values of `layers.3.w_out`
    let first: Vec<f64> = s.layers[3].w_out.iter().take(2).copied().collect();
    assert_eq!(first, [0.1942072187059166, 0.23522351324280508]);
}

/// Keyed contract 4: the first values of the f32 truncated normal drawn by its inverse CDF
/// (±2σ, the shorter erfinv; ±3σ, the wider one), part of the compatibility promise. (Checked
/// once against an independent Python evaluation of the contract's formula: Philox, the layout,
/// erf in f64, the f32 polynomials of `python/fit_erfinv.py`.)
#[test]
fn value_stability_f32_truncated_normal() {
    let first = |init: Init| {
        let mut v = vec![0.0f32; 6];
        init.fill_seeded(&mut v, 42, "fc1.weight").unwrap();
        v
    };
    assert_eq!(
        first(Init::truncated_normal(0.0, 0.02, -0.04, 0.04)),
        [
            -0.02717463,
            0.020369489,
            -0.021419987,
            0.021794299,
            0.00033877592,
            0.0077797635
        ],
        "±2σ"
    );
    assert_eq!(
        first(Init::truncated_normal(0.0, 0.02, -0.06, 0.06)),
        [
            -0.029725708,
            0.021721626,
            -0.022906654,
            0.023332255,
            0.00035396838,
            0.008148089
        ],
        "±3σ"
    );
}
