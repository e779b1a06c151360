//! The μP experiments' shared part (`examples/mup_coord_check.rs`, `examples/mup_lr_transfer.rs`,
//! `tests/mup.rs`): an MLP `input → 3 hidden layers of width w → 10` with ReLU, built in the
//! standard parametrization (PyTorch's `nn.Linear` defaults) or in μP against a base width,
//! trained with hand-written backpropagation and Adam whose learning rate is multiplied per
//! parameter, on a synthetic classification task.
//!
//! Names are PyTorch's (`fc1.weight`, `fc1.bias`, …, `head.weight`, `head.bias`), weights
//! `(out, in)`, activations `(batch, features)` rows: a layer computes `z = h·Wᵀ + b`.

use ndarray::{Array1, Array2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use weight_init::mup::{Mup, Parametrization};
use weight_init::{Build, Init, InitError, Initialize};

/// Input features.
pub const D_IN: usize = 32;
/// Classes (outputs).
pub const CLASSES: usize = 10;
/// The layers, in order; `head` is the readout.
pub const LAYERS: [&str; 4] = ["fc1", "fc2", "fc3", "head"];

/// A linear layer's shape.
#[derive(Clone, Copy, Debug)]
pub struct LinearCfg {
    pub fan_in: usize,
    pub fan_out: usize,
}

/// `nn.Linear`: weight and bias U(±1/√fan_in).
#[derive(Initialize, Clone, Debug)]
#[init(config = LinearCfg)]
pub struct Linear {
    #[init(torch_default, shape = (cfg.fan_out, cfg.fan_in))]
    pub weight: Array2<f32>,
    #[init(torch_default, fans_of = weight, shape = cfg.fan_out)]
    pub bias: Array1<f32>,
}

/// The MLP of width `cfg`.
#[derive(Initialize, Clone, Debug)]
#[init(config = usize)]
pub struct Mlp {
    #[init(config = LinearCfg { fan_in: D_IN, fan_out: *cfg })]
    pub fc1: Linear,
    #[init(config = LinearCfg { fan_in: *cfg, fan_out: *cfg })]
    pub fc2: Linear,
    #[init(config = LinearCfg { fan_in: *cfg, fan_out: *cfg })]
    pub fc3: Linear,
    #[init(config = LinearCfg { fan_in: *cfg, fan_out: CLASSES })]
    pub head: Linear,
}

impl Mlp {
    fn layers(&self) -> [&Linear; 4] {
        [&self.fc1, &self.fc2, &self.fc3, &self.head]
    }

    fn layers_mut(&mut self) -> [&mut Linear; 4] {
        [&mut self.fc1, &mut self.fc2, &mut self.fc3, &mut self.head]
    }
}

/// Standard parametrization or μP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Sp,
    Mup,
}

impl Param {
    pub fn name(self) -> &'static str {
        match self {
            Param::Sp => "sp",
            Param::Mup => "mup",
        }
    }
}

/// A model with what its training needs: each layer's Adam learning-rate multiplier for its
/// weight and its bias, and the factor the readout's input is multiplied by.
#[derive(Clone, Debug)]
pub struct Net {
    pub mlp: Mlp,
    /// `[layer] = (weight, bias)` Adam learning-rate multipliers.
    pub lr_mult: [(f32, f32); 4],
    pub output_mult: f32,
}

/// The μP classification of width `width` against `base_width`, readout `head.weight`, base
/// schemes the attributes (PyTorch's defaults).
pub fn parametrization(width: usize, base_width: usize) -> Result<Parametrization, InitError> {
    let base = Mlp::zeroed(&base_width, &())?;
    let target = Mlp::zeroed(&width, &())?;
    Mup::new().readout("head.weight").models(&base, &target)
}

/// The network of `width`, keyed by `seed`: PyTorch's defaults (SP), or μP against
/// `base_width` (then the same values as SP at `width == base_width`).
pub fn build(param: Param, width: usize, base_width: usize, seed: u64) -> Result<Net, InitError> {
    match param {
        Param::Sp => Ok(Net {
            mlp: Mlp::build(&width, &(), seed)?,
            lr_mult: [(1.0, 1.0); 4],
            output_mult: 1.0,
        }),
        Param::Mup => {
            let p = parametrization(width, base_width)?;
            let mut mlp = Mlp::zeroed(&width, &())?;
            mlp.init_with_rules(&p.rules()?, seed)?;
            let mut lr_mult = [(1.0, 1.0); 4];
            for (m, layer) in lr_mult.iter_mut().zip(LAYERS) {
                let w = p.multipliers(&format!("{layer}.weight"))?.adam_lr;
                let b = p.multipliers(&format!("{layer}.bias"))?.adam_lr;
                *m = (w as f32, b as f32);
            }
            Ok(Net {
                mlp,
                lr_mult,
                output_mult: p.output_multiplier() as f32,
            })
        }
    }
}

