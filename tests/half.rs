//! Half-precision elements (feature `half`): `f16` and `bf16` parameters get the values an `f32`
//! parameter gets, rounded once, except where rounding reached a bound (a uniform's `high`,
//! either bound of a truncated normal): those, and only those, sit one ulp inward. Checked
//! bit-for-bit against the f32 values, statistically against the discretised law, at the bounds
//! with dense samples, for errors, and through a derived model.

mod common;

use common::rng;
use ndarray::{Array1, Array2, ArrayD, IxDyn, s};
use weight_init::half::{bf16, f16};
use weight_init::stats::{kolmogorov_sf, normal_cdf, uniform_cdf};
use weight_init::{ElementDistribution, ErrorKind, Float, Init, Initialize, Region};

/// What the tests need of a half type, written independently of the library's code.
trait Half: Float {
    fn round(x: f32) -> Self;
    fn bits(self) -> u16;
    fn from_bits(b: u16) -> Self;
    /// The next value up (±0 → the smallest positive subnormal; finite values only).
    fn up(self) -> Self {
        let b = self.bits();
        Self::from_bits(if b & 0x7fff == 0 {
            1
        } else if b & 0x8000 == 0 {
            b + 1
        } else {
            b - 1
        })
    }
    /// The next value down.
    fn down(self) -> Self {
        let b = self.bits();
        Self::from_bits(if b & 0x7fff == 0 {
            0x8001
        } else if b & 0x8000 == 0 {
            b - 1
        } else {
            b + 1
        })
    }
    /// The largest finite value.
    fn max_value() -> Self;
}

impl Half for f16 {
    fn round(x: f32) -> Self {
        f16::from_f32(x)
    }
    fn bits(self) -> u16 {
        self.to_bits()
    }
    fn from_bits(b: u16) -> Self {
        f16::from_bits(b)
    }
    fn max_value() -> Self {
        f16::MAX
    }
}

impl Half for bf16 {
    fn round(x: f32) -> Self {
        bf16::from_f32(x)
    }
    fn bits(self) -> u16 {
        self.to_bits()
    }
    fn from_bits(b: u16) -> Self {
        bf16::from_bits(b)
    }
    fn max_value() -> Self {
        bf16::MAX
    }
}

/// The values of `H` a scheme may take after rounding, as an inclusive range: strictly inside
/// a truncated normal's `[low, high]`, below a uniform's `high` rounded, otherwise all finite
/// values. Bounds are rounded as the library rounds any f64: to f32, then to `H`.
fn allowed<H: Half>(d: Option<ElementDistribution>) -> (H, H) {
    let all = (H::round(-H::MAX as f32), H::max_value());
    match d {
        Some(ElementDistribution::Uniform { high, .. }) => (all.0, H::round(high as f32).down()),
        Some(ElementDistribution::TruncatedNormal { low, high, .. }) => {
            let (l, h) = (H::round(low as f32), H::round(high as f32));
            let lo = if l.to_f64() > low { l } else { l.up() };
            let hi = if h.to_f64() < high { h } else { h.down() };
            (lo, hi)
        }
        _ => all,
    }
}

/// Asserts `got[k]` = `f32s[k]` rounded, or, where that rounded value lies outside `range`,
/// the end of `range` it passed (one ulp inward of the bound). Returns how many moved.
fn assert_rounded<H: Half>(f32s: &[f32], got: &[H], range: (H, H), what: &str) -> usize {
    assert_eq!(f32s.len(), got.len(), "{what}");
    let mut moved = 0;
    for (k, (&x, &g)) in f32s.iter().zip(got).enumerate() {
        let r = H::round(x);
        let want = if r < range.0 {
            range.0
        } else if r > range.1 {
            range.1
        } else {
            r
        };
        assert_eq!(
            g.bits(),
            want.bits(),
            "{what} [{k}]: f32 {x:e} rounds to {r:?}, got {g:?}, want {want:?}"
        );
        if want.bits() != r.bits() {
            // only a value that rounding put on (or past) the bound moves, by one ulp
            assert!(
                r.bits() == range.0.down().bits() || r.bits() == range.1.up().bits(),
                "{what} [{k}]: {r:?} moved to {g:?}"
            );
            moved += 1;
        }
    }
    moved
}

