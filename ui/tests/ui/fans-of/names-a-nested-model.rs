use ndarray::{Array1, Array2};
use weight_init::Initialize;

#[derive(Initialize)]
struct Inner {
    #[init(he_uniform)]
    weight: Array2<f32>,
}

#[derive(Initialize)]
struct Layer {
    inner: Inner,
    #[init(torch_default, fans_of = inner)]
    bias: Array1<f32>,
}

fn main() {}
