//! Goodness-of-fit statistics that the test suite uses, public so users can
//! check their own initialisations.
//!
//! [`ks_test`] runs a one-sample Kolmogorov–Smirnov test of samples against
//! any continuous CDF; [`normal_cdf`], [`uniform_cdf`] and
//! [`truncated_normal_cdf`] are exact CDFs of the distributions the
//! initialisation schemes draw from.
//!
//! ```
//! use init_core::stats::{ks_test, uniform_cdf};
//! use rand::{RngExt, SeedableRng};
//!
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mut weights: Vec<f64> = (0..5_000).map(|_| rng.random_range(-0.5..0.5)).collect();
//! let test = ks_test(&mut weights, |x| uniform_cdf(x, -0.5, 0.5));
//! assert!(test.p_value > 1e-3, "{test:?}");
//! ```

use core::f64::consts::PI;

use crate::math::special::std_normal_cdf;
use crate::math::truncnorm;

/// Result of a one-sample Kolmogorov–Smirnov test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KsTest {
    /// The statistic `D_n = sup_x |F_n(x) − F(x)|`, in `[0, 1]`.
    pub statistic: f64,
    /// Asymptotic p-value of `D_n` (with Stephens' small-`n` correction), in
    /// `[0, 1]`: the probability of a statistic at least this large if the
    /// samples really come from `F`.
    pub p_value: f64,
    /// Number of samples.
    pub n: usize,
}

/// Sorts `samples` (NaN → returns p_value 0 / statistic 1) and computes D_n = sup|F_n − F| against `cdf`, and the asymptotic Kolmogorov p-value with Stephens' small-n correction: Q_KS((√n + 0.12 + 0.11/√n)·D).
///
/// `cdf` must be the (continuous) distribution function being tested; its
/// values are clamped to `[0, 1]`, and a NaN value is treated like a NaN
/// sample (statistic 1, p-value 0). An empty slice gives statistic 0 and
/// p-value 1 (no evidence against `F`). `samples` is left sorted (by
/// [`f64::total_cmp`]).
///
/// # Example
///
/// Standard-normal draws pass against the standard normal and fail once
/// shifted by a quarter of a standard deviation:
///
/// ```
/// use init_core::stats::{ks_test, normal_cdf};
/// use rand::SeedableRng;
/// use rand_distr::{Distribution, StandardNormal};
///
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
/// let mut x: Vec<f64> = (0..10_000).map(|_| StandardNormal.sample(&mut rng)).collect();
///
/// let good = ks_test(&mut x, |v| normal_cdf(v, 0.0, 1.0));
/// assert_eq!(good.n, 10_000);
/// assert!(good.p_value > 1e-3, "{good:?}");
///
/// let bad = ks_test(&mut x, |v| normal_cdf(v, 0.25, 1.0));
/// assert!(bad.p_value < 1e-6, "{bad:?}");
///
/// let mut with_nan = vec![0.1, f64::NAN, 0.3];
/// let t = ks_test(&mut with_nan, |v| normal_cdf(v, 0.0, 1.0));
/// assert_eq!((t.statistic, t.p_value), (1.0, 0.0));
/// ```
pub fn ks_test(samples: &mut [f64], cdf: impl Fn(f64) -> f64) -> KsTest {
    let n = samples.len();
    let rejected = KsTest {
        statistic: 1.0,
        p_value: 0.0,
        n,
    };
    if samples.iter().any(|x| x.is_nan()) {
        return rejected;
    }
    if n == 0 {
        return KsTest {
            statistic: 0.0,
            p_value: 1.0,
            n,
        };
    }
    samples.sort_unstable_by(f64::total_cmp);
    // Exact below 2^53 samples.
    let nf = n as f64;
    let mut d = 0.0_f64;
    for (i, &x) in samples.iter().enumerate() {
        let f = cdf(x);
        if f.is_nan() {
            return rejected;
        }
        let f = f.clamp(0.0, 1.0);
        let i = i as f64;
        // F_n jumps from i/n to (i + 1)/n at x (ties are handled too, as F is
        // the same for all members of a tie).
        d = d.max(f - i / nf).max((i + 1.0) / nf - f);
    }
    let d = d.clamp(0.0, 1.0);
    let sqrt_n = nf.sqrt();
    KsTest {
        statistic: d,
        p_value: kolmogorov_sf((sqrt_n + 0.12 + 0.11 / sqrt_n) * d),
        n,
    }
}