/// A classification task: `x ~ N(0, I)` in `D_IN` dimensions labelled by the arg-max of a
/// random teacher `D_IN → 64 (tanh) → CLASSES`.
#[derive(Clone, Debug)]
pub struct Data {
    pub x: Array2<f32>,
    pub y: Vec<usize>,
}

impl Data {
    /// `n` points, a pure function of `seed`.
    pub fn teacher(n: usize, seed: u64) -> Result<Self, InitError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = Array2::<f32>::zeros((n, D_IN));
        Init::normal(0.0, 1.0).fill(&mut x, &mut rng)?;
        let mut w1 = Array2::<f32>::zeros((64, D_IN));
        Init::lecun_normal().fill(&mut w1, &mut rng)?;
        let mut w2 = Array2::<f32>::zeros((CLASSES, 64));
        Init::normal(0.0, 1.0).fill(&mut w2, &mut rng)?;
        let h = x.dot(&w1.t()).mapv(f32::tanh);
        let logits = h.dot(&w2.t());
        let y = logits
            .rows()
            .into_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold(
                        (0, f32::NEG_INFINITY),
                        |b, (i, &v)| if v > b.1 { (i, v) } else { b },
                    )
                    .0
            })
            .collect();
        Ok(Data { x, y })
    }

    /// Rows `start..start + len` (wrapping around).
    pub fn batch(&self, start: usize, len: usize) -> (Array2<f32>, Vec<usize>) {
        let n = self.y.len();
        let idx: Vec<usize> = (0..len).map(|i| (start + i) % n).collect();
        (
            self.x.select(Axis(0), &idx),
            idx.iter().map(|&i| self.y[i]).collect(),
        )
    }
}

/// The forward pass: every layer's output `z` (pre-activation; the last is the logits) and
/// every layer's input `h`.
pub struct Forward {
    pub z: Vec<Array2<f32>>,
    pub h: Vec<Array2<f32>>,
}

pub fn forward(net: &Net, x: &Array2<f32>) -> Forward {
    let mut h = vec![x.clone()];
    let mut z = Vec::with_capacity(4);
    for (l, layer) in net.mlp.layers().into_iter().enumerate() {
        let input = if l == 3 {
            &h[l] * net.output_mult
        } else {
            h[l].clone()
        };
        let out = input.dot(&layer.weight.t()) + &layer.bias;
        if l < 3 {
            h.push(out.mapv(|v| v.max(0.0)));
        }
        z.push(out);
    }
    Forward { z, h }
}

/// Mean softmax cross-entropy of `logits` against `y`, and its gradient.
pub fn cross_entropy(logits: &Array2<f32>, y: &[usize]) -> (f64, Array2<f32>) {
    let b = logits.nrows() as f32;
    let mut grad = logits.clone();
    let mut loss = 0.0f64;
    for (mut row, &label) in grad.rows_mut().into_iter().zip(y) {
        let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum: f32 = row.sum();
        loss -= f64::from((row[label] / sum).ln());
        row.mapv_inplace(|v| v / sum / b);
        row[label] -= 1.0 / b;
    }
    (loss / f64::from(b), grad)
}

/// Mean cross-entropy of `net` on `data`, in batches of 1024.
pub fn loss_on(net: &Net, data: &Data) -> f64 {
    let n = data.y.len();
    let mut total = 0.0;
    for start in (0..n).step_by(1024) {
        let len = 1024.min(n - start);
        let (x, y) = data.batch(start, len);
        let f = forward(net, &x);
        total += cross_entropy(&f.z[3], &y).0 * len as f64;
    }
    total / n as f64
}

/// Adam's moments for every parameter (weight, bias per layer), and its step count.
pub struct Adam {
    m: Vec<(Array2<f32>, Array1<f32>)>,
    v: Vec<(Array2<f32>, Array1<f32>)>,
    t: i32,
}

const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPS: f32 = 1e-8;

impl Adam {
    pub fn new(net: &Net) -> Self {
        let zeros = |l: &Linear| {
            (
                Array2::zeros(l.weight.raw_dim()),
                Array1::zeros(l.bias.raw_dim()),
            )
        };
        let m: Vec<_> = net.mlp.layers().into_iter().map(zeros).collect();
        Adam {
            v: m.clone(),
            m,
            t: 0,
        }
    }
}