fn schemes() -> Vec<(Init, Vec<usize>)> {
    let m = vec![40, 30];
    let conv = vec![8, 4, 3, 3];
    vec![
        (Init::he_normal(), m.clone()),
        (Init::he_uniform(), m.clone()),
        (Init::glorot_normal(), m.clone()),
        (Init::glorot_uniform(), m.clone()),
        (Init::lecun_normal(), m.clone()),
        (Init::torch_default(), m.clone()),
        (Init::uniform(-0.3, 0.7), m.clone()),
        (Init::uniform(-1.0, 1.0), m.clone()),
        (Init::normal(0.5, 2.0), m.clone()),
        (Init::normal(0.0, 0.02).truncated(), m.clone()),
        (Init::he_normal().truncated(), m.clone()),
        // rejection from normal draws, uniform proposals, exponential proposals
        (Init::truncated_normal(0.0, 0.5, -1.0, 1.0), m.clone()),
        (Init::truncated_normal(-3.0, 1.0, -0.5, 0.5), m.clone()),
        (Init::truncated_normal(0.0, 1.0, 4.0, 6.0), m.clone()),
        (
            Init::truncated_normal(0.0, 1.0, 0.0, 1.0 / 1024.0),
            m.clone(),
        ),
        (Init::constant(0.1), m.clone()),
        (Init::ones(), m.clone()),
        (Init::orthogonal(), m.clone()),
        (Init::sparse(0.4, 0.1), m.clone()),
        (Init::eye(), m.clone()),
        (Init::dirac(1), conv.clone()),
        (Init::delta_orthogonal(), conv),
    ]
}

fn keyed<E: Float>(init: &Init, shape: &[usize], seed: u64, path: &str) -> Vec<E> {
    let mut a = ArrayD::<E>::from_elem(IxDyn(shape), E::ZERO);
    init.fill_seeded(&mut a, seed, path).unwrap();
    a.iter().copied().collect()
}

fn streamed<E: Float>(init: &Init, shape: &[usize], seed: u64) -> Vec<E> {
    let mut a = ArrayD::<E>::from_elem(IxDyn(shape), E::ZERO);
    init.fill(&mut a, &mut rng(seed)).unwrap();
    a.iter().copied().collect()
}

fn check_scheme<H: Half>(init: &Init, shape: &[usize]) {
    let range = allowed::<H>(init.resolve(shape).unwrap().distribution);
    let what = format!("{init} {shape:?} {}", H::NAME);
    let want = keyed::<f32>(init, shape, 11, "layers[2].w");
    let got = keyed::<H>(init, shape, 11, "layers[2].w");
    assert_rounded(&want, &got, range, &format!("keyed {what}"));
    let want = streamed::<f32>(init, shape, 12);
    let got = streamed::<H>(init, shape, 12);
    assert_rounded(&want, &got, range, &format!("rng stream {what}"));
}

#[test]
fn every_scheme_gives_the_f32_values_rounded() {
    for (init, shape) in schemes() {
        check_scheme::<f16>(&init, &shape);
        check_scheme::<bf16>(&init, &shape);
    }
}

