use ndarray::{Array1, Array2};
use weight_init::Initialize;

struct Cfg {
    width: usize,
}

// `w`'s type has no shape in it: building it needs `shape = ...`
#[derive(Initialize)]
#[init(config = Cfg)]
struct Layer {
    #[init(he_normal)]
    w: Array2<f32>,
    #[init(zeros, shape = cfg.width)]
    b: Array1<f32>,
}

fn main() {}
