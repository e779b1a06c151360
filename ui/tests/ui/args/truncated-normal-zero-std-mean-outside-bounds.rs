use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(truncated_normal(mean = 1.0, std = 0.0, low = -0.5, high = 0.5))]
    w: Array2<f32>,
}

fn main() {}
