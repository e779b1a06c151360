use ndarray::Array2;
use weight_init::Initialize;

// `forget_bias = ...` applies to an LSTM
#[derive(Initialize)]
struct Layer {
    #[init(orthogonal, forget_bias = 1.0)]
    w: Array2<f32>,
}

fn main() {}
