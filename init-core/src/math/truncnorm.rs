//! The standard normal conditioned on an interval `[a, b]`: an exact sampler
//! (rejection with the cheapest of three proposals), exact moments and the CDF,
//! all stable far out in the tails.

use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};

use super::special::mills_ratio;

/// Standard deviation of a standard normal truncated to [-2, 2]: 0.87962566103423978 (the JAX/Keras correction constant).
pub const TRUNC_2SIGMA_STD: f64 = 0.879_625_661_034_239_8;

/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_7;

/// Largest `|nearest bound|` for which the moments use the closed form (via
/// Mills ratios); further out they are integrated numerically.
const CLOSED_FORM_MAX_BOUND: f64 = 8.0;

/// Intervals narrower than this have their moments integrated numerically:
/// the closed-form variance cancels catastrophically (it is `≈ w²/12`).
const CLOSED_FORM_MIN_WIDTH: f64 = 1.0;

/// The numerical integration stops where the density has fallen by `e^{-40}`
/// relative to its value at the nearest bound.
const TAIL_EXPONENT: f64 = 40.0;

/// Number of panels of four intervals in the composite Boole rule.
const BOOLE_PANELS: u32 = 1024;

/// Smallest positive `f64` (`2^-1074`), the floor of every standard deviation.
const TINY_STD: f64 = f64::MIN_POSITIVE * f64::EPSILON;

/// Sampling algorithm chosen by [`TruncatedStandardNormal::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// Draw from the standard normal, reject outside `[a, b]`.
    Normal,
    /// Uniform proposal on `[a, b]`, accepted with `exp((m² − z²)/2)`.
    Uniform,
    /// Robert's (1995) translated-exponential proposal for one-sided tails.
    Exponential,
}

/// Standard normal conditioned on [a, b].
#[derive(Clone, Copy, Debug)]
pub struct TruncatedStandardNormal {
    a: f64,
    b: f64,
    /// Point of `[a, b]` closest to 0.
    m: f64,
    /// `(Φ(b) − Φ(a)) / φ(m)`: the mass, scaled so that it cannot underflow.
    scaled_mass: f64,
    method: Method,
    /// Exponential method: it samples `[lo, hi]` (`lo ≥ 0`) and negates the
    /// draw when `flip` (intervals with `b ≤ 0` are mirrored).
    lo: f64,
    hi: f64,
    flip: bool,
    /// Exponential method: rate `λ = (lo + √(lo² + 4)) / 2` and `λ − lo`.
    lambda: f64,
    lambda_excess: f64,
}

impl TruncatedStandardNormal {
    /// Precondition (checked by caller): a < b, neither NaN; either may be ±inf.
    ///
    /// `a == b` (which standardising `[low, high]` can produce by rounding) is
    /// tolerated as the point mass at `a`: `sample` returns `a`, `mean_std`
    /// gives `(a, 5e-324)`, and `cdf` steps from 0 to 1 at `a`.
    ///
    /// Chooses the sampling method with the fewest expected tries; the
    /// comparison is done in log space (shifted by `m²/2`, with the common
    /// `−ln Z` dropped), so intervals far in the tails do not underflow.
    pub(crate) fn new(a: f64, b: f64) -> Self {
        debug_assert!(a <= b, "TruncatedStandardNormal::new({a}, {b}): need a < b");
        let m = if a > 0.0 {
            a
        } else if b < 0.0 {
            b
        } else {
            0.0
        };
        let (lo, hi, flip) = if b <= 0.0 {
            (-b, -a, true)
        } else {
            (a, b, false)
        };
        let one_sided = lo >= 0.0;
        let lambda_excess = if one_sided {
            // λ − lo = (√(lo² + 4) − lo) / 2, written without cancellation.
            2.0 / (libm::hypot(lo, 2.0) + lo)
        } else {
            f64::NAN
        };
        let lambda = lo + lambda_excess;

        // log(expected tries) + ln Z + m²/2 for each method.
        let cost_normal = 0.5 * m * m;
        let width = b - a;
        let cost_uniform = if width.is_finite() {
            width.ln() - LN_SQRT_2PI
        } else {
            f64::INFINITY
        };
        let cost_exponential = if one_sided {
            -lambda.ln() - LN_SQRT_2PI + 0.5 * lambda_excess * lambda_excess
        } else {
            f64::INFINITY
        };
        let mut method = Method::Normal;
        let mut best = cost_normal;
        if cost_exponential < best {
            method = Method::Exponential;
            best = cost_exponential;
        }
        if cost_uniform < best {
            method = Method::Uniform;
        }

        Self {
            a,
            b,
            m,
            scaled_mass: scaled_mass(a, b, m),
            method,
            lo,
            hi,
            flip,
            lambda,
            lambda_excess,
        }
    }

