//! Signal propagation through a deep fully connected network at initialisation, shared by
//! `examples/signal_propagation.rs` and `tests/signal.rs`: pure functions that build the weights
//! with weight-init's schemes, run the forward and backward passes with ndarray matmuls, and
//! return per-layer statistics, plus the mean-field and Hanin & Rolnick predictions they are
//! compared with.
//!
//! The network: `depth` square layers of `width` units, no biases, PyTorch layout (weight
//! `(out, in)`), a batch stored as the columns of a `(width, batch)` matrix:
//! h_l = W_l x_{l−1}, x_l = φ(h_l), x_0 the input. The backward pass starts from a unit-variance
//! gradient ∂L/∂h_L at the last layer's output and computes
//! ∂L/∂h_{l−1} = φ'(h_{l−1}) ⊙ W_lᵀ ∂L/∂h_l. Inputs and output gradients are N(0, 1), keyed by
//! the seed (`Init::normal(0, 1).fill_seeded`), the same for every scheme at a seed; the weight
//! of layer l is keyed by (seed, `layers[l].w`), layers counted from 0 in paths and from 1 in
//! the statistics' prose.

use std::ops::Range;

use ndarray::{Array2, Zip};
use rayon::prelude::*;
use weight_init::{Gain, Init, InitError, LayerOutputs, Lsuv, LsuvReport};

/// SELU's λ (Klambauer et al. 2017).
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU's α (Klambauer et al. 2017).
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_2;
/// The bound of the "small random" scheme: U(−0.05, 0.05).
pub const SMALL_UNIFORM: f64 = 0.05;

/// The nonlinearity φ after every layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nonlinearity {
    /// φ(h) = h.
    Linear,
    /// φ(h) = tanh h.
    Tanh,
    /// φ(h) = max(h, 0).
    Relu,
    /// φ(h) = λh for h > 0, λα(eʰ − 1) otherwise.
    Selu,
    /// LeCun's scaled tanh, φ(h) = 1.7159·tanh(2h/3) (`weight_init::lecun_tanh`).
    LecunTanh,
}

impl Nonlinearity {
    /// Every nonlinearity of the study, in table order.
    pub const ALL: [Nonlinearity; 5] = [
        Nonlinearity::Linear,
        Nonlinearity::Tanh,
        Nonlinearity::Relu,
        Nonlinearity::Selu,
        Nonlinearity::LecunTanh,
    ];

    /// Its name in tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Nonlinearity::Linear => "linear",
            Nonlinearity::Tanh => "tanh",
            Nonlinearity::Relu => "relu",
            Nonlinearity::Selu => "selu",
            Nonlinearity::LecunTanh => "lecun_tanh",
        }
    }

    /// φ(h).
    pub fn apply(self, h: f64) -> f64 {
        match self {
            Nonlinearity::Linear => h,
            Nonlinearity::Tanh => h.tanh(),
            Nonlinearity::Relu => h.max(0.0),
            Nonlinearity::Selu => {
                if h > 0.0 {
                    SELU_LAMBDA * h
                } else {
                    SELU_LAMBDA * SELU_ALPHA * h.exp_m1()
                }
            }
            Nonlinearity::LecunTanh => weight_init::lecun_tanh(h),
        }
    }

    /// (φ(h), φ'(h)) from one evaluation of tanh or exp (`exp_m1`, so that selu keeps its
    /// precision for tiny h).
    pub fn value_and_slope(self, h: f64) -> (f64, f64) {
        match self {
            Nonlinearity::Tanh => {
                let t = h.tanh();
                (t, 1.0 - t * t)
            }
            Nonlinearity::LecunTanh => {
                let (a, b) = (
                    weight_init::LECUN_TANH_AMPLITUDE,
                    weight_init::LECUN_TANH_SLOPE,
                );
                let t = (b * h).tanh();
                (a * t, a * b * (1.0 - t * t))
            }
            Nonlinearity::Selu if h <= 0.0 => {
                let em1 = h.exp_m1();
                let c = SELU_LAMBDA * SELU_ALPHA;
                (c * em1, c * (em1 + 1.0))
            }
            _ => (self.apply(h), self.derivative(h)),
        }
    }

    /// φ'(h) (relu: 0 at 0).
    pub fn derivative(self, h: f64) -> f64 {
        match self {
            Nonlinearity::Linear => 1.0,
            Nonlinearity::Tanh => {
                let t = h.tanh();
                1.0 - t * t
            }
            Nonlinearity::Relu => {
                if h > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Nonlinearity::Selu => {
                if h > 0.0 {
                    SELU_LAMBDA
                } else {
                    SELU_LAMBDA * SELU_ALPHA * h.exp()
                }
            }
            Nonlinearity::LecunTanh => weight_init::lecun_tanh_derivative(h),
        }
    }
}

