use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(orthogonal)]
    w: [f32; 8],
}

fn main() {}
