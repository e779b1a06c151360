//! LSUV (Mishkin & Matas 2016) on a derived model: the library knows the parameters, you know
//! the forward pass. A 20-layer tanh MLP starts badly scaled (weights 10× too large: every
//! tanh saturates); LSUV makes each layer's output variance 1.
//!
//! Run: `cargo run --example lsuv`

use ndarray::Array2;
use weight_init::{InitError, Initialize, LayerOutputs, Lsuv};

#[derive(Initialize)]
struct Layer {
    // deliberately bad: 10× the variance-preserving std of a 64-wide layer
    #[init(normal(std = 10.0 / 8.0))]
    w: Array2<f64>,
}

#[derive(Initialize)]
struct Mlp {
    layers: Vec<Layer>,
}

/// Each layer's pre-activation output on the batch, keyed by its weight's path.
fn forward(model: &Mlp, x: &Array2<f64>) -> LayerOutputs {
    let mut h = x.clone();
    let mut out = LayerOutputs::new();
    for (i, layer) in model.layers.iter().enumerate() {
        let z = layer.w.dot(&h);
        out.insert(format!("layers[{i}].w"), z.iter().copied().collect());
        h = z.mapv(f64::tanh);
    }
    out
}

fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n
}

fn main() -> Result<(), InitError> {
    let mut model = Mlp {
        layers: (0..20)
            .map(|_| Layer {
                w: Array2::zeros((64, 64)),
            })
            .collect(),
    };
    model.init_seeded(1)?;
    // a batch of 256 inputs: columns, N(0, 1) via a keyed fill
    let mut x = Array2::<f64>::zeros((64, 256));
    weight_init::Init::normal(0.0, 1.0).fill_seeded(&mut x, 2, "batch")?;

    let paths: Vec<String> = (0..20).map(|i| format!("layers[{i}].w")).collect();
    let before = forward(&model, &x);
    let chosen: Vec<&str> = paths.iter().map(String::as_str).collect();
    let report = Lsuv::default().run(&mut model, &chosen, 3, |m: &Mlp| forward(m, &x))?;
    let after = forward(&model, &x);

    println!(
        "{:<14} {:>16} {:>12} {:>16}",
        "layer", "variance before", "iterations", "variance after"
    );
    for (p, r) in paths.iter().zip(&report.layers) {
        println!(
            "{:<14} {:>16.4} {:>12} {:>16.4}",
            p,
            variance(&before[p]),
            r.iterations,
            variance(&after[p])
        );
    }
    Ok(())
}
