//! Sharded initialisation of GPT-2 small (124.4M parameters): N workers (threads here; separate
//! processes or machines work the same) each allocate and initialise only their rows of every
//! parameter. The union equals a single-process `init_seeded`, bit for bit. The single-process
//! run reports its progress (`init_seeded_with_progress`) every tenth of the bytes.
//!
//! Run: `cargo run --release --example sharded -- [workers]` (default 4).

#[path = "common/gpt2.rs"]
#[allow(dead_code)]
mod gpt2;

use std::time::Instant;

use weight_init::{InitError, Initialize, ParamPath, Parameter, Visit};

const SEED: u64 = 2019;

/// Every parameter's values, flattened, by path.
#[derive(Default)]
struct Values(Vec<(String, Vec<f32>)>);

impl Visit for Values {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        _: &weight_init::Init,
    ) -> Result<(), InitError> {
        let v = target
            .values()?
            .into_iter()
            .map(|x| weight_init::Float::to_f64(x) as f32)
            .collect();
        self.0.push((path.to_string(), v));
        Ok(())
    }
}

fn values(model: &gpt2::Gpt2) -> Vec<(String, Vec<f32>)> {
    let mut v = Values::default();
    model.walk(&mut ParamPath::new(), &mut v).expect("walk");
    v.0
}

fn main() -> Result<(), InitError> {
    let workers: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4);

    let t = Instant::now();
    let mut whole = gpt2::Gpt2::full();
    // progress: a line each time another tenth of the bytes is written
    let mut next_tenth = 1;
    whole.init_seeded_with_progress(SEED, |p| {
        let tenth = p.bytes_done * 10 / p.bytes_total.max(1);
        if tenth >= next_tenth {
            println!(
                "  {:>3}%  {:>7.1} / {:.1} MiB  parameter {:>3} of {}  ({}, {:.3} s)",
                tenth * 10,
                p.bytes_done as f64 / (1 << 20) as f64,
                p.bytes_total as f64 / (1 << 20) as f64,
                p.params_done,
                p.params_total,
                p.path,
                t.elapsed().as_secs_f64()
            );
            next_tenth = tenth + 1;
        }
    })?;
    let (n, bytes) = gpt2::count(&whole);
    println!(
        "single process: {n} parameters ({:.1} MiB) in {:.3} s",
        bytes as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64()
    );

    // each worker on its own thread, as it would be on its own machine
    let shards: Vec<(usize, f64, usize, gpt2::Gpt2)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || {
                    let t = Instant::now();
                    let mut part = gpt2::Gpt2::shard(w, workers);
                    part.init_sharded(SEED, &gpt2::row_plan(w, workers))
                        .expect("shard");
                    let secs = t.elapsed().as_secs_f64();
                    let (_, bytes) = gpt2::count(&part);
                    (w, secs, bytes, part)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    for (w, secs, bytes, _) in &shards {
        println!(
            "worker {w}/{workers}: {:.1} MiB of parameters in {secs:.3} s",
            *bytes as f64 / (1 << 20) as f64
        );
    }

    // the union of the shards, row blocks in worker order, is the whole model
    let whole_values = values(&whole);
    let shard_values: Vec<_> = shards.iter().map(|(_, _, _, m)| values(m)).collect();
    for (k, (path, full)) in whole_values.iter().enumerate() {
        let joined: Vec<f32> = shard_values
            .iter()
            .flat_map(|v| v[k].1.iter().copied())
            .collect();
        assert!(
            joined.len() == full.len()
                && joined
                    .iter()
                    .zip(full)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{path}: the shards differ from the whole"
        );
    }
    println!(
        "the {workers} shards equal the single-process model bit for bit ({} parameters checked)",
        whole_values.len()
    );
    Ok(())
}
