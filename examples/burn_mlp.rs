//! A small MLP (784 → 256 → 10) of Burn tensors, declared with `#[derive(Initialize)]`,
//! initialised from a seed on Burn's flex CPU device, its parameter report, and a forward pass
//! with Burn ops on a random batch: the pre-activation std comes out where He et al. put it.
//!
//! Burn's `Linear` stores a weight as `(in, out)` and computes `x · W`, so the weights say
//! `layout = in_out`: without it, fans would be read from the wrong axes.
//!
//! Run: `cargo run --example burn_mlp --features burn-flex`

use weight_init::burn_core::module::Param;
use weight_init::burn_tensor::activation::relu;
use weight_init::burn_tensor::{Device, Distribution, Tensor};
use weight_init::{Build, Initialize, report};

/// The sizes the shapes are computed from.
struct Sizes {
    inp: usize,
    hidden: usize,
    out: usize,
}

/// `Build` creates each `Param` zero with its `shape` on the Burn device given, then fills it.
#[derive(Initialize)]
#[init(config = Sizes)]
struct Mlp {
    #[init(he_normal, layout = in_out, shape = (cfg.inp, cfg.hidden))]
    fc1_w: Param<Tensor<2>>,
    #[init(zeros, shape = cfg.hidden)]
    fc1_b: Param<Tensor<1>>,
    #[init(he_normal, layout = in_out, shape = (cfg.hidden, cfg.out))]
    fc2_w: Param<Tensor<2>>,
    #[init(zeros, shape = cfg.out)]
    fc2_b: Param<Tensor<1>>,
}

impl Mlp {
    /// The hidden pre-activation and the output, for a batch `x` of shape (batch, in).
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let z1 = x.matmul(self.fc1_w.val()) + self.fc1_b.val().unsqueeze();
        let z2 = relu(z1.clone()).matmul(self.fc2_w.val()) + self.fc2_b.val().unsqueeze();
        (z1, z2)
    }
}

/// Population standard deviation of a tensor's values.
fn std_of(t: &Tensor<2>) -> Result<f64, Box<dyn std::error::Error>> {
    let v = t.to_data().try_to_vec::<f32>()?;
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = v
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n;
    Ok(var.sqrt())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex();
    let sizes = Sizes {
        inp: 784,
        hidden: 256,
        out: 10,
    };
    let model = Mlp::build(&sizes, &device, 42)?;
    print!("{}", report(&model)?);

    device.seed(7);
    let x = Tensor::<2>::random([512, 784], Distribution::Normal(0.0, 1.0), &device);
    let (z1, out) = model.forward(x);
    println!();
    println!("batch of 512 inputs ~ N(0, 1), forward pass on {device:?}:");
    println!(
        "  hidden pre-activation std {:.3} (He: sqrt(2) = {:.3})",
        std_of(&z1)?,
        2f64.sqrt()
    );
    println!(
        "  output shape {:?}, std {:.3} (He keeps sqrt(2) through the ReLU)",
        out.dims(),
        std_of(&out)?
    );
    Ok(())
}
