use weight_init::Initialize;

const HIDDEN: usize = 10;

// the length is a constant: checked by a compile-time assertion
#[derive(Initialize)]
struct Gru {
    #[init(orthogonal, blocks = 3)]
    weight_hh_l0: [[f64; HIDDEN]; 2 * HIDDEN],
}

fn main() {}
