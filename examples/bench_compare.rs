//! The weight-init side of `python3 bench/compare.py`: times one case and prints one JSON line.
//! Not meant to be run by hand (but it can be):
//! `cargo run --release --example bench_compare -- <case> <threads> <reps>` with case one of
//! `uniform`, `he_normal`, `trunc_normal`, `orthogonal_1024`, `orthogonal_4096`,
//! `rnn_orthogonal`, `gpt2`. Fills reuse one warm 4096×4096 f32 array; `rnn_orthogonal`
//! initialises a model of 64 separate 256×256 orthogonal weights (an RNN's gates) with
//! `init_seeded`, warm, `reps` times; `gpt2` allocates and initialises GPT-2 small once (run it
//! in a fresh process to see first-touch costs).

#[path = "common/gpt2.rs"]
#[allow(dead_code)]
mod gpt2;
#[path = "common/rnn.rs"]
#[allow(dead_code)]
mod rnn;

use std::time::Instant;

use ndarray::Array2;
use weight_init::{Init, Initialize};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map_or("he_normal", String::as_str);
    let threads: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let reps: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(5);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let (secs, items) = pool.install(|| match case {
        "gpt2" => {
            let t = Instant::now();
            let mut m = gpt2::Gpt2::full();
            m.init_seeded(1).expect("init");
            let secs = t.elapsed().as_secs_f64();
            let (n, _) = gpt2::count(&m);
            (secs, n)
        }
        "rnn_orthogonal" => {
            let mut m = rnn::Separate::zeroed();
            m.init_seeded(0).expect("init");
            let times: Vec<f64> = (0..reps)
                .map(|r| {
                    let t = Instant::now();
                    m.init_seeded(r as u64 + 1).expect("init");
                    t.elapsed().as_secs_f64()
                })
                .collect();
            (median(times), rnn::GATES * rnn::SIDE * rnn::SIDE)
        }
        _ => {
            let (n, init) = match case {
                "uniform" => (4096, Init::uniform(-1.0, 1.0)),
                "he_normal" => (4096, Init::he_normal()),
                "trunc_normal" => (4096, Init::truncated_normal_sigmas(0.0, 0.02, 2.0)),
                "orthogonal_1024" => (1024, Init::orthogonal()),
                "orthogonal_4096" => (4096, Init::orthogonal()),
                other => panic!("unknown case {other}"),
            };
            let mut w = Array2::<f32>::zeros((n, n));
            init.fill_seeded(&mut w, 0, "warm-up").expect("fill");
            let times: Vec<f64> = (0..reps)
                .map(|r| {
                    let t = Instant::now();
                    init.fill_seeded(&mut w, r as u64, "w").expect("fill");
                    t.elapsed().as_secs_f64()
                })
                .collect();
            (median(times), n * n)
        }
    });
    println!(
        "{{\"lib\": \"weight-init\", \"case\": \"{case}\", \"threads\": {threads}, \"seconds\": {secs:.6}, \"items\": {items}}}"
    );
}
