use std::mem::ManuallyDrop;

use ndarray::Array2;
use weight_init::Initialize;

#[derive(Initialize)]
union Layer {
    #[init(he_normal)]
    w: ManuallyDrop<Array2<f32>>,
}

fn main() {}