    /// The interval `(a, b)`.
    pub(crate) fn bounds(&self) -> (f64, f64) {
        (self.a, self.b)
    }

    /// The sampling method chosen.
    #[cfg(test)]
    pub(crate) fn method(&self) -> Method {
        self.method
    }

    /// Whether the sampler proposes plain standard normals and keeps those inside `[a, b]`
    /// (the interval holds most of the mass): then a keyed kernel may draw its own normals
    /// and reject them the same way.
    pub(crate) fn normal_proposal(&self) -> bool {
        self.method == Method::Normal
    }

    /// One draw, always within [a, b], never NaN.
    pub(crate) fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self.method {
            Method::Normal => loop {
                let z: f64 = StandardNormal.sample(rng);
                if z >= self.a && z <= self.b {
                    return z;
                }
            },
            Method::Uniform => {
                let width = self.b - self.a;
                loop {
                    let u: f64 = rng.random();
                    // The clamp only guards against rounding of `a + w·u`.
                    let z = (self.a + width * u).clamp(self.a, self.b);
                    // (m² − z²)/2 ≤ 0, as |z| ≥ |m|.
                    let log_accept = 0.5 * (self.m - z) * (self.m + z);
                    if rng.random::<f64>() < libm::exp(log_accept) {
                        return z;
                    }
                }
            }
            Method::Exponential => loop {
                let e: f64 = Exp1.sample(rng);
                let offset = e / self.lambda;
                let z = self.lo + offset;
                if z > self.hi {
                    continue;
                }
                let d = offset - self.lambda_excess;
                if rng.random::<f64>() < libm::exp(-0.5 * d * d) {
                    return if self.flip { -z } else { z };
                }
            },
        }
    }

    /// Exact mean and standard deviation of the truncated distribution (finite, std > 0).
    ///
    /// Closed form (through Mills ratios) while the nearest bound is within
    /// 8 of 0 and the interval is at least 1 wide; otherwise a composite Boole
    /// rule in the variable shifted to the nearest bound, accurate to ~1e-12.
    pub(crate) fn mean_std(&self) -> (f64, f64) {
        if self.a == self.b {
            // Degenerate point mass (see `new`).
            return (self.a, TINY_STD);
        }
        // Mirror so that the interval leans right: a + b ≥ 0, hence b > 0.
        let (a, b, sign) = if self.a + self.b < 0.0 {
            (-self.b, -self.a, -1.0)
        } else {
            (self.a, self.b, 1.0)
        };
        if a == f64::NEG_INFINITY {
            // Then b = +∞: the untruncated standard normal.
            return (0.0, 1.0);
        }
        let m = a.max(0.0);
        let (mean, std) = if m > CLOSED_FORM_MAX_BOUND || b - a < CLOSED_FORM_MIN_WIDTH {
            numeric_moments(a, b, m)
        } else {
            closed_form_moments(a, b, m)
        };
        // The clamp is only a guard against rounding.
        (sign * mean.clamp(a, b), std)
    }

    /// Exact CDF at z (0 below a, 1 above b).
    ///
    /// Ratios of masses are formed from Mills ratios times exponentials of
    /// differences of squares (or a series for short sub-intervals), so the
    /// result is accurate however far in the tail `[a, b]` lies. NaN gives NaN.
    pub(crate) fn cdf(&self, z: f64) -> f64 {
        if z.is_nan() {
            f64::NAN
        } else if z <= self.a {
            0.0
        } else if z >= self.b {
            1.0
        } else {
            (scaled_mass(self.a, z, self.m) / self.scaled_mass).clamp(0.0, 1.0)
        }
    }
}

/// CDF of N(mean, std²) truncated to `[low, high]`: 0 below `low`, 1 above `high`, NaN for
/// invalid parameters (what [`crate::stats::truncated_normal_cdf`] documents). When the
/// interval lies on one side of `mean` it is computed from offsets to the nearest bound, so it
/// stays exact however far in a tail the interval lies.
pub(crate) fn truncated_normal_cdf(x: f64, mean: f64, std: f64, low: f64, high: f64) -> f64 {
    let valid = !x.is_nan() && mean.is_finite() && std.is_finite() && std > 0.0 && low < high;
    if !valid {
        return f64::NAN;
    }
    if x <= low {
        return 0.0;
    }
    if x >= high {
        return 1.0;
    }
    // Standardised bounds; −∞/+∞ stay infinite.
    let a = (low - mean) / std;
    let b = (high - mean) / std;
    if a >= 0.0 {
        // Upper tail: offsets from `low`.
        let width = (high - low) / std;
        tail_cdf(a, (x - low) / std, width)
    } else if b <= 0.0 {
        // Lower tail: mirror, offsets from `high`.
        let width = (high - low) / std;
        1.0 - tail_cdf(-b, (high - x) / std, width)
    } else {
        // `mean` inside the interval: |a|, |b| ≤ width, so nothing is lost.
        TruncatedStandardNormal::new(a, b).cdf((x - mean) / std)
    }
}

