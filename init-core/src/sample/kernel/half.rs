//! The half-precision kernel (`f16`, `bf16`, feature `half`): the f32 kernel's values in
//! chunks, rounded once, then kept in the law's narrow range (the one half-precision policy,
//! [`Law::narrow_range`]).

use super::double::upper;
use crate::param::element::{Float, clamp_into, sealed::Sealed};
use crate::plan::law::Law;

/// Writes elements `start..` of a half-precision parameter.
#[inline(always)]
pub(super) fn write<F: Float + Sealed<Compute = f32>>(
    law: &Law,
    key: [u32; 2],
    start: u64,
    out: &mut [F],
) {
    const CHUNK: usize = 256;
    let range = law.narrow_range::<F>(upper::<f64>(law));
    let mut buf = [0.0f32; CHUNK];
    let mut i = start;
    for chunk in out.chunks_mut(CHUNK) {
        let buf = &mut buf[..chunk.len()];
        super::single::write(law, key, i, buf);
        F::from_compute_slice(buf, chunk);
        if let Some((lo, hi)) = range {
            for x in chunk.iter_mut() {
                *x = clamp_into(*x, lo, hi);
            }
        }
        i += chunk.len() as u64;
    }
}
