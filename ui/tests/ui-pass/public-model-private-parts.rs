// A public model may hold private layers and rank-agnostic arrays; no lint fires.
#![deny(warnings)]

use ndarray::{Array2, ArrayD};
use weight_init::Initialize;

#[derive(Initialize)]
struct Hidden {
    #[init(glorot_uniform)]
    w: Array2<f64>,
}

#[derive(Initialize)]
pub struct Model {
    hidden: Hidden,
    #[init(he_normal)]
    any_rank: ArrayD<f32>,
    #[init(eye)]
    square: [[f32; 4]; 4],
}

fn main() {
    let _ = Model {
        hidden: Hidden { w: Array2::zeros((2, 2)) },
        any_rank: ArrayD::zeros(ndarray::IxDyn(&[2, 2])),
        square: [[0.0; 4]; 4],
    };
}
