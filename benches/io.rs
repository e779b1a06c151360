//! Saving and loading GPT-2 small (474.7 MiB of f32) as safetensors and `.npz` (divan).
//! `cargo bench --bench io --features safetensors,npy`; the side-by-side comparison with
//! `safetensors.torch` and NumPy is `python3 bench/io_compare.py`. Each save writes the whole
//! file and replaces the target atomically; each load reads it into the existing parameters
//! (the file is in the page cache after the first iteration).

#[path = "../examples/common/gpt2.rs"]
#[allow(dead_code)]
mod gpt2;

use divan::{Bencher, black_box};
use weight_init::Initialize;
use weight_init::export::{load_npz, load_safetensors, save_npz, save_safetensors};

fn main() {
    divan::main();
}

/// The model, initialised (its pages touched), and a file path under the target directory.
fn setup(name: &str) -> (gpt2::Gpt2, std::path::PathBuf) {
    let mut m = gpt2::Gpt2::full();
    m.init_seeded(1).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    (m, dir.join(name))
}

fn bytes(m: &gpt2::Gpt2) -> divan::counter::BytesCount {
    divan::counter::BytesCount::new(gpt2::count(m).1)
}

#[divan::bench(sample_count = 5)]
fn save_safetensors_gpt2(bencher: Bencher) {
    let (m, path) = setup("bench-io.safetensors");
    bencher
        .counter(bytes(&m))
        .bench_local(|| save_safetensors(black_box(&m), &path).unwrap());
    let _ = std::fs::remove_file(path);
}

#[divan::bench(sample_count = 5)]
fn load_safetensors_gpt2(bencher: Bencher) {
    let (mut m, path) = setup("bench-io-load.safetensors");
    save_safetensors(&m, &path).unwrap();
    bencher
        .counter(bytes(&m))
        .bench_local(|| load_safetensors(black_box(&mut m), &path).unwrap());
    let _ = std::fs::remove_file(path);
}

#[divan::bench(sample_count = 5)]
fn save_npz_gpt2(bencher: Bencher) {
    let (m, path) = setup("bench-io.npz");
    bencher
        .counter(bytes(&m))
        .bench_local(|| save_npz(black_box(&m), &path).unwrap());
    let _ = std::fs::remove_file(path);
}

#[divan::bench(sample_count = 5)]
fn load_npz_gpt2(bencher: Bencher) {
    let (mut m, path) = setup("bench-io-load.npz");
    save_npz(&m, &path).unwrap();
    bencher
        .counter(bytes(&m))
        .bench_local(|| load_npz(black_box(&mut m), &path).unwrap());
    let _ = std::fs::remove_file(path);
}
