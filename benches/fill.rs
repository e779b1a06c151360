//! Throughput of weight-init's fills (divan). `cargo bench --bench fill`; the side-by-side
//! comparison with PyTorch and NumPy is `python3 bench/compare.py`.
//!
//! Cases: keyed and rng fills of 4096² f32 (uniform, he_normal, truncated normal), orthogonal
//! 1024² and 4096², an RNN's 64 orthogonal 256² gates, GPT-2 small's keyed init; saving and
//! loading are in `benches/io.rs`.
//!
//! Each keyed case runs at 1 and 2 threads (a rayon pool of that size); sequential `fill` from an rng
//! does not use threads and is measured once.

#[path = "../examples/common/gpt2.rs"]
#[allow(dead_code)]
mod gpt2;
#[path = "../examples/common/rnn.rs"]
mod rnn;

use divan::{Bencher, black_box};
use ndarray::Array2;
use rand::SeedableRng;
use weight_init::{Init, Initialize};

fn main() {
    divan::main();
}

const N: usize = 4096;

fn cases() -> [(&'static str, Init); 4] {
    [
        ("uniform", Init::uniform(-1.0, 1.0)),
        ("he_normal", Init::he_normal()),
        (
            "truncated_normal",
            Init::truncated_normal_sigmas(0.0, 0.02, 2.0),
        ),
        // PyTorch's and timm's default bounds: [-2, 2] with std 0.02, ±100σ
        (
            "truncated_normal_torch_default",
            Init::truncated_normal(0.0, 0.02, -2.0, 2.0),
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
#[divan::bench(args = ["uniform", "he_normal", "truncated_normal", "truncated_normal_torch_default"], consts = [1, 2], sample_count = 10)]
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

/// Orthogonal, keyed, at 1 and 2 threads (the QR's work is split in fixed parts on the pool).
#[divan::bench(args = [1024, 4096], consts = [1, 2], sample_count = 3)]
fn orthogonal<const THREADS: usize>(bencher: Bencher, n: usize) {
    let pool = pool(THREADS);
    let mut w = Array2::<f32>::zeros((n, n));
    bencher.bench_local(|| {
        pool.install(|| {
            Init::orthogonal()
                .fill_seeded(black_box(&mut w), 42, "w")
                .unwrap()
        })
    });
}

/// An RNN's 64 gates of 256×256, keyed: 64 separate orthogonal parameters, or one (64·256,
/// 256) parameter with `blocks = 64`.
#[divan::bench(args = ["separate", "blocks"], consts = [1, 2], sample_count = 5)]
fn rnn_orthogonal_64x256<const THREADS: usize>(bencher: Bencher, layout: &str) {
    let pool = pool(THREADS);
    let (mut separate, mut fused) = (rnn::Separate::zeroed(), rnn::Fused::zeroed());
    bencher.bench_local(|| {
        pool.install(|| match layout {
            "separate" => black_box(&mut separate).init_seeded(42).unwrap(),
            _ => black_box(&mut fused).init_seeded(42).unwrap(),
        })
    });
}

/// GPT-2 small (124M f32 parameters, allocated once), initialised keyed.
#[divan::bench(consts = [1, 2], sample_count = 5)]
fn gpt2_init<const THREADS: usize>(bencher: Bencher) {
    let pool = pool(THREADS);
    let mut m = gpt2::Gpt2::full();
    bencher
        .counter(divan::counter::ItemsCount::new(gpt2::count(&m).0))
        .bench_local(|| pool.install(|| black_box(&mut m).init_seeded(1).unwrap()));
}
