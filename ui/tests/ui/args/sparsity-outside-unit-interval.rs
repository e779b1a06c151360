use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(sparse(sparsity = 1.5))]
    w: Array2<f32>,
}

fn main() {}