#[test]
fn layouts_shards_and_parallel_fills_agree() {
    let init = Init::truncated_normal(0.0, 0.5, -1.0, 1.0);
    let range = allowed::<f16>(init.resolve(&[1]).unwrap().distribution);
    // large enough for the parallel path (chunks of 4096), odd length
    let n = 3 * 4096 + 5;
    let mut w32 = vec![0.0f32; n];
    init.fill_seeded(&mut w32, 3, "emb").unwrap();
    let mut w16 = vec![f16::ZERO; n];
    init.fill_seeded(&mut w16, 3, "emb").unwrap();
    assert_rounded(&w32, &w16, range, "parallel Vec");
    // a shard starting mid-counter (element 3) and a slice
    let mut shard = vec![f16::ZERO; 997];
    init.fill_shard(&mut shard, &[n], Region::Elements(3..1000), 3, "emb")
        .unwrap();
    assert_eq!(shard, w16[3..1000]);
    let mut part = vec![f16::ZERO; n];
    init.fill_seeded(&mut part[..], 3, "emb").unwrap();
    assert_eq!(part, w16);
    // a transposed, non-contiguous view: logical order, whatever the memory layout
    let mut a32 = Array2::<f32>::zeros((30, 20));
    let mut a16 = Array2::<bf16>::from_elem((30, 20), bf16::ZERO);
    Init::he_uniform()
        .fill_seeded(&mut a32.slice_mut(s![..;2, ..]).reversed_axes(), 5, "w")
        .unwrap();
    Init::he_uniform()
        .fill_seeded(&mut a16.slice_mut(s![..;2, ..]).reversed_axes(), 5, "w")
        .unwrap();
    let range = allowed::<bf16>(Init::he_uniform().resolve(&[20, 15]).unwrap().distribution);
    let v32: Vec<f32> = a32.iter().copied().collect();
    let v16: Vec<bf16> = a16.iter().copied().collect();
    assert_rounded(&v32, &v16, range, "strided view");
    assert!(a16.slice(s![1..;2, ..]).iter().all(|x| x.to_f64() == 0.0));
    // fixed-size arrays
    let mut fixed = [[f16::ZERO; 6]; 4];
    let mut fixed32 = [[0.0f32; 6]; 4];
    Init::glorot_normal()
        .fill_seeded(&mut fixed, 1, "k")
        .unwrap();
    Init::glorot_normal()
        .fill_seeded(&mut fixed32, 1, "k")
        .unwrap();
    let flat32: Vec<f32> = fixed32.iter().flatten().copied().collect();
    let flat16: Vec<f16> = fixed.iter().flatten().copied().collect();
    assert_rounded(&flat32, &flat16, allowed::<f16>(None), "fixed-size array");
}

/// Kolmogorov–Smirnov test of half-precision samples against the law they are drawn from,
/// discretised by rounding.
///
/// Why not the continuous KS test: rounding makes the law discrete, a step function G that
/// differs from the continuous F by up to half a jump at each representable value, where the
/// jump is density × spacing: for bf16 (spacing 2⁻⁷ relative) and N(0.5, 2²) about
/// 0.15 × 2⁻⁶ ≈ 2.3e-3 near x = 2. The continuous test counts that half jump, ~1.2e-3, as
/// evidence against the sampler: at n = 10⁵ it stays below the p = 1e-4 critical value
/// 2.2/√n ≈ 7e-3, but from n ≈ 3·10⁶ on it rejects correctly rounded values (and coarse cases
/// at any n: see `the_discrete_test_accepts_what_the_continuous_test_rejects`). So we test
/// against the exact law of the rounded values: G(x) = F(midpoint of x and the next value up),
/// since round to nearest sends (midpoint below, midpoint above) to x; 0 below the smallest
/// allowed value and 1 from the largest (the one-ulp moves at the bounds put the bound's mass
/// there). D is the supremum of |F_n − G| over the real line: both are step functions, so it
/// is reached at a sample value x (|F_n(x) − G(x)|) or just below one (|F_n(x⁻) − G(prev(x))|, which also
/// covers the representable values between samples, where F_n stays flat while G climbs).
/// With a discontinuous G, the Kolmogorov distribution's p-value is conservative (Noether
/// 1963), so p > 1e-4 is a valid acceptance rule; the power check below shows the test still
/// rejects a 5% error in the std. (Rounding ties to even, and the f32 grid of the values before
/// rounding, move G by ~2⁻¹³ of a jump: far below the test's resolution.)
fn discrete_ks<H: Half>(xs: Vec<H>, cdf: impl Fn(f64) -> f64, range: (H, H)) -> (f64, f64) {
    let g = |x: H| {
        if x < range.0 {
            0.0
        } else if x >= range.1 {
            1.0
        } else {
            cdf((x.to_f64() + x.up().to_f64()) / 2.0)
        }
    };
    let mut xs: Vec<(f64, H)> = xs.into_iter().map(|x| (x.to_f64(), x)).collect();
    xs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let n = xs.len() as f64;
    let mut d = 0.0f64;
    let mut i = 0;
    while i < xs.len() {
        let x = xs[i].1;
        let mut j = i;
        // −0 and +0 are one value
        while j < xs.len() && xs[j].0 == xs[i].0 {
            j += 1;
        }
        // F_n(x⁻) = i/n, F_n(x) = j/n
        d = d
            .max((j as f64 / n - g(x)).abs())
            .max((i as f64 / n - g(x.down())).abs());
        i = j;
    }
    let sqrt_n = n.sqrt();
    (d, kolmogorov_sf((sqrt_n + 0.12 + 0.11 / sqrt_n) * d))
}

