use ndarray::Array2;
use weight_init::Initialize;

struct Cfg {
    width: usize,
}

// a field with a scheme is built from `shape` (a parameter) or `config` (a layer), not both
#[derive(Initialize)]
#[init(config = Cfg)]
struct Layer {
    #[init(he_normal, shape = (cfg.width, cfg.width), config = cfg.width)]
    w: Array2<f32>,
}

fn main() {}
