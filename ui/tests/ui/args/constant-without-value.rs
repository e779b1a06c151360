use ndarray::Array1;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(constant)]
    b: Array1<f32>,
}

fn main() {}
