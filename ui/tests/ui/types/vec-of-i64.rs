use weight_init::Initialize;

#[derive(Initialize)]
struct Layer {
    #[init(zeros)]
    b: Vec<i64>,
}

fn main() {}
