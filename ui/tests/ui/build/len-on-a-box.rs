use ndarray::Array1;
use weight_init::Initialize;

#[derive(Initialize)]
#[init(config = usize)]
struct Block {
    #[init(zeros, shape = *cfg)]
    b: Array1<f32>,
}

#[derive(Initialize)]
#[init(config = usize)]
struct Net {
    // `len` builds a `Vec` of models
    #[init(len = 3)]
    block: Box<Block>,
}

fn main() {}
