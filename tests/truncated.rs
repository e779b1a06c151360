//! The truncated normal sampler at its edges.

mod common;

use std::collections::HashSet;

use common::{assert_ks, mean_std, rng};
use weight_init::stats::truncated_normal_cdf;
use weight_init::{ElementDistribution, Init};

fn draw_f32(init: &Init, n: usize, seed: u64) -> Vec<f32> {
    let mut v = vec![0.0f32; n];
    init.fill(&mut v, &mut rng(seed)).unwrap();
    v
}

#[test]
fn bounds_hold_at_f32_precision() {
    for (k, (mean, std, low, high)) in [
        (0.0, 0.02, -0.04, 0.04),
        (0.0, 1.0, -2.0, 2.0),
        (0.3, 0.1, 0.25, 0.2501),
        (-3.0, 1.0, -0.5, 0.5),
        (0.0, 1e3, -1e-3, 1e-3),
    ]
    .into_iter()
    .enumerate()
    {
        let xs = draw_f32(
            &Init::truncated_normal(mean, std, low, high),
            20_000,
            k as u64,
        );
        let (lo, hi) = (low as f32, high as f32);
        assert!(
            xs.iter().all(|&x| lo <= x && x <= hi),
            "({mean}, {std}) on [{low}, {high}] escapes its bounds"
        );
    }
}

#[test]
fn narrow_interval_far_from_the_mean() {
    // mean −3, std 1, on [−0.5, 0.5]: almost all mass near −0.5
    let init = Init::truncated_normal(-3.0, 1.0, -0.5, 0.5);
    let mut xs = vec![0.0f64; 20_000];
    init.fill(&mut xs, &mut rng(3)).unwrap();
    assert!(xs.iter().all(|&x| (-0.5..=0.5).contains(&x)));
    assert_ks(
        xs.clone(),
        |x| truncated_normal_cdf(x, -3.0, 1.0, -0.5, 0.5),
        "mean outside",
    );
    let r = init.resolve(&[1]).unwrap();
    let (m, s) = mean_std(&xs);
    let se = r.std / (xs.len() as f64).sqrt();
    assert!((m - r.mean).abs() < 5.0 * se, "mean {m} vs {}", r.mean);
    assert!((s / r.std - 1.0).abs() < 0.03, "std {s} vs {}", r.std);
    // deep in the tail: 25 standard deviations out
    let mut far = vec![0.0f64; 5_000];
    Init::truncated_normal(0.0, 1.0, 25.0, 26.0)
        .fill(&mut far, &mut rng(4))
        .unwrap();
    assert!(far.iter().all(|&x| (25.0..=26.0).contains(&x)));
    assert_ks(
        far,
        |x| truncated_normal_cdf(x, 0.0, 1.0, 25.0, 26.0),
        "25σ tail",
    );
}

#[test]
fn small_std_never_hits_a_bound() {
    let init = Init::truncated_normal(0.0, 0.002, -2.0, 2.0);
    let xs = draw_f32(&init, 10_000, 5);
    assert!(xs.iter().all(|&x| x != -2.0 && x != 2.0));
    let v: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
    let (_, s) = mean_std(&v);
    assert!((s / 0.002 - 1.0).abs() < 0.01, "std {s}");
    let distinct: HashSet<u32> = xs.iter().map(|x| x.to_bits()).collect();
    assert!(distinct.len() > 5000, "{} distinct values", distinct.len());
}

#[test]
fn many_distinct_values() {
    let xs = draw_f32(&Init::truncated_normal(0.0, 1.0, -2.0, 2.0), 10_000, 6);
    let distinct: HashSet<u32> = xs.iter().map(|x| x.to_bits()).collect();
    assert!(distinct.len() > 5000, "{} distinct values", distinct.len());
}

#[test]
fn resolved_moments_match_samples() {
    for (k, (mean, std, low, high)) in [
        (0.0, 1.0, -2.0, 2.0),
        (1.0, 2.0, 0.0, 10.0),
        (0.0, 1.0, 1.0, f64::INFINITY),
    ]
    .into_iter()
    .enumerate()
    {
        let init = Init::truncated_normal(mean, std, low, high);
        let r = init.resolve(&[10]).unwrap();
        assert_eq!(
            r.distribution,
            Some(ElementDistribution::TruncatedNormal {
                mean,
                std,
                low,
                high
            })
        );
        let mut xs = vec![0.0f64; 40_000];
        init.fill(&mut xs, &mut rng(10 + k as u64)).unwrap();
        let (m, s) = mean_std(&xs);
        let se = r.std / (xs.len() as f64).sqrt();
        assert!((m - r.mean).abs() < 5.0 * se, "{k}: mean {m} vs {}", r.mean);
        // the sample std's standard error is about std / sqrt(2n) for these light tails
        assert!(
            (s - r.std).abs() < 5.0 * r.std / (2.0 * xs.len() as f64).sqrt(),
            "{k}: std {s} vs {}",
            r.std
        );
    }
}

