//! GPT-2 small (124M parameters) made of burn-nn layers (`Embedding`, `Linear`, `LayerNorm`) on
//! Burn's flex CPU backend, built and initialised one way per process, for
//! `bench/burn_compare.py`:
//!
//! - `ours`: the layers built lazily by their `Config::init`, then `weight_init::burn::reinit`
//!   with GPT-2's recipe (normal 0.02 weights, zero biases, unit norms); Burn's initialiser
//!   never runs;
//! - `burn`: the layers built by their `Config::init` and every parameter materialised (Burn's
//!   own initialisers: Kaiming-uniform linears, normal embeddings);
//! - `bare`: the process alone (the device created, nothing built).
//!
//! Prints one JSON line: the wall time of the work, the process's peak RSS (`VmHWM`), and the
//! parameters' bytes.
//!
//! Run: `cargo run --release --features burn-flex --example burn_gpt2 -- ours`

use std::time::Instant;

use weight_init::burn_core as burn;
use weight_init::burn_core::module::{Module, ModuleVisitor, Param};
use weight_init::burn_nn::{
    Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig,
};
use weight_init::burn_tensor::{Device, Tensor};
use weight_init::{Init, Rules};

const LAYERS: usize = 12;
const D: usize = 768;
const VOCAB: usize = 50257;
const CONTEXT: usize = 1024;

#[derive(Module, Debug)]
struct Attention {
    c_attn: Linear,
    c_proj: Linear,
}

#[derive(Module, Debug)]
struct Mlp {
    c_fc: Linear,
    c_proj: Linear,
}

#[derive(Module, Debug)]
struct Block {
    ln_1: LayerNorm,
    attn: Attention,
    ln_2: LayerNorm,
    mlp: Mlp,
}

#[derive(Module, Debug)]
struct Gpt2 {
    wte: Embedding,
    wpe: Embedding,
    h: Vec<Block>,
    ln_f: LayerNorm,
}

/// Burn's `Config::init` of every layer: lazy parameters, nothing computed yet.
fn gpt2(device: &Device) -> Gpt2 {
    let linear = |i, o| LinearConfig::new(i, o).init(device);
    let norm = || LayerNormConfig::new(D).init(device);
    Gpt2 {
        wte: EmbeddingConfig::new(VOCAB, D).init(device),
        wpe: EmbeddingConfig::new(CONTEXT, D).init(device),
        h: (0..LAYERS)
            .map(|_| Block {
                ln_1: norm(),
                attn: Attention {
                    c_attn: linear(D, 3 * D),
                    c_proj: linear(D, D),
                },
                ln_2: norm(),
                mlp: Mlp {
                    c_fc: linear(D, 4 * D),
                    c_proj: linear(4 * D, D),
                },
            })
            .collect(),
        ln_f: norm(),
    }
}

/// GPT-2's recipe (Radford et al. 2019; Hugging Face's `GPT2PreTrainedModel._init_weights`):
/// N(0, 0.02) weights, residual projections N(0, 0.02/√(2·layers)), zero biases, unit norms.
fn rules() -> Rules {
    Rules::new()
        .rule("**.weight", Init::normal(0.0, 0.02))
        .rule(
            "h.*.*.c_proj.weight",
            Init::normal(0.0, 0.02 / (2.0 * LAYERS as f64).sqrt()),
        )
        .rule("**.bias", Init::zeros())
        .rule("**.gamma", Init::ones())
        .rule("**.beta", Init::zeros())
}

/// Materialises every parameter (runs Burn's initialisers), counting their bytes.
struct Materialise(usize);

impl ModuleVisitor for Materialise {
    fn visit_float<const N: usize>(&mut self, param: &Param<Tensor<N>>) {
        let value = param.val();
        self.0 += value.shape().num_elements() * 4;
    }
}

/// The process's peak resident set (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "ours".into());
    let device = Device::flex();
    let start = Instant::now();
    let bytes = match mode.as_str() {
        "bare" => 0,
        "burn" => {
            let model = gpt2(&device);
            let mut m = Materialise(0);
            model.visit(&mut m);
            std::hint::black_box(&model);
            m.0
        }
        "ours" => {
            let model = weight_init::burn::reinit(gpt2(&device), &rules(), 42)?;
            let mut m = Materialise(0);
            model.visit(&mut m); // already initialised: only counts
            std::hint::black_box(&model);
            m.0
        }
        other => return Err(format!("unknown mode {other}: ours, burn or bare").into()),
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"mode\": \"{mode}\", \"secs\": {secs:.4}, \"peak_rss\": {}, \"param_bytes\": {bytes}}}",
        peak_rss()
    );
    Ok(())
}
