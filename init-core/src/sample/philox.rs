//! Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as
//! 1, 2, 3"), the counter-based generator behind keyed initialisation, and the deterministic
//! maths that turns its words into values.
//!
//! Everything here is plain integer and IEEE arithmetic (+, −, ×, ÷, √, no fused multiply-add,
//! no platform `libm`), so a value is the same bits on every machine and in every code path.

/// Philox's round multipliers and key increments (Random123's `PHILOX_M4x32_*`, `PHILOX_W32_*`).
const M0: u64 = 0xD251_1F53;
const M1: u64 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Philox4x32 with 10 rounds: four 32-bit words from a 128-bit counter and a 64-bit key.
#[inline(always)]
pub(crate) fn philox4x32_10(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut c, mut k) = (ctr, key);
    for round in 0..10 {
        if round > 0 {
            k[0] = k[0].wrapping_add(W0);
            k[1] = k[1].wrapping_add(W1);
        }
        let p0 = M0 * u64::from(c[0]);
        let p1 = M1 * u64::from(c[2]);
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k[1],
            p0 as u32,
        ];
    }
    c
}

/// The 64-bit Philox key of a parameter: FNV-1a over the path's UTF-8 bytes, mixed with the seed
/// by SplitMix64's finaliser. Part of the compatibility promise (README, "Keyed
/// initialisation").
pub(crate) fn key_of(seed: u64, path: &str) -> [u32; 2] {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let k = mix64(seed ^ mix64(h));
    [k as u32, (k >> 32) as u32]
}

/// SplitMix64's finaliser (Steele, Lea & Flood 2014).
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Domains: the fourth counter word separates what one key generates.
pub(crate) const DOMAIN_ELEMENT: u32 = 0;
/// The sequential stream that structured schemes (orthogonal, sparse, …) draw from.
pub(crate) const DOMAIN_STRUCTURED: u32 = 1;
/// An element's own stream (truncated normals sampled by a tail method).
pub(crate) const DOMAIN_ELEMENT_STREAM: u32 = 2;

/// The four words of pair `m` (elements 2m and 2m + 1), attempt `attempt`: counter
/// `(m_lo, m_hi, attempt, 0)`.
#[inline(always)]
pub(crate) fn pair_words(key: [u32; 2], m: u64, attempt: u32) -> [u32; 4] {
    philox4x32_10([m as u32, (m >> 32) as u32, attempt, DOMAIN_ELEMENT], key)
}

/// A uniform in [0, 1) with 52 random bits from two words: the bits fill the mantissa of a
/// number in [1, 2), minus 1 (exact, and vectorisable where an integer-to-float conversion of
/// 64-bit lanes is not).
#[inline(always)]
pub(crate) fn unit_f64(hi: u32, lo: u32) -> f64 {
    let bits = ((u64::from(hi) << 32) | u64::from(lo)) >> 12;
    f64::from_bits(0x3ff0_0000_0000_0000 | bits) - 1.0
}

/// ln(x) for normal x > 0, to about 1 ulp: x = 2^e·m with m in [√½, √2),
/// ln m = 2·atanh(s), s = (m − 1)/(m + 1), by its series in s² (|s| ≤ 0.1716). Branch-free, so
/// that a loop over lanes vectorises.
#[inline(always)]
pub(crate) fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = m > std::f64::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = e + i32::from(big);
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    // 2·atanh(s) = 2s·(1 + z/3 + z²/5 + … + z⁹/19)
    let p = 1.0
        + z * (1.0 / 3.0
            + z * (1.0 / 5.0
                + z * (1.0 / 7.0
                    + z * (1.0 / 9.0
                        + z * (1.0 / 11.0
                            + z * (1.0 / 13.0
                                + z * (1.0 / 15.0 + z * (1.0 / 17.0 + z * (1.0 / 19.0)))))))));
    f64::from(e) * std::f64::consts::LN_2 + 2.0 * s * p
}