/// Kolmogorov survival function Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, 1 for small λ (use the other series for λ < ~1.18 or just clamp to `[0, 1]` with enough terms).
///
/// For `λ < 1.18` it uses the dual series
/// `1 − (√(2π)/λ) Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)}`, which converges fast there;
/// both series are summed to full precision. The result is in `[0, 1]`: 1 for
/// `λ ≤ 0`, 0 for `λ = +∞`; NaN gives NaN.
///
/// # Example
///
/// The 5% critical value of the Kolmogorov distribution is 1.358:
///
/// ```
/// use init_core::stats::kolmogorov_sf;
///
/// assert_eq!(kolmogorov_sf(0.0), 1.0);
/// assert!((kolmogorov_sf(1.358) - 0.05).abs() < 1e-4);
/// assert!((kolmogorov_sf(1.0) - 0.269_999_671_677_354_5).abs() < 1e-12);
/// assert!(kolmogorov_sf(3.0) < 1e-7);
/// ```
pub fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 1.18 {
        let c = -PI * PI / (8.0 * lambda * lambda);
        let mut sum = 0.0;
        for k in 1..=20_u32 {
            let j = f64::from(2 * k - 1);
            let term = libm::exp(c * j * j);
            sum += term;
            if term <= 1e-17 * sum {
                break;
            }
        }
        (1.0 - (2.0 * PI).sqrt() / lambda * sum).clamp(0.0, 1.0)
    } else {
        let c = -2.0 * lambda * lambda;
        let mut sum = 0.0;
        let mut sign = 1.0;
        for k in 1..=20_u32 {
            let kf = f64::from(k);
            let term = libm::exp(c * kf * kf);
            sum += sign * term;
            if term <= 1e-17 * sum.abs() {
                break;
            }
            sign = -sign;
        }
        (2.0 * sum).clamp(0.0, 1.0)
    }
}

/// CDF of the normal distribution with the given mean and standard deviation,
/// accurate in both tails (for use with [`ks_test`]).
///
/// Returns NaN unless `std > 0` (and finite), or if any argument is NaN.
///
/// # Example
///
/// ```
/// use init_core::stats::{ks_test, normal_cdf};
/// use rand::SeedableRng;
/// use rand_distr::{Distribution, Normal};
///
/// assert_eq!(normal_cdf(2.0, 2.0, 3.0), 0.5);
/// assert!((normal_cdf(-4.0, 2.0, 3.0) - 0.022_750_131_948_179_2).abs() < 1e-15);
///
/// let normal = Normal::new(2.0, 3.0).unwrap();
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let mut x: Vec<f64> = (0..10_000).map(|_| normal.sample(&mut rng)).collect();
/// assert!(ks_test(&mut x, |v| normal_cdf(v, 2.0, 3.0)).p_value > 1e-3);
/// // The wrong standard deviation is detected.
/// assert!(ks_test(&mut x, |v| normal_cdf(v, 2.0, 2.5)).p_value < 1e-6);
/// ```
pub fn normal_cdf(x: f64, mean: f64, std: f64) -> f64 {
    let valid = std.is_finite() && std > 0.0;
    if !valid {
        return f64::NAN;
    }
    std_normal_cdf((x - mean) / std)
}

/// CDF of the uniform distribution on `[low, high]` (for use with
/// [`ks_test`]): `0` below `low`, `1` above `high`, linear in between.
///
/// Returns NaN unless `low < high`, both finite, or if `x` is NaN.
///
/// # Example
///
/// ```
/// use init_core::stats::{ks_test, uniform_cdf};
/// use rand::{RngExt, SeedableRng};
///
/// assert_eq!(uniform_cdf(0.25, -1.0, 1.0), 0.625);
/// assert_eq!(uniform_cdf(-3.0, -1.0, 1.0), 0.0);
/// assert_eq!(uniform_cdf(3.0, -1.0, 1.0), 1.0);
///
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
/// let mut x: Vec<f64> = (0..10_000).map(|_| rng.random_range(-1.0..1.0)).collect();
/// assert!(ks_test(&mut x, |v| uniform_cdf(v, -1.0, 1.0)).p_value > 1e-3);
/// // Shifted by 0.05: rejected.
/// assert!(ks_test(&mut x, |v| uniform_cdf(v, -0.95, 1.05)).p_value < 1e-6);
/// ```
pub fn uniform_cdf(x: f64, low: f64, high: f64) -> f64 {
    let valid = !x.is_nan() && low.is_finite() && high.is_finite() && low < high;
    if !valid {
        return f64::NAN;
    }
    if x <= low {
        0.0
    } else if x >= high {
        1.0
    } else {
        let span = high - low;
        let t = if span.is_finite() {
            (x - low) / span
        } else {
            // `high − low` overflows: halve everything first.
            (0.5 * x - 0.5 * low) / (0.5 * high - 0.5 * low)
        };
        t.clamp(0.0, 1.0)
    }
}

