//! Value stability: a fixed seed gives fixed first values for each scheme, so any change of the
//! stream (a new sampler, a changed draw order) is deliberate and visible in review, as
//! rand_distr's tests/value_stability.rs does for its distributions. The generator is ChaCha8,
//! whose stream is specified, so these hold on every machine.

mod common;

use common::rng;
use weight_init::Init;

fn first(init: Init, shape: &[usize]) -> Vec<f64> {
    let mut a = ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(shape));
    init.fill(&mut a, &mut rng(0x5EED)).unwrap();
    a.iter().take(4).copied().collect()
}

fn first_f32(init: Init, shape: &[usize]) -> Vec<f32> {
    let mut a = ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(shape));
    init.fill(&mut a, &mut rng(0x5EED)).unwrap();
    a.iter().take(4).copied().collect()
}

fn assert_values(got: Vec<f64>, want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-15 * w.abs().max(1.0),
            "{what}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn value_stability() {
    let cases: Vec<(&str, Init, &[usize], &[f64])> = vec![
        (
            "uniform",
            Init::uniform(-1.0, 1.0),
            &[2, 2],
            &[
                0.20167229839873269,
                0.7922818688766142,
                -0.17764345264370718,
                -0.781627439021376,
            ],
        ),
        (
            "normal",
            Init::normal(0.0, 1.0),
            &[2, 2],
            &[
                0.41817361404279896,
                0.9147539492582061,
                -0.5898197381412761,
                -1.4184217960128298,
            ],
        ),
        (
            "he_normal",
            Init::he_normal(),
            &[4, 8],
            &[
                0.20908680702139948,
                0.45737697462910304,
                -0.29490986907063804,
                -0.7092108980064149,
            ],
        ),
        (
            "glorot_uniform",
            Init::glorot_uniform(),
            &[4, 8],
            &[
                0.14260384977522078,
                0.560227882093805,
                -0.12561288999775666,
                -0.5526940624934897,
            ],
        ),
        // rejection from the normal: the accepted draws are the normal's own
        (
            "truncated_normal",
            Init::truncated_normal(0.0, 1.0, -2.0, 2.0),
            &[2, 2],
            &[
                0.41817361404279896,
                0.9147539492582061,
                -0.5898197381412761,
                -1.4184217960128298,
            ],
        ),
        (
            "truncated_normal tail",
            Init::truncated_normal(0.0, 1.0, 3.0, 4.0),
            &[2, 2],
            &[
                3.5094527742804655,
                3.8065242019154857,
                3.355922912678992,
                3.100922239053915,
            ],
        ),
        (
            "orthogonal",
            Init::orthogonal(),
            &[3, 4],
            &[
                0.22774463587592786,
                0.498190938150763,
                -0.3212261055803293,
                -0.7724972226926766,
            ],
        ),
        (
            "delta_orthogonal",
            Init::delta_orthogonal(),
            &[2, 2, 1],
            &[
                0.5783715307547352,
                -0.8157734810671551,
                -0.8157734810671551,
                -0.5783715307547355,
            ],
        ),
        (
            "sparse",
            Init::sparse(0.5, 1.0),
            &[2, 2],
            &[0.0, 0.9147539492582061, -0.5898197381412761, 0.0],
        ),
    ];
    for (what, init, shape, want) in cases {
        assert_values(first(init, shape), want, what);
    }
}

#[test]
fn value_stability_f32() {
    // uniform f32 draws its own 32-bit stream
    assert_eq!(
        first_f32(Init::uniform(-1.0, 1.0), &[2, 2]),
        [-0.8682897, 0.20167208, -0.9611814, 0.79228187]
    );
    // normals come from the f64 ziggurat, rounded to f32, then scaled in f32:
    // he_normal on (4, 8) has std √(2/8) = 0.5
    let z = first(Init::normal(0.0, 1.0), &[2, 2]);
    let want: Vec<f32> = z.iter().map(|&z| z as f32 * 0.5).collect();
    assert_eq!(first_f32(Init::he_normal(), &[4, 8]), want);
    assert_eq!(want[0], 0.209_086_8);
}
