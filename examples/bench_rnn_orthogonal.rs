//! Times keyed orthogonal initialisation of many small matrices, an RNN's 64 gates of 256²
//! (f32), and prints one JSON line:
//! `cargo run --release --example bench_rnn_orthogonal -- <case> <threads> <reps>` with case
//! `params` (64 separate (256, 256) parameters of one model, `init_seeded`) or `blocks` (one
//! (64·256, 256) parameter, `#[init(orthogonal, blocks = 64)]`). PyTorch's peer:
//! `torch.nn.init.orthogonal_` on each of 64 (256, 256) tensors (or chunks).

use std::time::Instant;

use ndarray::Array2;
use weight_init::Initialize;

/// One recurrent gate's weight.
#[derive(Initialize)]
struct Gate {
    #[init(orthogonal)]
    w: Array2<f32>,
}

/// 64 separate (256, 256) orthogonal parameters.
#[derive(Initialize)]
struct Separate {
    gates: Vec<Gate>,
}

/// One (64·256, 256) parameter, each (256, 256) block orthogonal.
#[derive(Initialize)]
struct Fused {
    #[init(orthogonal, blocks = 64)]
    w: Array2<f32>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map_or("params", String::as_str);
    let threads: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let reps: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(5);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let size: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(256);
    let (k, n) = (64, 256);
    let secs = pool.install(|| {
        let mut separate = Separate {
            gates: (0..k)
                .map(|_| Gate {
                    w: Array2::zeros((n, n)),
                })
                .collect(),
        };
        let mut fused = Fused {
            w: Array2::zeros((k * n, n)),
        };
        let mut one = Array2::<f32>::zeros((size, size));
        let mut run = |seed: u64| match case {
            "one" => weight_init::Init::orthogonal()
                .fill_seeded(&mut one, seed, "w")
                .expect("fill"),
            "params" => separate.init_seeded(seed).expect("init"),
            "blocks" => fused.init_seeded(seed).expect("init"),
            other => panic!("unknown case {other}"),
        };
        run(0);
        let times: Vec<f64> = (1..=reps)
            .map(|r| {
                let t = Instant::now();
                run(r as u64);
                t.elapsed().as_secs_f64()
            })
            .collect();
        median(times)
    });
    println!(
        "{{\"lib\": \"weight-init\", \"case\": \"rnn_{case}\", \"threads\": {threads}, \"seconds\": {secs:.6}, \"items\": {}}}",
        if case == "one" {
            size * size
        } else {
            k * n * n
        }
    );
}
