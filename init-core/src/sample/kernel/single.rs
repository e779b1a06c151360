//! The single-precision (f32) kernel: elements `4c … 4c + 3` from the four Philox words at counter
//! `(c mod 2³², c div 2³², attempt, 0)`, computed in f32 — four 24-bit uniforms, or two
//! Box–Muller pairs. A truncated normal on an interval within ±4σ takes its inverse CDF at one
//! word per element instead, in its own layout of words ([`Quantile`], keyed contract 4); other
//! truncated normals are drawn by rejection from the normal, or, far in a tail, take the f64
//! kernel's value, rounded.

use super::double::{below_high, upper, value as value_f64};
use crate::plan::law::{Law, Truncation};
use crate::sample::philox;

/// The widest standardised interval [`Quantile`] serves: |a|, |b| ≤ 4, the range of
/// [`philox::sqrt2_erfinv_f32`].
const QUANTILE_CUT: f64 = 4.0;

/// Intervals with |a|, |b| ≤ 2.05 (±2σ and narrower) take the shorter
/// [`philox::sqrt2_erfinv_2sigma_f32`].
const QUANTILE_CUT_2SIGMA: f64 = 2.05;

/// How coarse the f32 values of x may be against the interval they cover: the spacing of f32
/// at the interval's far end at most 2⁻¹⁸ of its width xb − xa, so that no value of x (and so
/// no output value) carries more than about 2⁻¹⁸ of the mass.
const QUANTILE_RESOLUTION: f64 = 1.0 / 262_144.0;

/// A truncated normal drawn by its inverse CDF in f32, without rejection (keyed contract 4):
/// element `i` = 64g + 16k + l (g = ⌊i/64⌋, k = ⌊i/16⌋ mod 4, l = i mod 16) takes word `k` of
/// counter c = 16g + l, `(c mod 2³², c div 2³², 0, 0)` — the words of sixteen consecutive
/// counters laid out word by word, the order in which the vectorised Philox produces them (one
/// 512-bit vector per word), so that no shuffle or spill separates the generator from the maths
/// (measured: 1.3× the speed of element 4c + k from word k of counter c, the uniform's layout,
/// and of groups of eight counters); the word's high 24 bits `j` give
/// v = (j − (2²³ − ½))·2⁻²³ (the midpoints of 2²⁴ equal cells of (−1, 1), an odd set, exact in
/// f32), and, with a, b the standardised bounds,
///
/// x = x_c + v·h, x_c = (erf(a/√2) + erf(b/√2))/2, h = (erf(b/√2) − erf(a/√2))/2
///
/// (erf of a·(1/√2) and b·(1/√2) in f64 with `libm::erf`, x_c and h rounded to f32),
/// z = √2·erfinv(x) ([`philox::sqrt2_erfinv_2sigma_f32`] when |a|, |b| ≤ 2.05, else
/// [`philox::sqrt2_erfinv_f32`]), the value (mean + std·z) clamped to [low, high], all in f32.
/// On a symmetric interval x_c = 0 and the values are exactly odd in v.
///
/// Used for intervals with −4 ≤ a < b ≤ 4 whose x-range spans at least 2¹⁸ f32 spacings at its
/// far end ([`QUANTILE_RESOLUTION`]): ±2σ, ±3σ, [0, 2], [0.1, 0.2]; not [2.9, 3.0] or [3, 4]
/// (too few f32 values of x near 1), and not intervals reaching beyond ±4σ. Exactness: each of
/// the 2²⁴ cells of v carries 2⁻²⁴ of the mass and lands on one f32 x (cells merge where f32 is
/// coarser than the cell, at most 2⁻¹⁸ of the mass per value by the resolution rule), and
/// z(x) is the exact quantile to 3 ulps; so the CDF of the values is the truncated normal's to
/// within about 2⁻¹⁸ everywhere (2⁻²³ on ±2σ), far below what a KS test of 10¹⁰ draws sees.
#[derive(Clone, Copy, Debug)]
pub(super) struct Quantile {
    /// |a|, |b| ≤ 2.05: the shorter erfinv.
    short: bool,
    xc: f32,
    h: f32,
    mean: f32,
    std: f32,
    low: f32,
    high: f32,
}

