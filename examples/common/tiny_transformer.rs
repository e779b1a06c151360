//! A small decoder-only transformer (nested structs, a `Vec` of blocks) with a mix of schemes:
//! what the export example writes and what `python/roundtrip.py --module tiny_transformer`
//! rebuilds in PyTorch with the same state-dict names. Weights are PyTorch-style (out, in).
//! Shared by `examples/export.rs` and `tests/python_roundtrip.rs`.

#![allow(dead_code)]

use ndarray::{Array1, Array2};
use weight_init::{Build, InitError, Initialize};

/// Sizes of the model.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub vocab: usize,
    pub ctx: usize,
    pub d: usize,
    pub layers: usize,
}

/// The number of blocks the residual scaling assumes.
pub const LAYERS: usize = 2;

/// The sizes used by the example and the test: 2 blocks of width 32, 128 tokens, context 16.
pub const CONFIG: Config = Config {
    vocab: 128,
    ctx: 16,
    d: 32,
    layers: LAYERS,
};

/// Built from its width (`cfg` is the `&usize`).
#[derive(Initialize)]
#[init(config = usize)]
pub struct LayerNorm {
    #[init(ones, shape = *cfg)]
    pub weight: Array1<f32>,
    #[init(zeros, shape = *cfg)]
    pub bias: Array1<f32>,
}

#[derive(Initialize)]
#[init(config = usize)]
pub struct Attention {
    #[init(glorot_uniform, shape = (*cfg, *cfg))]
    pub w_q: Array2<f32>,
    #[init(glorot_uniform, shape = (*cfg, *cfg))]
    pub w_k: Array2<f32>,
    #[init(glorot_uniform, shape = (*cfg, *cfg))]
    pub w_v: Array2<f32>,
    #[init(normal(std = 0.02), scale = 1.0 / (2.0 * LAYERS as f64).sqrt(), shape = (*cfg, *cfg))]
    pub w_o: Array2<f32>,
}

#[derive(Initialize)]
#[init(config = usize)]
pub struct Mlp {
    #[init(he_normal(truncated), shape = (4 * *cfg, *cfg))]
    pub fc_w: Array2<f32>,
    #[init(torch_default, fans_of = fc_w, shape = 4 * *cfg)]
    pub fc_b: Array1<f32>,
    #[init(he_uniform, shape = (*cfg, 4 * *cfg))]
    pub proj_w: Array2<f32>,
    #[init(zeros, shape = *cfg)]
    pub proj_b: Array1<f32>,
}

/// Every part built from the same width.
#[derive(Initialize)]
#[init(config = usize)]
pub struct Block {
    pub ln1: LayerNorm,
    pub attn: Attention,
    pub ln2: LayerNorm,
    pub mlp: Mlp,
}

#[derive(Initialize)]
#[init(config = Config)]
pub struct TinyTransformer {
    #[init(normal(std = 0.02), shape = (cfg.vocab, cfg.d))]
    pub tok_emb: Array2<f32>,
    #[init(truncated_normal(std = 0.02, sigmas = 2), shape = (cfg.ctx, cfg.d))]
    pub pos_emb: Array2<f32>,
    #[init(config = cfg.d, len = cfg.layers)]
    pub blocks: Vec<Block>,
    #[init(config = cfg.d)]
    pub ln_f: LayerNorm,
    #[init(orthogonal, shape = (cfg.vocab, cfg.d))]
    pub head_w: Array2<f32>,
    /// An f64 parameter, so that both element types go through the files.
    #[init(uniform(-0.1, 0.1), shape = cfg.vocab)]
    pub head_b: Array1<f64>,
}

impl TinyTransformer {
    /// Every parameter zero, with its shape ([`Build::zeroed`]).
    pub fn zeros(c: &Config) -> Result<Self, InitError> {
        Self::zeroed(c, &())
    }

    /// The model keyed by `seed` ([`Build::build`]).
    pub fn seeded(c: &Config, seed: u64) -> Result<Self, InitError> {
        Self::build(c, &(), seed)
    }
}
