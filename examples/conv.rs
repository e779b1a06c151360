//! Convolution kernels: PyTorch's (out, in, kh, kw) and JAX's (kh, kw, in, out) layouts give the
//! same fans; a depthwise kernel takes explicit fans; identity-preserving kernels (dirac,
//! delta-orthogonal) for very deep CNNs.
//!
//! Run: `cargo run --example conv`

use ndarray::{Array1, Array4};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use weight_init::{InitError, Initialize, report};

/// A PyTorch-style block: kernels are (out, in, kh, kw).
#[derive(Initialize)]
struct TorchBlock {
    #[init(kaiming_normal(mode = fan_out))]
    conv: Array4<f32>,
    // depthwise 3×3 over 64 channels, (64, 1, 3, 3): the shape gives fan_in 9, right, and
    // fan_out 576, wrong (each input channel feeds only its own 9 taps); say so explicitly
    #[init(he_normal(mode = fan_avg), fan_in = 3 * 3, fan_out = 3 * 3)]
    depthwise: Array4<f32>,
    #[init(dirac(groups = 1))]
    identity: Array4<f32>,
    #[init(zeros)]
    bias: Array1<f32>,
}

/// A JAX/Flax-style block: kernels are (kh, kw, in, out) for every field.
#[derive(Initialize)]
#[init(layout = in_out)]
struct FlaxBlock {
    #[init(he_normal(mode = fan_out))]
    conv: Array4<f32>,
    #[init(variance_scaling(scale = 1.0, mode = fan_avg, distribution = truncated_normal))]
    proj: Array4<f32>,
}

/// A very deep CNN starts at dynamical isometry (Xiao et al. 2018).
#[derive(Initialize)]
struct Isometric {
    #[init(delta_orthogonal(gain = relu))]
    conv: Array4<f64>,
}

fn main() -> Result<(), InitError> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut torch = TorchBlock {
        conv: Array4::zeros((64, 32, 3, 3)),
        depthwise: Array4::zeros((64, 1, 3, 3)),
        identity: Array4::zeros((32, 32, 3, 3)),
        bias: Array1::zeros(64),
    };
    let mut flax = FlaxBlock {
        conv: Array4::zeros((3, 3, 32, 64)),
        proj: Array4::zeros((1, 1, 64, 128)),
    };
    let mut iso = Isometric {
        conv: Array4::zeros((16, 16, 3, 3)),
    };
    torch.initialize(&mut rng)?;
    flax.initialize(&mut rng)?;
    iso.initialize(&mut rng)?;
    println!("PyTorch layout\n{}", report(&torch)?);
    println!(
        "JAX layout: same fans for the same convolution\n{}",
        report(&flax)?
    );
    println!("delta-orthogonal\n{}", report(&iso)?);
    Ok(())
}
