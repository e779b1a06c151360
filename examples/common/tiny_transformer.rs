//! A small decoder-only transformer (nested structs, a `Vec` of blocks) with a mix of schemes:
//! what the export example writes and what `python/roundtrip.py --module tiny_transformer`
//! rebuilds in PyTorch with the same state-dict names. Weights are PyTorch-style (out, in).
//! Shared by `examples/export.rs` and `tests/python_roundtrip.rs`.

#![allow(dead_code)]

use ndarray::{Array1, Array2};
use weight_init::{Construct, InitError, Initialize};

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

#[derive(Initialize)]
pub struct LayerNorm {
    #[init(ones)]
    pub weight: Array1<f32>,
    #[init(zeros)]
    pub bias: Array1<f32>,
}

#[derive(Initialize)]
pub struct Attention {
    #[init(glorot_uniform)]
    pub w_q: Array2<f32>,
    #[init(glorot_uniform)]
    pub w_k: Array2<f32>,
    #[init(glorot_uniform)]
    pub w_v: Array2<f32>,
    #[init(normal(std = 0.02), scale = 1.0 / (2.0 * LAYERS as f64).sqrt())]
    pub w_o: Array2<f32>,
}

#[derive(Initialize)]
pub struct Mlp {
    #[init(he_normal(truncated))]
    pub fc_w: Array2<f32>,
    #[init(torch_default, fans_of = fc_w)]
    pub fc_b: Array1<f32>,
    #[init(he_uniform)]
    pub proj_w: Array2<f32>,
    #[init(zeros)]
    pub proj_b: Array1<f32>,
}

#[derive(Initialize)]
pub struct Block {
    pub ln1: LayerNorm,
    pub attn: Attention,
    pub ln2: LayerNorm,
    pub mlp: Mlp,
}

#[derive(Initialize)]
pub struct TinyTransformer {
    #[init(normal(std = 0.02))]
    pub tok_emb: Array2<f32>,
    #[init(truncated_normal(std = 0.02, sigmas = 2))]
    pub pos_emb: Array2<f32>,
    pub blocks: Vec<Block>,
    pub ln_f: LayerNorm,
    #[init(orthogonal)]
    pub head_w: Array2<f32>,
    /// An f64 parameter, so that both element types go through the files.
    #[init(uniform(-0.1, 0.1))]
    pub head_b: Array1<f64>,
}

fn zeros<P: Construct<()>>(shape: &[usize]) -> Result<P, InitError> {
    P::zeros(shape, &())
}

impl LayerNorm {
    fn zeros(d: usize) -> Result<Self, InitError> {
        Ok(LayerNorm {
            weight: zeros(&[d])?,
            bias: zeros(&[d])?,
        })
    }
}

impl TinyTransformer {
    /// Every parameter zero, with its shape.
    pub fn zeros(c: &Config) -> Result<Self, InitError> {
        let d = c.d;
        let block = || -> Result<Block, InitError> {
            Ok(Block {
                ln1: LayerNorm::zeros(d)?,
                attn: Attention {
                    w_q: zeros(&[d, d])?,
                    w_k: zeros(&[d, d])?,
                    w_v: zeros(&[d, d])?,
                    w_o: zeros(&[d, d])?,
                },
                ln2: LayerNorm::zeros(d)?,
                mlp: Mlp {
                    fc_w: zeros(&[4 * d, d])?,
                    fc_b: zeros(&[4 * d])?,
                    proj_w: zeros(&[d, 4 * d])?,
                    proj_b: zeros(&[d])?,
                },
            })
        };
        Ok(TinyTransformer {
            tok_emb: zeros(&[c.vocab, d])?,
            pos_emb: zeros(&[c.ctx, d])?,
            blocks: (0..c.layers).map(|_| block()).collect::<Result<_, _>>()?,
            ln_f: LayerNorm::zeros(d)?,
            head_w: zeros(&[c.vocab, d])?,
            head_b: zeros(&[c.vocab])?,
        })
    }

    /// The model keyed by `seed` ([`Initialize::init_seeded`]).
    pub fn seeded(c: &Config, seed: u64) -> Result<Self, InitError> {
        let mut m = Self::zeros(c)?;
        m.init_seeded(seed)?;
        Ok(m)
    }
}