impl Quantile {
    /// The inverse-CDF form of a truncated normal, if its interval is one it serves.
    pub(super) fn of(t: &Truncation) -> Option<Quantile> {
        let (a, b) = t.standard.bounds();
        if !(-QUANTILE_CUT <= a && a < b && b <= QUANTILE_CUT) {
            return None;
        }
        let (xa, xb) = t.erf_bounds;
        let far = xa.abs().max(xb.abs()) as f32;
        let spacing = f64::from(far.next_up() - far);
        if spacing > QUANTILE_RESOLUTION * (xb - xa) {
            return None;
        }
        Some(Quantile {
            short: -QUANTILE_CUT_2SIGMA <= a && b <= QUANTILE_CUT_2SIGMA,
            xc: ((xa + xb) / 2.0) as f32,
            h: ((xb - xa) / 2.0) as f32,
            mean: t.mean as f32,
            std: t.std as f32,
            low: t.low as f32,
            high: t.high as f32,
        })
    }

    /// The value of the element whose word is `w`, with the erfinv chosen at compile time
    /// (`SHORT`: the ±2.05σ one, which must be this law's: `self.short`).
    #[inline(always)]
    fn value_with<const SHORT: bool>(&self, w: u32) -> f32 {
        let v = ((w >> 8) as i32 as f32 - 8_388_607.5) * (1.0 / 8_388_608.0);
        let x = self.xc + v * self.h;
        let z = if SHORT {
            philox::sqrt2_erfinv_2sigma_f32(x)
        } else {
            philox::sqrt2_erfinv_f32(x)
        };
        // clamped (no NaN here: compare and select, what vectorises best)
        let y = self.mean + self.std * z;
        let y = if y < self.low { self.low } else { y };
        if y > self.high { self.high } else { y }
    }
}

/// Element `i`: slot `i mod 4` of counter `⌊i/4⌋`, computed in f32 (truncated normals without
/// a [`Quantile`]: accepted against the standardised bounds, then shifted, scaled and clamped
/// to the bounds in f32; [`write`] sends those with one to [`write_quantile`]).
#[inline]
fn value(law: &Law, key: [u32; 2], i: u64) -> f32 {
    let (c, slot) = (i / 4, (i % 4) as usize);
    match *law {
        Law::Constant(v) => v as f32,
        Law::Uniform { low, high } => {
            let (low32, width) = (low as f32, (high - low) as f32);
            let u = philox::unit_f32(philox::pair_words(key, c, 0)[slot]);
            below_high(law, low32 + width * u, upper::<f32>(law))
        }
        Law::Normal { mean, std } => {
            let z = philox::normal_quad_f32(philox::pair_words(key, c, 0))[slot];
            mean as f32 + std as f32 * z
        }
        Law::Truncated(t) if t.standard.normal_proposal() => {
            let (a, b) = t.standard.bounds();
            let mut attempt = 0u32;
            let z = loop {
                let z = philox::normal_quad_f32(philox::pair_words(key, c, attempt))[slot];
                if a as f32 <= z && z <= b as f32 {
                    break z;
                }
                attempt = attempt.wrapping_add(1);
            };
            (t.mean as f32 + t.std as f32 * z)
                .max(t.low as f32)
                .min(t.high as f32)
        }
        Law::Truncated(_) => value_f64(law, key, i) as f32,
    }
}

/// Writes elements `start..`: whole counters (four elements each) in batches of
/// [`philox::LANES`], the ends one by one, with the same expressions.
#[inline(always)]
pub(super) fn write(law: &Law, key: [u32; 2], start: u64, out: &mut [f32]) {
    if let Law::Truncated(t) = law {
        if let Some(q) = Quantile::of(t) {
            return write_quantile(&q, key, start, out);
        }
        if t.standard.normal_proposal() {
            let (a, b) = t.standard.bounds();
            if a as f32 <= -NORMAL_F32_BOUND && NORMAL_F32_BOUND <= b as f32 {
                return write_normal_clamped(t, key, start, out);
            }
            return write_truncated(law, t, key, start, out);
        }
    }
    write_plain(law, key, start, out);
}

/// A bound on |z| of every f32 normal [`philox::normal_quad_f32`] gives: r = √(−2 ln u₁) is
/// largest at the smallest u₁, 2⁻³², where it is 6.6604, and |cos|, |sin| ≤ 1 (a test checks
/// both on our own ln, cos and sin).
const NORMAL_F32_BOUND: f32 = 6.67;

