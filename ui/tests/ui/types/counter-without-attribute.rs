use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(he_normal)]
    w: Array2<f32>,
    steps: u64,
}

fn main() {}
