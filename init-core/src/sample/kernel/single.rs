//! The single-precision (f32) kernel: elements `4c … 4c + 3` from the four Philox words at counter
//! `(c mod 2³², c div 2³², attempt, 0)`, computed in f32 — four 24-bit uniforms, or two
//! Box–Muller pairs. A truncated normal far in a tail takes the f64 kernel's value, rounded.

use super::double::{below_high, upper, value as value_f64};
use crate::plan::law::Law;
use crate::sample::philox;

/// Element `i`: slot `i mod 4` of counter `⌊i/4⌋`, computed in f32 (truncated normals:
/// accepted against the standardised bounds, then shifted, scaled and clamped to the bounds in
/// f32).
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

/// Standard normals of `4·LANES` elements from counter `c0` on, attempt `attempt`.
#[inline(always)]
fn normals(key: [u32; 2], c0: u64, attempt: u32) -> [f32; 4 * philox::LANES] {
    let w = philox::pair_words_lanes(key, c0, attempt);
    let mut z = [0.0f32; 4 * philox::LANES];
    for l in 0..philox::LANES {
        let q = philox::normal_quad_f32([w[0][l], w[1][l], w[2][l], w[3][l]]);
        z[4 * l..4 * l + 4].copy_from_slice(&q);
    }
    z
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
        Law::Truncated(t) if t.standard.normal_proposal() => {
            // first attempts in bulk; the few rejected elements redo theirs one by one
            let (a, b) = t.standard.bounds();
            z.copy_from_slice(&normals(key, c0, 0));
            let (m, sd, lo, hi) = (t.mean as f32, t.std as f32, t.low as f32, t.high as f32);
            let (a, b) = (a as f32, b as f32);
            let mut rejected = [false; 4 * philox::LANES];
            let mut any = false;
            for (v, r) in z.iter_mut().zip(&mut rejected) {
                let bad = !(a <= *v && *v <= b);
                *r = bad;
                any |= bad;
                *v = (m + sd * *v).max(lo).min(hi);
            }
            // a second attempt in bulk when any element of the batch needs one (one element
            // in 22 for ±2σ), then one by one
            if any {
                let y = normals(key, c0, 1);
                for ((v, r), y) in z.iter_mut().zip(&mut rejected).zip(&y) {
                    let take = *r && a <= *y && *y <= b;
                    *v = if take {
                        (m + sd * *y).clamp(lo, hi)
                    } else {
                        *v
                    };
                    *r = *r && !take;
                }
            }
            for (k, _) in rejected.iter().enumerate().filter(|(_, r)| **r) {
                z[k] = value(law, key, start + k as u64);
            }
        }
        Law::Truncated(_) => {
            for (k, v) in z.iter_mut().enumerate() {
                *v = value(law, key, start + k as u64);
            }
        }
    }
}
