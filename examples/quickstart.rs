//! A small MLP (784 → 256 → 128 → 10) declared with `#[derive(Initialize)]`, initialised from a
//! seed, and its parameter report: per parameter, what the scheme promises for its shape and
//! what the values drawn show.
//!
//! Run: `cargo run --example quickstart`

use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use weight_init::{InitError, Initialize, report};

/// PyTorch layout: a weight is (out, in).
#[derive(Initialize)]
struct Mlp {
    #[init(he_normal)]
    fc1_w: Array2<f32>,
    #[init(zeros)]
    fc1_b: Array1<f32>,
    #[init(glorot_uniform(gain = tanh))]
    fc2_w: Array2<f32>,
    // PyTorch's nn.Linear bias: U(±1/√fan_in) with its weight's fan-in
    #[init(torch_default, fans_of = fc2_w)]
    fc2_b: Array1<f32>,
    #[init(orthogonal)]
    out_w: Array2<f32>,
    #[init(normal(std = 0.02), scale = 0.5)]
    out_b: Array1<f32>,
    #[init(skip)]
    steps: u64,
}

impl Mlp {
    fn new() -> Self {
        Mlp {
            fc1_w: Array2::zeros((256, 784)),
            fc1_b: Array1::zeros(256),
            fc2_w: Array2::zeros((128, 256)),
            fc2_b: Array1::zeros(128),
            out_w: Array2::zeros((10, 128)),
            out_b: Array1::zeros(10),
            steps: 0,
        }
    }
}

fn main() -> Result<(), InitError> {
    let mut model = Mlp::new();
    model.initialize(&mut ChaCha8Rng::seed_from_u64(42))?;
    print!("{}", report(&model)?);
    assert_eq!(model.steps, 0);
    Ok(())
}