/// A truncated normal whose standardised interval holds [−`NORMAL_F32_BOUND`,
/// `NORMAL_F32_BOUND`] (PyTorch's and timm's default: [−2, 2] with std 0.02, ±100σ): attempt 0
/// is always accepted, so element `i` is the normal's, clamped to the bounds, the values of
/// [`write_truncated`] without its acceptance test and its bookkeeping.
#[inline(always)]
fn write_normal_clamped(t: &Truncation, key: [u32; 2], start: u64, out: &mut [f32]) {
    let normal = Law::Normal {
        mean: t.mean,
        std: t.std,
    };
    write_plain(&normal, key, start, out);
    let (lo, hi) = (t.low as f32, t.high as f32);
    for x in out.iter_mut() {
        *x = x.max(lo).min(hi);
    }
}

/// Writes elements `start..` of a law without a truncation's own path: whole counters (four
/// elements each) in batches of [`philox::LANES`], the ends one by one, with [`value`]'s
/// expressions.
#[inline(always)]
fn write_plain(law: &Law, key: [u32; 2], start: u64, out: &mut [f32]) {
    let (mut i, mut rest) = (start, out);
    while i % 4 != 0 && !rest.is_empty() {
        rest[0] = value(law, key, i);
        rest = &mut rest[1..];
        i += 1;
    }
    const BATCH: usize = 4 * philox::LANES;
    let mut batches = rest.chunks_exact_mut(BATCH);
    for chunk in &mut batches {
        batch(law, key, i, chunk);
        i += BATCH as u64;
    }
    for x in batches.into_remainder() {
        *x = value(law, key, i);
        i += 1;
    }
}

/// `4·LANES` elements from counter `start/4` on (`start` a multiple of 4).
#[inline(always)]
fn batch(law: &Law, key: [u32; 2], start: u64, z: &mut [f32]) {
    let c0 = start / 4;
    match *law {
        Law::Constant(v) => z.fill(v as f32),
        Law::Uniform { low, high } => {
            let (low32, width, high32) = (low as f32, (high - low) as f32, upper::<f32>(law));
            let w = philox::pair_words_lanes(key, c0, 0);
            for l in 0..philox::LANES {
                for k in 0..4 {
                    z[4 * l + k] =
                        below_high(law, low32 + width * philox::unit_f32(w[k][l]), high32);
                }
            }
        }
        Law::Normal { mean, std } => {
            let (mean, std) = (mean as f32, std as f32);
            let w = philox::pair_words_lanes(key, c0, 0);
            for l in 0..philox::LANES {
                let q = philox::normal_quad_f32([w[0][l], w[1][l], w[2][l], w[3][l]]);
                for k in 0..4 {
                    z[4 * l + k] = mean + std * q[k];
                }
            }
        }
        // (a truncated normal with the normal proposal goes through `write_truncated`)
        Law::Truncated(_) => {
            for (k, v) in z.iter_mut().enumerate() {
                *v = value(law, key, start + k as u64);
            }
        }
    }
}

/// A truncated normal by its inverse CDF ([`Quantile`]): element `i` from word `⌊i/16⌋ mod 4`
/// of counter `16⌊i/64⌋ + i mod 16`; whole groups of 64 elements (sixteen counters) at a time,
/// the ends one by one, with the same expression.
#[inline(always)]
fn write_quantile(q: &Quantile, key: [u32; 2], start: u64, out: &mut [f32]) {
    if q.short {
        write_quantile_with::<true>(q, key, start, out);
    } else {
        write_quantile_with::<false>(q, key, start, out);
    }
}

/// Counters per group of [`Quantile`]'s layout: 16 (a 512-bit vector of each word).
const QUANTILE_LANES: usize = 16;

/// The word of element `i` under [`Quantile`]'s layout.
#[inline(always)]
fn quantile_word(key: [u32; 2], i: u64) -> u32 {
    let lanes = QUANTILE_LANES as u64;
    let (g, j) = (i / (4 * lanes), i % (4 * lanes));
    philox::pair_words(key, lanes * g + j % lanes, 0)[(j / lanes) as usize]
}

