use ndarray::{Array1, Array2};
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(skip)]
    frozen: Array2<f32>,
    #[init(torch_default, fans_of = frozen)]
    bias: Array1<f32>,
}

fn main() {}
