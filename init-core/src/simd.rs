//! Run-time SIMD dispatch for keyed fills: the one module with `unsafe`.
//!
//! The kernels are the portable ones (`Keyed::write`), compiled a second time with AVX2 or
//! AVX-512 enabled so that their lane loops use wide vectors. They compute the same IEEE
//! operations in the same order (Rust never fuses a multiply and an add on its own), so every
//! path gives the same bits; `tests::every_path_gives_the_same_bits` checks each path this CPU
//! has against the portable one.
#![allow(unsafe_code)]

use crate::element::Float;
use crate::keyed::Keyed;

/// Which code path [`write`] takes on this CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Path {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

/// The fastest path this CPU supports.
pub(crate) fn best() -> Path {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            return Path::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Path::Avx2;
        }
    }
    Path::Portable
}

/// Writes elements `start..` of a keyed scheme into `out`, on the fastest path.
pub(crate) fn write<F: Float>(keyed: &Keyed, key: [u32; 2], start: u64, out: &mut [F]) {
    write_on(best(), keyed, key, start, out);
}

/// Writes on a given path; the caller guarantees the CPU has it (`best` or a detection).
pub(crate) fn write_on<F: Float>(
    path: Path,
    keyed: &Keyed,
    key: [u32; 2],
    start: u64,
    out: &mut [F],
) {
    match path {
        Path::Portable => keyed.write(key, start, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Path::Avx2` is only produced after `is_x86_feature_detected!("avx2")`.
        Path::Avx2 => unsafe { write_avx2(keyed, key, start, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Path::Avx512` is only produced after detecting avx512f and avx512dq.
        Path::Avx512 => unsafe { write_avx512(keyed, key, start, out) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn write_avx2<F: Float>(keyed: &Keyed, key: [u32; 2], start: u64, out: &mut [F]) {
    keyed.write(key, start, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn write_avx512<F: Float>(keyed: &Keyed, key: [u32; 2], start: u64, out: &mut [F]) {
    keyed.write(key, start, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Init;

    #[test]
    fn every_path_gives_the_same_bits() {
        let mut paths = vec![Path::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                paths.push(Path::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
            {
                paths.push(Path::Avx512);
            }
        }
        let key = crate::philox::key_of(9, "w");
        for init in [
            Init::normal(0.5, 2.0),
            Init::uniform(-1.0, 3.0),
            Init::normal(0.0, 0.02).truncated(),
            Init::truncated_normal(0.0, 1.0, 3.0, 5.0),
        ] {
            let keyed = Keyed::for_tests(&init);
            let mut want = vec![0.0f64; 1001];
            write_on(Path::Portable, &keyed, key, 7, &mut want);
            let mut want32 = vec![0.0f32; 1001];
            write_on(Path::Portable, &keyed, key, 7, &mut want32);
            for &p in &paths {
                let mut got = vec![0.0f64; 1001];
                write_on(p, &keyed, key, 7, &mut got);
                assert!(
                    got.iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{init} {p:?}"
                );
                let mut got32 = vec![0.0f32; 1001];
                write_on(p, &keyed, key, 7, &mut got32);
                assert_eq!(got32, want32, "{init} {p:?} f32");
                #[cfg(feature = "half")]
                {
                    let bits = |v: &[half::f16]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    let mut want16 = vec![half::f16::ZERO; 1001];
                    write_on(Path::Portable, &keyed, key, 7, &mut want16);
                    let mut got16 = vec![half::f16::ZERO; 1001];
                    write_on(p, &keyed, key, 7, &mut got16);
                    assert_eq!(bits(&got16), bits(&want16), "{init} {p:?} f16");
                }
            }
        }
    }
}