/// (cos 2πu, sin 2πu) for u in [0, 1), to about 1 ulp: octant by exact scaling (u = k·2⁻⁵²),
/// then the Taylor series of sin and cos on [0, π/4]. Branch-free.
#[inline(always)]
pub(crate) fn cos_sin_2pi(u: f64) -> (f64, f64) {
    let t = u * 8.0;
    let whole = t.floor();
    let r = t - whole;
    // the octant (0..8) read from the bits of whole + 2⁵², exact
    let octant = ((whole + 4_503_599_627_370_496.0).to_bits() & 7) as u32;
    let odd = octant & 1 == 1;
    let x = if odd { 1.0 - r } else { r } * std::f64::consts::FRAC_PI_4;
    let z = x * x;
    let sinp = x
        * (1.0
            + z * (-1.0 / 6.0
                + z * (1.0 / 120.0
                    + z * (-1.0 / 5040.0
                        + z * (1.0 / 362_880.0
                            + z * (-1.0 / 39_916_800.0
                                + z * (1.0 / 6_227_020_800.0
                                    + z * (-1.0 / 1_307_674_368_000.0))))))));
    let cosp = 1.0
        + z * (-0.5
            + z * (1.0 / 24.0
                + z * (-1.0 / 720.0
                    + z * (1.0 / 40_320.0
                        + z * (-1.0 / 3_628_800.0
                            + z * (1.0 / 479_001_600.0
                                + z * (-1.0 / 87_178_291_200.0
                                    + z * (1.0 / 20_922_789_888_000.0))))))));
    // octants 1, 2, 5, 6 swap the series; cos is negative in 2..=5, sin in 4..=7
    let swap = (octant + 1) & 2 != 0;
    let cos_sign = if (octant + 2) & 4 != 0 { -1.0 } else { 1.0 };
    let sin_sign = if octant & 4 != 0 { -1.0 } else { 1.0 };
    let (c, s) = if swap { (sinp, cosp) } else { (cosp, sinp) };
    (cos_sign * c, sin_sign * s)
}

/// Two standard normals from four words (Box–Muller): r·cos(2πu₂), r·sin(2πu₂) with
/// r = √(−2 ln u₁), u₁ in (0, 1] from words 0–1 and u₂ in [0, 1) from words 2–3, 52 bits each.
#[inline(always)]
pub(crate) fn normal_pair(w: [u32; 4]) -> (f64, f64) {
    let u1 = 1.0 - unit_f64(w[0], w[1]);
    let u2 = unit_f64(w[2], w[3]);
    let r = (-2.0 * ln(u1)).sqrt();
    let (c, s) = cos_sin_2pi(u2);
    (r * c, r * s)
}

/// Two uniforms in [0, 1) from four words: words 0–1, words 2–3.
#[inline(always)]
pub(crate) fn uniform_pair(w: [u32; 4]) -> (f64, f64) {
    (unit_f64(w[0], w[1]), unit_f64(w[2], w[3]))
}

/// ln(x) in f32 for normal x > 0 (about 1e-7 relative): the same reduction as [`ln`], four
/// terms of the series.
#[inline(always)]
pub(crate) fn ln_f32(x: f32) -> f32 {
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > std::f32::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = e + i32::from(big);
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    let p = 1.0 + z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0))));
    e as f32 * std::f32::consts::LN_2 + 2.0 * s * p
}

/// ln(y) in f32 for normal y > 0, as [`ln_f32`] (y = 2^k·m, m in [√½, √2), the same four terms
/// of 2·atanh((m − 1)/(m + 1))), the reduction done on the bits in integers as musl's `logf`
/// does (subtract the bits of √½, shift out k, add them back to the mantissa): the same
/// accuracy in fewer operations. The erfinv's logarithm; [`ln_f32`] keeps Box–Muller's values.
#[inline(always)]
pub(crate) fn ln_f32_int(y: f32) -> f32 {
    const SQRT_HALF_BITS: u32 = 0x3f35_04f3;
    let ix = y.to_bits().wrapping_sub(SQRT_HALF_BITS);
    let k = (ix as i32) >> 23;
    let m = f32::from_bits((ix & 0x007f_ffff) + SQRT_HALF_BITS);
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    let p = 1.0 + z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0))));
    k as f32 * std::f32::consts::LN_2 + 2.0 * s * p
}

