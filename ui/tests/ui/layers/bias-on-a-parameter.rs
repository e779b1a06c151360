use ndarray::Array2;
use weight_init::Initialize;

// `bias = ...` sets a layer's bias; a plain tensor has none
#[derive(Initialize)]
struct Layer {
    #[init(he_normal, bias = zeros)]
    w: Array2<f32>,
}

fn main() {}
