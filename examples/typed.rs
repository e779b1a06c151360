//! Layers typed by their sizes: fixed-size arrays with const generics, whose rank and fans come
//! from the type. A rank-1 field with a fan-based scheme and no explicit fans does not compile.
//!
//! Run: `cargo run --example typed`

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use weight_init::{InitError, Initialize, report};

/// A dense layer `IN → OUT`: the weight is `[[f32; IN]; OUT]`, i.e. (out, in).
#[derive(Initialize)]
struct Dense<const IN: usize, const OUT: usize> {
    #[init(he_normal)]
    w: [[f32; IN]; OUT],
    // a bias has rank 1: it takes its weight's fans
    #[init(torch_default, fans_of = w)]
    b: [f32; OUT],
}

impl<const IN: usize, const OUT: usize> Dense<IN, OUT> {
    fn new() -> Self {
        Dense {
            w: [[0.0; IN]; OUT],
            b: [0.0; OUT],
        }
    }
}

/// Three layers; the type says every shape.
#[derive(Initialize)]
struct Net {
    input: Dense<64, 32>,
    hidden: [Dense<32, 32>; 2],
    output: Dense<32, 10>,
}

fn main() -> Result<(), InitError> {
    let mut net = Box::new(Net {
        input: Dense::new(),
        hidden: [Dense::new(), Dense::new()],
        output: Dense::new(),
    });
    net.initialize(&mut ChaCha8Rng::seed_from_u64(7))?;
    print!("{}", report(&*net)?);
    Ok(())
}
