//! Conformance with PyTorch's and JAX's formulas: fans, gains, bounds and stds on the same
//! shapes, with the constants written out as those libraries write them.

use weight_init::{
    Distribution, ElementDistribution, ErrorKind, FanMode, Fans, Gain, Init, Layout,
    TRUNC_2SIGMA_STD,
};

fn fans(shape: &[usize], layout: Layout) -> (usize, usize) {
    let f = Fans::from_shape(shape, layout).unwrap();
    (f.fan_in, f.fan_out)
}

#[test]
fn golden_fans() {
    assert_eq!(fans(&[3, 5], Layout::OutIn), (5, 3));
    assert_eq!(fans(&[64, 3, 7, 7], Layout::OutIn), (147, 3136));
    assert_eq!(fans(&[7, 7, 3, 64], Layout::InOut), (147, 3136));
    // depthwise conv (out 32, in/groups 1, 3×3)
    assert_eq!(fans(&[32, 1, 3, 3], Layout::OutIn), (9, 288));
    // attention kernels (d_model, heads, head_dim), JAX in_axis/out_axis
    assert_eq!(fans(&[512, 8, 64], Layout::axes([0], [1, 2])), (512, 512));
    assert_eq!(fans(&[512, 8, 64], Layout::axes([0, 1], [2])), (4096, 64));
    // negative axes count from the end; batch axes count in neither fan
    assert_eq!(
        fans(&[512, 8, 64], Layout::axes([-3], [-2, -1])),
        (512, 512)
    );
    assert_eq!(
        fans(&[4, 3, 5, 7], Layout::InOut.with_batch_axes([0])),
        (5 * 3, 7 * 3)
    );
    // JAX's default for a rank-3 conv kernel (width, in, out)
    assert_eq!(fans(&[5, 16, 32], Layout::InOut), (80, 160));
}

#[test]
fn gains_are_pytorch_constants() {
    assert_eq!(Gain::Linear.value(), 1.0);
    assert_eq!(Gain::Sigmoid.value(), 1.0);
    assert_eq!(Gain::Tanh.value(), 5.0 / 3.0);
    assert_eq!(Gain::Relu.value(), 2.0f64.sqrt());
    assert_eq!(Gain::Selu.value(), 3.0 / 4.0);
    assert_eq!(Gain::LeakyRelu(0.0).value(), 2.0f64.sqrt());
    assert_eq!(Gain::leaky_relu_default().value(), 1.4141428569978354);
    assert_eq!(Gain::LeakyRelu(10.0).value(), 0.14071950894605836);
    assert_eq!(Gain::Value(0.3).value(), 0.3);
    // not PyTorch's: computed by quadrature, 1/√E[(1.7159·tanh(2Z/3))²]
    assert!((Gain::LecunTanh.value() - 1.154_369_453_976_1).abs() < 1e-12);
}

#[test]
fn jax_truncation_constant() {
    // scipy.stats.truncnorm.std(a=-2, b=2), as JAX and Keras write it
    assert_eq!(TRUNC_2SIGMA_STD, jax_constant());
}

/// The constant as written in jax/_src/nn/initializers.py.
fn jax_constant() -> f64 {
    "0.87962566103423978".parse().unwrap()
}

fn uniform_bound(r: &ElementDistribution) -> f64 {
    match *r {
        ElementDistribution::Uniform { low, high } => {
            assert_eq!(low, -high);
            high
        }
        ref other => panic!("expected a symmetric uniform, got {other:?}"),
    }
}

