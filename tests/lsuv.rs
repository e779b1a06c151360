//! LSUV brings every chosen layer's output variance to 1 ± tol, from badly scaled starts, on
//! deep tanh and ReLU networks; its failures are errors naming the layer.

mod common;

use ndarray::{Array2, Axis};
use rand::RngExt;
use weight_init::{ErrorKind, Init, Initialize, LayerOutputs, Lsuv};

#[derive(Initialize)]
struct Layer {
    #[init(he_normal)]
    w: Array2<f64>,
}

#[derive(Initialize)]
struct Mlp {
    layers: Vec<Layer>,
}

#[derive(Clone, Copy, Debug)]
enum Act {
    Tanh,
    Relu,
}

const WIDTH: usize = 32;
const DEPTH: usize = 20;

fn paths() -> Vec<String> {
    (0..DEPTH).map(|i| format!("layers[{i}].w")).collect()
}

/// Each layer's pre-activation output on the batch, keyed by its weight's path.
fn forward(m: &Mlp, x: &Array2<f64>, act: Act) -> LayerOutputs {
    let mut h = x.clone();
    let mut out = LayerOutputs::new();
    for (i, layer) in m.layers.iter().enumerate() {
        let z = layer.w.dot(&h);
        out.insert(format!("layers[{i}].w"), z.iter().copied().collect());
        h = match act {
            Act::Tanh => z.mapv(f64::tanh),
            Act::Relu => z.mapv(|v| v.max(0.0)),
        };
    }
    out
}

/// An MLP whose weights are N(0, (factor·right)²), right = the variance-preserving std.
fn badly_scaled(act: Act, factor: f64, seed: u64) -> Mlp {
    let right = match act {
        Act::Tanh => (1.0 / WIDTH as f64).sqrt(),
        Act::Relu => (2.0 / WIDTH as f64).sqrt(),
    };
    let mut m = Mlp {
        layers: (0..DEPTH)
            .map(|_| Layer {
                w: Array2::zeros((WIDTH, WIDTH)),
            })
            .collect(),
    };
    for (i, l) in m.layers.iter_mut().enumerate() {
        Init::normal(0.0, factor * right)
            .fill_seeded(&mut l.w, seed, &format!("layers.{i}.w"))
            .unwrap();
    }
    m
}

fn batch(seed: u64) -> Array2<f64> {
    let mut r = common::rng(seed);
    Array2::from_shape_fn((WIDTH, 256), |_| {
        // Box–Muller from the test's own rng: N(0, 1) inputs
        let (u1, u2): (f64, f64) = (1.0 - r.random::<f64>(), r.random());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    })
}

fn var(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n
}

#[test]
fn every_layer_ends_at_unit_variance() {
    let x = batch(1);
    let paths = paths();
    let layers: Vec<&str> = paths.iter().map(String::as_str).collect();
    for act in [Act::Tanh, Act::Relu] {
        for factor in [10.0, 0.1] {
            for orthonormal in [true, false] {
                let mut m = badly_scaled(act, factor, 3);
                let before = forward(&m, &x, act);
                let last = var(&before[paths.last().unwrap()]);
                let lsuv = Lsuv {
                    orthonormal,
                    ..Lsuv::default()
                };
                let report = lsuv
                    .run(&mut m, &layers, 7, |m: &Mlp| forward(m, &x, act))
                    .unwrap();
                assert_eq!(report.layers.len(), DEPTH);
                let after = forward(&m, &x, act);
                for (p, r) in paths.iter().zip(&report.layers) {
                    let v = var(&after[p]);
                    assert!(
                        (v - 1.0).abs() < lsuv.tol,
                        "{act:?} ×{factor} orthonormal {orthonormal}: {p} variance {v}"
                    );
                    assert!(
                        (r.variance - v).abs() < 1e-9,
                        "{p}: the report says {}, the model gives {v}",
                        r.variance
                    );
                }
                // the start really was bad
                assert!(
                    !(0.5..2.0).contains(&last),
                    "{act:?} ×{factor}: the start had variance {last}"
                );
            }
        }
    }
}

