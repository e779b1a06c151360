//! A small GPT written with candle-nn as candle users write it (`embedding`, `linear`,
//! `layer_norm`, causal attention by hand, the head tied to the token embedding), built through
//! `weight_init::candle::var_builder` with GPT-2's recipe as rules, then trained for 300 steps with
//! candle's `AdamW` on sequences it generates (about 15 s in a debug build). The only change from a plain candle program is the line
//! that makes the `VarBuilder`.
//!
//! GPT-2's recipe (Radford et al. 2019): every weight N(0, 0.02²), the residual projections
//! (`*.c_proj.weight`) scaled by 1/√(2·n_layers), biases 0, layer norms 1.
//!
//! Run with `cargo run --example candle_gpt --features candle`. It prints what each variable
//! got and the loss, and exits with an error unless the loss fell.

#[path = "common/gpt2_rules.rs"]
mod gpt2_rules;

use gpt2_rules::gpt2_rules;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use weight_init::candle::var_builder_with_report;
use weight_init::candle_core::{self, D, DType, Device, Module, Result, Tensor};
use weight_init::candle_nn::{
    self, AdamW, Embedding, LayerNorm, Linear, Optimizer, ParamsAdamW, VarBuilder, VarMap,
};

const VOCAB: usize = 16;
const CONTEXT: usize = 16;
const N_EMBD: usize = 32;
const N_HEAD: usize = 4;
const N_LAYER: usize = 2;
const BATCH: usize = 16;
const STEPS: usize = 300;

/// A layer norm that trains: candle-nn's `LayerNorm::forward` runs a fused kernel recorded
/// without its backward pass (no gradient reaches what is before it), so training code
/// composes it from differentiable ops (`ops::layer_norm_slow`).
fn norm(ln: &LayerNorm, x: &Tensor) -> Result<Tensor> {
    let bias = ln
        .bias()
        .ok_or_else(|| candle_core::Error::Msg("a layer norm without bias".into()))?;
    candle_nn::ops::layer_norm_slow(x, ln.weight(), bias, 1e-5)
}

struct Block {
    ln_1: LayerNorm,
    c_attn: Linear,
    attn_proj: Linear,
    ln_2: LayerNorm,
    c_fc: Linear,
    mlp_proj: Linear,
}

impl Block {
    fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Block {
            ln_1: candle_nn::layer_norm(N_EMBD, 1e-5, vb.pp("ln_1"))?,
            c_attn: candle_nn::linear(N_EMBD, 3 * N_EMBD, vb.pp("attn.c_attn"))?,
            attn_proj: candle_nn::linear(N_EMBD, N_EMBD, vb.pp("attn.c_proj"))?,
            ln_2: candle_nn::layer_norm(N_EMBD, 1e-5, vb.pp("ln_2"))?,
            c_fc: candle_nn::linear(N_EMBD, 4 * N_EMBD, vb.pp("mlp.c_fc"))?,
            mlp_proj: candle_nn::linear(4 * N_EMBD, N_EMBD, vb.pp("mlp.c_proj"))?,
        })
    }

    /// Causal self-attention, by hand: `x` is `(batch, time, N_EMBD)`, `mask` `(time, time)`
    /// with −∞ above the diagonal.
    fn attention(&self, x: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, t, c) = x.dims3()?;
        let hd = c / N_HEAD;
        let qkv = self.c_attn.forward(x)?;
        let heads = |i: usize| -> Result<Tensor> {
            qkv.narrow(D::Minus1, i * c, c)?
                .reshape((b, t, N_HEAD, hd))?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = (heads(0)?, heads(1)?, heads(2)?);
        let att = (q.matmul(&k.t()?)? / (hd as f64).sqrt())?.broadcast_add(mask)?;
        let att = candle_nn::ops::softmax(&att, D::Minus1)?;
        let y = att.matmul(&v)?.transpose(1, 2)?.reshape((b, t, c))?;
        self.attn_proj.forward(&y)
    }

    fn forward(&self, x: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let x = (x + self.attention(&norm(&self.ln_1, x)?, mask)?)?;
        let h = self.c_fc.forward(&norm(&self.ln_2, &x)?)?.gelu()?;
        x + self.mlp_proj.forward(&h)?
    }
}

struct Gpt {
    wte: Embedding,
    wpe: Embedding,
    h: Vec<Block>,
    ln_f: LayerNorm,
}

