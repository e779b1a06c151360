use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Conv {
    #[init(dirac)]
    w: Array2<f32>,
}

fn main() {}
