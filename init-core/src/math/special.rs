//! Standard normal density, distribution and tail functions, accurate in the
//! tails (built on `libm::erfc` only).

use core::f64::consts::FRAC_1_SQRT_2;

/// `1 / √(2π)`.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Below this argument the Mills ratio is computed directly as `sf / pdf`;
/// from here on by its continued fraction.
const MILLS_DIRECT_MAX: f64 = 3.0;

/// Number of continued-fraction terms; at `x ≥ 3` this converges to below
/// one ulp (the convergence only gets faster as `x` grows).
const MILLS_CF_TERMS: u32 = 100;

/// Standard normal density `φ(x) = exp(−x²/2) / √(2π)`.
///
/// Underflows to `0` for `|x| ≳ 38.6` and is `0` at `±∞`.
pub(crate) fn std_normal_pdf(x: f64) -> f64 {
    FRAC_1_SQRT_2PI * libm::exp(-0.5 * x * x)
}

/// Standard normal distribution function `Φ(x)`, with full relative accuracy
/// in the lower tail (`Φ(−10) ≈ 7.6e-24` is not rounded to 0).
pub(crate) fn std_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * FRAC_1_SQRT_2)
}

/// Standard normal survival function `1 − Φ(x)`, computed without the
/// cancellation of `1 − Φ(x)`, so it keeps full relative accuracy for large `x`.
pub(crate) fn std_normal_sf(x: f64) -> f64 {
    0.5 * libm::erfc(x * FRAC_1_SQRT_2)
}

/// Mills ratio `R(x) = (1 − Φ(x)) / φ(x)` for `x ≥ 0`.
///
/// Computed directly for `x < 3` and by the continued fraction
/// `R(x) = 1/(x + 1/(x + 2/(x + 3/(x + …))))` (evaluated backwards) beyond, so
/// it is accurate, finite and strictly positive for every finite `x ≥ 0`
/// (`R(x) ~ 1/x` as `x → ∞`, no underflow of the numerator or the
/// denominator). `R(+∞) = 0`. Negative arguments are computed directly (the
/// ratio then grows like `e^{x²/2}` and overflows for `x ≲ −38`); NaN gives NaN.
pub(crate) fn mills_ratio(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < MILLS_DIRECT_MAX {
        return std_normal_sf(x) / std_normal_pdf(x);
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    let mut t = x;
    for k in (1..=MILLS_CF_TERMS).rev() {
        t = x + f64::from(k) / t;
    }
    1.0 / t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn cdf_known_values() {
        // Reference values from mpmath at 50 digits.
        assert!(rel(std_normal_cdf(-2.0), 0.022_750_131_948_179_21) < 1e-14);
        assert_eq!(std_normal_cdf(0.0), 0.5);
        assert!(rel(std_normal_cdf(1.0), 0.841_344_746_068_542_9) < 1e-15);
        assert!(rel(std_normal_cdf(-10.0), 7.619_853_024_160_527e-24) < 1e-13);
        assert!(rel(std_normal_cdf(-37.0), 5.725_571_222_524_577e-300) < 1e-12);
        assert_eq!(std_normal_cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(std_normal_cdf(f64::INFINITY), 1.0);
    }

    #[test]
    fn sf_known_values() {
        assert!(rel(std_normal_sf(10.0), 7.619_853_024_160_527e-24) < 1e-13);
        assert!(rel(std_normal_sf(2.0), 0.022_750_131_948_179_21) < 1e-14);
        assert!(rel(std_normal_sf(5.0), 2.866_515_718_791_939e-7) < 1e-14);
        assert_eq!(std_normal_sf(0.0), 0.5);
        assert_eq!(std_normal_sf(f64::INFINITY), 0.0);
        // Symmetry.
        for &x in &[0.3, 1.7, 4.2, 9.9] {
            assert!(rel(std_normal_sf(x), std_normal_cdf(-x)) < 1e-15);
        }
    }

    #[test]
    fn pdf_known_values() {
        assert!(rel(std_normal_pdf(0.0), 0.398_942_280_401_432_7) < 1e-15);
        assert!(rel(std_normal_pdf(2.0), 0.053_990_966_513_188_05) < 1e-15);
        assert!(rel(std_normal_pdf(-2.0), 0.053_990_966_513_188_05) < 1e-15);
        assert_eq!(std_normal_pdf(f64::INFINITY), 0.0);
    }

    #[test]
    fn mills_known_values() {
        // mpmath: erfc(x/√2)/2 / φ(x).
        assert!(rel(mills_ratio(0.0), 1.253_314_137_315_500_3) < 1e-15);
        assert!(rel(mills_ratio(1.0), 0.655_679_542_418_798_5) < 1e-14);
        assert!(rel(mills_ratio(2.9), 0.313_448_658_286_231_8) < 1e-14);
        assert!(rel(mills_ratio(3.0), 0.304_590_298_710_103_3) < 1e-14);
        assert!(rel(mills_ratio(5.0), 0.192_808_104_715_315_77) < 1e-14);
        assert!(rel(mills_ratio(10.0), 0.099_028_596_471_731_92) < 1e-14);
        assert!(rel(mills_ratio(50.0), 0.019_992_009_580_853_567) < 1e-14);
    }

    #[test]
    fn mills_continuity_at_switch() {
        let below = mills_ratio(MILLS_DIRECT_MAX - 1e-12);
        let at = mills_ratio(MILLS_DIRECT_MAX);
        assert!(rel(below, at) < 1e-12);
    }

    #[test]
    fn mills_asymptote_and_finiteness() {
        // R(x) = 1/x − 1/x³ + 3/x⁵ − …
        for &x in &[1e3, 1e4, 1e6, 1e8, 1e12, 1e100, f64::MAX] {
            let r = mills_ratio(x);
            assert!(r.is_finite() && r > 0.0, "x = {x}: {r}");
            let series = (1.0 / x) * (1.0 - 1.0 / (x * x) + 3.0 / (x * x * x * x));
            assert!(rel(r, series) < 1e-14, "x = {x}: {r} vs {series}");
        }
        assert!(rel(mills_ratio(1e8) * 1e8, 1.0) < 1e-15);
        // Finite and positive over a fine grid, and decreasing.
        let mut prev = f64::INFINITY;
        let mut x = 0.0;
        while x < 60.0 {
            let r = mills_ratio(x);
            assert!(r.is_finite() && r > 0.0 && r < prev, "x = {x}: {r}");
            prev = r;
            x += 0.01;
        }
        assert_eq!(mills_ratio(f64::INFINITY), 0.0);
        assert!(mills_ratio(f64::NAN).is_nan());
    }
}