fn adam_update<D: ndarray::Dimension>(
    p: &mut ndarray::Array<f32, D>,
    g: &ndarray::Array<f32, D>,
    m: &mut ndarray::Array<f32, D>,
    v: &mut ndarray::Array<f32, D>,
    lr: f32,
    t: i32,
) {
    let (c1, c2) = (1.0 - BETA1.powi(t), 1.0 - BETA2.powi(t));
    ndarray::Zip::from(p)
        .and(g)
        .and(m)
        .and(v)
        .for_each(|p, &g, m, v| {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + EPS);
        });
}

/// One training step on `(x, y)` with Adam at learning rate `lr` (times each parameter's
/// multiplier): forward, backward, update. Returns the forward pass (before the update) and
/// the loss.
pub fn step(
    net: &mut Net,
    adam: &mut Adam,
    x: &Array2<f32>,
    y: &[usize],
    lr: f32,
) -> (Forward, f64) {
    let f = forward(net, x);
    let (loss, mut dz) = cross_entropy(&f.z[3], y);
    adam.t += 1;
    let t = adam.t;
    let mut grads: Vec<(Array2<f32>, Array1<f32>)> = Vec::with_capacity(4);
    for l in (0..4).rev() {
        let input = if l == 3 {
            &f.h[l] * net.output_mult
        } else {
            f.h[l].clone()
        };
        let gw = dz.t().dot(&input);
        let gb = dz.sum_axis(Axis(0));
        if l > 0 {
            let mut dh = dz.dot(&net.mlp.layers()[l].weight);
            if l == 3 {
                dh *= net.output_mult;
            }
            // through the ReLU of layer l - 1
            ndarray::Zip::from(&mut dh)
                .and(&f.z[l - 1])
                .for_each(|d, &z| {
                    if z <= 0.0 {
                        *d = 0.0;
                    }
                });
            dz = dh;
        }
        grads.push((gw, gb));
    }
    grads.reverse();
    let mults = net.lr_mult;
    for (l, layer) in net.mlp.layers_mut().into_iter().enumerate() {
        let (gw, gb) = &grads[l];
        let (mw, mb) = &mut adam.m[l];
        let (vw, vb) = &mut adam.v[l];
        adam_update(&mut layer.weight, gw, mw, vw, lr * mults[l].0, t);
        adam_update(&mut layer.bias, gb, mb, vb, lr * mults[l].1, t);
    }
    (f, loss)
}

/// Mean |coordinate| of every layer's output (`fc1`, `fc2`, `fc3` before their ReLU, `head`'s
/// logits): mup's coordinate check statistic (`l1` in `mup/coord_check.py`).
pub fn mean_abs(f: &Forward) -> [f64; 4] {
    let mut out = [0.0; 4];
    for (o, z) in out.iter_mut().zip(&f.z) {
        *o = z.iter().map(|v| f64::from(v.abs())).sum::<f64>() / z.len() as f64;
    }
    out
}

/// One run's settings: the parametrization, the width and μP's base width, the seed of the
/// weights, and Adam's schedule.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub param: Param,
    pub width: usize,
    pub base_width: usize,
    pub seed: u64,
    pub batch: usize,
    pub steps: usize,
    pub lr: f32,
}

/// One coordinate-check run: `steps` forward passes on the same batch (the first `batch` points
/// of `data`), each followed by an Adam step; row `t - 1` holds the mean |coordinate| of each
/// layer at the t-th forward pass (after t − 1 steps), as mup's `get_coord_data` records them.
pub fn coord_check(run: &Run, data: &Data) -> Result<Vec<[f64; 4]>, InitError> {
    let mut net = build(run.param, run.width, run.base_width, run.seed)?;
    let mut adam = Adam::new(&net);
    let (x, y) = data.batch(0, run.batch);
    let mut rows = Vec::with_capacity(run.steps);
    for _ in 0..run.steps {
        let (f, _) = step(&mut net, &mut adam, &x, &y, run.lr);
        rows.push(mean_abs(&f));
    }
    Ok(rows)
}

/// Trains a network for `steps` Adam steps of `batch` points (the data in order, wrapping
/// around) and returns its mean loss on all of `data`; NaN when a step's loss was not finite.
pub fn train(run: &Run, data: &Data) -> Result<f64, InitError> {
    let mut net = build(run.param, run.width, run.base_width, run.seed)?;
    let mut adam = Adam::new(&net);
    for s in 0..run.steps {
        let (x, y) = data.batch(s * run.batch, run.batch);
        let (_, loss) = step(&mut net, &mut adam, &x, &y, run.lr);
        if !loss.is_finite() {
            return Ok(f64::NAN);
        }
    }
    let loss = loss_on(&net, data);
    Ok(if loss.is_finite() { loss } else { f64::NAN })
}
