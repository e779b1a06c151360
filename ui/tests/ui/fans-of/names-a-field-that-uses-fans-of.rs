use ndarray::{Array1, Array2};
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(he_uniform)]
    weight: Array2<f32>,
    #[init(torch_default, fans_of = weight)]
    bias: Array1<f32>,
    #[init(torch_default, fans_of = bias)]
    scale: Array1<f32>,
}

fn main() {}
