//! The double-precision (f64) kernel: elements `2m`, `2m + 1` from the four Philox words at counter
//! `(m mod 2³², m div 2³², attempt, 0)` — two 52-bit uniforms, or Box–Muller's cosine and
//! sine — and, for a truncated normal far in a tail, element `i` from its own stream. The f32
//! kernel takes its far-tail values from here too.

use crate::param::element::Float;
use crate::plan::law::Law;
use crate::sample::philox::{self, PhiloxStream};

/// Element `i`, in f64: element `i` is half `i mod 2` of pair `⌊i/2⌋`.
#[inline]
pub(super) fn value(law: &Law, key: [u32; 2], i: u64) -> f64 {
    let (m, odd) = (i / 2, i % 2 == 1);
    let pick = |(a, b): (f64, f64)| if odd { b } else { a };
    match *law {
        Law::Constant(v) => v,
        Law::Uniform { low, high } => {
            low + (high - low) * pick(philox::uniform_pair(philox::pair_words(key, m, 0)))
        }
        Law::Normal { mean, std } => {
            mean + std * pick(philox::normal_pair(philox::pair_words(key, m, 0)))
        }
        Law::Truncated(t) => {
            let tn = &t.standard;
            let z = if tn.normal_proposal() {
                // Box–Muller draws, one attempt per counter, until one lands in [a, b]
                let (a, b) = tn.bounds();
                let mut attempt = 0u32;
                loop {
                    let z = pick(philox::normal_pair(philox::pair_words(key, m, attempt)));
                    if (a..=b).contains(&z) {
                        break z;
                    }
                    attempt = attempt.wrapping_add(1);
                }
            } else {
                tn.sample(&mut PhiloxStream::element(key, i))
            };
            (t.mean + t.std * z).clamp(t.low, t.high)
        }
    }
}

/// The upper bound keyed uniforms stay below, in `F`: `low + (high − low)` rounded (what the
/// kernels' `low + width·u` approaches); `F`'s largest value for other laws.
#[inline]
pub(super) fn upper<F: Float>(law: &Law) -> F {
    match *law {
        Law::Uniform { low, high } => F::from_f64(low + (high - low)),
        _ => F::from_f64(F::MAX),
    }
}

/// A uniform stays below its upper bound after rounding; other values pass unchanged.
#[inline(always)]
pub(super) fn below_high<F: Float>(law: &Law, x: F, high: F) -> F {
    if matches!(law, Law::Uniform { .. }) && x >= high {
        high.next_down()
    } else {
        x
    }
}

/// Writes elements `start..`: whole pairs in batches of [`philox::LANES`] (a loop over lanes
/// that the compiler vectorises), the odd ends one by one. Both compute the same expressions,
/// so the bits do not depend on where a shard starts.
#[inline(always)]
pub(super) fn write(law: &Law, key: [u32; 2], start: u64, out: &mut [f64]) {
    let high = upper::<f64>(law);
    let one = |i: u64| below_high(law, value(law, key, i), high);
    let (mut i, mut rest) = (start, out);
    // an odd start: its first element alone
    if i % 2 == 1 && !rest.is_empty() {
        rest[0] = one(i);
        rest = &mut rest[1..];
        i += 1;
    }
    const BATCH: usize = 2 * philox::LANES;
    let mut batches = rest.chunks_exact_mut(BATCH);
    for chunk in &mut batches {
        batch(law, key, i, chunk, high);
        i += BATCH as u64;
    }
    for x in batches.into_remainder() {
        *x = one(i);
        i += 1;
    }
}

/// `2·LANES` elements from pair `start/2` on (`start` even).
#[inline(always)]
fn batch(law: &Law, key: [u32; 2], start: u64, z: &mut [f64], high: f64) {
    let m0 = start / 2;
    match *law {
        Law::Constant(v) => z.fill(v),
        Law::Uniform { low, high: h } => {
            let width = h - low;
            let w = philox::pair_words_lanes(key, m0, 0);
            for l in 0..philox::LANES {
                let (a, b) = philox::uniform_pair([w[0][l], w[1][l], w[2][l], w[3][l]]);
                z[2 * l] = below_high(law, low + width * a, high);
                z[2 * l + 1] = below_high(law, low + width * b, high);
            }
        }
        Law::Normal { mean, std } => {
            let w = philox::pair_words_lanes(key, m0, 0);
            for l in 0..philox::LANES {
                let (a, b) = philox::normal_pair([w[0][l], w[1][l], w[2][l], w[3][l]]);
                z[2 * l] = mean + std * a;
                z[2 * l + 1] = mean + std * b;
            }
        }
        Law::Truncated(t) if t.standard.normal_proposal() => {
            // first attempts in bulk; the few rejected elements redo theirs one by one
            let (a, b) = t.standard.bounds();
            let w = philox::pair_words_lanes(key, m0, 0);
            for l in 0..philox::LANES {
                let (p, q) = philox::normal_pair([w[0][l], w[1][l], w[2][l], w[3][l]]);
                z[2 * l] = p;
                z[2 * l + 1] = q;
            }
            for (k, v) in z.iter_mut().enumerate() {
                *v = if (a..=b).contains(v) {
                    (t.mean + t.std * *v).clamp(t.low, t.high)
                } else {
                    value(law, key, start + k as u64)
                };
            }
        }
        Law::Truncated(_) => {
            for (k, v) in z.iter_mut().enumerate() {
                *v = value(law, key, start + k as u64);
            }
        }
    }
}
