//! Every LLM recipe of `weight_init::recipe` on a small GPT with Hugging Face GPT-2's parameter
//! names (`wte`, `wpe`, `h.{l}.ln_1`, `h.{l}.attn.c_attn`, `h.{l}.attn.c_proj`, `h.{l}.ln_2`,
//! `h.{l}.mlp.c_fc`, `h.{l}.mlp.c_proj`, `ln_f`; `Conv1D` weights stored `(in, out)`):
//! d_model 256, 4 layers, d_ff 1024, vocabulary 1000, context 128.
//!
//! The model is a derived struct whose attributes are GPT-2's own; each recipe overrides them
//! by state-dict name (`Recipe::apply`, through `Initialize::init_with_rules`). For each recipe
//! it writes `target/recipes/<recipe>.json`, a list of
//! `{"name", "shape", "std_param", "measured_std"}` for every parameter (`std_param`: the σ
//! the recipe's formula gives, before any truncation, `null` for constants, identities and
//! parameters the recipe leaves alone), and prints the weights' table. GPT-2's fused `c_attn`
//! is planned block by block (`Init::blocks`): DeepNet and T-Fixup scale its value block
//! alone, ZerO puts an identity in each block.
//!
//! Run with `cargo run --release --example llm_recipes`.

use std::collections::HashMap;
use std::fmt::Write as _;
#[path = "common/hf_gpt2.rs"]
mod hf_gpt2;

use hf_gpt2::{Block, Embedding, LayerNorm, blocks, embedding, ln};
use weight_init::Initialize;
use weight_init::recipe::{Dims, Naming, Recipe};

const D: usize = 256;
const N_LAYERS: usize = 4;
const D_FF: usize = 1024;
const VOCAB: usize = 1000;
const CONTEXT: usize = 128;
const SEED: u64 = 2024;

#[derive(Initialize)]
struct Gpt {
    wte: Embedding,
    wpe: Embedding,
    h: Vec<Block>,
    ln_f: LayerNorm,
}

impl Gpt {
    fn zeros() -> Self {
        Gpt {
            wte: embedding(VOCAB, D),
            wpe: embedding(CONTEXT, D),
            h: blocks(N_LAYERS, D, D_FF),
            ln_f: ln(D),
        }
    }
}

fn num(x: Option<f64>) -> String {
    x.map_or("null".to_string(), |v| format!("{v:e}"))
}

/// Initialises `model` under `recipe` by `naming`, writes `<out>/<file>.json` and prints the
/// weights' table.
fn run<M: Initialize>(
    recipe: &Recipe,
    mut model: M,
    naming: &Naming,
    dims: &Dims,
    out: &std::path::Path,
    file: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let report = recipe.apply(&mut model, naming, dims, SEED)?;
    // measured std by state-dict name (the report lists parameters by path)
    let listed = weight_init::params(&model)?;
    let names: HashMap<String, String> = listed
        .iter()
        .map(|p| (p.path.clone(), p.name.clone()))
        .collect();
    let measured: HashMap<String, (Vec<usize>, f64)> = weight_init::report(&model)?
        .rows
        .into_iter()
        .map(|r| (names[&r.path].clone(), (r.shape, r.measured_std)))
        .collect();
    let mut json = String::from("[\n");
    let mut table = String::new();
    for (i, p) in listed.iter().enumerate() {
        let (shape, m) = &measured[&p.name];
        let name = &p.name;
        let row = report.plan.get(name);
        let std = row.and_then(|r| r.std);
        let scheme = row
            .and_then(|r| r.init.as_ref())
            .map_or("(its own attribute)".to_string(), |i| i.to_string());
        let sep = if i == 0 { "" } else { ",\n" };
        write!(
            json,
            "{sep}  {{\"name\": \"{name}\", \"shape\": {shape:?}, \"std_param\": {}, \"measured_std\": {m:e}}}",
            num(std)
        )?;
        if shape.len() == 2 {
            let ratio = std.map_or(String::new(), |s| format!("{:.3}", m / s));
            writeln!(
                table,
                "{name:40} {:12} {:>10} {:>10.6} {:>6}  {scheme}",
                format!("{shape:?}"),
                std.map_or("-".to_string(), |s| format!("{s:.6}")),
                m,
                ratio
            )?;
        }
    }
    json.push_str("\n]\n");
    let path = out.join(format!("{file}.json"));
    std::fs::write(&path, json)?;
    let f = report.forward;
    println!(
        "\n== {} on {} → {} (forward: residual α {}, branch scale {})",
        recipe.name(),
        naming.name(),
        path.display(),
        num(f.residual_alpha),
        num(f.branch_scale)
    );
    println!(
        "{:40} {:12} {:>10} {:>10} {:>6}  scheme",
        "name", "shape", "σ formula", "measured", "ratio"
    );
    print!("{table}");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dims = Dims::new(D, N_LAYERS, D_FF, VOCAB);
    let out = std::path::Path::new("target/recipes");
    std::fs::create_dir_all(out)?;
    for recipe in Recipe::all() {
        run(
            &recipe,
            Gpt::zeros(),
            &Naming::hf_gpt2(),
            &dims,
            out,
            recipe.name(),
        )?;
    }
    Ok(())
}
