use ndarray::Array2;
use weight_init::Initialize;

struct Cfg {
    width: usize,
}

#[derive(Initialize)]
#[init(config = Cfg)]
struct Layer {
    #[init(he_normal, config = cfg.width)]
    w: Array2<f32>,
}

fn main() {}
