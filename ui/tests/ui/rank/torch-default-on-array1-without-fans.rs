use ndarray::Array1;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(torch_default)]
    b: Array1<f32>,
}

fn main() {}