fn assert_discrete_law<H: Half>(init: &Init, xs: Vec<H>, what: &str) {
    let d = init.resolve(&[100, 100]).unwrap().distribution.unwrap();
    let (stat, p) = discrete_ks(xs, |x| d.cdf(x), allowed::<H>(Some(d)));
    assert!(p > 1e-4, "{what} {}: D = {stat:.5}, p = {p:.3e}", H::NAME);
}

fn laws<H: Half>() {
    let n = 50_000;
    let cases = [
        Init::normal(0.5, 2.0),
        Init::uniform(-1.0, 3.0),
        Init::he_normal().fans(100, 100).truncated(),
        Init::truncated_normal(-3.0, 1.0, -0.5, 0.5),
        Init::truncated_normal(0.0, 1.0, 4.0, 6.0),
        // narrow: every ~2000th (f16) / ~500th (bf16) draw rounds onto a bound and moves
        Init::truncated_normal(0.0, 1.0, -1.0 / 1024.0, 1.0 / 1024.0),
    ];
    for (seed, init) in (20..).zip(cases) {
        let xs = keyed::<H>(&init, &[n], seed, "w");
        assert_discrete_law(&init, xs, &format!("keyed {init}"));
    }
    let init = Init::glorot_uniform().fans(30, 50);
    assert_discrete_law(
        &init,
        streamed::<H>(&init, &[n], 30),
        "rng stream glorot_uniform",
    );
    let init = Init::normal(0.0, 0.1).truncated();
    assert_discrete_law(
        &init,
        streamed::<H>(&init, &[n], 31),
        "rng stream truncated",
    );
    // power: the same test rejects a 5% wrong std
    let n = 100_000;
    let xs = keyed::<H>(&Init::normal(0.5, 2.0), &[n], 20, "w");
    let range = allowed::<H>(None);
    let (_, p) = discrete_ks(xs.clone(), |x| normal_cdf(x, 0.5, 2.1), range);
    assert!(p < 1e-6, "{} power: p = {p:.3e}", H::NAME);
    let (_, p) = discrete_ks(xs, |x| normal_cdf(x, 0.5, 2.0), range);
    assert!(p > 1e-4, "{} control: p = {p:.3e}", H::NAME);
}

#[test]
fn rounded_values_follow_the_discretised_law() {
    laws::<f16>();
    laws::<bf16>();
}

