use ndarray::Array2;
use weight_init::Initialize;

// `bias` takes a scheme, checked as a field's: a number is not one, a misspelt scheme gets a
// suggestion, and the scheme's arguments are checked
#[derive(Initialize)]
struct Layer {
    #[init(he_normal, bias = 0.1)]
    a: Array2<f32>,
    #[init(he_normal, bias = zerso)]
    b: Array2<f32>,
    #[init(he_normal, bias = uniform(0.5, -0.5))]
    c: Array2<f32>,
}

fn main() {}