/// How the weights are initialised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `Init::uniform(-0.05, 0.05)`: the "small random" initialisation.
    SmallUniform,
    /// `Init::glorot_uniform()`: U(±√(6/(n_in + n_out))).
    GlorotUniform,
    /// `Init::he_normal()`: N(0, 2/n_in).
    HeNormal,
    /// `Init::lecun_normal()`: N(0, 1/n_in).
    LecunNormal,
    /// `Init::lecun_normal().gain(Gain::LecunTanh)` (`#[init(lecun_normal(gain = lecun_tanh))]`):
    /// N(0, g²/n_in), g = 1/√E[f(Z)²] for LeCun's f(x) = 1.7159·tanh(2x/3).
    LecunNormalLecunTanh,
    /// `Init::orthogonal()`: gain 1.
    Orthogonal,
    /// `weight_init::Lsuv::default()` (orthonormal, then each layer's output variance to 1 on
    /// a batch of its own).
    Lsuv,
}

impl Scheme {
    /// Every scheme of the study, in table order.
    pub const ALL: [Scheme; 7] = [
        Scheme::SmallUniform,
        Scheme::GlorotUniform,
        Scheme::HeNormal,
        Scheme::LecunNormal,
        Scheme::LecunNormalLecunTanh,
        Scheme::Orthogonal,
        Scheme::Lsuv,
    ];

    /// Its name in tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::SmallUniform => "uniform(±0.05)",
            Scheme::GlorotUniform => "glorot_uniform",
            Scheme::HeNormal => "he_normal",
            Scheme::LecunNormal => "lecun_normal",
            Scheme::LecunNormalLecunTanh => "lecun_normal(gain = lecun_tanh)",
            Scheme::Orthogonal => "orthogonal",
            Scheme::Lsuv => "lsuv",
        }
    }

    /// The library's scheme for every weight; `None` for LSUV, which depends on data.
    pub fn init(self) -> Option<Init> {
        match self {
            Scheme::SmallUniform => Some(Init::uniform(-SMALL_UNIFORM, SMALL_UNIFORM)),
            Scheme::GlorotUniform => Some(Init::glorot_uniform()),
            Scheme::HeNormal => Some(Init::he_normal()),
            Scheme::LecunNormal => Some(Init::lecun_normal()),
            Scheme::LecunNormalLecunTanh => Some(Init::lecun_normal().gain(Gain::LecunTanh)),
            Scheme::Orthogonal => Some(Init::orthogonal()),
            Scheme::Lsuv => None,
        }
    }

    /// n·Var(W) of a square layer of `width` units, from the papers' formulas (not from the
    /// library): the factor by which a layer multiplies the second moment of its input.
    /// Orthogonal: exactly 1 (‖Wx‖ = ‖x‖). LeCun's tanh gain: 1/E[f(Z)²] by this file's own
    /// quadrature ([`lecun_tanh_gain2`]), not the library's. `None` for LSUV.
    pub fn gain2(self, width: usize) -> Option<f64> {
        let n = width as f64;
        match self {
            Scheme::SmallUniform => Some(n * SMALL_UNIFORM * SMALL_UNIFORM / 3.0),
            Scheme::GlorotUniform => Some(n * 6.0 / (2.0 * n) / 3.0),
            Scheme::HeNormal => Some(2.0),
            Scheme::LecunNormal | Scheme::Orthogonal => Some(1.0),
            Scheme::LecunNormalLecunTanh => Some(lecun_tanh_gain2()),
            Scheme::Lsuv => None,
        }
    }
}

