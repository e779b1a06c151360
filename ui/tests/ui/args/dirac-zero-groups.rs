use ndarray::Array4;
use weight_init::Initialize;

#[derive(Initialize)]
struct Conv {
    #[init(dirac(groups = 0))]
    w: Array4<f32>,
}

fn main() {}