#[test]
fn errors_name_the_layer() {
    let x = batch(2);
    let mut m = badly_scaled(Act::Relu, 1.0, 1);
    let e = Lsuv::default()
        .run(&mut m, &["layers[99].w"], 0, |m: &Mlp| {
            forward(m, &x, Act::Relu)
        })
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UnknownPath);
    assert_eq!(e.path(), Some("layers[99].w"));
    let e = Lsuv::default()
        .run(&mut m, &["layers[0].w"], 0, |_: &Mlp| LayerOutputs::new())
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::MissingOutput);
    assert_eq!(
        e.to_string(),
        "layers[0].w: lsuv: the forward pass returned no output for this layer"
    );
    let e = Lsuv::default()
        .run(&mut m, &["layers[0].w"], 0, |_: &Mlp| {
            LayerOutputs::from([("layers[0].w".into(), vec![1.0, f64::NAN])])
        })
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::InvalidParameter {
                name: "layer output",
                ..
            }
        ),
        "{e}"
    );
    // a dead layer: all-zero weights, no orthonormal start
    m.layers[0].w.fill(0.0);
    let dead = Lsuv {
        orthonormal: false,
        ..Lsuv::default()
    };
    let e = dead
        .run(&mut m, &["layers[0].w"], 0, |m: &Mlp| {
            forward(m, &x, Act::Relu)
        })
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::DeadLayer { variance: 0.0 });
    let bad_tol = Lsuv {
        tol: 0.0,
        ..Lsuv::default()
    };
    assert!(
        bad_tol
            .run(&mut m, &["layers[0].w"], 0, |m: &Mlp| forward(
                m,
                &x,
                Act::Relu
            ))
            .is_err()
    );
    // unused, but shows the batch axis is the columns
    assert_eq!(x.len_of(Axis(0)), WIDTH);
}

/// Every weight's values, bit for bit.
fn bits(m: &Mlp) -> Vec<Vec<u64>> {
    m.layers
        .iter()
        .map(|l| l.w.iter().map(|v| v.to_bits()).collect())
        .collect()
}

/// An error on a later layer leaves every weight as it was: the earlier layers' orthonormal
/// start and rescalings are undone.
#[test]
fn an_error_leaves_the_weights_as_they_were() {
    let x = batch(4);
    for orthonormal in [true, false] {
        let mut m = badly_scaled(Act::Tanh, 10.0, 5);
        let before = bits(&m);
        let lsuv = Lsuv {
            orthonormal,
            ..Lsuv::default()
        };
        // layers 0 and 1 are rescaled, then layer 2's output is missing
        let e = lsuv
            .run(
                &mut m,
                &["layers[0].w", "layers[1].w", "layers[2].w"],
                7,
                |m: &Mlp| {
                    let mut out = forward(m, &x, Act::Tanh);
                    out.remove("layers[2].w");
                    out
                },
            )
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::MissingOutput);
        assert_eq!(e.path(), Some("layers[2].w"));
        assert!(
            bits(&m) == before,
            "orthonormal {orthonormal}: weights changed"
        );
        // a path chosen twice gets its original values back too
        let e = lsuv
            .run(
                &mut m,
                &["layers[0].w", "layers[0].w", "layers[9].w"],
                7,
                |m: &Mlp| {
                    let mut out = forward(m, &x, Act::Tanh);
                    out.remove("layers[9].w");
                    out
                },
            )
            .unwrap_err();
        assert_eq!(e.path(), Some("layers[9].w"));
        assert!(
            bits(&m) == before,
            "orthonormal {orthonormal}: weights changed"
        );
    }
}

