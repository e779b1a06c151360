use weight_init::Initialize;

// the length is a const generic: checked when the model is initialised (`cargo build`)
#[derive(Initialize)]
struct Qkv<const D: usize> {
    #[init(glorot_uniform, blocks = 3)]
    w: [[f32; D]; D],
}

fn main() {
    let mut m = Qkv::<4> { w: [[0.0; 4]; 4] };
    m.init_seeded(1).unwrap();
}
