//! The signal-propagation study (`examples/signal_propagation.rs`) at a small size, fixed
//! seeds: its figures agree with theory. Depth 50 throughout (10 for the width sweep); width 64
//! and batch 128, except the relu and selu statements, which need width 256 (see [`WIDE`]).
//!
//! - linear + orthogonal: every layer's norm, forward and backward, is the input's to 1e-4;
//! - relu + he_normal: the mean over networks of q_50/q_1 (and of the gradient's G_1/G_50) is
//!   within [0.5, 2] of its expectation 1;
//! - relu + glorot_uniform: log2 q_50/q_1 (and log2 G_1/G_50) within ±10% of −49;
//! - selu + lecun_normal: mean within ±0.1 of 0 and variance within [0.7, 1.3] at layer 50;
//! - uniform(±0.05): q_50/q_1 and G_1/G_50 below 1e-15 for every nonlinearity;
//! - LSUV: every layer's variance within 1 ± tol on its batch (and on a held-out one, but relu);
//! - Hanin & Rolnick: the spread of log(‖z_L‖²/‖z_0‖²) over networks grows from width 256 to
//!   16, as its exact law says;
//! - the mean-field predictions drawn with the figures agree with their closed forms;
//! - LeCun's tanh: the library's `Gain::LecunTanh` is this study's own 1/√E[f(Z)²]; from N(0, 1)
//!   input f(h_1) has variance 0.75, not 1; at depth 50 lecun_normal's pre-activations settle
//!   at the fixed point 0.382, and with `gain = lecun_tanh` at 1.

#[path = "../examples/common/signal.rs"]
#[allow(dead_code)]
mod signal;

use ndarray::Array2;
use signal::{
    Config, Nonlinearity, Scheme, fixed_point, gaussian, lecun_tanh_gain2, log_ratio_theory,
    lsuv_weights, mean_field, propagate, run, run_seeds, spread,
};
use weight_init::{Gain, Init, Initialize};

const CFG: Config = Config {
    width: 64,
    depth: 50,
    batch: 128,
};
const L: usize = CFG.depth;
/// The relu statements hold in expectation, but at depth 50 a relu network's log second moment
/// spreads over networks with variance ≈ 5·depth/width (Hanin & Rolnick): at width 64 (≈ 3.8)
/// the mean over a few networks is far below its expectation (0.32 over 6 networks), at width
/// 256 (≈ 1) it is not. SELU's fixed point is exact only at infinite width: at width 64 the
/// mean at layer 50 reached 0.08, at width 256 it is below 0.01. Batch 64: generating the
/// weights, not the matmuls, is the cost here.
const WIDE: Config = Config {
    width: 256,
    depth: 50,
    batch: 64,
};

#[test]
fn linear_orthogonal_preserves_the_norm_exactly() {
    let r = run(Scheme::Orthogonal, Nonlinearity::Linear, CFG, 0, true).unwrap();
    for (l, layer) in r.layers.iter().enumerate() {
        let forward = (layer.pre.m2 / r.input.m2).sqrt();
        assert!((forward - 1.0).abs() < 1e-4, "layer {}: {forward}", l + 1);
        let backward = (r.grad_m2_ratio(l + 1)).sqrt();
        assert!((backward - 1.0).abs() < 1e-4, "layer {}: {backward}", l + 1);
    }
}

#[test]
fn relu_he_normal_preserves_the_second_moment_in_expectation() {
    let runs = run_seeds(Scheme::HeNormal, Nonlinearity::Relu, WIDE, 0..16, true).unwrap();
    let mean =
        |f: &dyn Fn(&signal::RunStats) -> f64| runs.iter().map(f).sum::<f64>() / runs.len() as f64;
    let forward = mean(&|r| r.m2_ratio(L));
    assert!((0.5..=2.0).contains(&forward), "{forward}");
    let backward = mean(&|r| r.grad_m2_ratio(1));
    assert!((0.5..=2.0).contains(&backward), "{backward}");
}

#[test]
fn relu_glorot_uniform_halves_the_second_moment_per_layer() {
    for r in run_seeds(Scheme::GlorotUniform, Nonlinearity::Relu, WIDE, 0..2, true).unwrap() {
        let expected = -((L - 1) as f64);
        let forward = r.m2_ratio(L).log2();
        assert!(
            (forward - expected).abs() <= 0.1 * expected.abs(),
            "{forward}"
        );
        let backward = r.grad_m2_ratio(1).log2();
        assert!(
            (backward - expected).abs() <= 0.1 * expected.abs(),
            "{backward}"
        );
    }
}