/// [`write_quantile`] with the erfinv chosen at compile time.
#[inline(always)]
fn write_quantile_with<const SHORT: bool>(
    q: &Quantile,
    key: [u32; 2],
    start: u64,
    out: &mut [f32],
) {
    const GROUP: usize = 4 * QUANTILE_LANES;
    let one = |i: u64| q.value_with::<SHORT>(quantile_word(key, i));
    let (mut i, mut rest) = (start, out);
    while !i.is_multiple_of(GROUP as u64) && !rest.is_empty() {
        rest[0] = one(i);
        rest = &mut rest[1..];
        i += 1;
    }
    let mut groups = rest.chunks_exact_mut(GROUP);
    for chunk in &mut groups {
        // word k of lane l is element 16k + l of the group: the flattened words, in order
        let w = philox::pair_words_lanes_n::<QUANTILE_LANES>(
            key,
            i / GROUP as u64 * QUANTILE_LANES as u64,
            0,
        );
        for (z, &w) in chunk.iter_mut().zip(w.as_flattened()) {
            *z = q.value_with::<SHORT>(w);
        }
        i += GROUP as u64;
    }
    for x in groups.into_remainder() {
        *x = one(i);
        i += 1;
    }
}

/// A truncated normal drawn by rejection of normals, for intervals that hold most of the mass
/// but have no [`Quantile`] (a bound beyond ±4σ: PyTorch's default [−2, 2] with std 0.02 is
/// ±100σ), with [`value`]'s values, bit for bit (element `i` takes the first attempt whose
/// normal lands in [a, b]): attempt 0 of every whole counter in bulk, as the normal's kernel;
/// the elements it rejects gathered and retried [`philox::LANES`] at a time, each lane at its
/// own counter and attempt, until every one is accepted.
#[inline(always)]
fn write_truncated(law: &Law, t: &Truncation, key: [u32; 2], start: u64, out: &mut [f32]) {
    let (a, b) = t.standard.bounds();
    let (a, b) = (a as f32, b as f32);
    let (m, sd, lo, hi) = (t.mean as f32, t.std as f32, t.low as f32, t.high as f32);
    let mut retry = Retry::default();
    let (mut i, mut at) = (start, 0usize);
    while i % 4 != 0 && at < out.len() {
        out[at] = value(law, key, i);
        (i, at) = (i + 1, at + 1);
    }
    const BATCH: usize = 4 * philox::LANES;
    while out.len() - at >= BATCH {
        let w = philox::pair_words_lanes(key, i / 4, 0);
        let chunk = &mut out[at..at + BATCH];
        // the normals slot-major (z[k][l]: slot k of lane l), so that each slot's acceptance
        // is one comparison across lanes
        let mut z = [[0.0f32; philox::LANES]; 4];
        for l in 0..philox::LANES {
            let q = philox::normal_quad_f32([w[0][l], w[1][l], w[2][l], w[3][l]]);
            for k in 0..4 {
                z[k][l] = q[k];
            }
        }
        let mut masks = [0u32; 4];
        for k in 0..4 {
            for l in 0..philox::LANES {
                let v = z[k][l];
                masks[k] |= u32::from(!(a <= v && v <= b)) << l;
                chunk[4 * l + k] = (m + sd * v).max(lo).min(hi);
            }
        }
        // element 4l + k is bit l of masks[k]
        let mut rejected = 0u32;
        for (k, &mk) in masks.iter().enumerate() {
            for l in 0..philox::LANES {
                rejected |= ((mk >> l) & 1) << (4 * l + k);
            }
        }
        while rejected != 0 {
            let k = rejected.trailing_zeros() as usize;
            rejected &= rejected - 1;
            retry.push(at + k, i + k as u64, 1);
            if retry.len == philox::LANES {
                retry.run(key, (a, b), (m, sd, lo, hi), out);
            }
        }
        (i, at) = (i + BATCH as u64, at + BATCH);
    }
    while at < out.len() {
        out[at] = value(law, key, i);
        (i, at) = (i + 1, at + 1);
    }
    while retry.len > 0 {
        retry.run(key, (a, b), (m, sd, lo, hi), out);
    }
}

/// Elements a truncated normal rejected, waiting to be retried together: where each goes in
/// the output, its element index and its next attempt.
#[derive(Default)]
struct Retry {
    at: [usize; philox::LANES],
    index: [u64; philox::LANES],
    attempt: [u32; philox::LANES],
    len: usize,
}

impl Retry {
    #[inline(always)]
    fn push(&mut self, at: usize, index: u64, attempt: u32) {
        let n = self.len;
        (self.at[n], self.index[n], self.attempt[n]) = (at, index, attempt);
        self.len += 1;
    }

