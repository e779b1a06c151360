use ndarray::{Array1, Array2};
use weight_init::Initialize;

// a zero std is the constant `mean`, which the runtime accepts
#[derive(Initialize)]
struct Layer {
    #[init(normal(std = 0.0))]
    w: Array2<f32>,
    #[init(truncated_normal(mean = 0.1, std = 0, low = 0.0, high = 1.0))]
    b: Array1<f32>,
}

fn main() {}
