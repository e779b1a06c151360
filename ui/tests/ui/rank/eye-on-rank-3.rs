use ndarray::Array3;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(eye)]
    w: Array3<f32>,
}

fn main() {}
