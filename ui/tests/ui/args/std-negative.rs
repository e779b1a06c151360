use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(normal(std = -0.02))]
    w: Array2<f32>,
}

fn main() {}
