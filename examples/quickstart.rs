//! Initialise the parameters of a small MLP (784 → 256 → 128 → 10) and print, per parameter,
//! what the scheme promises and what the values show.
//!
//! Run: `cargo run --example quickstart`

use ndarray::{ArrayD, IxDyn};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use weight_init::{Gain, Init, InitError};

/// One named parameter and its scheme.
struct Param {
    name: &'static str,
    values: ArrayD<f32>,
    init: Init,
}

fn param(name: &'static str, shape: &[usize], init: Init) -> Param {
    Param {
        name,
        values: ArrayD::zeros(IxDyn(shape)),
        init,
    }
}

fn main() -> Result<(), InitError> {
    // PyTorch layout: a weight is (out, in). A bias has rank 1: fan-based schemes take its
    // weight's fans explicitly.
    let mut params = vec![
        param("fc1.weight", &[256, 784], Init::he_normal()),
        param("fc1.bias", &[256], Init::zeros()),
        param(
            "fc2.weight",
            &[128, 256],
            Init::glorot_uniform().gain(Gain::Tanh),
        ),
        param("fc2.bias", &[128], Init::torch_default().fans(256, 128)),
        param("out.weight", &[10, 128], Init::orthogonal()),
        param("out.bias", &[10], Init::normal(0.0, 0.02).scale(0.5)),
    ];

    let mut rng = ChaCha8Rng::seed_from_u64(42);
    println!(
        "{:<11} {:>8}  {:<44} {:>6} {:>7} {:>10} {:>9}",
        "parameter", "shape", "scheme", "fan_in", "fan_out", "target std", "measured"
    );
    for p in &mut params {
        p.init
            .fill(&mut p.values, &mut rng)
            .map_err(|e| e.with_path(p.name))?;
        let shape = p.values.shape().to_vec();
        let resolved = p.init.resolve(&shape)?;
        let (fan_in, fan_out) = resolved.fans.map_or(("-".into(), "-".into()), |f| {
            (f.fan_in.to_string(), f.fan_out.to_string())
        });
        let measured = measured_std(&p.values);
        println!(
            "{:<11} {:>8}  {:<44} {:>6} {:>7} {:>10.6} {:>9.6}",
            p.name,
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("x"),
            p.init.to_string(),
            fan_in,
            fan_out,
            resolved.std,
            measured
        );
    }
    Ok(())
}

fn measured_std(a: &ArrayD<f32>) -> f64 {
    let n = a.len() as f64;
    let mean = a.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    (a.iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt()
}
