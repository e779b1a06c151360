use ndarray::Array1;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(he_normal, fan_in = 1.5)]
    b: Array1<f32>,
}

fn main() {}