#[test]
fn the_discrete_test_accepts_what_the_continuous_test_rejects() {
    // uniform(1, 1 + 2⁻⁴) in bf16: 8 values 2⁻⁷ apart. 1 takes the f32 draws of half a cell
    // (mass 1/16), the next six a whole cell (1/8), the last one its half cell plus the draws
    // that round up to the excluded 1 + 2⁻⁴ (3/16).
    let init = Init::uniform(1.0, 1.0625);
    let n = 20_000;
    let xs = keyed::<bf16>(&init, &[n], 4, "u");
    let range = allowed::<bf16>(init.resolve(&[1]).unwrap().distribution);
    let cdf = |x| uniform_cdf(x, 1.0, 1.0625);
    let (d, p) = discrete_ks(xs.clone(), cdf, range);
    assert!(p > 1e-4, "discrete: D = {d}, p = {p:.3e}");
    let mut counts = [0usize; 8];
    for x in &xs {
        counts[((x.to_f64() - 1.0) * 128.0) as usize] += 1;
    }
    let last = counts[7] as f64 / n as f64;
    assert!((last - 3.0 / 16.0).abs() < 0.015, "{counts:?}");
    assert!(
        (counts[0] as f64 / n as f64 - 1.0 / 16.0).abs() < 0.01,
        "{counts:?}"
    );
    // the continuous test sees steps of 1/8 against a ramp: D ≈ 1/16, rejected
    let mut cont: Vec<f64> = xs.iter().map(|x| x.to_f64()).collect();
    let t = weight_init::stats::ks_test(&mut cont, cdf);
    assert!(t.statistic > 0.05 && t.p_value < 1e-10, "{t:?}");
}

/// Dense truncated-normal samples, keyed and from the rng stream: no value on or past a bound,
/// the bound's mass one ulp inward, and the moves really happened (the test is targeted: the
/// bounds sit where the type's spacing is a sizeable fraction of the std, so that rounding
/// lands on them often).
fn bounds_hold<H: Half>(init: &Init, low: f64, high: f64, n: usize) {
    let d = init.resolve(&[1]).unwrap().distribution;
    let range = allowed::<H>(d);
    let what = format!("{init} {}", H::NAME);
    let want = keyed::<f32>(init, &[n], 1, "w");
    let got = keyed::<H>(init, &[n], 1, "w");
    let moved = assert_rounded(&want, &got, range, &what);
    assert!(
        got.iter().all(|x| low < x.to_f64() && x.to_f64() < high),
        "{what}: a value on or past a bound"
    );
    let lows = got.iter().filter(|x| x.bits() == range.0.bits()).count();
    let highs = got.iter().filter(|x| x.bits() == range.1.bits()).count();
    // expected moves: n × (density × half an ulp) at each bound, ≥ 100 in these cases
    assert!(moved >= 50, "{what}: only {moved} values moved off a bound");
    assert!(
        lows > 0 && highs > 0,
        "{what}: {lows} at low+, {highs} at high-"
    );
    let want = streamed::<f32>(init, &[n], 2);
    let got = streamed::<H>(init, &[n], 2);
    let moved = assert_rounded(&want, &got, range, &format!("rng stream {what}"));
    assert!(moved >= 50, "rng stream {what}: only {moved} moved");
    assert!(got.iter().all(|x| low < x.to_f64() && x.to_f64() < high));
}