#[test]
fn selu_lecun_normal_reaches_mean_0_variance_1() {
    for r in run_seeds(Scheme::LecunNormal, Nonlinearity::Selu, WIDE, 0..3, false).unwrap() {
        let last = r.layers[L - 1];
        for m in [last.pre, last.post] {
            assert!(m.mean.abs() < 0.1, "{m:?}");
            assert!((0.7..=1.3).contains(&m.var), "{m:?}");
        }
    }
}

#[test]
fn small_uniform_vanishes_for_every_nonlinearity() {
    for nl in Nonlinearity::ALL {
        let r = run(Scheme::SmallUniform, nl, CFG, 0, true).unwrap();
        let forward = r.m2_ratio(L);
        assert!(forward < 1e-15, "{nl:?}: {forward:e}");
        let backward = r.grad_m2_ratio(1);
        assert!(backward < 1e-15, "{nl:?}: {backward:e}");
    }
}

/// LSUV promises unit variance on the batch it was fitted on: checked there with this study's
/// own forward pass. On a held-out batch too, except relu: at width 64 a deep relu network's
/// gain depends on the input enough that another batch of 128 finds layers up to 0.25 away from
/// 1 (seed 0; 0.11 with batches of 1024); the example, at width 256 and batch 1024, measures at
/// most 0.04 on its held-out batch.
#[test]
fn lsuv_gives_every_layer_unit_variance() {
    let lsuv = weight_init::Lsuv::default();
    let seed = 0;
    let fit = gaussian(CFG.width, CFG.batch, seed, "lsuv_batch").unwrap();
    let held_out = gaussian(CFG.width, CFG.batch, seed, "input").unwrap();
    for nl in Nonlinearity::ALL {
        let (w, report) = lsuv_weights(&lsuv, nl, &fit, L, seed).unwrap();
        assert_eq!(report.layers.len(), L);
        let on_fit = propagate(&w, nl, &fit, None);
        for (l, (layer, ours)) in report.layers.iter().zip(&on_fit.layers).enumerate() {
            assert_eq!(layer.path, signal::layer_path(l));
            assert!((layer.variance - 1.0).abs() < lsuv.tol, "{nl:?} {layer:?}");
            assert!(
                (ours.pre.var / layer.variance - 1.0).abs() < 1e-9,
                "{nl:?} {layer:?}"
            );
        }
        if nl != Nonlinearity::Relu {
            for (l, layer) in propagate(&w, nl, &held_out, None).layers.iter().enumerate() {
                let var = layer.pre.var;
                assert!(
                    (var - 1.0).abs() < lsuv.tol,
                    "{nl:?} layer {}: {var}",
                    l + 1
                );
            }
        }
    }
}

/// Hanin & Rolnick: at fixed depth (10 here, to keep the test fast; the example uses 50), the
/// spread over networks of log(‖z_L‖²/‖z_0‖²) grows with Σ 1/width, as its exact law says.
#[test]
fn relu_he_normal_log_length_spreads_with_sum_of_inverse_widths() {
    const DEPTH: usize = 10;
    let spreads: Vec<_> = [256, 64, 16]
        .iter()
        .map(|&w| spread(w, DEPTH, 0..24).unwrap())
        .collect();
    for s in &spreads {
        let (_, var) = log_ratio_theory(s.width, DEPTH);
        // the sample std of 24 draws is within ±40% of the true one with probability > 0.99
        let ratio = s.std / var.sqrt();
        assert!((0.6..=1.4).contains(&ratio), "{s:?}, theory {}", var.sqrt());
        assert_eq!(s.dead, 0);
    }
    assert!(spreads[0].std < spreads[1].std && spreads[1].std < spreads[2].std);
    assert!(spreads[2].std > 2.5 * spreads[0].std, "{spreads:?}");
}

/// The mean-field predictions the figures are compared with agree with the closed forms.
#[test]
fn mean_field_closed_forms() {
    let n = 256;
    let close = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-9;
    let he = mean_field(Scheme::HeNormal, Nonlinearity::Relu, n, L);
    assert!(close(he.forward_m2[L - 1], 2.0) && close(he.backward_m2[0], 1.0));
    let glorot = mean_field(Scheme::GlorotUniform, Nonlinearity::Relu, n, L);
    assert!(close(glorot.forward_m2[L - 1], 0.5f64.powi(L as i32 - 1)));
    assert!(close(glorot.backward_m2[0], 0.5f64.powi(L as i32 - 1)));
    let orth = mean_field(Scheme::Orthogonal, Nonlinearity::Linear, n, L);
    assert!(
        orth.forward_m2
            .iter()
            .chain(&orth.backward_m2)
            .all(|&q| close(q, 1.0))
    );
    let selu = mean_field(Scheme::LecunNormal, Nonlinearity::Selu, n, L);
    assert!(selu.forward_m2.iter().all(|&q| (q - 1.0).abs() < 1e-6));
    // E[selu'(z)²] = λ²/2 + (λα)²·e²·Φ(−2), Φ(−2) = 0.022750131948179195
    let (lam, alpha) = (signal::SELU_LAMBDA, signal::SELU_ALPHA);
    let chi = lam * lam / 2.0 + (lam * alpha).powi(2) * 2f64.exp() * 0.022_750_131_948_179_2;
    assert!(close(selu.backward_m2[0], chi.powi(L as i32 - 1)));
    // Hanin & Rolnick's first-order variance 5·L/n
    let (_, var) = log_ratio_theory(4096, L);
    assert!(
        (var / (5.0 * L as f64 / 4096.0) - 1.0).abs() < 0.01,
        "{var}"
    );
}