/// `(Φ(a + u) − Φ(a)) / (Φ(a + w) − Φ(a))` for `a ≥ 0`, `0 ≤ u ≤ w` (`w` may
/// be `+∞`): the CDF at `a + u` of the standard normal truncated to
/// `[a, a + w]`, taking the offsets from the bound directly, so it stays exact
/// when `a ≫ w` (where `a + u` and `a + w` would not even be distinct `f64`s).
fn tail_cdf(a: f64, u: f64, w: f64) -> f64 {
    debug_assert!(a >= 0.0 && u >= 0.0 && u <= w);
    (tail_integral(a, u) / tail_integral(a, w)).clamp(0.0, 1.0)
}

/// `φ(x) / φ(m) = exp(−(x − m)(x + m) / 2)`, `0` for infinite `x`.
fn relative_pdf(x: f64, m: f64) -> f64 {
    if x.is_infinite() {
        0.0
    } else {
        libm::exp(-(x - m) * (0.5 * x + 0.5 * m))
    }
}

/// `∫₀ʷ exp(−x·s − s²/2) ds = (Φ(x + w) − Φ(x)) / φ(x)` for `x ≥ 0`, `w ≥ 0`
/// (`w` may be `+∞`).
///
/// With `t = w(x + w/2)`: for `t ≥ 1` it is `R(x) − e^{−t} R(x + w)` (`R` the
/// Mills ratio), which cancels by at most a factor `1/(1 − e^{−1})`; for
/// `t < 1` it is the Taylor series `w Σ_k (−1)^k He_k(x) w^k / (k + 1)!`.
fn tail_integral(x: f64, w: f64) -> f64 {
    if w == f64::INFINITY {
        return mills_ratio(x);
    }
    let t = w * (x + 0.5 * w);
    if t >= 1.0 {
        return mills_ratio(x) - libm::exp(-t) * mills_ratio(x + w);
    }
    // d_k = (−1)^k He_k(x) w^k / k!, d_{k+1} = −(x·w·d_k + w²·d_{k−1}) / (k + 1).
    let xw = x * w;
    let w2 = w * w;
    let mut d_prev = 1.0;
    let mut d = -xw;
    let mut sum = 1.0 + 0.5 * d;
    for k in 1..200_u32 {
        let kf = f64::from(k);
        let d_next = -(xw * d + w2 * d_prev) / (kf + 1.0);
        d_prev = d;
        d = d_next;
        sum += d / (kf + 2.0);
        if d.abs() + d_prev.abs() <= 1e-18 * sum.abs() {
            break;
        }
    }
    w * sum
}

/// `(Φ(y) − Φ(x)) / φ(m)` for `x ≤ y` inside an interval whose point closest
/// to 0 is `m` (so `φ(x), φ(y) ≤ φ(m)` and nothing overflows or underflows
/// needlessly).
fn scaled_mass(x: f64, y: f64, m: f64) -> f64 {
    if x >= y || x.is_nan() || y.is_nan() {
        return 0.0;
    }
    if x >= 0.0 {
        relative_pdf(x, m) * tail_integral(x, y - x)
    } else if y <= 0.0 {
        relative_pdf(y, m) * tail_integral(-y, y - x)
    } else {
        // 0 ∈ (x, y) ⊆ the interval, so m = 0.
        debug_assert!(m == 0.0);
        tail_integral(0.0, -x) + tail_integral(0.0, y)
    }
}

/// Mean and standard deviation from the closed form, for `a + b ≥ 0`, finite
/// `a`, `m = max(a, 0) ≤ 8`, `b − a ≥ 1`:
/// `mean = (φ(a) − φ(b)) / Z`, `var = 1 + (aφ(a) − bφ(b)) / Z − mean²`, with
/// every term divided by `φ(m)`.
fn closed_form_moments(a: f64, b: f64, m: f64) -> (f64, f64) {
    let mass = scaled_mass(a, b, m);
    let pdf_a = relative_pdf(a, m);
    let pdf_b = relative_pdf(b, m);
    // `b·φ(b)` → 0 as b → ∞ (avoid ∞·0).
    let b_pdf_b = if pdf_b == 0.0 { 0.0 } else { b * pdf_b };
    // No harmful cancellation: b − a ≥ 1, so for a ≥ 0, φ(b)/φ(a) ≤ e^{-1/2};
    // for a < 0 < b the mean is small and only its absolute error (~ε) matters.
    let pdf_diff = pdf_a - pdf_b;
    let mean = pdf_diff / mass;
    let second = 1.0 + (a * pdf_a - b_pdf_b) / mass;
    let var = second - mean * mean;
    // The guard never binds for the intervals routed here (var ≥ ~1e-2).
    (mean, var.max(f64::MIN_POSITIVE).sqrt())
}