#[test]
fn truncated_normal_never_reaches_a_bound() {
    // Bounds exactly representable in both types. Around 100, f16 values are 1/16 apart and
    // bf16 values 1/2: with std 1 (f16) or 4 (bf16), a few percent of the draws round onto a
    // bound.
    // ±2σ: rejection from normal draws (~1.8e-3 of the f16 draws round onto each bound)
    let normal = Init::truncated_normal(100.0, 1.0, 98.0, 102.0);
    bounds_hold::<f16>(&normal, 98.0, 102.0, 100_000);
    let normal = Init::truncated_normal(100.0, 4.0, 92.0, 108.0);
    bounds_hold::<bf16>(&normal, 92.0, 108.0, 50_000);
    // ±σ/2: uniform proposals (~3% per bound in f16)
    let narrow = Init::truncated_normal(100.0, 4.0, 98.0, 102.0);
    bounds_hold::<f16>(&narrow, 98.0, 102.0, 20_000);
    bounds_hold::<bf16>(&narrow, 98.0, 102.0, 20_000);
    // [0, 2⁻¹⁰] near 0, std 1: the bound at zero and subnormal f16s (one draw in ~4000 rounds
    // onto 2⁻¹⁰, one in ~30000 onto 0)
    let tiny = Init::truncated_normal(0.0, 1.0, 0.0, 1.0 / 1024.0);
    let inside = |x: f64| 0.0 < x && x < 1.0 / 1024.0;
    let xs = keyed::<f16>(&tiny, &[300_000], 3, "w");
    assert!(xs.iter().all(|x| inside(x.to_f64())));
    let xs = keyed::<bf16>(&tiny, &[100_000], 3, "w");
    assert!(xs.iter().all(|x| inside(x.to_f64())));
    // the one-sided tail [2, 2.5] of N(0, 1): exponential proposals
    let tail = Init::truncated_normal(0.0, 1.0, 2.0, 2.5);
    bounds_hold::<f16>(&tail, 2.0, 2.5, 100_000);
    bounds_hold::<bf16>(&tail, 2.0, 2.5, 20_000);
}

#[test]
fn bounds_that_are_not_representable_stay_strict() {
    // 0.1 is not an f16: values stay strictly inside (−0.1, 0.1) and reach its neighbours
    let init = Init::truncated_normal(0.0, 1.0, -0.1, 0.1);
    let xs = keyed::<f16>(&init, &[200_000], 8, "w");
    assert!(xs.iter().all(|x| x.to_f64().abs() < 0.1));
    let (lo, hi) = allowed::<f16>(init.resolve(&[1]).unwrap().distribution);
    assert!(xs.contains(&lo) && xs.contains(&hi));
    // a std far below the spacing near 0: every value rounds to 0, which is inside
    let tiny = keyed::<f16>(&Init::normal(0.0, 1e-10).truncated(), &[1000], 1, "w");
    assert!(tiny.iter().all(|x| x.to_f64() == 0.0));
}

#[test]
fn uniform_never_reaches_high() {
    // f16 values in [64, 128) are 1/16 apart: f32 draws in [100 − 1/32, 100) round up to 100
    // (3% of them); uniform(0, 0.25): those in [0.25 − 2⁻¹⁴, 0.25), ~2.4e-4 of them
    for (init, high, n) in [
        (Init::uniform(99.0, 100.0), 100.0, 20_000),
        (Init::uniform(0.0, 0.25), 0.25, 400_000),
    ] {
        let range = allowed::<f16>(init.resolve(&[1]).unwrap().distribution);
        let want = keyed::<f32>(&init, &[n], 2, "b");
        let got = keyed::<f16>(&init, &[n], 2, "b");
        let moved = assert_rounded(&want, &got, range, &format!("{init}"));
        assert!(moved > 30, "{init}: {moved} moved");
        assert!(got.iter().all(|x| x.to_f64() < high));
        assert_eq!(
            got.iter().map(|x| x.to_f64()).fold(0.0, f64::max),
            range.1.to_f64()
        );
        let want = streamed::<f32>(&init, &[n], 3);
        let got = streamed::<f16>(&init, &[n], 3);
        let moved = assert_rounded(&want, &got, range, &format!("rng stream {init}"));
        assert!(moved > 30, "rng stream {init}: {moved} moved");
        assert!(got.iter().all(|x| x.to_f64() < high));
        let got = keyed::<bf16>(&init, &[n], 2, "b");
        assert!(got.iter().all(|x| x.to_f64() < high));
    }
}

fn assert_not_representable<H: Half>(init: &Init, shape: &[usize], dtype: &str) {
    let mut a = ArrayD::<H>::from_elem(IxDyn(shape), H::ZERO);
    for r in [
        init.fill_seeded(&mut a, 1, "w"),
        init.fill(&mut a, &mut rng(1)),
    ] {
        let e = r.expect_err("must be refused");
        assert!(
            matches!(e.kind(), ErrorKind::NotRepresentable { dtype: d, .. } if *d == dtype),
            "{init}: {e}"
        );
    }
    assert!(a.iter().all(|x| x.to_f64() == 0.0), "{init}: written to");
}

