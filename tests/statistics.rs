//! Kolmogorov–Smirnov tests of every element-wise scheme against the exact CDF, for every fan
//! mode and distribution, f32 and f64, rank 2 and rank 4 (each dimension 20–50), as PyTorch's
//! test/nn/test_init.py does. The expected distribution is computed here from the papers'
//! formulas, independently of the library's `resolve`.

mod common;

use common::{assert_ks, rng};
use ndarray::{ArrayD, IxDyn};
use weight_init::stats::{normal_cdf, truncated_normal_cdf, uniform_cdf};
use weight_init::{Distribution, FanMode, Gain, Init};

const SHAPES: [&[usize]; 2] = [&[47, 23], &[21, 20, 22, 20]];
const JAX_TRUNC_STD: f64 = 0.879_625_661_034_239_8;

/// PyTorch's fans for `(out, in, *kernel)`.
fn torch_fans(shape: &[usize]) -> (f64, f64) {
    let rf: usize = shape[2..].iter().product();
    ((shape[1] * rf) as f64, (shape[0] * rf) as f64)
}

fn fan(shape: &[usize], mode: FanMode) -> f64 {
    let (i, o) = torch_fans(shape);
    match mode {
        FanMode::FanIn => i,
        FanMode::FanOut => o,
        FanMode::FanAvg => (i + o) / 2.0,
        FanMode::FanGeoAvg => (i * o).sqrt(),
    }
}

/// The expected law of one element.
#[derive(Clone, Copy, Debug)]
enum Law {
    Uniform(f64, f64),
    Normal(f64, f64),
    Truncated(f64, f64, f64, f64),
}

impl Law {
    /// Var = scale/n drawn from `dist`, as JAX's variance_scaling defines it.
    fn variance_scaling(var: f64, dist: Distribution) -> Law {
        match dist {
            Distribution::Uniform => {
                let b = (3.0 * var).sqrt();
                Law::Uniform(-b, b)
            }
            Distribution::Normal => Law::Normal(0.0, var.sqrt()),
            Distribution::TruncatedNormal => {
                let s = var.sqrt() / JAX_TRUNC_STD;
                Law::Truncated(0.0, s, -2.0 * s, 2.0 * s)
            }
        }
    }

    fn cdf(self, x: f64) -> f64 {
        match self {
            Law::Uniform(a, b) => uniform_cdf(x, a, b),
            Law::Normal(m, s) => normal_cdf(x, m, s),
            Law::Truncated(m, s, a, b) => truncated_normal_cdf(x, m, s, a, b),
        }
    }
}

fn samples_f64(init: &Init, shape: &[usize], seed: u64) -> Vec<f64> {
    let mut a = ArrayD::<f64>::zeros(IxDyn(shape));
    init.fill(&mut a, &mut rng(seed)).unwrap();
    a.into_iter().collect()
}

fn samples_f32(init: &Init, shape: &[usize], seed: u64) -> Vec<f64> {
    let mut a = ArrayD::<f32>::zeros(IxDyn(shape));
    init.fill(&mut a, &mut rng(seed)).unwrap();
    a.into_iter().map(f64::from).collect()
}

/// Fills f32 and f64 tensors of both ranks and KS-tests them against `law(shape)`.
fn check(name: &str, init: &Init, law: impl Fn(&[usize]) -> Law) {
    for (k, shape) in SHAPES.iter().enumerate() {
        let l = law(shape);
        let seed = 1000 + k as u64;
        let what = format!("{name} {shape:?} ({l:?})");
        assert_ks(
            samples_f64(init, shape, seed),
            |x| l.cdf(x),
            &format!("{what} f64"),
        );
        assert_ks(
            samples_f32(init, shape, seed + 7),
            |x| l.cdf(x),
            &format!("{what} f32"),
        );
    }
}

const MODES: [FanMode; 4] = [
    FanMode::FanIn,
    FanMode::FanOut,
    FanMode::FanAvg,
    FanMode::FanGeoAvg,
];
const DISTS: [Distribution; 3] = [
    Distribution::Uniform,
    Distribution::Normal,
    Distribution::TruncatedNormal,
];

#[test]
fn variance_scaling_every_mode_and_distribution() {
    for mode in MODES {
        for dist in DISTS {
            let scale = 1.7;
            let init = Init::variance_scaling(scale, mode, dist);
            check(&format!("variance_scaling {mode:?} {dist:?}"), &init, |s| {
                Law::variance_scaling(scale / fan(s, mode), dist)
            });
        }
    }
}

#[test]
fn glorot_every_mode() {
    for mode in MODES {
        let g = 5.0 / 3.0;
        check(
            &format!("glorot_uniform {mode:?}"),
            &Init::glorot_uniform().gain(Gain::Tanh).mode(mode),
            |s| {
                let b = g * (3.0 / fan(s, mode)).sqrt();
                Law::Uniform(-b, b)
            },
        );
        check(
            &format!("xavier_normal {mode:?}"),
            &Init::xavier_normal().mode(mode),
            |s| Law::Normal(0.0, (1.0 / fan(s, mode)).sqrt()),
        );
    }
    // the paper's form: U(±√(6/(n_in+n_out)))
    check("glorot_uniform", &Init::glorot_uniform(), |s| {
        let (i, o) = torch_fans(s);
        let b = (6.0 / (i + o)).sqrt();
        Law::Uniform(-b, b)
    });
}

