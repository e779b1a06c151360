use ndarray::Array1;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(torch_default, fan_in = 16, fan_out = -1)]
    b: Array1<f32>,
}

fn main() {}
