use ndarray::Array2;
use weight_init::Initialize;

// a layer's bias alone: its weight needs a scheme too
#[derive(Initialize)]
struct Layer {
    #[init(bias = zeros)]
    w: Array2<f32>,
}

fn main() {}
