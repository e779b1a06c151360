use ndarray::{Array1, Array2};
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(he_nromal)]
    w: Array2<f32>,
    #[init(zeros)]
    b: Array1<i32>,
}

fn main() {}
