use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
enum Layer {
    Dense {
        #[init(he_normal)]
        w: Array2<f32>,
    },
}

fn main() {}