/// (cos 2πu, sin 2πu) in f32 for u = k·2⁻²⁴ in [0, 1): the reduction of [`cos_sin_2pi`],
/// shorter series.
#[inline(always)]
pub(crate) fn cos_sin_2pi_f32(u: f32) -> (f32, f32) {
    let t = u * 8.0;
    let whole = t.floor();
    let r = t - whole;
    let octant = (whole + 8_388_608.0).to_bits() & 7;
    let odd = octant & 1 == 1;
    let x = if odd { 1.0 - r } else { r } * std::f32::consts::FRAC_PI_4;
    let z = x * x;
    let sinp = x
        * (1.0
            + z * (-1.0 / 6.0 + z * (1.0 / 120.0 + z * (-1.0 / 5040.0 + z * (1.0 / 362_880.0)))));
    let cosp = 1.0 + z * (-0.5 + z * (1.0 / 24.0 + z * (-1.0 / 720.0 + z * (1.0 / 40_320.0))));
    let swap = (octant + 1) & 2 != 0;
    let cos_sign = if (octant + 2) & 4 != 0 { -1.0 } else { 1.0 };
    let sin_sign = if octant & 4 != 0 { -1.0 } else { 1.0 };
    let (c, s) = if swap { (sinp, cosp) } else { (cosp, sinp) };
    (cos_sign * c, sin_sign * s)
}

/// √2·erfinv(x) in f32 (the standard normal's quantile of (1 + x)/2) for |x| ≤
/// erf(4/√2) = 0.99993666 (|√2·erfinv(x)| ≤ 4) and a few ulps beyond: within 3 ulps of the
/// exact value there (`tests::sqrt2_erfinv_is_accurate` checks every 256th f32 of the range and
/// each of the last 2¹⁶ below its end against an f64 reference, bisection on `libm::erf`;
/// largest error seen 2.4 ulps).
///
/// Giles's form (M. Giles 2010, "Approximating the erfinv function", GPU Computing Gems):
/// w = −ln((1 − x)(1 + x)) and erfinv(x) = x·P(w), here with one polynomial of our own for
/// the whole range, degree 11 in w − 2 on w ∈ [0, 8.978] (|x| ≤ erf(4/√2) with 0.05% to
/// spare), fitted by least squares at 3,000 Chebyshev nodes to √2·erfinv(x)/x computed with
/// mpmath (`python/fit_erfinv.py` prints them), its coefficients rounded to f32.
/// (1 − x)(1 + x) loses nothing near |x| = 1 (1 − x is exact there), so the tail keeps its
/// precision; [`ln_f32_int`] does the logarithm; Horner's rule, no fused multiply-add.
/// Branch-free, so that a loop over lanes vectorises.
#[inline(always)]
pub(crate) fn sqrt2_erfinv_f32(x: f32) -> f32 {
    const P: [f32; 12] = [
        1.947_676_4,
        0.353_225_2,
        -0.002_783_371,
        -0.002_392_686_4,
        0.000_305_332_45,
        1.052_079_2e-5,
        -6.835_451e-6,
        4.856_405e-7,
        7.854_762e-8,
        -1.832_096_8e-8,
        1.449_990_1e-9,
        -4.324_562_2e-11,
    ];
    x * horner(-ln_f32_int((1.0 - x) * (1.0 + x)) - 2.0, &P)
}

/// √2·erfinv(x) in f32 for |x| ≤ erf(2.05/√2) = 0.95963557 (|√2·erfinv(x)| ≤ 2.05, which
/// holds ±2σ, the most used truncation): [`sqrt2_erfinv_f32`]'s form with a polynomial of
/// degree 6 in w − 0.625 on w ∈ [0, 2.5383], fitted the same way (`python/fit_erfinv.py`); within
/// 3 ulps there (largest error seen 2.4 ulps), and about half the work of the wide one.
#[inline(always)]
pub(crate) fn sqrt2_erfinv_2sigma_f32(x: f32) -> f32 {
    const P: [f32; 7] = [
        1.463_939_9,
        0.344_538_2,
        0.009_881_742,
        -0.003_493_236_1,
        2.991_929e-5,
        6.771_76e-5,
        -6.639_128e-6,
    ];
    x * horner(-ln_f32_int((1.0 - x) * (1.0 + x)) - 0.625, &P)
}

/// p[0] + t·(p[1] + t·(p[2] + …)), Horner's rule in f32 without fused multiply-add.
#[inline(always)]
fn horner<const N: usize>(t: f32, p: &[f32; N]) -> f32 {
    let mut acc = p[N - 1];
    for &c in p[..N - 1].iter().rev() {
        acc = acc * t + c;
    }
    acc
}

/// u in (0, 1] from a word's high 31 bits (smallest 2⁻³², so |z| reaches 6.66σ), in f32.
#[inline(always)]
pub(crate) fn open_unit_f32(w: u32) -> f32 {
    ((w >> 1) as i32 as f32 + 0.5) * (1.0 / 2_147_483_648.0)
}

