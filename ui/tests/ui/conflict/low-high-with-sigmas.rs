use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(truncated_normal(std = 0.02, low = -0.04, high = 0.04, sigmas = 2))]
    w: Array2<f32>,
}

fn main() {}