/// The library's gain for LeCun's tanh (trapezoid rule) is the one this study computes on its
/// own (Simpson), and the fixed points of the mean-field recursion are where the issue says.
#[test]
fn lecun_tanh_gain_is_the_unit_fixed_point() {
    let g = Gain::LecunTanh.value();
    assert!((g - lecun_tanh_gain2().sqrt()).abs() < 1e-12, "{g}");
    assert!((1.0 / (g * g) - 0.750_430).abs() < 1e-6, "{g}");
    let (q, post) =
        fixed_point(Scheme::LecunNormalLecunTanh, Nonlinearity::LecunTanh, 256).unwrap();
    assert!(
        (q - 1.0).abs() < 1e-9 && (post - 1.0 / (g * g)).abs() < 1e-9,
        "{q} {post}"
    );
    let (q, post) = fixed_point(Scheme::LecunNormal, Nonlinearity::LecunTanh, 256).unwrap();
    assert!(
        (q - 0.382_44).abs() < 1e-4 && (q - post).abs() < 1e-9,
        "{q} {post}"
    );
    // PyTorch's 5/3 is not the fixed-point gain of plain tanh: that is 1/√E[tanh(Z)²] ≈ 1.5925
    let tanh = 1.0 / signal::gauss_expect(1.0, |h| h.tanh().powi(2)).sqrt();
    assert!((tanh - 1.5925).abs() < 1e-4, "{tanh}");
}

/// The article's claim measured: from N(0, 1) input, LeCun's f gives variance 0.75, not 1; at
/// depth 50, lecun_normal's pre-activations sit at the fixed point 0.382 and
/// lecun_normal(gain = lecun_tanh)'s at 1 (activations 0.75). Width 256 (the fixed point is a
/// wide-network statement), batch 64, the mean over 4 seeds within ±4%: one network's variance
/// at depth 50 is off its fixed point by up to 4.2% (seeds 0 to 2), the mean of 10 in the
/// example by 1.5%.
#[test]
fn lecun_tanh_variances_after_one_layer_and_at_depth_50() {
    let check = |scheme: Scheme, expected: [f64; 4]| {
        let runs = run_seeds(scheme, Nonlinearity::LecunTanh, WIDE, 0..4, false).unwrap();
        let mean = |f: &dyn Fn(&signal::RunStats) -> f64| {
            runs.iter().map(f).sum::<f64>() / runs.len() as f64
        };
        let measured = [
            mean(&|r| r.layers[0].pre.var),
            mean(&|r| r.layers[0].post.var),
            mean(&|r| r.layers[L - 1].pre.var),
            mean(&|r| r.layers[L - 1].post.var),
        ];
        for (m, e) in measured.iter().zip(expected) {
            assert!(
                (m / e - 1.0).abs() < 0.04,
                "{scheme:?}: Var h1, f(h1), h50, f(h50) = {measured:?}, expected {expected:?}"
            );
        }
    };
    check(Scheme::LecunNormal, [1.0, 0.7504, 0.3824, 0.3824]);
    check(Scheme::LecunNormalLecunTanh, [1.3326, 0.8885, 1.0, 0.7504]);
}

/// The derive word `gain = lecun_tanh` is `Gain::LecunTanh`.
#[test]
fn derive_word_lecun_tanh() {
    #[derive(Initialize)]
    struct Layer {
        #[init(lecun_normal(gain = lecun_tanh))]
        w: Array2<f64>,
    }
    let mut layer = Layer {
        w: Array2::zeros((64, 32)),
    };
    layer.init_seeded(3).unwrap();
    let mut expected = Array2::<f64>::zeros((64, 32));
    Init::lecun_normal()
        .gain(Gain::LecunTanh)
        .fill_seeded(&mut expected, 3, "w")
        .unwrap();
    assert_eq!(layer.w, expected);
}
