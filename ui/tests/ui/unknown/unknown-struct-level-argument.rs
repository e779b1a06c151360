use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
#[init(layuot = in_out)]
struct Layer {
    #[init(he_normal)]
    w: Array2<f32>,
}

fn main() {}
