use ndarray::Array4;
use weight_init::Initialize;

#[derive(Initialize)]
struct Conv {
    #[init(he_normal, layout = hwio)]
    w: Array4<f32>,
}

fn main() {}