/// g² = 1/E[f(Z)²] for LeCun's f(x) = 1.7159·tanh(2x/3) and Z ~ N(0, 1), by [`gauss_expect`]
/// (composite Simpson), f written out here: the mean-field value the library's
/// `Gain::LecunTanh` (trapezoid rule) is checked against.
pub fn lecun_tanh_gain2() -> f64 {
    1.0 / gauss_expect(1.0, |h| (1.7159 * (2.0 * h / 3.0).tanh()).powi(2))
}

/// The mean-field fixed point of the pre-activations' second moment, q* = g²·E[φ(√q*·Z)²],
/// by iterating the map from q = 1 until it moves less than 1e-13 (relative), at most 10⁴
/// steps; and the activations' second moment there, E[φ(√q*·Z)²]. `None` for LSUV.
pub fn fixed_point(scheme: Scheme, nl: Nonlinearity, width: usize) -> Option<(f64, f64)> {
    let g2 = scheme.gain2(width)?;
    let post = |q: f64| gauss_expect(q, |h| nl.apply(h).powi(2));
    let mut q = 1.0;
    for _ in 0..10_000 {
        let next = g2 * post(q);
        let done = (next - q).abs() <= 1e-13 * q.max(1e-300);
        q = next;
        if done || q == 0.0 || !q.is_finite() {
            break;
        }
    }
    Some((q, post(q)))
}

/// The network's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Units per layer (every layer square).
    pub width: usize,
    /// Layers.
    pub depth: usize,
    /// Inputs per batch.
    pub batch: usize,
}

/// Mean, variance (population) and second moment of a set of values.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    /// Mean.
    pub mean: f64,
    /// Variance, about the mean.
    pub var: f64,
    /// Mean of the squares.
    pub m2: f64,
}

impl Moments {
    /// The moments of every element of `a`.
    pub fn of(a: &Array2<f64>) -> Moments {
        let mut sums = Sums::default();
        a.iter().for_each(|&v| sums.add(v));
        sums.moments()
    }
}

/// Running sums for [`Moments`] in one pass (the variance as m2 − mean², which loses nothing
/// here: no layer's |mean| is large against its std).
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    n: usize,
    sum: f64,
    sum_sq: f64,
}

impl Sums {
    fn add(&mut self, v: f64) {
        self.n += 1;
        self.sum += v;
        self.sum_sq += v * v;
    }

    fn moments(&self) -> Moments {
        let n = self.n as f64;
        let mean = self.sum / n;
        let m2 = self.sum_sq / n;
        Moments {
            mean,
            var: (m2 - mean * mean).max(0.0),
            m2,
        }
    }
}

/// One layer's statistics over all units and the whole batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerStats {
    /// Of the pre-activations h_l = W_l x_{l−1}.
    pub pre: Moments,
    /// Of the activations x_l = φ(h_l).
    pub post: Moments,
    /// Of the gradient ∂L/∂h_l (zero when the backward pass was not run).
    pub grad: Moments,
}

/// One network's statistics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunStats {
    /// Of the input x_0.
    pub input: Moments,
    /// Layer 1 first.
    pub layers: Vec<LayerStats>,
    /// What LSUV did, for that scheme.
    pub lsuv: Option<LsuvReport>,
}

impl RunStats {
    /// Second moment of h_l over that of h_1 (`layer` counted from 1).
    pub fn m2_ratio(&self, layer: usize) -> f64 {
        self.layers[layer - 1].pre.m2 / self.layers[0].pre.m2
    }

    /// Second moment of ∂L/∂h_l over that of ∂L/∂h_L (`layer` counted from 1).
    pub fn grad_m2_ratio(&self, layer: usize) -> f64 {
        self.layers[layer - 1].grad.m2 / self.layers[self.layers.len() - 1].grad.m2
    }
}

