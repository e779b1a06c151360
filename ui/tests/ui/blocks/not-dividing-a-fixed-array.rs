use weight_init::Initialize;

// a (12, 4) weight: 5 blocks of its 12 rows cannot be equal
#[derive(Initialize)]
struct Fused {
    #[init(glorot_uniform, blocks = 5)]
    w: [[f32; 4]; 12],
}

fn main() {}
