use ndarray::Array2;
use weight_init::{Build, Initialize};

const HIDDEN: usize = 4;

#[derive(Initialize)]
#[init(config = ())]
struct Fused<const R: usize> {
    #[init(orthogonal, blocks = 3)]
    qkv: [[f64; 2]; R],
    #[init(glorot_uniform, blocks = 4)]
    weight_ih_l0: [[f32; 5]; 4 * HIDDEN],
    #[init(eye, layout = in_out, blocks = 2)]
    w: [[f32; 6]; 3],
    #[init(he_normal, blocks = 2, shape = (8, 3))]
    v: Array2<f32>,
    #[init(zeros, blocks = 4)]
    bias: [f32; 4 * HIDDEN],
}

fn main() {
    let mut m = Fused::<6>::build(&(), &(), 7).unwrap();
    m.init_seeded(7).unwrap();
    assert_eq!(m.w[0][0], 1.0);
    assert_eq!(m.w[0][3], 1.0);
}