/// u in [0, 1) from a word's high 24 bits, exact in f32.
#[inline(always)]
pub(crate) fn unit_f32(w: u32) -> f32 {
    (w >> 8) as i32 as f32 * (1.0 / 16_777_216.0)
}

/// Four standard normals in f32 from four words: Box–Muller on (w₀, w₁) and on (w₂, w₃),
/// each r·cos(2πu₂), r·sin(2πu₂) with r = √(−2 ln u₁).
#[inline(always)]
pub(crate) fn normal_quad_f32(w: [u32; 4]) -> [f32; 4] {
    let pair = |a: u32, b: u32| {
        let r = (-2.0 * ln_f32(open_unit_f32(a))).sqrt();
        let (c, s) = cos_sin_2pi_f32(unit_f32(b));
        (r * c, r * s)
    };
    let (z0, z1) = pair(w[0], w[1]);
    let (z2, z3) = pair(w[2], w[3]);
    [z0, z1, z2, z3]
}

/// Pairs per batch of the lane kernels.
pub(crate) const LANES: usize = 8;

/// The words of pairs `m0 .. m0 + LANES` (attempt `attempt`), as four arrays of lanes: the
/// same rounds as [`philox4x32_10`], written lane by lane with the round keys hoisted so that
/// the compiler vectorises across lanes ([`pair_words_gather`] at consecutive counters).
#[inline(always)]
pub(crate) fn pair_words_lanes(key: [u32; 2], m0: u64, attempt: u32) -> [[u32; LANES]; 4] {
    pair_words_gather(
        key,
        std::array::from_fn(|l| m0 + l as u64),
        [attempt; LANES],
    )
}

/// The words of pairs `m[l]` at attempts `attempt[l]`, one per lane (any counters), written
/// lane by lane with the round keys hoisted so that the compiler vectorises across lanes: the
/// consecutive pairs of [`pair_words_lanes`], or a gathered set (the elements a truncated
/// normal rejected, retried together).
#[inline(always)]
pub(crate) fn pair_words_gather(
    key: [u32; 2],
    m: [u64; LANES],
    attempt: [u32; LANES],
) -> [[u32; LANES]; 4] {
    pair_words_gather_n(key, m, attempt)
}

/// The words of pairs `m0 .. m0 + N` (attempt `attempt`), as four arrays of `N` lanes:
/// [`pair_words_lanes`] for any width (16: one 512-bit vector per word).
#[inline(always)]
pub(crate) fn pair_words_lanes_n<const N: usize>(
    key: [u32; 2],
    m0: u64,
    attempt: u32,
) -> [[u32; N]; 4] {
    pair_words_gather_n(key, std::array::from_fn(|l| m0 + l as u64), [attempt; N])
}

/// [`pair_words_gather`] for any number of lanes.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // a lane loop indexes several arrays at once
fn pair_words_gather_n<const N: usize>(
    key: [u32; 2],
    m: [u64; N],
    attempt: [u32; N],
) -> [[u32; N]; 4] {
    let mut ks = [[0u32; 2]; 10];
    ks[0] = key;
    for r in 1..10 {
        ks[r] = [ks[r - 1][0].wrapping_add(W0), ks[r - 1][1].wrapping_add(W1)];
    }
    let mut out = [[0u32; N]; 4];
    for l in 0..N {
        let (mut c0, mut c1, mut c2, mut c3) =
            (m[l] as u32, (m[l] >> 32) as u32, attempt[l], DOMAIN_ELEMENT);
        for k in &ks {
            let p0 = M0 * u64::from(c0);
            let p1 = M1 * u64::from(c2);
            let n0 = (p1 >> 32) as u32 ^ c1 ^ k[0];
            let n2 = (p0 >> 32) as u32 ^ c3 ^ k[1];
            (c0, c1, c2, c3) = (n0, p1 as u32, n2, p0 as u32);
        }
        out[0][l] = c0;
        out[1][l] = c1;
        out[2][l] = c2;
        out[3][l] = c3;
    }
    out
}

/// Slot `slot` (0–3) of [`normal_quad_f32`] of `w`, computing only the Box–Muller pair it
/// belongs to: bit for bit the same value.
#[inline(always)]
pub(crate) fn normal_slot_f32(w: [u32; 4], slot: usize) -> f32 {
    let (a, b) = if slot < 2 { (w[0], w[1]) } else { (w[2], w[3]) };
    let r = (-2.0 * ln_f32(open_unit_f32(a))).sqrt();
    let (c, s) = cos_sin_2pi_f32(unit_f32(b));
    if slot.is_multiple_of(2) { r * c } else { r * s }
}

