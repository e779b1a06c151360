use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(he_normal)]
    bias: Vec<f32>,
}

fn main() {}
