//! Throughput of weight-init's fills (divan). `cargo bench --bench fill`; the side-by-side
//! comparison with PyTorch and NumPy is `python3 bench/compare.py`.
//!
//! Each case runs at 1 and 2 threads (a rayon pool of that size); sequential `fill` from an rng
//! does not use threads and is measured once.

use divan::{Bencher, black_box};
use ndarray::Array2;
use rand::SeedableRng;
use weight_init::Init;

fn main() {
    divan::main();
}

const N: usize = 4096;

fn cases() -> [(&'static str, Init); 3] {
    [
        ("uniform", Init::uniform(-1.0, 1.0)),
        ("he_normal", Init::he_normal()),
        (
            "truncated_normal",
            Init::truncated_normal_sigmas(0.0, 0.02, 2.0),
        ),
    ]
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Keyed fill of a 4096×4096 f32 array (parallel above the cut-off).
#[divan::bench(args = ["uniform", "he_normal", "truncated_normal"], consts = [1, 2], sample_count = 10)]
fn keyed_4096<const THREADS: usize>(bencher: Bencher, scheme: &str) {
    let init = cases()
        .into_iter()
        .find(|c| c.0 == scheme)
        .map(|c| c.1)
        .unwrap();
    let pool = pool(THREADS);
    let mut w = Array2::<f32>::zeros((N, N));
    bencher
        .counter(divan::counter::ItemsCount::new(N * N))
        .bench_local(|| pool.install(|| init.fill_seeded(black_box(&mut w), 42, "w").unwrap()));
}

/// Sequential fill of a 4096×4096 f32 array from a ChaCha8 rng.
#[divan::bench(args = ["uniform", "he_normal", "truncated_normal"], sample_count = 10)]
fn rng_4096(bencher: Bencher, scheme: &str) {
    let init = cases()
        .into_iter()
        .find(|c| c.0 == scheme)
        .map(|c| c.1)
        .unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let mut w = Array2::<f32>::zeros((N, N));
    bencher
        .counter(divan::counter::ItemsCount::new(N * N))
        .bench_local(|| init.fill(black_box(&mut w), &mut rng).unwrap());
}

/// Orthogonal, keyed (QR is sequential whatever the pool).
#[divan::bench(args = [1024, 4096], sample_count = 3)]
fn orthogonal(bencher: Bencher, n: usize) {
    let mut w = Array2::<f32>::zeros((n, n));
    bencher.bench_local(|| {
        Init::orthogonal()
            .fill_seeded(black_box(&mut w), 42, "w")
            .unwrap()
    });
}