/// The path of layer `l`'s weight (from 0), as the derived [`Net`] names it.
pub fn layer_path(l: usize) -> String {
    format!("layers[{l}].w")
}

/// A `(rows, cols)` matrix of N(0, 1) values keyed by (`seed`, `key`).
pub fn gaussian(rows: usize, cols: usize, seed: u64, key: &str) -> Result<Array2<f64>, InitError> {
    let mut a = Array2::zeros((rows, cols));
    Init::normal(0.0, 1.0).fill_seeded(&mut a, seed, key)?;
    Ok(a)
}

/// The weights of a `depth`-layer network of `width` units under `init`, layer l keyed by
/// (`seed`, `layers[l].w`).
pub fn weights(
    init: &Init,
    width: usize,
    depth: usize,
    seed: u64,
) -> Result<Vec<Array2<f64>>, InitError> {
    (0..depth)
        .map(|l| {
            let mut w = Array2::zeros((width, width));
            init.fill_seeded(&mut w, seed, &layer_path(l))?;
            Ok(w)
        })
        .collect()
}

/// One layer of the network LSUV works on.
#[derive(weight_init::Initialize)]
pub struct Layer {
    /// `(out, in)`.
    #[init(orthogonal)]
    pub w: Array2<f64>,
}

/// The network as a model LSUV can walk: paths `layers[i].w`.
#[derive(weight_init::Initialize)]
pub struct Net {
    /// Layer 1 first.
    pub layers: Vec<Layer>,
}

/// LSUV's weights for a `depth`-layer network with nonlinearity `nl`, fitted on `batch`
/// (`(width, batch size)`), orthonormal pre-initialisation keyed by `seed`.
///
/// `Lsuv::run` is called once per layer, in order, with that layer's path alone. That is what
/// one call with all the paths does (each weight is made orthonormal from (seed, path) alone,
/// and LSUV finishes a layer before it looks at the next), but the forward closure can then
/// start from that layer's input, computed once, instead of running the whole network for every
/// rescaling: depth·(iterations + 1) layer products instead of depth²·(iterations + 1).
pub fn lsuv_weights(
    lsuv: &Lsuv,
    nl: Nonlinearity,
    batch: &Array2<f64>,
    depth: usize,
    seed: u64,
) -> Result<(Vec<Array2<f64>>, LsuvReport), InitError> {
    let width = batch.nrows();
    let mut net = Net {
        layers: (0..depth)
            .map(|_| Layer {
                w: Array2::zeros((width, width)),
            })
            .collect(),
    };
    let mut report = LsuvReport::default();
    let mut x = batch.clone();
    for l in 0..depth {
        let path = layer_path(l);
        let r = lsuv.run(&mut net, &[path.as_str()], seed, |m: &Net| {
            let h = m.layers[l].w.dot(&x);
            LayerOutputs::from([(path.clone(), h.iter().copied().collect())])
        })?;
        report.layers.extend(r.layers);
        x = net.layers[l].w.dot(&x).mapv_into(|v| nl.apply(v));
    }
    Ok((
        net.layers.into_iter().map(|layer| layer.w).collect(),
        report,
    ))
}