impl Gpt {
    fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Gpt {
            wte: candle_nn::embedding(VOCAB, N_EMBD, vb.pp("wte"))?,
            wpe: candle_nn::embedding(CONTEXT, N_EMBD, vb.pp("wpe"))?,
            h: (0..N_LAYER)
                .map(|i| Block::new(vb.pp(format!("h.{i}"))))
                .collect::<Result<_>>()?,
            ln_f: candle_nn::layer_norm(N_EMBD, 1e-5, vb.pp("ln_f"))?,
        })
    }

    /// Logits `(batch, time, VOCAB)` of token ids `(batch, time)`.
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let (_, t) = ids.dims2()?;
        let device = ids.device();
        let pos = Tensor::arange(0u32, t as u32, device)?;
        let mut x = self
            .wte
            .forward(ids)?
            .broadcast_add(&self.wpe.forward(&pos)?)?;
        let mask: Vec<f32> = (0..t * t)
            .map(|i| if i % t > i / t { -1e9 } else { 0.0 })
            .collect();
        let mask = Tensor::from_vec(mask, (t, t), device)?;
        for block in &self.h {
            x = block.forward(&x, &mask)?;
        }
        // the head is the token embedding, transposed (GPT-2 ties them)
        norm(&self.ln_f, &x)?.broadcast_matmul(&self.wte.embeddings().t()?)
    }
}

/// A batch of walks on a fixed random cycle of the VOCAB tokens (`next[t]`), each from a
/// random start, one token in 8 a random jump: the model must learn the cycle from the data
/// (the loss cannot go below what the jumps cost, about 0.6 nats).
fn batch(next: &[u32], rng: &mut ChaCha8Rng, device: &Device) -> Result<(Tensor, Tensor)> {
    let mut ids = Vec::with_capacity(BATCH * (CONTEXT + 1));
    for _ in 0..BATCH {
        let mut t = rng.random_range(0..VOCAB as u32);
        for _ in 0..=CONTEXT {
            ids.push(t);
            t = if rng.random_range(0..8) == 0 {
                rng.random_range(0..VOCAB as u32)
            } else {
                next[t as usize]
            };
        }
    }
    let all = Tensor::from_vec(ids, (BATCH, CONTEXT + 1), device)?;
    Ok((all.narrow(1, 0, CONTEXT)?, all.narrow(1, 1, CONTEXT)?))
}

fn main() -> Result<()> {
    let device = Device::Cpu;
    let rules = gpt2_rules(N_LAYER);
    let varmap = VarMap::new();
    // the one line that differs from candle's `VarBuilder::from_varmap(&varmap, DType::F32, &device)`
    let (vb, init) = var_builder_with_report(&varmap, &rules, 42, DType::F32, &device);
    let model = Gpt::new(vb)?;
    let report = init.assignments();
    print!("{report}");
    if let Err(e) = report.check() {
        eprintln!("{e}");
        std::process::exit(1);
    }

    let mut opt = AdamW::new(
        varmap.all_vars(),
        ParamsAdamW {
            lr: 3e-3,
            ..Default::default()
        },
    )?;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // the cycle: a random permutation of the tokens, each sent to the one after it
    let mut order: Vec<u32> = (0..VOCAB as u32).collect();
    for i in (1..VOCAB).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let mut next = vec![0u32; VOCAB];
    for i in 0..VOCAB {
        next[order[i] as usize] = order[(i + 1) % VOCAB];
    }
    let (mut first, mut last) = (0.0f32, 0.0f32);
    let window = 20;
    for step in 0..STEPS {
        let (x, y) = batch(&next, &mut rng, &device)?;
        let logits = model.forward(&x)?;
        let loss = candle_nn::loss::cross_entropy(
            &logits.reshape((BATCH * CONTEXT, VOCAB))?,
            &y.reshape(BATCH * CONTEXT)?,
        )?;
        opt.backward_step(&loss)?;
        let l = loss.to_scalar::<f32>()?;
        if step < window {
            first += l / window as f32;
        }
        if step >= STEPS - window {
            last += l / window as f32;
        }
        if step % 20 == 0 || step == STEPS - 1 {
            println!("step {step:4}  loss {l:.4}");
        }
    }
    println!(
        "mean loss over the first {window} steps {first:.4}, the last {window} {last:.4} (ln {VOCAB} = {:.4})",
        (VOCAB as f32).ln()
    );
    let fell = last.is_finite() && last < 0.5 * first;
    if !fell {
        eprintln!("the loss did not fall by half");
        std::process::exit(1);
    }
    Ok(())
}