#[test]
fn he_every_mode_and_gain() {
    for mode in MODES {
        for (gain, g) in [
            (None, 2f64.sqrt()),
            (Some(Gain::LeakyRelu(0.2)), (2.0 / 1.04f64).sqrt()),
            (Some(Gain::Selu), 0.75),
        ] {
            let with = |i: Init| match gain {
                Some(gain) => i.gain(gain).mode(mode),
                None => i.mode(mode),
            };
            check(
                &format!("he_uniform {mode:?} {gain:?}"),
                &with(Init::he_uniform()),
                |s| {
                    let b = g * (3.0 / fan(s, mode)).sqrt();
                    Law::Uniform(-b, b)
                },
            );
            check(
                &format!("he_normal {mode:?} {gain:?}"),
                &with(Init::kaiming_normal()),
                |s| Law::Normal(0.0, g / fan(s, mode).sqrt()),
            );
            check(
                &format!("he_normal truncated {mode:?} {gain:?}"),
                &with(Init::he_normal()).truncated(),
                |s| Law::variance_scaling(g * g / fan(s, mode), Distribution::TruncatedNormal),
            );
        }
    }
}

#[test]
fn lecun_and_torch_default() {
    for mode in MODES {
        check(
            &format!("lecun_uniform {mode:?}"),
            &Init::lecun_uniform().mode(mode),
            |s| {
                let b = (3.0 / fan(s, mode)).sqrt();
                Law::Uniform(-b, b)
            },
        );
        check(
            &format!("lecun_normal {mode:?}"),
            &Init::lecun_normal().mode(mode),
            |s| Law::Normal(0.0, (1.0 / fan(s, mode)).sqrt()),
        );
        check(
            &format!("lecun_normal truncated {mode:?}"),
            &Init::lecun_normal().mode(mode).truncated(),
            |s| Law::variance_scaling(1.0 / fan(s, mode), Distribution::TruncatedNormal),
        );
    }
    // PyTorch nn.Linear/ConvNd: kaiming_uniform_(a = √5) = U(±1/√fan_in)
    check("torch_default", &Init::torch_default(), |s| {
        let b = 1.0 / torch_fans(s).0.sqrt();
        Law::Uniform(-b, b)
    });
}

#[test]
fn plain_distributions() {
    check("uniform", &Init::uniform(-0.3, 0.7), |_| {
        Law::Uniform(-0.3, 0.7)
    });
    check("uniform(a)", &Init::uniform_symmetric(0.05), |_| {
        Law::Uniform(-0.05, 0.05)
    });
    check("normal", &Init::normal(1.0, 0.02), |_| {
        Law::Normal(1.0, 0.02)
    });
    check("normal scaled", &Init::normal(0.0, 0.02).scale(0.5), |_| {
        Law::Normal(0.0, 0.01)
    });
    check(
        "normal truncated",
        &Init::normal(0.5, 0.1).truncated(),
        |_| {
            let s = 0.1 / JAX_TRUNC_STD;
            Law::Truncated(0.5, s, 0.5 - 2.0 * s, 0.5 + 2.0 * s)
        },
    );
    check(
        "truncated_normal",
        &Init::truncated_normal(0.0, 0.02, -0.04, 0.04),
        |_| Law::Truncated(0.0, 0.02, -0.04, 0.04),
    );
    check(
        "truncated_normal sigmas = 3",
        &Init::truncated_normal_sigmas(0.1, 0.02, 3.0),
        |_| Law::Truncated(0.1, 0.02, 0.1 - 0.06, 0.1 + 0.06),
    );
    // one-sided and far-tail truncations
    check(
        "truncated_normal one-sided",
        &Init::truncated_normal(0.0, 1.0, 1.0, f64::INFINITY),
        |_| Law::Truncated(0.0, 1.0, 1.0, f64::INFINITY),
    );
    check(
        "truncated_normal mean outside",
        &Init::truncated_normal(-3.0, 1.0, -0.5, 0.5),
        |_| Law::Truncated(-3.0, 1.0, -0.5, 0.5),
    );
}

/// The KS test has teeth: a scheme compared with the wrong law is rejected.
#[test]
fn ks_rejects_the_wrong_law() {
    let shape = SHAPES[0];
    let xs = samples_f64(&Init::he_normal(), shape, 5);
    let wrong = Law::Normal(0.0, (1.0 / torch_fans(shape).0).sqrt()); // lecun's std
    let mut s = xs.clone();
    let r = weight_init::stats::ks_test(&mut s, |x| wrong.cdf(x));
    assert!(r.p_value < 1e-6, "p = {}", r.p_value);
    let right = Law::Normal(0.0, (2.0 / torch_fans(shape).0).sqrt());
    assert_ks(xs, |x| right.cdf(x), "he_normal");
}
