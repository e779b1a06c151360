use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(zeros)]
    b: [i32; 4],
}

fn main() {}
