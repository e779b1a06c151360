//! The truncated normal sampler at its edges.

mod common;

use std::collections::HashSet;

use common::{assert_ks, mean_std, rng};
use weight_init::stats::truncated_normal_cdf;
use weight_init::{ElementDistribution, Init};

fn draw_f32(init: &Init, n: usize, seed: u64) -> Vec<f32> {
    let mut v = vec![0.0f32; n];
    init.fill(&mut v, &mut rng(seed)).unwrap();
    v
}

#[test]
fn bounds_hold_at_f32_precision() {
    for (k, (mean, std, low, high)) in [
        (0.0, 0.02, -0.04, 0.04),
        (0.0, 1.0, -2.0, 2.0),
        (0.3, 0.1, 0.25, 0.2501),
        (-3.0, 1.0, -0.5, 0.5),
        (0.0, 1e3, -1e-3, 1e-3),
    ]
    .into_iter()
    .enumerate()
    {
        let xs = draw_f32(
            &Init::truncated_normal(mean, std, low, high),
            20_000,
            k as u64,
        );
        let (lo, hi) = (low as f32, high as f32);
        assert!(
            xs.iter().all(|&x| lo <= x && x <= hi),
            "({mean}, {std}) on [{low}, {high}] escapes its bounds"
        );
    }
}

#[test]
fn narrow_interval_far_from_the_mean() {
    // mean −3, std 1, on [−0.5, 0.5]: almost all mass near −0.5
    let init = Init::truncated_normal(-3.0, 1.0, -0.5, 0.5);
    let mut xs = vec![0.0f64; 20_000];
    init.fill(&mut xs, &mut rng(3)).unwrap();
    assert!(xs.iter().all(|&x| (-0.5..=0.5).contains(&x)));
    assert_ks(
        xs.clone(),
        |x| truncated_normal_cdf(x, -3.0, 1.0, -0.5, 0.5),
        "mean outside",
    );
    let r = init.resolve(&[1]).unwrap();
    let (m, s) = mean_std(&xs);
    let se = r.std / (xs.len() as f64).sqrt();
    assert!((m - r.mean).abs() < 5.0 * se, "mean {m} vs {}", r.mean);
    assert!((s / r.std - 1.0).abs() < 0.03, "std {s} vs {}", r.std);
    // deep in the tail: 25 standard deviations out
    let mut far = vec![0.0f64; 5_000];
    Init::truncated_normal(0.0, 1.0, 25.0, 26.0)
        .fill(&mut far, &mut rng(4))
        .unwrap();
    assert!(far.iter().all(|&x| (25.0..=26.0).contains(&x)));
    assert_ks(
        far,
        |x| truncated_normal_cdf(x, 0.0, 1.0, 25.0, 26.0),
        "25σ tail",
    );
}

#[test]
fn small_std_never_hits_a_bound() {
    let init = Init::truncated_normal(0.0, 0.002, -2.0, 2.0);
    let xs = draw_f32(&init, 10_000, 5);
    assert!(xs.iter().all(|&x| x != -2.0 && x != 2.0));
    let v: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
    let (_, s) = mean_std(&v);
    assert!((s / 0.002 - 1.0).abs() < 0.01, "std {s}");
    let distinct: HashSet<u32> = xs.iter().map(|x| x.to_bits()).collect();
    assert!(distinct.len() > 5000, "{} distinct values", distinct.len());
}

#[test]
fn many_distinct_values() {
    let xs = draw_f32(&Init::truncated_normal(0.0, 1.0, -2.0, 2.0), 10_000, 6);
    let distinct: HashSet<u32> = xs.iter().map(|x| x.to_bits()).collect();
    assert!(distinct.len() > 5000, "{} distinct values", distinct.len());
}

#[test]
fn resolved_moments_match_samples() {
    for (k, (mean, std, low, high)) in [
        (0.0, 1.0, -2.0, 2.0),
        (1.0, 2.0, 0.0, 10.0),
        (0.0, 1.0, 1.0, f64::INFINITY),
    ]
    .into_iter()
    .enumerate()
    {
        let init = Init::truncated_normal(mean, std, low, high);
        let r = init.resolve(&[10]).unwrap();
        assert_eq!(
            r.distribution,
            Some(ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high
            })
        );
        let mut xs = vec![0.0f64; 40_000];
        init.fill(&mut xs, &mut rng(10 + k as u64)).unwrap();
        let (m, s) = mean_std(&xs);
        let se = r.std / (xs.len() as f64).sqrt();
        assert!((m - r.mean).abs() < 5.0 * se, "{k}: mean {m} vs {}", r.mean);
        // the sample std's standard error is about std / sqrt(2n) for these light tails
        assert!(
            (s - r.std).abs() < 5.0 * r.std / (2.0 * xs.len() as f64).sqrt(),
            "{k}: std {s} vs {}",
            r.std
        );
    }
}
