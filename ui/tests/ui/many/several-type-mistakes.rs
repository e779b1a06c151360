use ndarray::{Array1, Array2};
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(he_normal)]
    w: Array1<f32>,
    #[init(zeros)]
    b: Array2<i32>,
    steps: u64,
}

fn main() {}
