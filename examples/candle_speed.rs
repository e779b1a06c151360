//! The time to create GPT-2 small's variables (124 M parameters: `wte` 50257×768, `wpe`
//! 1024×768, 12 blocks of `ln_1`, `attn.c_attn` 768→2304, `attn.c_proj`, `ln_2`, `mlp.c_fc`
//! 768→3072, `mlp.c_proj`, then `ln_f`) with candle-nn's constructors, through
//! `weight_init::candle::var_builder` (GPT-2's recipe, keyed) and through candle's own
//! `VarBuilder::from_varmap` (candle's hints, candle's generator), alternating, `RUNS` each;
//! it prints every time, the medians and their ratio.
//!
//! Run with `cargo run --release --example candle_speed --features candle`.

#[path = "common/gpt2_rules.rs"]
mod gpt2_rules;

use std::time::{Duration, Instant};

use gpt2_rules::gpt2_rules;
use weight_init::candle::var_builder;
use weight_init::candle_core::{DType, Device, Result};
use weight_init::candle_nn::{self, VarBuilder, VarMap};

const RUNS: usize = 3;
const N_LAYER: usize = 12;
const D: usize = 768;

/// GPT-2 small's variables, created through `vb`.
fn gpt2_small(vb: &VarBuilder) -> Result<()> {
    candle_nn::embedding(50257, D, vb.pp("wte"))?;
    candle_nn::embedding(1024, D, vb.pp("wpe"))?;
    for i in 0..N_LAYER {
        let h = vb.pp(format!("h.{i}"));
        candle_nn::layer_norm(D, 1e-5, h.pp("ln_1"))?;
        candle_nn::linear(D, 3 * D, h.pp("attn.c_attn"))?;
        candle_nn::linear(D, D, h.pp("attn.c_proj"))?;
        candle_nn::layer_norm(D, 1e-5, h.pp("ln_2"))?;
        candle_nn::linear(D, 4 * D, h.pp("mlp.c_fc"))?;
        candle_nn::linear(4 * D, D, h.pp("mlp.c_proj"))?;
    }
    candle_nn::layer_norm(D, 1e-5, vb.pp("ln_f"))?;
    Ok(())
}

fn count(varmap: &VarMap) -> usize {
    varmap.all_vars().iter().map(|v| v.elem_count()).sum()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() -> Result<()> {
    let device = Device::Cpu;
    let rules = gpt2_rules(N_LAYER);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let varmap = VarMap::new();
        let start = Instant::now();
        gpt2_small(&var_builder(&varmap, &rules, 42, DType::F32, &device))?;
        let t = start.elapsed();
        println!(
            "run {run}: weight-init var_builder {t:>10.3?}  ({} parameters)",
            count(&varmap)
        );
        ours.push(t);
        drop(varmap);

        let varmap = VarMap::new();
        let start = Instant::now();
        gpt2_small(&VarBuilder::from_varmap(&varmap, DType::F32, &device))?;
        let t = start.elapsed();
        println!(
            "run {run}: candle from_varmap      {t:>10.3?}  ({} parameters)",
            count(&varmap)
        );
        theirs.push(t);
    }
    let (a, b) = (median(ours), median(theirs));
    println!(
        "median: weight-init {a:.3?}, candle {b:.3?}; ratio {:.3} ({} threads available)",
        a.as_secs_f64() / b.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok(())
}
