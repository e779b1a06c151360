//! GPT-2 small (Radford et al. 2019; 12 layers, d_model 768, vocabulary 50257, context 1024,
//! 124,439,808 parameters) as a derived model, with GPT-2's initialisation: normal(std 0.02)
//! everywhere, the residual projections scaled by 1/√(2·n_layers), biases zero, LayerNorm
//! weights one. Weights are PyTorch-style (out, in). Shared by the examples and benches.

use ndarray::{Array1, Array2};
use weight_init::{Initialize, ParamPath, Region, rows_of};

pub const N_LAYERS: usize = 12;
pub const D: usize = 768;
pub const VOCAB: usize = 50257;
pub const CTX: usize = 1024;

#[derive(Initialize)]
pub struct LayerNorm {
    #[init(ones)]
    pub weight: Array1<f32>,
    #[init(zeros)]
    pub bias: Array1<f32>,
}

#[derive(Initialize)]
pub struct Block {
    pub ln_1: LayerNorm,
    #[init(normal(std = 0.02))]
    pub attn_w: Array2<f32>,
    #[init(zeros)]
    pub attn_b: Array1<f32>,
    #[init(normal(std = 0.02), scale = 1.0 / (2.0 * N_LAYERS as f64).sqrt())]
    pub attn_proj_w: Array2<f32>,
    #[init(zeros)]
    pub attn_proj_b: Array1<f32>,
    pub ln_2: LayerNorm,
    #[init(normal(std = 0.02))]
    pub fc_w: Array2<f32>,
    #[init(zeros)]
    pub fc_b: Array1<f32>,
    #[init(normal(std = 0.02), scale = 1.0 / (2.0 * N_LAYERS as f64).sqrt())]
    pub proj_w: Array2<f32>,
    #[init(zeros)]
    pub proj_b: Array1<f32>,
}

#[derive(Initialize)]
pub struct Gpt2 {
    #[init(normal(std = 0.02))]
    pub wte: Array2<f32>,
    #[init(normal(std = 0.01))]
    pub wpe: Array2<f32>,
    pub blocks: Vec<Block>,
    pub ln_f: LayerNorm,
}

/// Every parameter's full shape, by path.
pub fn full_shape(path: &str) -> Vec<usize> {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    let in_ln = path.contains("ln_");
    match leaf {
        "wte" => vec![VOCAB, D],
        "wpe" => vec![CTX, D],
        "weight" | "bias" if in_ln => vec![D],
        "attn_w" => vec![3 * D, D],
        "attn_b" => vec![3 * D],
        "attn_proj_w" => vec![D, D],
        "attn_proj_b" | "proj_b" => vec![D],
        "fc_w" => vec![4 * D, D],
        "fc_b" => vec![4 * D],
        "proj_w" => vec![D, 4 * D],
        other => panic!("unknown parameter {other}"),
    }
}

fn ln(rows: impl Fn(usize) -> usize) -> LayerNorm {
    LayerNorm {
        weight: Array1::zeros(rows(D)),
        bias: Array1::zeros(rows(D)),
    }
}

impl Gpt2 {
    /// The model (or one worker's row shard of every parameter) with zeroed memory: `rows`
    /// maps a parameter's full row count to the rows this process holds.
    pub fn alloc(rows: impl Fn(usize) -> usize + Copy) -> Self {
        let m = |r: usize, c: usize| Array2::zeros((rows(r), c));
        let v = |r: usize| Array1::zeros(rows(r));
        Gpt2 {
            wte: m(VOCAB, D),
            wpe: m(CTX, D),
            blocks: (0..N_LAYERS)
                .map(|_| Block {
                    ln_1: ln(rows),
                    attn_w: m(3 * D, D),
                    attn_b: v(3 * D),
                    attn_proj_w: m(D, D),
                    attn_proj_b: v(D),
                    ln_2: ln(rows),
                    fc_w: m(4 * D, D),
                    fc_b: v(4 * D),
                    proj_w: m(D, 4 * D),
                    proj_b: v(D),
                })
                .collect(),
            ln_f: ln(rows),
        }
    }

    /// The whole model.
    pub fn full() -> Self {
        Self::alloc(|r| r)
    }

    /// Worker `worker` of `workers`: rows `rows_of(worker, workers, R)` of every parameter.
    pub fn shard(worker: usize, workers: usize) -> Self {
        Self::alloc(move |r| rows_of(worker, workers, r).len())
    }
}

/// The row-sharding plan for `init_sharded`.
pub fn row_plan(
    worker: usize,
    workers: usize,
) -> impl Fn(&ParamPath, &[usize]) -> Result<(Vec<usize>, Region), weight_init::InitError> {
    move |path: &ParamPath, _: &[usize]| {
        let full = full_shape(&path.to_string());
        let rows = rows_of(worker, workers, full[0]);
        Ok((full, Region::Rows(rows)))
    }
}

/// The number of parameters and their bytes (f32).
pub fn count(model: &Gpt2) -> (usize, usize) {
    let r = weight_init::report(model).expect("report");
    let n: usize = r
        .rows
        .iter()
        .map(|r| r.shape.iter().product::<usize>())
        .sum();
    (n, 4 * n)
}
