//! The weight-init side of `python3 bench/io_compare.py`: saves or loads GPT-2 small as
//! safetensors once and prints one JSON line (seconds, the process's peak RSS before and after,
//! the parameters' bytes). The model is allocated and initialised first in both cases, so a
//! load writes into existing, touched parameters. Not meant to be run by hand (but it can be):
//! `cargo run --release --features safetensors --example bench_io -- save <file>`, then `load`.

#[path = "common/gpt2.rs"]
#[allow(dead_code)]
mod gpt2;

use std::time::Instant;

use weight_init::Initialize;
use weight_init::export::{load_safetensors, save_safetensors};

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
    let file = args
        .get(2)
        .map_or("target/gpt2-bench.safetensors", String::as_str);
    // initialised before either op, so that the pages are touched (as torch's side touches them)
    let mut m = gpt2::Gpt2::full();
    m.init_seeded(1).expect("init");
    let before = peak_rss_mib();
    let t = Instant::now();
    match op {
        "save" => save_safetensors(&m, file).expect("save"),
        "load" => load_safetensors(&mut m, file).expect("load"),
        other => panic!("unknown op {other}"),
    }
    let secs = t.elapsed().as_secs_f64();
    let (n, _) = gpt2::count(&m);
    println!(
        "{{\"lib\": \"weight-init\", \"op\": \"{op}\", \"seconds\": {secs:.6}, \"peak_before_mib\": {before:.1}, \"peak_rss_mib\": {:.1}, \"params_mib\": {:.1}}}",
        peak_rss_mib(),
        (n * 4) as f64 / (1 << 20) as f64
    );
}
