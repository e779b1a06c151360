use ndarray::Array1;
use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(ones)]
    b: Array1<u8>,
}

fn main() {}