/// Runs `x` forward through `weights` with nonlinearity `nl`, then, given `grad_out`
/// (∂L/∂h_L), backward; returns the statistics of every layer (gradients zero without
/// `grad_out`).
pub fn propagate(
    weights: &[Array2<f64>],
    nl: Nonlinearity,
    x: &Array2<f64>,
    grad_out: Option<&Array2<f64>>,
) -> RunStats {
    let depth = weights.len();
    let mut layers = vec![LayerStats::default(); depth];
    // φ'(h_l) for the backward pass (not kept for linear, where it is 1)
    let keep = grad_out.is_some() && nl != Nonlinearity::Linear;
    let mut slopes = Vec::with_capacity(if keep { depth } else { 0 });
    let mut act = x.clone();
    for (w, stats) in weights.iter().zip(layers.iter_mut()) {
        // h_l, then in one pass: x_l = φ(h_l) over x_{l−1}, φ'(h_l) over h_l, the moments
        let mut h = w.dot(&act);
        if act.dim() != h.dim() {
            act = Array2::zeros(h.raw_dim());
        }
        let (mut pre, mut post) = (Sums::default(), Sums::default());
        Zip::from(&mut h).and(&mut act).for_each(|h, x| {
            let (value, slope) = nl.value_and_slope(*h);
            pre.add(*h);
            post.add(value);
            *x = value;
            *h = slope;
        });
        stats.pre = pre.moments();
        stats.post = post.moments();
        if keep {
            slopes.push(h);
        }
    }
    if let Some(g) = grad_out {
        let mut g = g.clone();
        for l in (0..depth).rev() {
            layers[l].grad = Moments::of(&g);
            if l > 0 {
                let mut gx = weights[l].t().dot(&g);
                if keep {
                    gx *= &slopes[l - 1];
                }
                g = gx;
            }
        }
    }
    RunStats {
        input: Moments::of(x),
        layers,
        lsuv: None,
    }
}

/// The study for one scheme and seed, for each of `nls`: input x_0 keyed (seed, `input`),
/// output gradient keyed (seed, `grad_output`), the same for every scheme; the weights drawn
/// once and shared by the nonlinearities, except LSUV's, fitted for each nonlinearity on a
/// batch of its own keyed (seed, `lsuv_batch`). `backward` runs the backward pass.
pub fn study(
    scheme: Scheme,
    nls: &[Nonlinearity],
    cfg: Config,
    seed: u64,
    backward: bool,
) -> Result<Vec<RunStats>, InitError> {
    let x = gaussian(cfg.width, cfg.batch, seed, "input")?;
    let g = if backward {
        Some(gaussian(cfg.width, cfg.batch, seed, "grad_output")?)
    } else {
        None
    };
    match scheme.init() {
        Some(init) => {
            let w = weights(&init, cfg.width, cfg.depth, seed)?;
            Ok(nls
                .iter()
                .map(|&nl| propagate(&w, nl, &x, g.as_ref()))
                .collect())
        }
        None => {
            let batch = gaussian(cfg.width, cfg.batch, seed, "lsuv_batch")?;
            nls.iter()
                .map(|&nl| {
                    let (w, report) = lsuv_weights(&Lsuv::default(), nl, &batch, cfg.depth, seed)?;
                    let mut stats = propagate(&w, nl, &x, g.as_ref());
                    stats.lsuv = Some(report);
                    Ok(stats)
                })
                .collect()
        }
    }
}

/// [`study`] for one nonlinearity.
pub fn run(
    scheme: Scheme,
    nl: Nonlinearity,
    cfg: Config,
    seed: u64,
    backward: bool,
) -> Result<RunStats, InitError> {
    Ok(study(scheme, &[nl], cfg, seed, backward)?.remove(0))
}

/// [`run`] for each seed, in parallel.
pub fn run_seeds(
    scheme: Scheme,
    nl: Nonlinearity,
    cfg: Config,
    seeds: Range<u64>,
    backward: bool,
) -> Result<Vec<RunStats>, InitError> {
    seeds
        .into_par_iter()
        .map(|seed| run(scheme, nl, cfg, seed, backward))
        .collect()
}

/// Mean and sample standard deviation (n − 1) of `values`.
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Per layer, the mean and the standard deviation over runs of `f(layer)`.
pub fn over_seeds(runs: &[RunStats], f: impl Fn(&LayerStats) -> f64) -> Vec<(f64, f64)> {
    let depth = runs[0].layers.len();
    (0..depth)
        .map(|l| mean_sd(&runs.iter().map(|r| f(&r.layers[l])).collect::<Vec<_>>()))
        .collect()
}

