use ndarray::Array1;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(glorot_uniform)]
    w: Array1<f32>,
}

fn main() {}
