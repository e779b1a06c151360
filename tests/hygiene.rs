//! The derive's output depends on nothing the user has in scope, and is clean under strict lints
//! (serde's `test_gen.rs`, thiserror's `test_lints.rs`): it reaches the runtime only through
//! `weight_init::__private`.
#![deny(unused_qualifications, clippy::pedantic, warnings)]
#![allow(dead_code, non_local_definitions)]

// Shadow everything the generated code could name without a path.
struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Box;
struct Vec;
struct String;
struct Sized;
struct Init;
struct Gain;

use ndarray::{Array1, Array2, Array4};
use weight_init::Initialize;

const STD: f64 = 0.02;

#[derive(Initialize)]
struct Inner {
    #[init(he_normal(gain = leaky_relu(0.1), mode = fan_out))]
    w: Array2<f32>,
    #[init(torch_default, fans_of = w)]
    b: Array1<f32>,
}

#[derive(Initialize)]
#[init(layout = in_out)]
struct Outer<const K: usize> {
    inner: Inner,
    layers: [Inner; K],
    #[init(normal(std = STD), scale = 0.5)]
    emb: Array2<f64>,
    #[init(variance_scaling(scale = 2, distribution = uniform))]
    conv: Array4<f32>,
    #[init(eye)]
    fixed: [[f64; 3]; 3],
    #[init(skip)]
    step: u32,
}

#[derive(Initialize)]
struct TupleModel(#[init(glorot_uniform)] Array2<f32>, Inner);

fn inner() -> Inner {
    Inner {
        w: Array2::zeros((4, 3)),
        b: Array1::zeros(4),
    }
}

#[test]
fn hygienic_derive_works() {
    use rand::SeedableRng;
    let mut m = Outer::<2> {
        inner: inner(),
        layers: [inner(), inner()],
        emb: Array2::zeros((5, 5)),
        conv: Array4::zeros((3, 3, 2, 4)),
        fixed: [[7.0; 3]; 3],
        step: 3,
    };
    m.initialize(&mut rand_chacha::ChaCha8Rng::seed_from_u64(0))
        .unwrap();
    assert_eq!(m.fixed, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
    assert_eq!(m.step, 3);
    let r = weight_init::report(&m).unwrap();
    let paths: std::vec::Vec<&str> = r.rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "inner.w",
            "inner.b",
            "layers[0].w",
            "layers[0].b",
            "layers[1].w",
            "layers[1].b",
            "emb",
            "conv",
            "fixed"
        ]
    );
    let mut t = TupleModel(Array2::zeros((2, 2)), inner());
    t.initialize(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    assert!(t.0.iter().all(|&x| x != 0.0));
}