/// A `rand::Rng` over one Philox stream: counter `(c0, c1, c2, domain)` with the block number
/// in the 64-bit `(c0, c1)` (sequential streams) or in `c2` (an element's own stream).
#[derive(Clone, Debug)]
pub(crate) struct PhiloxStream {
    key: [u32; 2],
    ctr: [u32; 4],
    per_element: bool,
    buf: [u32; 4],
    used: usize,
}

impl PhiloxStream {
    /// The stream of element `i`, for rejection samplers that need many words.
    pub(crate) fn element(key: [u32; 2], i: u64) -> Self {
        PhiloxStream {
            key,
            ctr: [i as u32, (i >> 32) as u32, 0, DOMAIN_ELEMENT_STREAM],
            per_element: true,
            buf: [0; 4],
            used: 4,
        }
    }

    /// The sequential stream of a structured scheme.
    pub(crate) fn structured(key: [u32; 2]) -> Self {
        PhiloxStream {
            key,
            ctr: [0, 0, 0, DOMAIN_STRUCTURED],
            per_element: false,
            buf: [0; 4],
            used: 4,
        }
    }

    /// The sequential stream of block `b` of a structured scheme in blocks
    /// ([`Init::blocks`](crate::Init::blocks)): counter `(n mod 2³², n div 2³², b, 1)`. Block 0
    /// is the unblocked parameter's stream (`b` < 2³²: the block count is checked).
    pub(crate) fn structured_block(key: [u32; 2], b: usize) -> Self {
        let mut s = Self::structured(key);
        s.ctr[2] = b as u32;
        s
    }

    fn word(&mut self) -> u32 {
        if self.used == 4 {
            self.buf = philox4x32_10(self.ctr, self.key);
            self.used = 0;
            if self.per_element {
                self.ctr[2] = self.ctr[2].wrapping_add(1);
            } else {
                let n = (u64::from(self.ctr[0]) | (u64::from(self.ctr[1]) << 32)).wrapping_add(1);
                self.ctr[0] = n as u32;
                self.ctr[1] = (n >> 32) as u32;
            }
        }
        let w = self.buf[self.used];
        self.used += 1;
        w
    }
}

