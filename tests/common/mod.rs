//! Helpers shared by the integration tests.
#![allow(dead_code)]

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use weight_init::stats::ks_test;

/// The tests' generator: a named, portable stream.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Asserts that `samples` pass a one-sample Kolmogorov–Smirnov test against `cdf` at p > 1e-4.
pub fn assert_ks(mut samples: Vec<f64>, cdf: impl Fn(f64) -> f64, what: &str) {
    let n = samples.len();
    let r = ks_test(&mut samples, cdf);
    assert!(
        r.p_value > 1e-4,
        "{what}: KS rejects (n = {n}, D = {:.5}, p = {:.3e})",
        r.statistic,
        r.p_value
    );
}

/// Sample mean and (population) standard deviation.
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}
