//! The weight-init side of `python3 bench/io_compare.py`: saves or loads GPT-2 small once and
//! prints one JSON line (seconds, the process's peak RSS before and after, the parameters'
//! bytes). The model is allocated and initialised first in both cases, so a load writes into
//! existing, touched parameters. Not meant to be run by hand (but it can be):
//!
//! ```text
//! cargo run --release --features safetensors,npy --example bench_io -- <op> <format> <file> [durable]
//! ```
//!
//! `op` is `save` or `load`; `format` is `safetensors` (the whole model), `npz` (the whole
//! model) or `npy` (the token embedding `wte`, 50257×768 f32, alone); `durable` saves with
//! `SaveOptions::durable` (fsync of the file and its directory).

#[path = "common/gpt2.rs"]
#[allow(dead_code)]
mod gpt2;

use std::time::Instant;

use weight_init::Initialize;
use weight_init::export::{
    SaveOptions, load_npy, load_npz, load_safetensors, save_npy_with_options,
    save_npz_with_options, save_safetensors_with_options,
};

/// The process's peak resident set (VmHWM), in MiB (0 where /proc is not there).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let op = args.get(1).map_or("save", String::as_str);
    let format = args.get(2).map_or("safetensors", String::as_str);
    let file = args
        .get(3)
        .map_or("target/gpt2-bench.safetensors", String::as_str);
    let options = SaveOptions::new().with_durable(args.get(4).is_some_and(|a| a == "durable"));
    // initialised before either op, so that the pages are touched (as the peers' sides touch
    // theirs)
    let mut m = gpt2::Gpt2::full();
    m.init_seeded(1).expect("init");
    let before = peak_rss_mib();
    let t = Instant::now();
    match (op, format) {
        ("save", "safetensors") => {
            save_safetensors_with_options(&m, file, &[], options).expect("save")
        }
        ("load", "safetensors") => load_safetensors(&mut m, file).expect("load"),
        ("save", "npz") => save_npz_with_options(&m, file, options).expect("save"),
        ("load", "npz") => load_npz(&mut m, file).expect("load"),
        ("save", "npy") => save_npy_with_options(&m.wte, file, options).expect("save"),
        ("load", "npy") => load_npy(&mut m.wte, file).expect("load"),
        other => panic!("unknown op and format {other:?}"),
    }
    let secs = t.elapsed().as_secs_f64();
    // the tensors in the file, and the whole model (allocated in every case)
    let model = gpt2::count(&m).0;
    let n = if format == "npy" { m.wte.len() } else { model };
    let mib = |n: usize| (n * 4) as f64 / (1 << 20) as f64;
    println!(
        "{{\"lib\": \"weight-init\", \"op\": \"{op}\", \"format\": \"{format}\", \"seconds\": {secs:.6}, \"peak_before_mib\": {before:.1}, \"peak_rss_mib\": {:.1}, \"params_mib\": {:.1}, \"model_mib\": {:.1}}}",
        peak_rss_mib(),
        mib(n),
        mib(model)
    );
}