impl rand::TryRng for PhiloxStream {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.word())
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let lo = u64::from(self.word());
        Ok(lo | (u64::from(self.word()) << 32))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(4) {
            let w = self.word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123's known-answer vectors (`tests/kat_vectors`, the `philox4x32 10` lines:
    /// counter, key, result).
    #[test]
    fn known_answers() {
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn ln_is_accurate() {
        let mut worst = 0;
        for k in 1..200_000u64 {
            let x = k as f64 / 200_000.0;
            worst = worst.max(ulps(ln(x), x.ln()));
        }
        for x in [f64::MIN_POSITIVE, 1e-300, 2f64.powi(-53), 0.5, 1.0] {
            assert!(ulps(ln(x), x.ln()) <= 2, "ln({x})");
        }
        assert!(worst <= 2, "worst {worst} ulps");
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn cos_sin_are_accurate() {
        let mut worst = 0.0f64;
        for k in 0..400_000u64 {
            let u = k as f64 / 400_000.0;
            let (c, s) = cos_sin_2pi(u);
            let a = std::f64::consts::TAU * u;
            worst = worst.max((c - a.cos()).abs()).max((s - a.sin()).abs());
        }
        // the reference itself rounds 2π·u first (up to 4.4e-16 near u = 1)
        assert!(worst < 1e-15, "worst abs error {worst}");
        assert_eq!(cos_sin_2pi(0.0), (1.0, 0.0));
        assert_eq!(cos_sin_2pi(0.5).0, -1.0);
        assert_eq!(cos_sin_2pi(0.25).1, 1.0);
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn lanes_match_the_scalar_generator() {
        let key = key_of(3, "w");
        let lanes = pair_words_lanes(key, 1_000_000_007, 2);
        for l in 0..LANES {
            let w = pair_words(key, 1_000_000_007 + l as u64, 2);
            assert_eq!([lanes[0][l], lanes[1][l], lanes[2][l], lanes[3][l]], w);
        }
    }

    #[test]
    fn f32_maths_is_accurate() {
        let mut worst_ln = 0.0f32;
        let mut worst_trig = 0.0f32;
        for k in 1..(1 << 20) {
            let u = k as f32 / (1 << 20) as f32;
            worst_ln = worst_ln.max(((ln_f32(u) - u.ln()) / u.ln().abs().max(1e-3)).abs());
            worst_ln = worst_ln.max(((ln_f32_int(u) - u.ln()) / u.ln().abs().max(1e-3)).abs());
            let (c, s) = cos_sin_2pi_f32(u);
            let a = std::f64::consts::TAU * f64::from(u);
            worst_trig = worst_trig
                .max((f64::from(c) - a.cos()).abs() as f32)
                .max((f64::from(s) - a.sin()).abs() as f32);
        }
        assert!(worst_ln < 4e-7, "ln: {worst_ln}");
        assert!(worst_trig < 4e-7, "trig: {worst_trig}");
        assert_eq!(open_unit_f32(0), 2f32.powi(-32));
        assert_eq!(open_unit_f32(u32::MAX), 1.0);
        assert_eq!(unit_f32(u32::MAX), 1.0 - 2f32.powi(-24));
    }

    /// The end of [`sqrt2_erfinv_f32`]'s range: erf(4/√2) = 0.999936657516…, rounded to f32.
    const SQRT2_ERFINV_MAX_X: f32 = 0.999_936_66;

    /// √2·erfinv(x) in f64, to about 1e-15 relative: bisection on `libm::erf` (x ≥ 0).
    fn sqrt2_erfinv_reference(x: f64) -> f64 {
        let (mut lo, mut hi) = (0.0f64, 6.0f64);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid == lo || mid == hi {
                break;
            }
            if libm::erf(mid * std::f64::consts::FRAC_1_SQRT_2) < x {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// The error of `f` at `x` against √2·erfinv(x), in ulps of the f32 nearest the exact value.
    fn erfinv_ulps(f: fn(f32) -> f32, x: f32) -> f64 {
        let want = sqrt2_erfinv_reference(f64::from(x));
        let w32 = want as f32;
        let ulp = f64::from(w32.next_up() - w32);
        (f64::from(f(x)) - want).abs() / ulp
    }

    /// The largest error of `f` in ulps over every 256th f32 from 2⁻⁴⁰ to `end`, each of the
    /// last 2¹⁶ f32 below it and four beyond; and that `f` is odd.
    fn worst_ulps(f: fn(f32) -> f32, end: f32) -> (f64, f32) {
        let end = end.to_bits();
        let mut worst = (0.0f64, 0.0f32);
        let mut check = |bits: u32| {
            let x = f32::from_bits(bits);
            let e = erfinv_ulps(f, x);
            if e > worst.0 {
                worst = (e, x);
            }
            assert_eq!(f(-x).to_bits(), (-f(x)).to_bits());
        };
        let mut bits = 2f32.powi(-40).to_bits();
        while bits <= end - (1 << 16) {
            check(bits);
            bits += 256;
        }
        for bits in end - (1 << 16)..=end + 4 {
            check(bits);
        }
        assert_eq!(f(0.0), 0.0);
        worst
    }

    /// Within 3 ulps over their ranges (to 4σ and to 2.05σ).
    #[test]
    fn sqrt2_erfinv_is_accurate() {
        let wide = worst_ulps(sqrt2_erfinv_f32, SQRT2_ERFINV_MAX_X);
        assert!(wide.0 <= 3.0, "{} ulps at x = {}", wide.0, wide.1);
        let short = worst_ulps(sqrt2_erfinv_2sigma_f32, 0.959_635_57);
        assert!(short.0 <= 3.0, "{} ulps at x = {}", short.0, short.1);
        // the wide range's end is the quantile at 4σ (to the f32 rounding of x: its spacing
        // there, 6e-8, is 2.2e-4 in z)
        assert!((f64::from(sqrt2_erfinv_f32(SQRT2_ERFINV_MAX_X)) - 4.0).abs() < 1.2e-4);
        eprintln!("sqrt2_erfinv: worst {wide:?} (to 4σ), {short:?} (to 2.05σ) (ulps, x)");
    }

    #[test]
    fn keys_differ_by_seed_and_path() {
        assert_ne!(key_of(0, "w"), key_of(1, "w"));
        assert_ne!(key_of(0, "w"), key_of(0, "b"));
        assert_ne!(key_of(0, "layers[1].w"), key_of(0, "layers[10].w"));
        // stable: a compatibility promise
        assert_eq!(key_of(42, "fc1.weight"), key_of(42, "fc1.weight"));
    }
}
