use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(variance_scaling(scale = 2.0))]
    w: Vec<f32>,
}

fn main() {}