/// CDF of the normal distribution `N(mean, std²)` truncated to `[low, high]`
/// (for use with [`ks_test`]): `0` below `low`, `1` above `high`.
///
/// Accurate however far the interval lies in the tails (e.g. `low = mean +
/// 1e6·std`, or `mean = 1e20`, `[low, high] = [0, 1]`): when the interval lies
/// on one side of `mean` the CDF is computed from offsets to the nearest
/// bound, never from the standardised bounds themselves. `low` may be `−∞` and
/// `high` `+∞`. Returns NaN unless `mean` is finite, `std > 0` (finite) and
/// `low < high`, or if any argument is NaN.
///
/// # Example
///
/// ```
/// use init_core::stats::{ks_test, truncated_normal_cdf};
/// use rand::SeedableRng;
/// use rand_distr::{Distribution, Normal};
///
/// // Symmetric truncation: the median is the mean.
/// assert!((truncated_normal_cdf(1.0, 1.0, 0.5, 0.0, 2.0) - 0.5).abs() < 1e-15);
/// assert_eq!(truncated_normal_cdf(-0.1, 1.0, 0.5, 0.0, 2.0), 0.0);
///
/// // N(0, 1) conditioned on [-2, 2] (by rejection) passes; the same samples
/// // fail against the wrong scale.
/// let normal = Normal::new(0.0, 1.0).unwrap();
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
/// let mut x: Vec<f64> = normal
///     .sample_iter(&mut rng)
///     .filter(|v: &f64| v.abs() <= 2.0)
///     .take(10_000)
///     .collect();
/// assert!(ks_test(&mut x, |v| truncated_normal_cdf(v, 0.0, 1.0, -2.0, 2.0)).p_value > 1e-3);
/// assert!(ks_test(&mut x, |v| truncated_normal_cdf(v, 0.0, 0.8, -2.0, 2.0)).p_value < 1e-6);
/// ```
pub fn truncated_normal_cdf(x: f64, mean: f64, std: f64, low: f64, high: f64) -> f64 {
    truncnorm::truncated_normal_cdf(x, mean, std, low, high)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn kolmogorov_sf_values() {
        assert_eq!(kolmogorov_sf(0.0), 1.0);
        assert_eq!(kolmogorov_sf(-1.0), 1.0);
        assert_eq!(kolmogorov_sf(0.1), 1.0);
        assert!((kolmogorov_sf(1.36) - 0.0494).abs() < 1e-3);
        // Reference values from mpmath (50 digits) of the series.
        assert!((kolmogorov_sf(1.36) - 0.049_485_876_755_377_91).abs() < 1e-14);
        assert!((kolmogorov_sf(0.5) - 0.963_945_243_664_875_1).abs() < 1e-14);
        assert!((kolmogorov_sf(1.0) - 0.269_999_671_677_354_5).abs() < 1e-14);
        assert!((kolmogorov_sf(2.0) - 6.709_252_557_796_953e-4).abs() < 1e-16);
        assert!(kolmogorov_sf(f64::INFINITY) == 0.0);
        assert!(kolmogorov_sf(f64::NAN).is_nan());
        // Both series agree where they switch, and Q decreases.
        let below = kolmogorov_sf(1.18 - 1e-14);
        let at = kolmogorov_sf(1.18);
        assert!((below - at).abs() < 1e-14, "{below} vs {at}");
        assert!((at - 0.123_453_809_429_765_7).abs() < 1e-15);
        let mut prev = 1.0;
        for i in 1..400 {
            let q = kolmogorov_sf(f64::from(i) * 0.01);
            assert!((0.0..=1.0).contains(&q) && q <= prev);
            prev = q;
        }
    }

    #[test]
    fn ks_accepts_right_and_rejects_wrong() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut x: Vec<f64> = (0..20_000)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let good = ks_test(&mut x, |v| normal_cdf(v, 0.0, 1.0));
        assert!(good.p_value > 1e-3, "{good:?}");
        assert!(x.windows(2).all(|w| w[0] <= w[1]));
        // Same samples against a uniform and a scaled normal.
        let wrong = ks_test(&mut x, |v| uniform_cdf(v, -3.0, 3.0));
        assert!(wrong.p_value < 1e-6, "{wrong:?}");
        let wrong = ks_test(&mut x, |v| normal_cdf(v, 0.0, 1.1));
        assert!(wrong.p_value < 1e-6, "{wrong:?}");
        // Uniform samples against the normal with the same variance.
        let mut u: Vec<f64> = (0..20_000)
            .map(|_| rng.random_range(-(3.0_f64.sqrt())..3.0_f64.sqrt()))
            .collect();
        assert!(
            ks_test(&mut u, |v| uniform_cdf(
                v,
                -(3.0_f64.sqrt()),
                3.0_f64.sqrt()
            ))
            .p_value
                > 1e-3
        );
        assert!(ks_test(&mut u, |v| normal_cdf(v, 0.0, 1.0)).p_value < 1e-6);
    }

    #[test]
    fn ks_statistic_exact_small_case() {
        // Samples 0.1, 0.5, 0.9 against U(0, 1): D = max(0.1, 1/3 − 0.1, …) etc.
        let mut x = [0.9, 0.1, 0.5];
        let t = ks_test(&mut x, |v| uniform_cdf(v, 0.0, 1.0));
        assert_eq!(x, [0.1, 0.5, 0.9]);
        // D+ = max(1/3 − 0.1, 2/3 − 0.5, 1 − 0.9) = 0.2333…, D− = max(0.1, 0.5 − 1/3, 0.9 − 2/3).
        assert!((t.statistic - (1.0 / 3.0 - 0.1)).abs() < 1e-15);
        assert_eq!(t.n, 3);
        let lam = (3.0_f64.sqrt() + 0.12 + 0.11 / 3.0_f64.sqrt()) * t.statistic;
        assert_eq!(t.p_value, kolmogorov_sf(lam));
        // Empty input: no evidence.
        let e = ks_test(&mut [], |v| v);
        assert_eq!((e.statistic, e.p_value, e.n), (0.0, 1.0, 0));
        // NaN sample or NaN cdf.
        let t = ks_test(&mut [0.2, f64::NAN], |v| v);
        assert_eq!((t.statistic, t.p_value, t.n), (1.0, 0.0, 2));
        let t = ks_test(&mut [0.2, 0.3], |_| f64::NAN);
        assert_eq!((t.statistic, t.p_value), (1.0, 0.0));
    }

    #[test]
    fn cdf_helpers() {
        assert_eq!(normal_cdf(1.0, 1.0, 2.0), 0.5);
        assert!((normal_cdf(-3.0, 1.0, 2.0) - 0.022_750_131_948_179_21).abs() < 1e-15);
        assert!(normal_cdf(0.0, 0.0, 0.0).is_nan());
        assert!(normal_cdf(0.0, 0.0, -1.0).is_nan());
        assert_eq!(uniform_cdf(0.5, 0.0, 2.0), 0.25);
        assert!(uniform_cdf(0.5, 2.0, 0.0).is_nan());
        assert!((uniform_cdf(0.0, -f64::MAX, f64::MAX) - 0.5).abs() < 1e-15);
        // Truncated normal: symmetric median, bounds, far tail, one-sided.
        assert!((truncated_normal_cdf(3.0, 3.0, 2.0, -1.0, 7.0) - 0.5).abs() < 1e-15);
        assert_eq!(truncated_normal_cdf(-1.0, 3.0, 2.0, -1.0, 7.0), 0.0);
        assert_eq!(truncated_normal_cdf(7.0, 3.0, 2.0, -1.0, 7.0), 1.0);
        // Half-normal: F(x) = 2Φ(x) − 1.
        let h = truncated_normal_cdf(1.0, 0.0, 1.0, 0.0, f64::INFINITY);
        assert!((h - 0.682_689_492_137_085_9).abs() < 1e-15, "{h}");
        // Far tail: mean −3, std 1 on [−0.5, 0.5] is a tail law with rate ~2.5..3.5.
        let c = truncated_normal_cdf(0.0, -3.0, 1.0, -0.5, 0.5);
        assert!(c > 0.5 && c < 1.0, "{c}");
        // Standardised bounds that coincide in f64 (a = b = −1e10 to 16
        // digits): on [0, 1] the density is ∝ e^x, F(x) = (e^x − 1)/(e − 1).
        let f = truncated_normal_cdf(0.5, 1e20, 1e10, 0.0, 1.0);
        let exact = 0.5_f64.exp_m1() / 1.0_f64.exp_m1();
        assert!((f - exact).abs() < 1e-9, "{f} vs {exact}");
        // Same law, centred: N(0, 1) truncated to [1e6, 1e6 + 1] vs shifted.
        // The law is exp(−1e6·u − u²/2) in u = z − 1e6, normalised on [0, 1].
        let x = 1e6 + 1e-6;
        let u = x - 1e6; // exact, ≈ 1e-6 up to the f64 grid
        let f1 = truncated_normal_cdf(x, 0.0, 1.0, 1e6, 1e6 + 1.0);
        let f2 = truncated_normal_cdf(-x, 0.0, 1.0, -1e6 - 1.0, -1e6);
        let expect = -(-(1e6 * u + 0.5 * u * u)).exp_m1();
        assert!((f1 - expect).abs() < 1e-12, "{f1} vs {expect}");
        assert!((f1 + f2 - 1.0).abs() < 1e-12, "{f1} {f2}");
        assert!(truncated_normal_cdf(0.0, 0.0, 1.0, 1.0, 1.0).is_nan());
        assert!(truncated_normal_cdf(f64::NAN, 0.0, 1.0, -1.0, 1.0).is_nan());
    }
}
