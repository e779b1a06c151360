use ndarray::Array1;
use weight_init::{Build, Initialize};

// a model, but not buildable: no `#[init(config = ...)]`
#[derive(Initialize)]
struct Block {
    #[init(zeros)]
    b: Array1<f32>,
}

#[derive(Initialize)]
#[init(config = ())]
struct Net {
    block: Block,
}

fn main() {
    let _ = Net::build(&(), &(), 0);
}