// Keyed f32 truncated normals within ±4σ: the inverse CDF at one Philox word per element
// (keyed contract 4).

fn keyed_f32(init: &Init, n: usize, seed: u64) -> Vec<f32> {
    let mut v = vec![0.0f32; n];
    init.fill_seeded(&mut v, seed, "encoder.layers.0.attn.w_q")
        .unwrap();
    v
}

/// The cases of the inverse CDF: (mean, std, low, high), in standardised terms ±2σ (ViT/BERT),
/// ±3σ (OLMo), one-sided [0, 2σ], narrow [0.1, 0.2], asymmetric [−1σ, 3.5σ], the widest ±4σ.
const QUANTILE_CASES: [(f64, f64, f64, f64); 6] = [
    (0.0, 0.02, -0.04, 0.04),
    (0.0, 0.02, -0.06, 0.06),
    (0.0, 1.0, 0.0, 2.0),
    (0.0, 1.0, 0.1, 0.2),
    (0.3, 0.5, -0.2, 2.05),
    (1.0, 2.0, -6.98, 8.98),
];

/// A million keyed f32 values of each case pass a KS test against the exact truncated CDF, lie
/// in [low, high] (rounded to f32), none NaN; and the test has teeth: ±2σ values fail against
/// ±2.05σ.
#[test]
fn keyed_f32_inverse_cdf_follows_the_law() {
    let n = 1_000_000;
    for (k, &(mean, std, low, high)) in QUANTILE_CASES.iter().enumerate() {
        let init = Init::truncated_normal(mean, std, low, high);
        let xs = keyed_f32(&init, n, 100 + k as u64);
        let (lo, hi) = (low as f32, high as f32);
        assert!(
            xs.iter().all(|&x| lo <= x && x <= hi),
            "({mean}, {std}) on [{low}, {high}]: a value outside the bounds or NaN"
        );
        assert_ks(
            xs.iter().map(|&x| f64::from(x)).collect(),
            |x| truncated_normal_cdf(x, mean, std, low, high),
            &format!("keyed f32 ({mean}, {std}) on [{low}, {high}]"),
        );
    }
    let xs = keyed_f32(&Init::truncated_normal(0.0, 1.0, -2.0, 2.0), n, 7);
    let mut wrong: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
    let r = weight_init::stats::ks_test(&mut wrong, |x| {
        truncated_normal_cdf(x, 0.0, 1.0, -2.05, 2.05)
    });
    assert!(r.p_value < 1e-6, "±2σ passes as ±2.05σ: p = {}", r.p_value);
}

/// The inverse CDF's values: the same bits from any start (shards at odd offsets) and for 1,
/// 2 and 3 threads.
#[test]
fn keyed_f32_inverse_cdf_is_the_same_from_any_start_and_thread_count() {
    let shape = [300usize, 301]; // above the parallel cut-off, not a multiple of 4
    let len = shape[0] * shape[1];
    for &(mean, std, low, high) in &QUANTILE_CASES {
        let init = Init::truncated_normal(mean, std, low, high);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut a = ndarray::Array2::<f32>::zeros((shape[0], shape[1]));
                init.fill_seeded(&mut a, 5, "w").unwrap();
                a.into_raw_vec_and_offset().0
            })
        };
        let one = run(1);
        assert!(one == run(2) && one == run(3), "[{low}, {high}]: threads");
        let mut joined = Vec::with_capacity(len);
        for pair in [0, 1, 6, 37, 4099, 50_001, len].windows(2) {
            let mut shard = vec![0.0f32; pair[1] - pair[0]];
            init.fill_shard(
                &mut shard,
                &shape,
                weight_init::Region::Elements(pair[0]..pair[1]),
                5,
                "w",
            )
            .unwrap();
            joined.extend(shard);
        }
        assert!(joined == one, "[{low}, {high}]: shards");
    }
}
