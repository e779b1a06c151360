use ndarray::Array1;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(sparse(sparsity = 0.9))]
    w: Array1<f32>,
}

fn main() {}