fn normal_std(r: &ElementDistribution) -> f64 {
    match *r {
        ElementDistribution::Normal { mean, std } => {
            assert_eq!(mean, 0.0);
            std
        }
        ref other => panic!("expected a centred normal, got {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-15 * b.abs().max(1e-300)
}

#[test]
fn pytorch_bounds_and_stds() {
    let shape = [64, 3, 7, 7]; // fan_in 147, fan_out 3136
    let (i, o) = (147.0f64, 3136.0f64);
    let d = |init: Init| init.resolve(&shape).unwrap().distribution.unwrap();
    // torch.nn.init.xavier_uniform_: a = gain * sqrt(6 / (fan_in + fan_out))
    assert!(close(
        uniform_bound(&d(Init::xavier_uniform())),
        (6.0 / (i + o)).sqrt()
    ));
    // xavier_normal_: std = gain * sqrt(2 / (fan_in + fan_out))
    assert!(close(
        normal_std(&d(Init::xavier_normal().gain(Gain::Tanh))),
        5.0 / 3.0 * (2.0 / (i + o)).sqrt()
    ));
    // kaiming_uniform_: bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)
    assert!(close(
        uniform_bound(&d(Init::kaiming_uniform())),
        2f64.sqrt() * (3.0 / i).sqrt()
    ));
    assert!(close(
        uniform_bound(&d(Init::kaiming_uniform()
            .gain(Gain::LeakyRelu(5f64.sqrt()))
            .mode(FanMode::FanOut))),
        (2.0 / 6.0f64).sqrt() * (3.0 / o).sqrt()
    ));
    // kaiming_normal_: std = gain / sqrt(fan)
    assert!(close(
        normal_std(&d(Init::kaiming_normal())),
        2f64.sqrt() / i.sqrt()
    ));
    // nn.Linear / nn.Conv2d reset_parameters: kaiming_uniform_(a=sqrt(5)) = U(±1/sqrt(fan_in))
    assert!(close(
        uniform_bound(&d(Init::torch_default())),
        1.0 / i.sqrt()
    ));
    // and the bias: U(±1/sqrt(fan_in)) with the weight's fan_in
    let bias = Init::torch_default().fan_in(147).resolve(&[64]).unwrap();
    assert!(close(
        uniform_bound(&bias.distribution.unwrap()),
        1.0 / i.sqrt()
    ));
}

#[test]
fn jax_variance_scaling() {
    // jax.nn.initializers, kernel (k, k, in, out) = (3, 3, 16, 32)
    let shape = [3, 3, 16, 32];
    let (i, o) = (144.0f64, 288.0f64);
    let r = |init: Init| init.layout(Layout::InOut).resolve(&shape).unwrap();
    // glorot_normal in JAX: variance_scaling(1, fan_avg, truncated_normal)
    let jax_glorot = r(Init::glorot_normal().truncated());
    let vs = r(Init::variance_scaling(
        1.0,
        FanMode::FanAvg,
        Distribution::TruncatedNormal,
    ));
    assert_eq!(jax_glorot.distribution, vs.distribution);
    let sigma = (1.0 / ((i + o) / 2.0)).sqrt() / jax_constant();
    assert_eq!(
        vs.distribution,
        Some(ElementDistribution::TruncatedNormal {
            mean: 0.0,
            std: sigma,
            low: -2.0 * sigma,
            high: 2.0 * sigma
        })
    );
    // the std after truncation is the one asked for
    assert!((vs.std - (2.0 / (i + o)).sqrt()).abs() < 1e-14);
    // he_uniform in JAX: variance_scaling(2, fan_in, uniform): bound sqrt(3 * 2 / fan_in)
    assert!(close(
        uniform_bound(&r(Init::he_uniform()).distribution.unwrap()),
        (6.0 / i).sqrt()
    ));
    // lecun_normal in JAX is truncated: std after truncation sqrt(1/fan_in)
    assert!((r(Init::lecun_normal().truncated()).std - (1.0 / i).sqrt()).abs() < 1e-14);
    // fan_geo_avg
    let g = r(Init::variance_scaling(
        2.0,
        FanMode::FanGeoAvg,
        Distribution::Normal,
    ));
    assert!(close(g.std, (2.0 / (i * o).sqrt()).sqrt()));
}

#[test]
fn explicit_fans_override_the_shape() {
    let r = Init::he_normal()
        .fans(3 * 3 * 64, 10)
        .resolve(&[7, 7])
        .unwrap();
    assert_eq!(
        r.fans,
        Some(Fans {
            fan_in: 576,
            fan_out: 10
        })
    );
    assert!(close(r.std, (2.0f64 / 576.0).sqrt()));
    // a rank-1 bias needs explicit fans for a fan-based scheme
    let err = Init::he_normal().resolve(&[16]).unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::UnsupportedRank { rank: 1, .. }
    ));
    assert!(Init::he_normal().fan_in(16).resolve(&[16]).is_ok());
}

#[test]
fn gpt2_residual_scale() {
    let n_layers = 12.0f64;
    let r = Init::normal(0.0, 0.02)
        .scale(1.0 / (2.0 * n_layers).sqrt())
        .resolve(&[768, 3072])
        .unwrap();
    assert!(close(r.std, 0.02 / 24f64.sqrt()));
}