/// A forward pass whose output does not depend on the weight: rescaling never moves the
/// variance. It used to multiply the weight by 1e35 ten times and return Ok with infinities.
#[test]
fn an_output_that_ignores_the_weight_is_an_error() {
    let mut m = badly_scaled(Act::Relu, 1.0, 6);
    let before = bits(&m);
    let plain = Lsuv {
        orthonormal: false,
        ..Lsuv::default()
    };
    for orthonormal in [false, true] {
        let lsuv = Lsuv {
            orthonormal,
            ..plain
        };
        let got = lsuv.run(&mut m, &["layers[0].w"], 0, |_: &Mlp| {
            // variance 1e-70, whatever the weight
            LayerOutputs::from([("layers[0].w".into(), vec![1e-35, -1e-35])])
        });
        let e = got.unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::UnresponsiveLayer { .. }),
            "{e}"
        );
        assert_eq!(e.path(), Some("layers[0].w"));
        assert!(e.to_string().starts_with("layers[0].w: lsuv: "), "{e}");
        assert!(bits(&m) == before, "weights changed");
        assert!(m.layers[0].w.iter().all(|w| w.is_finite()));
    }
}

#[derive(Initialize)]
struct Narrow {
    #[init(he_normal)]
    w: Array2<f32>,
}

/// A rescaling whose values overflow the element type is an error before anything is written:
/// it used to write infinities into the f32 weight (and fail only on the next forward pass).
#[test]
fn a_rescale_that_overflows_is_an_error() {
    let mut m = Narrow {
        w: Array2::from_elem((2, 2), 1e30),
    };
    // outputs of about 1e-10: variance 1e-20, so the weight would be scaled by 1e10 to 1e40
    let x = Array2::from_shape_vec(
        (2, 4),
        vec![1e-40, -1e-40, 2e-40, 0.0, 0.0, 1e-40, -2e-40, 1e-40],
    )
    .unwrap();
    let lsuv = Lsuv {
        orthonormal: false,
        ..Lsuv::default()
    };
    let e = lsuv
        .run(&mut m, &["w"], 0, |m: &Narrow| {
            LayerOutputs::from([(
                "w".into(),
                m.w.mapv(f64::from).dot(&x).into_iter().collect(),
            )])
        })
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::RescaleOverflow { dtype: "f32", .. }),
        "{e}"
    );
    assert_eq!(e.path(), Some("w"));
    assert!(m.w.iter().all(|&w| w == 1e30), "weights changed: {:?}", m.w);
}

/// `max_iters` is capped at `Lsuv::MAX_ITERS`: `usize::MAX` with a forward pass that never
/// converges used to run for ever; it is refused before the forward pass is called, and the
/// cap itself runs exactly that many rescalings.
#[test]
fn the_iteration_count_is_capped() {
    let x = batch(8).slice_move(ndarray::s![.., ..16]);
    let mut m = badly_scaled(Act::Relu, 1.0, 9);
    let before = bits(&m);
    let mut calls = 0usize;
    // the layer responds to its weight, but the output is scaled by 2 and 1/2 in turn: its
    // variance is 16 and 1/16 in turn after the first rescaling, never near 1
    let mut oscillating = |m: &Mlp| {
        calls += 1;
        assert!(
            calls <= 10_000,
            "LSUV is still running after 10 000 forward passes"
        );
        let k = if calls.is_multiple_of(2) { 2.0 } else { 0.5 };
        LayerOutputs::from([(
            "layers[0].w".into(),
            (&m.layers[0].w.dot(&x) * k).into_iter().collect(),
        )])
    };
    let huge = Lsuv {
        max_iters: usize::MAX,
        orthonormal: false,
        ..Lsuv::default()
    };
    let e = huge
        .run(&mut m, &["layers[0].w"], 0, &mut oscillating)
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::InvalidParameter {
                name: "max_iters",
                ..
            }
        ),
        "{e}"
    );
    assert!(bits(&m) == before, "weights changed");
    let capped = Lsuv {
        max_iters: Lsuv::MAX_ITERS,
        ..huge
    };
    let report = capped
        .run(&mut m, &["layers[0].w"], 0, &mut oscillating)
        .unwrap();
    assert_eq!(report.layers[0].iterations, Lsuv::MAX_ITERS);
    assert!(
        !(0.5..2.0).contains(&report.layers[0].variance),
        "{report:?}"
    );
    assert_eq!(calls, Lsuv::MAX_ITERS + 1);
}
