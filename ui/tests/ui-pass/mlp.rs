use ndarray::{Array1, Array2};
use weight_init::Initialize;

#[derive(Initialize)]
struct Mlp {
    #[init(he_normal)]
    w1: Array2<f32>,
    #[init(zeros)]
    b1: Array1<f32>,
}

fn main() {}