#[test]
fn too_large_values_are_errors_not_infinities() {
    // N(0, 2000²): ±40σ = 80000 > 65504
    assert_not_representable::<f16>(&Init::normal(0.0, 2000.0), &[10, 10], "f16");
    assert_not_representable::<f16>(&Init::uniform(-1e5, 1e5), &[10, 10], "f16");
    assert_not_representable::<f16>(&Init::constant(7e4), &[10, 10], "f16");
    assert_not_representable::<f16>(&Init::he_normal().scale(1e4), &[10, 10], "f16");
    assert_not_representable::<f16>(&Init::orthogonal().scale(1e5), &[10, 10], "f16");
    assert_not_representable::<f16>(&Init::eye().scale(1e5), &[10, 10], "f16");
    assert_not_representable::<f16>(&Init::sparse(0.5, 2000.0), &[10, 10], "f16");
    // bf16 reaches 3.4e38: the same schemes are fine there, and finite
    for init in [Init::normal(0.0, 2000.0), Init::uniform(-1e5, 1e5)] {
        let xs = keyed::<bf16>(&init, &[1000], 1, "w");
        assert!(xs.iter().all(|x| x.to_f64().is_finite()));
        let xs = keyed::<f16>(&init.clone().scale(0.01), &[1000], 1, "w");
        assert!(xs.iter().all(|x| x.to_f64().is_finite()), "{init}");
    }
    assert_not_representable::<bf16>(&Init::normal(0.0, 1e37), &[10], "bf16");
    // std 1600: 40σ = 64000 fits, and every value is finite
    let xs = keyed::<f16>(&Init::normal(0.0, 1600.0), &[10_000], 1, "w");
    assert!(xs.iter().all(|x| x.to_f64().is_finite()));
    // a truncation interval without a value strictly inside is refused for the half type
    let init = Init::truncated_normal(0.0, 1.0, 1.0, 1.0 + 1.0 / 1024.0);
    assert_not_representable::<f16>(&init, &[10], "f16");
    assert!(
        keyed::<f32>(&init, &[10], 1, "w")
            .iter()
            .all(|x| (1.0..=1.0 + 1.0 / 1024.0).contains(x))
    );
    let init = Init::truncated_normal(0.0, 1.0, 1.0, 1.0 + 1.0 / 128.0);
    assert_not_representable::<bf16>(&init, &[10], "bf16");
    let xs = keyed::<f16>(&init, &[1000], 1, "w");
    assert!(
        xs.iter()
            .all(|x| 1.0 < x.to_f64() && x.to_f64() < 1.0 + 1.0 / 128.0)
    );
}

#[derive(Initialize)]
struct HalfNet {
    #[init(he_normal)]
    w: Array2<f16>,
    #[init(zeros)]
    b: Array1<f16>,
    #[init(truncated_normal(std = 0.02, low = -0.04, high = 0.04))]
    emb: Array2<bf16>,
    #[init(orthogonal)]
    q: Array2<f16>,
    #[init(sparse(sparsity = 0.5, std = 0.01))]
    sp: Array2<bf16>,
    #[init(glorot_uniform)]
    fixed: [[bf16; 4]; 3],
    #[init(normal(std = 0.5))]
    v: Vec<f16>,
}

#[derive(Initialize)]
struct F32Net {
    #[init(he_normal)]
    w: Array2<f32>,
    #[init(zeros)]
    b: Array1<f32>,
    #[init(truncated_normal(std = 0.02, low = -0.04, high = 0.04))]
    emb: Array2<f32>,
    #[init(orthogonal)]
    q: Array2<f32>,
    #[init(sparse(sparsity = 0.5, std = 0.01))]
    sp: Array2<f32>,
    #[init(glorot_uniform)]
    fixed: [[f32; 4]; 3],
    #[init(normal(std = 0.5))]
    v: Vec<f32>,
}