/// E[f(√q·z)] for z ~ N(0, 1): composite Simpson on z ∈ [−12, 0] and [0, 12], 2400 intervals
/// each, f evaluated at 0 from each side (so relu's and selu's kinks and the jumps of their
/// derivatives cost nothing); exact for relu's piecewise polynomials up to the tails.
pub fn gauss_expect(q: f64, f: impl Fn(f64) -> f64) -> f64 {
    const N: usize = 2400;
    const Z: f64 = 12.0;
    let h = Z / N as f64;
    let s = q.sqrt();
    let density = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let mut sum = 0.0;
    for side in [-1.0, 1.0] {
        for i in 0..=N {
            let z = side * i as f64 * h;
            // just on this side of 0 (the smallest subnormal, not scaled by s)
            let x = if i == 0 {
                side * f64::from_bits(1)
            } else {
                s * z
            };
            let c = if i == 0 || i == N {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            sum += c * f(x) * density(z);
        }
    }
    sum * h / 3.0
}

/// The mean-field (infinite-width) prediction for one scheme and nonlinearity, with inputs of
/// second moment 1 (Poole et al. 2016; Schoenholz et al. 2017):
/// q_1 = g², q_{l+1} = g²·E[φ(√q_l z)²], and backward G_L = 1,
/// G_l = G_{l+1}·g²·E[φ'(√q_l z)²], where g² = n·Var(W) ([`Scheme::gain2`]). LSUV: q_l = 1 by
/// construction, so g² = 1/E[φ(z)²] from layer 2 on (1 for layer 1).
#[derive(Clone, Debug, PartialEq)]
pub struct MeanField {
    /// q_l, the second moment of h_l, layer 1 first.
    pub forward_m2: Vec<f64>,
    /// G_l, the second moment of ∂L/∂h_l, layer 1 first (G_L = 1).
    pub backward_m2: Vec<f64>,
}

/// See [`MeanField`].
pub fn mean_field(scheme: Scheme, nl: Nonlinearity, width: usize, depth: usize) -> MeanField {
    // g² of layers 1..=depth
    let gains: Vec<f64> = match scheme.gain2(width) {
        Some(g2) => vec![g2; depth],
        None => {
            let lsuv = 1.0 / gauss_expect(1.0, |h| nl.apply(h).powi(2));
            (0..depth)
                .map(|l| if l == 0 { 1.0 } else { lsuv })
                .collect()
        }
    };
    let mut forward_m2 = Vec::with_capacity(depth);
    let mut q = gains[0];
    for l in 0..depth {
        forward_m2.push(q);
        if l + 1 < depth {
            q = gains[l + 1] * gauss_expect(q, |h| nl.apply(h).powi(2));
        }
    }
    let mut backward_m2 = vec![1.0; depth];
    for l in (0..depth - 1).rev() {
        backward_m2[l] = backward_m2[l + 1]
            * gains[l + 1]
            * gauss_expect(forward_m2[l], |h| nl.derivative(h).powi(2));
    }
    MeanField {
        forward_m2,
        backward_m2,
    }
}

/// Hanin & Rolnick's second failure mode: log(‖z_L‖²/‖z_0‖²) for one input z_0 (N(0, 1),
/// keyed (0, `sweep_input`), the same for every seed) through a relu network of `depth` layers
/// of `width` units with he_normal weights keyed by `seed`; z_l = relu(W_l z_{l−1}). −∞ when
/// the input dies (every unit of some layer ≤ 0).
pub fn log_norm_ratio(width: usize, depth: usize, seed: u64) -> Result<f64, InitError> {
    let z0 = gaussian(width, 1, 0, "sweep_input")?;
    let init = Init::he_normal();
    let mut z = z0.clone();
    let mut w = Array2::zeros((width, width));
    for l in 0..depth {
        init.fill_seeded(&mut w, seed, &layer_path(l))?;
        z = w.dot(&z).mapv_into(|v| v.max(0.0));
    }
    let norm2 = |a: &Array2<f64>| a.iter().map(|v| v * v).sum::<f64>();
    Ok((norm2(&z) / norm2(&z0)).ln())
}

/// The spread over seeds of [`log_norm_ratio`] at one width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Units per layer.
    pub width: usize,
    /// Layers.
    pub depth: usize,
    /// Networks drawn.
    pub seeds: usize,
    /// Of those, inputs that died (left out of mean and std).
    pub dead: usize,
    /// Mean of the log ratio.
    pub mean: f64,
    /// Sample standard deviation of the log ratio.
    pub std: f64,
}

