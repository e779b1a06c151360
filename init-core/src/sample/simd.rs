//! Run-time SIMD dispatch for keyed fills: the one module with `unsafe`.
//!
//! The kernels are the portable ones (`kernel::write`), compiled a second time with AVX2 or
//! AVX-512 enabled so that their lane loops use wide vectors. They compute the same IEEE
//! operations in the same order (Rust never fuses a multiply and an add on its own), so every
//! path gives the same bits; `tests::every_path_gives_the_same_bits` checks each path this CPU
//! has against the portable one.
//!
//! It also holds [`clean_upper_state`], run after faer's QR: faer's AVX-512 matrix kernels
//! return with the upper halves of the vector registers dirty, and until something clears them
//! every SSE instruction that follows (the rng fills, and the user's own code) pays a merge
//! dependency on the old register (measured on AMD Zen 4: an rng-stream he_normal fill of 4096²
//! f32 after an orthogonal 4096² took 1.65× to 2.2× its time alone).
//!
//! Soundness by construction: a [`Path`] can only be made by [`Path::best`] (or, in tests,
//! [`Path::available`]), which detect the CPU's features first; its field is private to this
//! module, so no other code can name a path the CPU lacks, and [`write`] is safe to call with
//! any `Path` there is.
#![allow(unsafe_code)]

use super::kernel;
use crate::param::element::Float;
use crate::plan::law::Law;

/// A code path this CPU supports: only detection makes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Path(Isa);

/// The instruction sets a kernel is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Path {
    /// The fastest path this CPU supports.
    pub(crate) fn best() -> Path {
        #[cfg(target_arch = "x86_64")]
        {
            if has_avx512() {
                return Path(Isa::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Path(Isa::Avx2);
            }
        }
        Path(Isa::Portable)
    }

    /// Every path this CPU supports, the portable one first (to compare them).
    #[cfg(test)]
    pub(crate) fn available() -> Vec<Path> {
        let mut paths = vec![Path(Isa::Portable)];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                paths.push(Path(Isa::Avx2));
            }
            if has_avx512() {
                paths.push(Path(Isa::Avx512));
            }
        }
        paths
    }
}

#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
}

/// Writes elements `start..` of a keyed law into `out`, on `path`.
pub(crate) fn write<F: Float>(path: Path, law: &Law, key: [u32; 2], start: u64, out: &mut [F]) {
    match path.0 {
        Isa::Portable => kernel::write(law, key, start, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a `Path(Isa::Avx2)` is only made by `Path::best`/`Path::available` after
        // `is_x86_feature_detected!("avx2")`, and the field is private to this module.
        Isa::Avx2 => unsafe { write_avx2(law, key, start, out) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if avx2_is_faster(law) && std::arch::is_x86_feature_detected!("avx2") => {
            // SAFETY: avx2 was detected in the guard just above.
            unsafe { write_avx2(law, key, start, out) }
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a `Path(Isa::Avx512)` is only made after `has_avx512()` detected avx512f and
        // avx512dq, and the field is private to this module.
        Isa::Avx512 => unsafe { write_avx512(law, key, start, out) },
    }
}

/// Whether a law's kernel runs faster compiled for AVX2 than for AVX-512, on a CPU that has
/// both: the uniform's (measured on 2 cores of an AMD EPYC with AVX-512, f32 4096², one
/// thread: 320 M/s compiled for AVX-512, 690 M/s for AVX2, the normal's 670 and 490). The
/// values are the same on every path; only the speed differs.
#[cfg(target_arch = "x86_64")]
fn avx2_is_faster(law: &Law) -> bool {
    matches!(law, Law::Uniform { .. })
}

/// Clears the upper halves of the vector registers (`vzeroupper`) when the CPU has them; what
/// LLVM emits itself at the end of every function it compiles with AVX, and what code that
/// returns from AVX without it (faer's kernels) leaves undone.
#[cfg(feature = "orthogonal")]
pub(crate) fn clean_upper_state() {
    #[cfg(target_arch = "x86_64")]
    if Path::best().0 != Isa::Portable {
        // SAFETY: `Path::best` returns a path other than `Portable` only after detecting avx2
        // (or avx512f), either of which implies the avx that `zero_upper` is compiled for.
        unsafe { zero_upper() }
    }
}

#[cfg(all(target_arch = "x86_64", feature = "orthogonal"))]
#[target_feature(enable = "avx")]
fn zero_upper() {
    std::arch::x86_64::_mm256_zeroupper();
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn write_avx2<F: Float>(law: &Law, key: [u32; 2], start: u64, out: &mut [F]) {
    kernel::write(law, key, start, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn write_avx512<F: Float>(law: &Law, key: [u32; 2], start: u64, out: &mut [F]) {
    kernel::write(law, key, start, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;
    use crate::scheme::init::Init;

    /// The prepared law of an element-wise scheme.
    fn law_of(init: &Init) -> Law {
        match init.plan(&[4, 4]) {
            Ok((Plan::Elementwise(law), _)) => law,
            other => panic!("{init} is not element-wise: {other:?}"),
        }
    }

    /// Clearing the upper state changes no value: the same bits before and after it.
    #[cfg(feature = "orthogonal")]
    #[test]
    fn clean_upper_state_changes_no_value() {
        let law = law_of(&Init::normal(0.0, 1.0));
        let key = crate::sample::philox::key_of(3, "w");
        let mut before = vec![0.0f32; 257];
        write(Path::best(), &law, key, 0, &mut before);
        clean_upper_state();
        let mut after = vec![0.0f32; 257];
        write(Path::best(), &law, key, 0, &mut after);
        assert_eq!(before, after);
    }

    #[test]
    fn every_path_gives_the_same_bits() {
        let paths = Path::available();
        let portable = paths[0];
        let key = crate::sample::philox::key_of(9, "w");
        for init in [
            Init::normal(0.5, 2.0),
            Init::uniform(-1.0, 3.0),
            Init::normal(0.0, 0.02).truncated(),
            Init::truncated_normal(0.0, 1.0, 3.0, 5.0),
            // the inverse CDF (±3σ, a narrow interval, an asymmetric one) and rejection (±100σ)
            Init::truncated_normal(0.0, 0.02, -0.06, 0.06),
            Init::truncated_normal(0.0, 1.0, 0.1, 0.2),
            Init::truncated_normal(0.5, 2.0, -1.5, 6.0),
            Init::truncated_normal(0.0, 0.02, -2.0, 2.0),
        ] {
            let law = law_of(&init);
            let mut want = vec![0.0f64; 1001];
            write(portable, &law, key, 7, &mut want);
            let mut want32 = vec![0.0f32; 1001];
            write(portable, &law, key, 7, &mut want32);
            for &p in &paths {
                let mut got = vec![0.0f64; 1001];
                write(p, &law, key, 7, &mut got);
                assert!(
                    got.iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{init} {p:?}"
                );
                let mut got32 = vec![0.0f32; 1001];
                write(p, &law, key, 7, &mut got32);
                assert_eq!(got32, want32, "{init} {p:?} f32");
                #[cfg(feature = "half")]
                {
                    let bits = |v: &[half::f16]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    let mut want16 = vec![half::f16::ZERO; 1001];
                    write(portable, &law, key, 7, &mut want16);
                    let mut got16 = vec![half::f16::ZERO; 1001];
                    write(p, &law, key, 7, &mut got16);
                    assert_eq!(bits(&got16), bits(&want16), "{init} {p:?} f16");
                }
            }
        }
    }
}
