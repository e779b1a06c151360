use ndarray::Array2;
use weight_init::Initialize;

// `leaky_relu` alone is PyTorch's default slope, 0.01
#[derive(Initialize)]
struct Layer {
    #[init(he_uniform(gain = leaky_relu))]
    w: Array2<f32>,
}

fn main() {}