    /// Retries every waiting element once (the lanes beyond `len` compute and are ignored):
    /// the accepted are written, the others wait for their next attempt.
    #[inline(always)]
    fn run(
        &mut self,
        key: [u32; 2],
        (a, b): (f32, f32),
        (m, sd, lo, hi): (f32, f32, f32, f32),
        out: &mut [f32],
    ) {
        let counters = self.index.map(|i| i / 4);
        let w = philox::pair_words_gather(key, counters, self.attempt);
        let mut z = [0.0f32; philox::LANES];
        for (l, z) in z.iter_mut().enumerate() {
            let slot = (self.index[l] % 4) as usize;
            *z = philox::normal_slot_f32([w[0][l], w[1][l], w[2][l], w[3][l]], slot);
        }
        let waiting = std::mem::take(self);
        for l in 0..waiting.len {
            if a <= z[l] && z[l] <= b {
                out[waiting.at[l]] = (m + sd * z[l]).max(lo).min(hi);
            } else {
                self.push(
                    waiting.at[l],
                    waiting.index[l],
                    waiting.attempt[l].wrapping_add(1),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::law::ElementDistribution;

    /// The law of N(0.1, 0.5²) on the standardised interval [a, b].
    fn law(a: f64, b: f64) -> Law {
        ElementDistribution::TruncatedNormal {
            mean: 0.1,
            std: 0.5,
            low: 0.1 + 0.5 * a,
            high: 0.1 + 0.5 * b,
        }
        .law()
    }

    fn truncation(law: &Law) -> &Truncation {
        let Law::Truncated(t) = law else {
            unreachable!()
        };
        t
    }

    /// Which intervals the inverse CDF serves: within ±4σ, and wide enough for f32's x.
    #[test]
    fn quantile_serves_intervals_within_four_sigma_with_enough_resolution() {
        for (a, b) in [
            (-2.0, 2.0),
            (-3.0, 3.0),
            (0.0, 2.0),
            (0.1, 0.2),
            (-3.99, 3.99),
            (2.0, 3.0),
        ] {
            assert!(Quantile::of(truncation(&law(a, b))).is_some(), "[{a}, {b}]");
        }
        // the shorter erfinv exactly within ±2.05σ
        let short = |a: f64, b: f64| Quantile::of(truncation(&law(a, b))).unwrap().short;
        assert!(short(-2.0, 2.0) && short(0.1, 0.2) && short(-2.0, 0.0));
        assert!(!short(-3.0, 3.0) && !short(-1.0, 2.1) && !short(2.0, 3.0));
        for (a, b) in [
            (-4.5, 2.0),
            (-1.0, f64::INFINITY),
            (f64::NEG_INFINITY, 0.0),
            (-100.0, 100.0),
            (2.9, 3.0),
            (3.0, 4.0),
            (0.1, 0.1 + 1e-5),
        ] {
            assert!(Quantile::of(truncation(&law(a, b))).is_none(), "[{a}, {b}]");
        }
    }

    /// The bulk path gives every element the value of the contract's formula, written here
    /// once more element by element, from any start and for any length.
    #[test]
    fn quantile_batches_equal_the_scalar_definition() {
        let key = philox::key_of(7, "w");
        for (a, b) in [
            (-2.0, 2.0),
            (-3.0, 3.0),
            (0.0, 2.0),
            (0.1, 0.2),
            (-1.5, 3.0),
        ] {
            let law = law(a, b);
            let t = truncation(&law);
            let (sa, sb) = t.standard.bounds();
            let xa = libm::erf(sa * std::f64::consts::FRAC_1_SQRT_2);
            let xb = libm::erf(sb * std::f64::consts::FRAC_1_SQRT_2);
            let (xc, h) = (((xa + xb) / 2.0) as f32, ((xb - xa) / 2.0) as f32);
            let definition = |i: u64| -> f32 {
                let (g, j) = (i / 64, i % 64);
                let w = philox::pair_words(key, 16 * g + j % 16, 0)[(j / 16) as usize];
                let j = (w >> 8) as f32;
                let v = (j - 8_388_607.5) / 8_388_608.0;
                let x = xc + v * h;
                let z = if sa.abs().max(sb.abs()) <= 2.05 {
                    philox::sqrt2_erfinv_2sigma_f32(x)
                } else {
                    philox::sqrt2_erfinv_f32(x)
                };
                (0.1f32 + 0.5f32 * z).clamp(t.low as f32, t.high as f32)
            };
            for (start, len) in [
                (0u64, 4096usize),
                (3, 1000),
                (37, 33),
                (8, 31),
                (1, 2),
                (32, 64),
            ] {
                let mut out = vec![0.0f32; len];
                write(&law, key, start, &mut out);
                for (k, &v) in out.iter().enumerate() {
                    let i = start + k as u64;
                    assert_eq!(v.to_bits(), definition(i).to_bits(), "[{a}, {b}] at {i}");
                    assert!(t.low as f32 <= v && v <= t.high as f32);
                }
            }
        }
    }

    /// On a symmetric interval the values are odd in v: the cells j and 2²⁴ − 1 − j give
    /// opposite values, bit for bit.
    #[test]
    fn quantile_is_odd_on_a_symmetric_interval() {
        let law = ElementDistribution::TruncatedNormal {
            mean: 0.0,
            std: 0.02,
            low: -0.04,
            high: 0.04,
        }
        .law();
        let q = Quantile::of(truncation(&law)).unwrap();
        assert!(q.short);
        assert_eq!(q.xc, 0.0);
        let value = |w: u32| q.value_with::<true>(w);
        for j in (0..1u32 << 24)
            .step_by(997)
            .chain([0, 1, (1 << 23) - 1, 1 << 23])
        {
            let (w, mirror) = (j << 8, ((1 << 24) - 1 - j) << 8);
            assert_eq!(value(w).to_bits(), (-value(mirror)).to_bits(), "j = {j}");
        }
        // the outermost cells reach within 5e-6σ of the bounds, inside them
        assert!(-0.04f32 <= value(0) && value(0) < -0.04 + 1e-7);
        assert!(0.04 - 1e-7 < value(u32::MAX) && value(u32::MAX) <= 0.04f32);
    }

    /// The rejection path (intervals without a quantile form) with its gathered retries gives
    /// every element the value the scalar definition gives it (the first accepted attempt),
    /// from any start and for any length.
    #[test]
    fn truncated_batches_and_retries_equal_the_scalar_definition() {
        let key = philox::key_of(7, "w");
        // the last two never reject (`write_normal_clamped`), the others do
        for (a, b) in [
            (-5.0, 5.0),
            (-1.0, f64::INFINITY),
            (-4.5, 2.0),
            (-6.6, 6.6),
            (-100.0, 100.0),
            (-6.7, f64::INFINITY),
        ] {
            let law = law(a, b);
            let t = truncation(&law);
            assert!(t.standard.normal_proposal(), "[{a}, {b}]");
            assert!(Quantile::of(t).is_none(), "[{a}, {b}]");
            for (start, len) in [(0u64, 4096usize), (3, 1000), (37, 33), (8, 31)] {
                let mut out = vec![0.0f32; len];
                write(&law, key, start, &mut out);
                for (k, &v) in out.iter().enumerate() {
                    let expected = value(&law, key, start + k as u64);
                    assert_eq!(
                        v.to_bits(),
                        expected.to_bits(),
                        "[{a}, {b}] at {}",
                        start + k as u64
                    );
                }
            }
        }
    }

    /// [`NORMAL_F32_BOUND`] holds every f32 normal: r is largest at the smallest first word
    /// (u₁ = 2⁻³²) and stays below it, and |cos 2πu|, |sin 2πu| ≤ 1 around each of their peaks
    /// (every u within 2¹² steps of 0, ¼, ½ and ¾) and on a sweep of the rest.
    #[test]
    fn normal_f32_bound_holds_every_normal() {
        let r_max = (-2.0 * philox::ln_f32(philox::open_unit_f32(0))).sqrt();
        assert!(r_max > 6.66 && r_max < NORMAL_F32_BOUND, "{r_max}");
        let near_peaks = [0u32, 1 << 22, 2 << 22, 3 << 22].into_iter().flat_map(|p| {
            (0..1u32 << 13).map(move |d| (p.wrapping_add(d).wrapping_sub(1 << 12)) & 0xFF_FFFF)
        });
        for j in near_peaks.chain((0..1u32 << 24).step_by(251)) {
            let (c, s) = philox::cos_sin_2pi_f32(philox::unit_f32(j << 8));
            assert!(c.abs() <= 1.0 && s.abs() <= 1.0, "{j}: {c} {s}");
        }
        // and so the kernel's extreme normal: the first word 0 (lanes 0 and 2 of a quad)
        let z = philox::normal_quad_f32([0, 0, 0, 1 << 30]);
        assert!(z.iter().all(|z| z.abs() < NORMAL_F32_BOUND), "{z:?}");
    }
}
