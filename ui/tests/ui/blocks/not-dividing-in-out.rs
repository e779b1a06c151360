use weight_init::Initialize;

// under `in_out` the blocks split the last axis: 10 columns in 4 blocks
#[derive(Initialize)]
struct Fused {
    #[init(eye, layout = in_out, blocks = 4)]
    w: [[f32; 10]; 4],
}

fn main() {}