/// Mean and standard deviation by a composite Boole rule, for `a + b ≥ 0`,
/// finite `a`, `m = max(a, 0)`, used far in the tail or for narrow intervals.
///
/// Integrates the density `∝ exp(−(z − m)(z + m)/2)` over `z = a + V·t`,
/// `t ∈ [0, 1]`, where `V` is the width, cut where the density has fallen by
/// `e^{-40}`; moments are taken in `t`, so neither the mean nor the (tiny)
/// spread cancels, and the spread cannot underflow.
fn numeric_moments(a: f64, b: f64, m: f64) -> (f64, f64) {
    let width = b - a;
    let span = if a >= 0.0 {
        // Solve v(v/2 + a) = E: v = 2E / (a + √(a² + 2E)).
        let cut = if a > 1e150 {
            TAIL_EXPONENT / a
        } else {
            2.0 * TAIL_EXPONENT / (a + (a * a + 2.0 * TAIL_EXPONENT).sqrt())
        };
        width.min(cut)
    } else {
        width
    };
    // z − m = v + shift with v = V·t.
    let shift = a - m;
    let n = 4 * BOOLE_PANELS;
    let h = 1.0 / f64::from(n);
    let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
    for i in 0..=n {
        let weight = if i == 0 || i == n {
            7.0
        } else {
            match i % 4 {
                1 | 3 => 32.0,
                2 => 12.0,
                _ => 14.0,
            }
        };
        let t = f64::from(i) * h;
        let u = span * t + shift;
        let f = weight * libm::exp(-u * (0.5 * u + m));
        m0 += f;
        m1 += f * t;
        m2 += f * t * t;
    }
    let mean_t = m1 / m0;
    let var_t = (m2 / m0 - mean_t * mean_t).max(0.0);
    let std = (span * var_t.sqrt()).max(TINY_STD);
    (a + span * mean_t, std)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::special::{std_normal_cdf, std_normal_pdf};
    use crate::stats::ks_test;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const INF: f64 = f64::INFINITY;

    /// Intervals covering every method, both tails, infinite bounds, narrow
    /// and far-out intervals.
    const INTERVALS: &[(f64, f64)] = &[
        (-2.0, 2.0),
        (2.5, 3.5),
        (-3.5, -2.5),
        (0.0, INF),
        (-INF, 0.0),
        (-INF, -5.0),
        (-INF, INF),
        (-1.0, INF),
        (-INF, 0.3),
        (1.0, 2.0),
        (10.0, 10.001),
        (2.5e6, 2.5e6 + 1e3),
        (-2.5e6 - 1e3, -2.5e6),
        (-1e-3, 1e-3),
        (-0.5, 0.5),
        (0.5, 0.500_001),
        (-0.3, 0.4),
        (8.5, INF),
        (30.0, 31.0),
        (1e8, INF),
        (-1e-12, 0.0),
        (5.0, 5.0 + 1e-9),
    ];

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn rel(x: f64, reference: f64) -> f64 {
        ((x - reference) / reference).abs()
    }

    /// Independent reference: plain composite Simpson, at very high
    /// resolution, of the density `exp(−z²/2)` (scaled by `exp(m²/2)`) and its
    /// first two moments about `a`, over `[a, b]` cut to where the density is
    /// below `e^{-60}` of its peak. Returns (mass, mean, std).
    fn brute_force(a: f64, b: f64) -> (f64, f64, f64) {
        let m = if a > 0.0 {
            a
        } else if b < 0.0 {
            b
        } else {
            0.0
        };
        let reach = (m * m + 120.0).sqrt();
        let lo = a.max(-reach);
        let hi = b.min(reach);
        let n = 400_000_u32;
        let h = (hi - lo) / f64::from(n);
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for i in 0..=n {
            let w = if i == 0 || i == n {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            let v = f64::from(i) * h;
            let z = lo + v;
            let f = w * (-(z * z - m * m) / 2.0).exp();
            s0 += f;
            s1 += f * v;
            s2 += f * v * v;
        }
        let mean_v = s1 / s0;
        let var = s2 / s0 - mean_v * mean_v;
        let mass = s0 * h / 3.0 * std_normal_pdf(m);
        (mass, lo + mean_v, var.sqrt())
    }

    #[test]
    fn two_sigma_constant() {
        let (mean, std) = TruncatedStandardNormal::new(-2.0, 2.0).mean_std();
        assert_eq!(mean, 0.0);
        assert!((std - TRUNC_2SIGMA_STD).abs() <= 1e-15, "{std:e}");
        // The brief's 17-digit value and mpmath's 0.87962566103423975041… (60
        // digits) both round to this f64 (parsed, as clippy rejects the literals).
        for digits in ["0.87962566103423978", "0.87962566103423975041"] {
            assert_eq!(TRUNC_2SIGMA_STD, digits.parse::<f64>().unwrap());
        }
        let (_, bf_mean_std) = {
            let (_, mu, s) = brute_force(-2.0, 2.0);
            (mu, s)
        };
        assert!((bf_mean_std - TRUNC_2SIGMA_STD).abs() < 1e-13);
    }

    #[test]
    fn method_selection() {
        use Method::{Exponential, Normal, Uniform};
        let cases = [
            ((-2.0, 2.0), Normal),
            ((-INF, INF), Normal),
            ((-1.0, INF), Normal),
            ((-INF, 0.3), Normal),
            ((-0.5, 0.5), Uniform),
            ((-1e-3, 1e-3), Uniform),
            ((10.0, 10.001), Uniform),
            ((0.5, 1.0), Uniform),
            ((2.5, 3.5), Exponential),
            ((-3.5, -2.5), Exponential),
            ((0.0, INF), Exponential),
            ((-INF, -5.0), Exponential),
            ((2.5e6, 2.5e6 + 1e3), Exponential),
            ((1e8, INF), Exponential),
        ];
        for ((a, b), method) in cases {
            assert_eq!(
                TruncatedStandardNormal::new(a, b).method(),
                method,
                "[{a}, {b}]"
            );
        }
    }

    #[test]
    fn support_respected() {
        let mut r = rng(1);
        for &(a, b) in INTERVALS {
            let d = TruncatedStandardNormal::new(a, b);
            for _ in 0..5_000 {
                let z = d.sample(&mut r);
                assert!(z >= a && z <= b && !z.is_nan(), "[{a}, {b}]: {z}");
            }
        }
        // Nearly degenerate intervals.
        for &(a, b) in &[(1.0, 1.0 + f64::EPSILON), (-1e-300, 1e-300), (1e300, INF)] {
            let d = TruncatedStandardNormal::new(a, b);
            for _ in 0..100 {
                let z = d.sample(&mut r);
                assert!(z >= a && z <= b, "[{a}, {b}]: {z}");
            }
        }
    }

    #[test]
    fn ks_each_method() {
        let cases = [
            ((-2.0, 2.0), Method::Normal),
            ((-1.0, INF), Method::Normal),
            ((-0.5, 0.5), Method::Uniform),
            ((10.0, 10.001), Method::Uniform),
            ((0.5, 1.0), Method::Uniform),
            ((2.5, 3.5), Method::Exponential),
            ((-3.5, -2.5), Method::Exponential),
            ((0.0, INF), Method::Exponential),
            ((-INF, -5.0), Method::Exponential),
            ((1e3, INF), Method::Exponential),
            ((2.5e6, 2.5e6 + 1e3), Method::Exponential),
            ((-2.5e6 - 1e3, -2.5e6), Method::Exponential),
        ];
        for (seed, ((a, b), method)) in (10..).zip(cases) {
            let d = TruncatedStandardNormal::new(a, b);
            assert_eq!(d.method(), method);
            let mut r = rng(seed);
            let mut x: Vec<f64> = (0..20_000).map(|_| d.sample(&mut r)).collect();
            let t = ks_test(&mut x, |z| d.cdf(z));
            assert!(t.p_value > 1e-4, "[{a}, {b}] {method:?}: {t:?}");
            // And the test has power: the untruncated normal CDF is rejected.
            let wrong = ks_test(&mut x, |z| {
                (std_normal_cdf(z) - std_normal_cdf(a)) / (std_normal_cdf(b) - std_normal_cdf(a))
                    * 0.98
            });
            assert!(wrong.p_value < 1e-4, "[{a}, {b}]: {wrong:?}");
        }
    }

    #[test]
    fn sample_moments_match_mean_std() {
        for (seed, &(a, b)) in (100..).zip(INTERVALS) {
            let d = TruncatedStandardNormal::new(a, b);
            let (mean, std) = d.mean_std();
            let mut r = rng(seed);
            let n = 20_000;
            // Moments about the exact mean, in units of the exact std, so that
            // far-tail intervals (mean 2.5e6, std 4e-7) keep their precision.
            let x: Vec<f64> = (0..n).map(|_| (d.sample(&mut r) - mean) / std).collect();
            let nf = f64::from(n);
            let m1 = x.iter().sum::<f64>() / nf;
            let m2 = x.iter().map(|v| (v - m1).powi(2)).sum::<f64>() / (nf - 1.0);
            let m4 = x.iter().map(|v| (v - m1).powi(4)).sum::<f64>() / nf;
            let se_mean = (m2 / nf).sqrt();
            let se_std = ((m4 - m2 * m2) / nf).sqrt() / (2.0 * m2.sqrt());
            // Far out, samples are quantised by the f64 grid around `a`.
            let quantum = if a.is_finite() {
                f64::EPSILON * a.abs() / std
            } else {
                0.0
            };
            assert!(
                m1.abs() < 5.0 * se_mean + quantum,
                "[{a}, {b}]: mean {m1} (se {se_mean})"
            );
            assert!(
                (m2.sqrt() - 1.0).abs() < 5.0 * se_std + quantum,
                "[{a}, {b}]: std ratio {} (se {se_std})",
                m2.sqrt()
            );
        }
    }

    #[test]
    fn many_distinct_values() {
        let d = TruncatedStandardNormal::new(-2.0, 2.0);
        let mut r = rng(5);
        let mut x: Vec<f64> = (0..10_000).map(|_| d.sample(&mut r)).collect();
        x.sort_unstable_by(f64::total_cmp);
        x.dedup();
        assert!(x.len() > 5_000, "{}", x.len());
    }

    #[test]
    fn mean_std_reference_values() {
        // (a, b, mean, std) from mpmath at 60 digits with the closed form, at
        // the exact f64 values of a and b.
        let cases = [
            (0.0, INF, 0.797_884_560_802_865_4, 0.602_810_274_989_087),
            (-INF, 0.0, -0.797_884_560_802_865_4, 0.602_810_274_989_087),
            (-INF, INF, 0.0, 1.0),
            (-1.0, INF, 0.287_599_970_939_178_4, 0.793_527_747_326_207_5),
            (1.0, 2.0, 1.383_169_046_631_552_8, 0.269_708_891_400_712_4),
            (2.5, 3.5, 2.786_601_437_728_506, 0.235_266_016_239_847_4),
            (-3.5, -2.5, -2.786_601_437_728_506, 0.235_266_016_239_847_4),
            (3.0, INF, 3.283_098_654_930_436_5, 0.265_629_792_729_031_3),
            (8.5, INF, 8.614_595_320_165_173, 0.113_171_070_474_181_22),
            (12.0, INF, 12.082_214_175_254_284, 0.081_674_514_604_286_84),
            (30.0, 31.0, 30.033_259_667_433_622, 0.033_223_056_930_921_97),
            (
                100.0,
                INF,
                100.009_998_000_999_26,
                0.009_997_002_048_027_371,
            ),
            (
                10.0,
                10.001,
                10.000_499_166_626_417,
                2.886_744_080_254_124_4e-4,
            ),
            (
                0.5,
                0.500_001,
                0.500_000_499_999_958_3,
                2.886_751_346_031_073e-7,
            ),
            (-0.3, 0.4, 0.047_991_524_244_141_08, 0.200_419_370_908_102),
            (-1e-3, 1e-3, 0.0, 5.773_502_306_996_084e-4),
        ];
        for (a, b, mean, std) in cases {
            let (m, s) = TruncatedStandardNormal::new(a, b).mean_std();
            assert!(
                (m - mean).abs() <= 1e-12 * mean.abs().max(s),
                "[{a}, {b}] mean {m} vs {mean}"
            );
            assert!(
                rel(s, std) <= 1e-12,
                "[{a}, {b}] std {s} vs {std}: {:e}",
                rel(s, std)
            );
        }
        // Half-normal, exactly: √(2/π) and √(1 − 2/π).
        let (m, s) = TruncatedStandardNormal::new(0.0, INF).mean_std();
        let two_over_pi = 2.0 / core::f64::consts::PI;
        assert!(rel(m, two_over_pi.sqrt()) < 1e-15);
        assert!(rel(s, (1.0 - two_over_pi).sqrt()) < 1e-15);
    }

    #[test]
    fn mean_std_vs_brute_force() {
        let cases = [
            (-2.0, 2.0),
            (1.0, 2.0),
            (2.5, 3.5),
            (-3.5, -2.5),
            (0.0, INF),
            (-INF, 1.5),
            (-0.7, 4.0),
            (-0.3, 0.4),
            (0.2, 0.9),
            (5.0, 6.0),
            (7.9, INF),
            (8.1, INF),
            (12.0, INF),
            (20.0, 20.5),
            (-25.0, -24.9),
        ];
        for (a, b) in cases {
            let (m, s) = TruncatedStandardNormal::new(a, b).mean_std();
            let (_, bm, bs) = brute_force(a, b);
            assert!(
                (m - bm).abs() <= 1e-11 * bs.max(bm.abs()),
                "[{a}, {b}] mean {m} vs {bm}"
            );
            assert!(rel(s, bs) <= 1e-9, "[{a}, {b}] std {s} vs {bs}");
        }
    }

    #[test]
    fn mean_std_far_tail_and_extremes() {
        // [a, ∞), a → ∞, y = 1/a²: mean − a = (1/a)(1 − 2y + 10y² − 74y³ + 706y⁴ − …),
        // var = y(1 − 6y + 50y² − 518y³ + …).
        for &a in &[50.0, 1e3, 1e5, 2.5e6, 1e8, 1e150, 1e300] {
            let (m, s) = TruncatedStandardNormal::new(a, INF).mean_std();
            let y = 1.0 / a / a;
            let delta =
                (1.0 - 2.0 * y + 10.0 * y * y - 74.0 * y * y * y + 706.0 * y * y * y * y) / a;
            let std = (1.0 - 6.0 * y + 50.0 * y * y - 518.0 * y * y * y).sqrt() / a;
            assert!(
                (m - (a + delta)).abs() <= 2.0 * f64::EPSILON * a + 1e-10 * delta,
                "{a}: {m}"
            );
            assert!(rel(s, std) < 1e-10, "{a}: {s} vs {std}: {:e}", rel(s, std));
            let (m2, s2) = TruncatedStandardNormal::new(-INF, -a).mean_std();
            assert_eq!((m2, s2), (-m, s));
        }
        // a = 2.5e6, b = a + 1e3: the upper bound is irrelevant.
        let a = 2.5e6;
        let (m, s) = TruncatedStandardNormal::new(a, a + 1e3).mean_std();
        assert!((m - a - 1.0 / a).abs() < 2.0 * f64::EPSILON * a);
        assert!(rel(s * a, 1.0) < 1e-9);
        // Continuity where the closed form hands over to quadrature (and
        // both against mpmath: [8, ∞) has mean 8.1213681122361127, std
        // 0.11968660511243900; [8.001, ∞) 8.1223537889984234, 0.11967285456334816).
        let (m1, s1) = TruncatedStandardNormal::new(8.0 - 1e-12, INF).mean_std();
        let (m2, s2) = TruncatedStandardNormal::new(8.0 + 1e-12, INF).mean_std();
        assert!(
            (m2 - m1).abs() < 1e-11 && rel(s2, s1) < 1e-11,
            "{m1} {m2} {s1} {s2}"
        );
        let (m, s) = TruncatedStandardNormal::new(8.0, INF).mean_std();
        assert!((m - 8.121_368_112_236_113).abs() < 1e-14 && rel(s, 0.119_686_605_112_439) < 1e-11);
        let (m, s) = TruncatedStandardNormal::new(8.001, INF).mean_std();
        assert!(
            (m - 8.122_353_788_998_423).abs() < 1e-14 && rel(s, 0.119_672_854_563_348_16) < 1e-11
        );
        for &(lo, hi) in &[(2.0, 3.0 - 1e-12), (2.0, 3.0 + 1e-12)] {
            let (_, s) = TruncatedStandardNormal::new(lo, hi).mean_std();
            let (_, r) = TruncatedStandardNormal::new(2.0, 3.0).mean_std();
            assert!(rel(s, r) < 1e-10);
        }
        // Always finite with std > 0, and mean inside [a, b].
        let extremes = [
            (1.0, 1.0 + f64::EPSILON),
            (-1e-300, 1e-300),
            (0.0, 5e-324),
            (1e300, INF),
            (f64::MAX / 2.0, f64::MAX),
            (-f64::MAX, f64::MAX),
            (-INF, -1e10),
            (-INF, -f64::MAX),
            (37.0, 38.0),
            (1e-5, INF),
        ];
        for &(a, b) in INTERVALS.iter().chain(extremes.iter()) {
            let (m, s) = TruncatedStandardNormal::new(a, b).mean_std();
            assert!(
                m.is_finite() && s.is_finite() && s > 0.0,
                "[{a}, {b}]: {m} {s}"
            );
            assert!(m >= a && m <= b, "[{a}, {b}]: {m}");
        }
        // Degenerate a == b (from rounding in the caller): a point mass.
        for &a in &[-3.0, 0.0, 2.0, 1e7, INF, -INF] {
            let d = TruncatedStandardNormal::new(a, a);
            assert_eq!(d.mean_std(), (a, TINY_STD));
            if a.is_finite() {
                assert_eq!(d.sample(&mut rng(3)), a);
                assert_eq!((d.cdf(a - 1.0), d.cdf(a), d.cdf(a + 1.0)), (0.0, 0.0, 1.0));
            }
        }
        // Narrow intervals: std → width/√12.
        let (_, s) = TruncatedStandardNormal::new(3.0, 3.0 + 1e-9).mean_std();
        assert!(rel(s, 1e-9 / 12.0_f64.sqrt()) < 1e-6);
    }

    #[test]
    fn cdf_vs_brute_force_and_bounds() {
        for &(a, b) in &[
            (-2.0, 2.0),
            (1.0, 2.0),
            (2.5, 3.5),
            (-3.5, -2.5),
            (-0.3, 0.4),
            (0.0, 6.0),
        ] {
            let d = TruncatedStandardNormal::new(a, b);
            let (total, _, _) = brute_force(a, b);
            for i in 1..10 {
                let z = a + (b - a) * f64::from(i) / 10.0;
                let (part, _, _) = brute_force(a, z);
                let expect = part / total;
                assert!(
                    (d.cdf(z) - expect).abs() < 1e-12,
                    "[{a}, {b}] at {z}: {} vs {expect}",
                    d.cdf(z)
                );
            }
            assert_eq!(d.cdf(a), 0.0);
            assert_eq!(d.cdf(a - 1.0), 0.0);
            assert_eq!(d.cdf(b), 1.0);
            assert_eq!(d.cdf(b + 1.0), 1.0);
        }
        let d = TruncatedStandardNormal::new(-INF, INF);
        assert!((d.cdf(-2.0) - 0.022_750_131_948_179_21).abs() < 1e-16);
        assert!(d.cdf(f64::NAN).is_nan());
        assert_eq!(d.cdf(-INF), 0.0);
        assert_eq!(d.cdf(INF), 1.0);
        // Symmetric interval: median 0; mirrored intervals mirror the CDF.
        assert!((TruncatedStandardNormal::new(-2.0, 2.0).cdf(0.0) - 0.5).abs() < 1e-15);
        for &(a, b) in &[
            (2.5, 3.5),
            (0.0, INF),
            (10.0, 10.001),
            (2.5e6, 2.5e6 + 1e3),
            (40.0, 45.0),
        ] {
            let d = TruncatedStandardNormal::new(a, b);
            let mirrored = TruncatedStandardNormal::new(-b, -a);
            let (mean, std) = d.mean_std();
            for k in [-0.9, -0.5, 0.0, 0.5, 2.0] {
                let z = (mean + k * std).clamp(a, b);
                assert!(
                    (d.cdf(z) + mirrored.cdf(-z) - 1.0).abs() < 1e-12,
                    "[{a}, {b}] at {z}"
                );
            }
        }
    }

    #[test]
    fn cdf_far_tail() {
        // [a, ∞) for large a is ≈ a + Exp(a): F(a + t/a) ≈ 1 − e^{−t}.
        for &a in &[1e3, 2.5e6, 1e8] {
            let d = TruncatedStandardNormal::new(a, INF);
            for t in [0.1, 1.0, 3.0] {
                let z = a + t / a;
                let expect = -(-t * ((z - a) * a / t)).exp_m1();
                assert!(
                    (d.cdf(z) - expect).abs() < 1e-5,
                    "{a} {t}: {} vs {expect}",
                    d.cdf(z)
                );
            }
        }
        // Monotone over the far-tail interval of the brief.
        let d = TruncatedStandardNormal::new(2.5e6, 2.5e6 + 1e3);
        let mut prev = 0.0;
        for i in 0..2_000 {
            let z = 2.5e6 + f64::from(i) * 1e-9;
            let f = d.cdf(z);
            assert!(f >= prev && (0.0..=1.0).contains(&f));
            prev = f;
        }
        assert!(prev > 0.99);
        // Narrow interval near zero, close to uniform.
        let d = TruncatedStandardNormal::new(-1e-3, 1e-3);
        assert!((d.cdf(0.5e-3) - 0.75).abs() < 1e-7);
        // Below the mass a reference from mpmath: mean −3, std 1 on
        // [−0.5, 0.5], i.e. a = 2.5, b = 3.5, at z = 3: F = 0.7993833…
        let d = TruncatedStandardNormal::new(2.5, 3.5);
        let expect = (std_normal_cdf(3.0) - std_normal_cdf(2.5))
            / (std_normal_cdf(3.5) - std_normal_cdf(2.5));
        assert!((d.cdf(3.0) - expect).abs() < 1e-13);
    }

    #[test]
    fn tail_integral_series_and_closed_form_agree() {
        // Both branches at the switch t = w(x + w/2) = 1, and tail_cdf.
        for &x in &[0.0, 0.3, 2.0, 7.0, 50.0, 1e4] {
            let w: f64 = 1.0 / (x + (x * x + 2.0_f64).sqrt()) * 2.0; // t = 1 exactly
            let below = tail_integral(x, w * (1.0 - 1e-12));
            let at = tail_integral(x, w);
            assert!(rel(below, at) < 1e-11, "{x}: {below} vs {at}");
            assert_eq!(tail_cdf(x, w, w), 1.0);
            assert_eq!(tail_cdf(x, 0.0, w), 0.0);
        }
    }
}
