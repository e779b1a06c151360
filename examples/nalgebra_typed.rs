//! A statically shaped model of nalgebra matrices: every shape is in the type, so the forward
//! pass is checked by the compiler (`w2 * h1` only compiles when the inner dimensions agree),
//! and the derive reads each weight's fans from the type's (rows, cols) = (out, in).
//!
//! nalgebra stores matrices column by column; weight-init fills them in logical row-major
//! order, so `w1[(i, j)]` gets exactly what `[i, j]` of an ndarray `Array2` of the same shape
//! and path gets.
//!
//! Run with `cargo run --example nalgebra_typed --features nalgebra`.

use weight_init::nalgebra::{DMatrix, SMatrix, SVector};
use weight_init::{Build, Init, Initialize, report};

const IN: usize = 32;
const HIDDEN: usize = 64;
const OUT: usize = 10;

/// Every shape is in the type, so the model is built without a configuration (`config = ()`,
/// no `shape = ...`).
#[derive(Initialize)]
#[init(config = ())]
struct Net {
    #[init(he_normal)]
    w1: SMatrix<f32, HIDDEN, IN>,
    #[init(zeros)]
    b1: SVector<f32, HIDDEN>,
    #[init(he_normal)]
    w2: SMatrix<f32, HIDDEN, HIDDEN>,
    #[init(zeros)]
    b2: SVector<f32, HIDDEN>,
    #[init(glorot_normal)]
    w3: SMatrix<f32, OUT, HIDDEN>,
    #[init(torch_default, fans_of = w3)]
    b3: SVector<f32, OUT>,
}

impl Net {
    fn forward(&self, x: &SVector<f32, IN>) -> [f32; 3] {
        let relu = |v: f32| v.max(0.0);
        let h1 = (self.w1 * x + self.b1).map(relu);
        let h2 = (self.w2 * h1 + self.b2).map(relu);
        let y = self.w3 * h2 + self.b3;
        [h1.norm_squared(), h2.norm_squared(), y.norm_squared()]
    }
}

fn main() -> Result<(), weight_init::InitError> {
    let net = Net::build(&(), &(), 42)?;
    print!("{}", report(&net)?);

    // 512 standard normal inputs, one per row, keyed like the parameters
    let batch = 512;
    let mut xs = DMatrix::<f32>::zeros(batch, IN);
    Init::normal(0.0, 1.0).fill_seeded(&mut xs, 7, "inputs")?;

    let mut sums = [0.0f64; 4];
    for row in xs.row_iter() {
        let x = SVector::<f32, IN>::from_iterator(row.iter().copied());
        sums[0] += f64::from(x.norm_squared());
        for (s, v) in sums[1..].iter_mut().zip(net.forward(&x)) {
            *s += f64::from(v);
        }
    }
    let rms = |sum: f64, width: usize| (sum / (batch * width) as f64).sqrt();
    println!();
    println!("input           rms {:.4}", rms(sums[0], IN));
    println!("hidden 1 (ReLU) rms {:.4}", rms(sums[1], HIDDEN));
    println!("hidden 2 (ReLU) rms {:.4}", rms(sums[2], HIDDEN));
    println!("output          rms {:.4}", rms(sums[3], OUT));
    Ok(())
}