impl HalfNet {
    fn new() -> Self {
        HalfNet {
            w: Array2::from_elem((32, 16), f16::ZERO),
            b: Array1::from_elem(32, f16::ONE),
            emb: Array2::from_elem((50, 8), bf16::ZERO),
            q: Array2::from_elem((16, 8), f16::ZERO),
            sp: Array2::from_elem((12, 6), bf16::ZERO),
            fixed: [[bf16::ZERO; 4]; 3],
            v: vec![f16::ZERO; 9],
        }
    }

    /// Every parameter equals the f32 twin's rounded (with the truncation bounds kept).
    fn assert_matches(&self, twin: &F32Net, what: &str) {
        fn same<H: Half>(got: Vec<H>, want: Vec<f32>, init: Init, shape: &[usize], what: &str) {
            let range = allowed::<H>(init.resolve(shape).unwrap().distribution);
            assert_rounded(&want, &got, range, what);
        }
        let v = |a: &ArrayD<f32>| a.iter().copied().collect::<Vec<f32>>();
        same(
            self.w.iter().copied().collect(),
            v(&twin.w.clone().into_dyn()),
            Init::he_normal(),
            &[32, 16],
            what,
        );
        assert!(self.b.iter().all(|x| x.to_f64() == 0.0));
        let tn = Init::truncated_normal(0.0, 0.02, -0.04, 0.04);
        same(
            self.emb.iter().copied().collect(),
            v(&twin.emb.clone().into_dyn()),
            tn,
            &[50, 8],
            what,
        );
        same(
            self.q.iter().copied().collect(),
            v(&twin.q.clone().into_dyn()),
            Init::orthogonal(),
            &[16, 8],
            what,
        );
        same(
            self.sp.iter().copied().collect(),
            v(&twin.sp.clone().into_dyn()),
            Init::zeros(),
            &[12, 6],
            what,
        );
        let fixed: Vec<f32> = twin.fixed.iter().flatten().copied().collect();
        same(
            self.fixed.iter().flatten().copied().collect(),
            fixed,
            Init::glorot_uniform(),
            &[3, 4],
            what,
        );
        same(
            self.v.clone(),
            twin.v.clone(),
            Init::normal(0.0, 0.5),
            &[9],
            what,
        );
        assert!(self.emb.iter().all(|x| x.to_f64().abs() < 0.04));
    }
}

impl F32Net {
    fn new() -> Self {
        F32Net {
            w: Array2::zeros((32, 16)),
            b: Array1::ones(32),
            emb: Array2::zeros((50, 8)),
            q: Array2::zeros((16, 8)),
            sp: Array2::zeros((12, 6)),
            fixed: [[0.0; 4]; 3],
            v: vec![0.0; 9],
        }
    }
}

#[test]
fn a_derived_model_of_half_arrays() {
    let (mut h, mut f) = (HalfNet::new(), F32Net::new());
    h.init_seeded(42).unwrap();
    f.init_seeded(42).unwrap();
    h.assert_matches(&f, "init_seeded");
    // keyed: the same as filling each parameter alone by its path
    let mut w = Array2::from_elem((32, 16), f16::ZERO);
    Init::he_normal().fill_seeded(&mut w, 42, "w").unwrap();
    assert_eq!(w, h.w);
    let (mut h, mut f) = (HalfNet::new(), F32Net::new());
    h.initialize(&mut rng(9)).unwrap();
    f.initialize(&mut rng(9)).unwrap();
    h.assert_matches(&f, "initialize");
    // the orthogonal f16 matrix is orthonormal to f16 precision
    let q = h.q.mapv(|x| x.to_f32());
    let gram = q.t().dot(&q);
    for ((i, j), g) in gram.indexed_iter() {
        let want = if i == j { 1.0 } else { 0.0 };
        assert!((g - want).abs() < 4e-3, "QᵀQ[{i}, {j}] = {g}");
    }
}
