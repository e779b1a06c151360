use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
struct Attention {
    #[init(orthogonal, blocks = 0)]
    in_proj: Array2<f32>,
}

fn main() {}