impl Spread {
    /// Σ 1/n_l over the layers.
    pub fn beta(&self) -> f64 {
        self.depth as f64 / self.width as f64
    }
}

/// [`log_norm_ratio`] over `seeds`, in parallel.
pub fn spread(width: usize, depth: usize, seeds: Range<u64>) -> Result<Spread, InitError> {
    let all: Vec<f64> = seeds
        .into_par_iter()
        .map(|seed| log_norm_ratio(width, depth, seed))
        .collect::<Result<_, _>>()?;
    let alive: Vec<f64> = all.iter().copied().filter(|v| v.is_finite()).collect();
    let (mean, std) = mean_sd(&alive);
    Ok(Spread {
        width,
        depth,
        seeds: all.len(),
        dead: all.len() - alive.len(),
        mean,
        std,
    })
}

/// ψ(k/2) and ψ'(k/2) for k = 0..=n (entry 0 unused), by ψ(x + 1) = ψ(x) + 1/x and
/// ψ'(x + 1) = ψ'(x) − 1/x² from ψ(½) = −γ − 2 ln 2, ψ(1) = −γ, ψ'(½) = π²/2, ψ'(1) = π²/6.
fn polygamma_halves(n: usize) -> (Vec<f64>, Vec<f64>) {
    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
    let pi2 = std::f64::consts::PI * std::f64::consts::PI;
    let mut psi = vec![0.0; n.max(2) + 1];
    let mut tri = vec![0.0; n.max(2) + 1];
    psi[1] = -EULER_GAMMA - 2.0 * std::f64::consts::LN_2;
    psi[2] = -EULER_GAMMA;
    tri[1] = pi2 / 2.0;
    tri[2] = pi2 / 6.0;
    for k in 3..=n {
        let x = (k - 2) as f64 / 2.0;
        psi[k] = psi[k - 2] + 1.0 / x;
        tri[k] = tri[k - 2] - 1.0 / (x * x);
    }
    (psi, tri)
}

/// The exact mean and variance of [`log_norm_ratio`] given that the input does not die. With
/// Gaussian he_normal weights, ‖relu(W z)‖²/‖z‖² = (2/n)·χ²_K with K ~ Binomial(n, ½) positive
/// units, independently at every layer, whatever z; log χ²_K has mean ψ(K/2) + ln 2 and variance
/// ψ'(K/2). So the variance is L·(E[ψ'(K/2)] + Var[ψ(K/2)]) over K ≥ 1, ≈ 5·L/n to first
/// order in 1/n (Hanin & Rolnick's 5·Σ 1/n_l).
pub fn log_ratio_theory(width: usize, depth: usize) -> (f64, f64) {
    let n = width;
    // Binomial(n, ½) probabilities, through their logarithms (2⁻ⁿ underflows for large n)
    let mut ln_p = -(n as f64) * std::f64::consts::LN_2;
    let mut p = vec![ln_p.exp(); n + 1];
    for k in 0..n {
        ln_p += ((n - k) as f64 / (k + 1) as f64).ln();
        p[k + 1] = ln_p.exp();
    }
    let (psi, tri) = polygamma_halves(n);
    let alive: f64 = p[1..].iter().sum();
    let e = |f: &dyn Fn(usize) -> f64| (1..=n).map(|k| p[k] * f(k)).sum::<f64>() / alive;
    let mean_psi = e(&|k| psi[k]);
    let var_psi = e(&|k| (psi[k] - mean_psi).powi(2));
    let mean_tri = e(&|k| tri[k]);
    let per_layer_mean = (2.0 / n as f64).ln() + std::f64::consts::LN_2 + mean_psi;
    let l = depth as f64;
    (l * per_layer_mean, l * (mean_tri + var_psi))
}
