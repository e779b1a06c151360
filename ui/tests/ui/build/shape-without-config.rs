use ndarray::Array2;
use weight_init::Initialize;

// `shape` needs the struct's `#[init(config = ...)]`
#[derive(Initialize)]
struct Layer {
    #[init(he_normal, shape = (4, 3))]
    w: Array2<f32>,
}

fn main() {}
