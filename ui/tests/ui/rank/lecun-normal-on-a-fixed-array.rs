use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(lecun_normal)]
    w: [f32; 8],
}

fn main() {}
