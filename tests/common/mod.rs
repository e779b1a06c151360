//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// A Python with numpy, safetensors and torch, or why there is none.
pub fn python() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/py-venv/bin/python");
    let py = match std::env::var_os("WEIGHT_INIT_PYTHON") {
        Some(p) => PathBuf::from(p),
        None if venv.exists() => venv,
        None => PathBuf::from("python3"),
    };
    let out = Command::new(&py)
        .args(["-c", "import numpy, safetensors, torch"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    if out.status.success() {
        Ok(py)
    } else {
        Err(format!(
            "{} lacks numpy, safetensors or torch ({}); run python/setup-venv.sh",
            py.display(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ))
    }
}

/// The Python to run, or `None` after saying why the test is skipped; a missing Python fails
/// when `WEIGHT_INIT_REQUIRE_PYTHON` is set.
pub fn python_or_skip() -> Option<PathBuf> {
    match python() {
        Ok(py) => Some(py),
        Err(why) if std::env::var_os("WEIGHT_INIT_REQUIRE_PYTHON").is_some() => {
            panic!("WEIGHT_INIT_REQUIRE_PYTHON is set but {why}")
        }
        Err(why) => {
            println!("skipped: {why}");
            None
        }
    }
}
