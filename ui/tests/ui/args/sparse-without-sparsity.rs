use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(sparse(std = 0.01))]
    w: Array2<f32>,
}

fn main() {}
