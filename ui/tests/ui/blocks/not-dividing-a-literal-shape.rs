use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
#[init(config = ())]
struct Lstm {
    #[init(orthogonal, blocks = 4, shape = (30, 10))]
    weight_hh_l0: Array2<f32>,
}

fn main() {}
