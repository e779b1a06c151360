//! The single-precision (f32) kernel: elements `4c … 4c + 3` from the four Philox words at counter
//! `(c mod 2³², c div 2³², attempt, 0)`, computed in f32 — four 24-bit uniforms, or two
//! Box–Muller pairs. A truncated normal far in a tail takes the f64 kernel's value, rounded.

use super::double::{below_high, upper, value as value_f64};
use crate::plan::law::{Law, Truncation};
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
    if let Law::Truncated(t) = law
        && t.standard.normal_proposal()
    {
        return write_truncated(law, t, key, start, out);
    }
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

/// A truncated normal drawn by rejection of normals ([`write`]'s values, bit for bit: element
/// `i` takes the first attempt whose normal lands in [a, b]): attempt 0 of every whole counter
/// in bulk, as the normal's kernel; the elements it rejects (one in 22 on ±2σ) gathered and
/// retried [`philox::LANES`] at a time, each lane at its own counter and attempt, until every
/// one is accepted. The work per element is the normal's plus a twentieth.
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

    /// The bulk path with its gathered retries gives every element the value the scalar
    /// definition gives it (the first accepted attempt), from any start and for any length.
    #[test]
    fn truncated_batches_and_retries_equal_the_scalar_definition() {
        let key = philox::key_of(7, "w");
        for (low, high) in [(-2.0, 2.0), (-1.0, f64::INFINITY), (-1.5, 3.0)] {
            let law = ElementDistribution::TruncatedNormal {
                mean: 0.1,
                std: 0.5,
                low: 0.1 + 0.5 * low,
                high: 0.1 + 0.5 * high,
            }
            .law();
            let Law::Truncated(t) = &law else {
                unreachable!()
            };
            assert!(t.standard.normal_proposal(), "({low}, {high})");
            for (start, len) in [(0u64, 4096usize), (3, 1000), (37, 33), (8, 31)] {
                let mut out = vec![0.0f32; len];
                write(&law, key, start, &mut out);
                for (k, &v) in out.iter().enumerate() {
                    let expected = value(&law, key, start + k as u64);
                    assert_eq!(
                        v.to_bits(),
                        expected.to_bits(),
                        "({low}, {high}) at {}",
                        start + k as u64
                    );
                }
            }
        }
    }
}
