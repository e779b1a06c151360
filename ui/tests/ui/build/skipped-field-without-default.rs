use ndarray::Array1;
use weight_init::Initialize;

struct Optimizer;

#[derive(Initialize)]
#[init(config = usize)]
struct Layer {
    #[init(zeros, shape = *cfg)]
    b: Array1<f32>,
    // built as `Default::default()`, which `Optimizer` does not have
    #[init(skip)]
    state: Optimizer,
}

fn main() {}
