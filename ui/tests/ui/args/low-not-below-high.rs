use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(uniform(0.1, -0.1))]
    w: Array2<f32>,
}

fn main() {}
