use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(variance_scaling(distribution = uniform), truncated)]
    w: Array2<f32>,
}

fn main() {}
