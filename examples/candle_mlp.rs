//! A small MLP of candle tensors: built zero on `Device::Cpu`, initialised with keyed values
//! (`init_seeded`: the same values on every machine, for every thread count), reported, and run
//! forward with candle's own ops to show that He initialisation keeps the activations' scale
//! through ReLU layers.
//!
//! Run with `cargo run --example candle_mlp --features candle`.

use weight_init::candle_core::{self, Device, Tensor};
use weight_init::{Build, Init, Initialize, report};

/// The sizes the shapes are computed from.
struct Sizes {
    input: usize,
    hidden: usize,
    output: usize,
}

/// Weights are `(out, in)`, as PyTorch and candle-nn store them: `y = x Wᵀ + b`. `Build` creates
/// each parameter zero with its `shape` on the device given, then initialises it.
#[derive(Initialize)]
#[init(config = Sizes)]
struct Mlp {
    #[init(he_normal, shape = (cfg.hidden, cfg.input))]
    w1: Tensor,
    #[init(zeros, shape = cfg.hidden)]
    b1: Tensor,
    #[init(he_normal, shape = (cfg.hidden, cfg.hidden))]
    w2: Tensor,
    #[init(zeros, shape = cfg.hidden)]
    b2: Tensor,
    #[init(glorot_uniform, shape = (cfg.output, cfg.hidden))]
    w3: Tensor,
    #[init(torch_default, fans_of = w3, shape = cfg.output)]
    b3: Tensor,
}

fn linear(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    x.matmul(&w.t()?)?.broadcast_add(b)
}

/// The population std of a tensor's values.
fn std_of(t: &Tensor) -> candle_core::Result<f64> {
    let v: Vec<f32> = t.flatten_all()?.to_vec1()?;
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = v
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n;
    Ok(var.sqrt())
}

/// The root mean square of a tensor's values (what He initialisation keeps through ReLU).
fn rms_of(t: &Tensor) -> candle_core::Result<f64> {
    Ok(f64::from(t.sqr()?.mean_all()?.to_scalar::<f32>()?).sqrt())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (input, hidden, output, batch) = (256, 512, 10, 128);
    let device = Device::Cpu;
    let sizes = Sizes {
        input,
        hidden,
        output,
    };
    let mlp = Mlp::build(&sizes, &device, 42)?;
    print!("{}", report(&mlp)?);

    // a batch of standard normal inputs, keyed like the parameters
    let mut x = vec![0.0f32; batch * input];
    Init::normal(0.0, 1.0).fill_seeded(&mut x[..], 7, "inputs")?;
    let x = Tensor::from_vec(x, (batch, input), &device)?;

    let h1 = linear(&x, &mlp.w1, &mlp.b1)?.relu()?;
    let h2 = linear(&h1, &mlp.w2, &mlp.b2)?.relu()?;
    let y = linear(&h2, &mlp.w3, &mlp.b3)?;
    println!();
    println!("input           rms {:.4}", rms_of(&x)?);
    println!("hidden 1 (ReLU) rms {:.4}", rms_of(&h1)?);
    println!("hidden 2 (ReLU) rms {:.4}", rms_of(&h2)?);
    println!("output {:?} std {:.4}", y.dims(), std_of(&y)?);
    Ok(())
}
