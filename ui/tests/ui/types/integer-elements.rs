use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(zeros)]
    w: Array2<i32>,
}

fn main() {}
