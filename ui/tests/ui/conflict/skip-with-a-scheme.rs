use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(skip, he_normal)]
    w: Array2<f32>,
}

fn main() {}
