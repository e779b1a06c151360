//! The layers of a GPT with Hugging Face GPT-2's parameter names (`ln_1`, `attn.c_attn`,
//! `attn.c_proj`, `ln_2`, `mlp.c_fc`, `mlp.c_proj`; `Conv1D` weights stored `(in, out)`), as
//! derived models with GPT-2's own initialisation as their attributes: the blocks a recipe
//! example or test assembles its model from. Allocated zero; `init_seeded` or a recipe fills
//! them.

use ndarray::{Array1, Array2};
use weight_init::Initialize;

/// `nn.LayerNorm`'s affine parameters.
#[derive(Initialize)]
pub struct LayerNorm {
    #[init(ones)]
    pub weight: Array1<f32>,
    #[init(zeros)]
    pub bias: Array1<f32>,
}

/// Hugging Face's `Conv1D`: the weight is `(in, out)`.
#[derive(Initialize)]
pub struct Conv1D {
    #[init(normal(std = 0.02), layout = in_out)]
    pub weight: Array2<f32>,
    #[init(zeros)]
    pub bias: Array1<f32>,
}

#[derive(Initialize)]
pub struct Attention {
    pub c_attn: Conv1D,
    pub c_proj: Conv1D,
}

#[derive(Initialize)]
pub struct Mlp {
    pub c_fc: Conv1D,
    pub c_proj: Conv1D,
}

#[derive(Initialize)]
pub struct Block {
    pub ln_1: LayerNorm,
    pub attn: Attention,
    pub ln_2: LayerNorm,
    pub mlp: Mlp,
}

/// `nn.Embedding`: the table is `weight`, `(rows, d_model)`.
#[derive(Initialize)]
pub struct Embedding {
    #[init(normal(std = 0.02))]
    pub weight: Array2<f32>,
}

/// A layer norm of width `d`.
pub fn ln(d: usize) -> LayerNorm {
    LayerNorm {
        weight: Array1::zeros(d),
        bias: Array1::zeros(d),
    }
}

/// A `Conv1D` from `n_in` to `n_out`.
pub fn conv(n_in: usize, n_out: usize) -> Conv1D {
    Conv1D {
        weight: Array2::zeros((n_in, n_out)),
        bias: Array1::zeros(n_out),
    }
}

/// An embedding table of `rows` rows of width `d`.
pub fn embedding(rows: usize, d: usize) -> Embedding {
    Embedding {
        weight: Array2::zeros((rows, d)),
    }
}

/// `n_layers` blocks of width `d` with an MLP of width `d_ff`.
pub fn blocks(n_layers: usize, d: usize, d_ff: usize) -> Vec<Block> {
    (0..n_layers)
        .map(|_| Block {
            ln_1: ln(d),
            attn: Attention {
                c_attn: conv(d, 3 * d),
                c_proj: conv(d, d),
            },
            ln_2: ln(d),
            mlp: Mlp {
                c_fc: conv(d, d_ff),
                c_proj: conv(d_ff, d),
            },
        })
        .collect()
}
