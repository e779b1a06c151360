use ndarray::{Array1, Array2};
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(he_nromal, gain = tahn)]
    w1: Array2<f32>,
    #[init(normal(mean = 0.0))]
    w2: Array2<f32>,
    #[init(torch_default, fans_of = w3)]
    b: Array1<f32>,
}

fn main() {}
