//! The symmetry study (`examples/symmetry.rs`) at a small size: trained by plain SGD, an MLP
//! started from `zeros` or `constant(0.1)` weights keeps every hidden unit of a layer identical
//! to the others, bit for bit, at every step (and from zeros no weight moves at all); one
//! started from `he_normal` has distinct units throughout and learns. Also: the hand-written
//! backpropagation against finite differences; and the report marking constant weights as
//! symmetric.

#[path = "../examples/common/symmetry.rs"]
#[allow(dead_code)]
mod symmetry;

use ndarray::{Array1, Array2, Array4};
use symmetry::{Activation, Config, Mlp, Start, Task, train};
use weight_init::{Initialize, report};

const CFG: Config = Config {
    hidden: 8,
    points: 64,
    batch: 16,
    steps: 60,
    lr: 0.02,
};

#[test]
fn zeros_never_move_a_weight() {
    for act in Activation::ALL {
        for seed in 0..3 {
            let runs = train(Start::Zeros, act, CFG, seed).unwrap();
            let var = Task::generate(CFG.points, seed).unwrap().target_variance();
            for r in &runs {
                assert_eq!(r.max_unit_difference, 0.0, "{r:?}");
                assert_eq!(r.max_abs_weight, 0.0, "{r:?}");
                // only the output bias learns: no better than the best constant
                assert!(r.loss >= var * (1.0 - 1e-12), "{r:?} {var}");
            }
        }
    }
}

#[test]
fn constant_keeps_the_units_identical_while_it_learns() {
    for act in Activation::ALL {
        for seed in 0..3 {
            let runs = train(Start::Constant, act, CFG, seed).unwrap();
            for r in &runs {
                assert_eq!(r.max_unit_difference, 0.0, "{r:?}");
            }
            let (first, last) = (runs[0], runs[runs.len() - 1]);
            assert_eq!(first.max_abs_weight, 0.1);
            assert_ne!(last.max_abs_weight, 0.1, "{last:?}");
            assert!(last.loss < first.loss, "{first:?} {last:?}");
        }
    }
}

#[test]
fn he_normal_units_stay_distinct_and_learn() {
    for act in Activation::ALL {
        for seed in 0..3 {
            let runs = train(Start::HeNormal, act, CFG, seed).unwrap();
            for r in &runs {
                assert!(r.min_unit_difference > 0.1, "{r:?}");
            }
            let (first, last) = (runs[0], runs[runs.len() - 1]);
            assert!(last.loss < 0.8 * first.loss, "{first:?} {last:?}");
        }
    }
}

/// One SGD step with lr 1 moves every weight by minus its gradient: checked against central
/// differences of the batch loss.
#[test]
fn backpropagation_matches_finite_differences() {
    for act in Activation::ALL {
        let task = Task::generate(16, 5).unwrap();
        let mlp = Mlp::new(Start::HeNormal, act, 6, 5).unwrap();
        let idx: Vec<usize> = (0..16).collect();
        let mut stepped = mlp.clone();
        stepped.sgd_step(&task, &idx, 1.0);
        let h = 1e-6;
        for l in 0..3 {
            for ((o, k), &w) in mlp.w[l].indexed_iter() {
                let mut plus = mlp.clone();
                plus.w[l][[o, k]] = w + h;
                let mut minus = mlp.clone();
                minus.w[l][[o, k]] = w - h;
                let numeric = (plus.loss(&task) - minus.loss(&task)) / (2.0 * h);
                let ours = w - stepped.w[l][[o, k]];
                assert!(
                    (numeric - ours).abs() < 1e-6 * (1.0 + numeric.abs()),
                    "{act:?} w{l}[{o}, {k}]: {ours} against {numeric}"
                );
            }
        }
    }
}

#[derive(Initialize)]
struct Layers {
    #[init(zeros)]
    w_zero: Array2<f64>,
    #[init(constant(0.1), scale = 2.0)]
    w_constant: Array2<f64>,
    #[init(ones)]
    conv_ones: Array4<f64>,
    #[init(he_normal)]
    w_random: Array2<f64>,
    #[init(zeros)]
    b: Array1<f64>,
    #[init(ones)]
    norm_gain: Array1<f64>,
}

/// The report marks a constant weight of rank ≥ 2 as symmetric, with the reason, and leaves
/// biases, norm gains and random weights alone; the parameters are still initialised.
#[test]
fn report_marks_constant_weights_symmetric() {
    let mut m = Layers {
        w_zero: Array2::zeros((4, 3)),
        w_constant: Array2::zeros((4, 3)),
        conv_ones: Array4::zeros((2, 3, 3, 3)),
        w_random: Array2::zeros((4, 3)),
        b: Array1::zeros(4),
        norm_gain: Array1::zeros(4),
    };
    m.init_seeded(0).unwrap();
    assert!(m.w_constant.iter().all(|&v| v == 0.2));
    let r = report(&m).unwrap();
    let marked: Vec<&str> = r
        .rows
        .iter()
        .filter(|row| row.symmetric.is_some())
        .map(|row| row.path.as_str())
        .collect();
    assert_eq!(marked, ["w_zero", "w_constant", "conv_ones"]);
    assert_eq!(r.rows[0].symmetric, Some(weight_init::SYMMETRIC));
    let table = r.to_string();
    assert!(table.contains("\nw_zero: symmetric: constant weights give every unit"));
    assert!(!table.contains("w_random: symmetric"));
    assert_eq!(table.lines().count(), 1 + 6 + 3);
}
