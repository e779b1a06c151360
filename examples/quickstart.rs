//! A small MLP (784 → 256 → 128 → 10) declared with `#[derive(Initialize)]`, built from its
//! configuration and initialised from a seed, and its parameter report: per parameter, what the
//! scheme promises for its shape and what the values drawn show.
//!
//! Run: `cargo run --example quickstart`

use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use weight_init::{Build, InitError, Initialize, report};

/// The sizes the shapes are computed from.
struct MlpConfig {
    input: usize,
    hidden: [usize; 2],
    classes: usize,
}

/// PyTorch layout: a weight is (out, in). In `shape = ...`, `cfg` is the `&MlpConfig`.
#[derive(Initialize)]
#[init(config = MlpConfig)]
struct Mlp {
    #[init(he_normal, shape = (cfg.hidden[0], cfg.input))]
    fc1_w: Array2<f32>,
    #[init(zeros, shape = cfg.hidden[0])]
    fc1_b: Array1<f32>,
    #[init(glorot_uniform(gain = tanh), shape = (cfg.hidden[1], cfg.hidden[0]))]
    fc2_w: Array2<f32>,
    // PyTorch's nn.Linear bias: U(±1/√fan_in) with its weight's fan-in
    #[init(torch_default, fans_of = fc2_w, shape = cfg.hidden[1])]
    fc2_b: Array1<f32>,
    #[init(orthogonal, shape = (cfg.classes, cfg.hidden[1]))]
    out_w: Array2<f32>,
    #[init(normal(std = 0.02), scale = 0.5, shape = cfg.classes)]
    out_b: Array1<f32>,
    // not a parameter: `Default::default()` when built
    #[init(skip)]
    steps: u64,
}

fn main() -> Result<(), InitError> {
    let cfg = MlpConfig {
        input: 784,
        hidden: [256, 128],
        classes: 10,
    };
    // every parameter allocated from its shape (host memory: the device is `()`), then filled
    // in declaration order from the rng; `Mlp::build(&cfg, &(), seed)` is the keyed form
    let model = Mlp::build_with_rng(&cfg, &(), &mut ChaCha8Rng::seed_from_u64(42))?;
    print!("{}", report(&model)?);
    assert_eq!(model.steps, 0);
    Ok(())
}
