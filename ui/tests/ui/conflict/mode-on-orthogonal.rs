use ndarray::Array2;
use weight_init::Initialize;

// orthogonal needs rank >= 2 but divides by no fan: the runtime refuses `mode`, and so does the
// derive
#[derive(Initialize)]
struct Layer {
    #[init(orthogonal, mode = fan_out)]
    w: Array2<f32>,
}

fn main() {}
