//! Symmetry under constant initialisation, shared by `examples/symmetry.rs` and
//! `tests/symmetry.rs`: a small MLP (inputs → hidden → hidden → 1, ReLU or tanh) trained by
//! plain SGD on a regression task it generates, recording after every step how far apart the
//! hidden units of each layer are: the largest (and smallest) Euclidean distance between the
//! incoming weight vectors (rows of `W`, `(out, in)`) of two units of the same layer.
//!
//! The forward and backward passes are plain loops in a fixed order, the same for every unit:
//! two units with bitwise-equal incoming weights, biases and outgoing weights compute bitwise-
//! equal activations and receive bitwise-equal gradients, so a distance of exactly 0 stays
//! exactly 0 (the article's "symmetry"), with no rounding to blur it.

use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use weight_init::{Init, InitError};

/// Input features of the task.
pub const INPUTS: usize = 8;

/// How every weight matrix starts (biases always start at 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// `Init::zeros()`.
    Zeros,
    /// `Init::constant(0.1)`.
    Constant,
    /// `Init::he_normal()`: N(0, 2/n_in).
    HeNormal,
}

impl Start {
    /// Every start, in plotting order.
    pub const ALL: [Start; 3] = [Start::Zeros, Start::Constant, Start::HeNormal];

    /// Its name in the JSON (`"zeros" | "constant" | "he_normal"`).
    pub fn name(self) -> &'static str {
        match self {
            Start::Zeros => "zeros",
            Start::Constant => "constant",
            Start::HeNormal => "he_normal",
        }
    }

    /// The library's scheme.
    pub fn init(self) -> Init {
        match self {
            Start::Zeros => Init::zeros(),
            Start::Constant => Init::constant(0.1),
            Start::HeNormal => Init::he_normal(),
        }
    }
}

/// The hidden layers' nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// max(z, 0), derivative 0 at 0 (PyTorch's).
    Relu,
    /// tanh z.
    Tanh,
}

impl Activation {
    /// Both, in table order.
    pub const ALL: [Activation; 2] = [Activation::Relu, Activation::Tanh];

    /// Its name in tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
        }
    }

    /// (φ(z), φ'(z)).
    fn value_and_slope(self, z: f64) -> (f64, f64) {
        match self {
            Activation::Relu => {
                if z > 0.0 {
                    (z, 1.0)
                } else {
                    (0.0, 0.0)
                }
            }
            Activation::Tanh => {
                let t = z.tanh();
                (t, 1.0 - t * t)
            }
        }
    }
}

/// The size of the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// Units per hidden layer.
    pub hidden: usize,
    /// Training points.
    pub points: usize,
    /// Points per SGD step.
    pub batch: usize,
    /// SGD steps.
    pub steps: usize,
    /// Learning rate.
    pub lr: f64,
}

/// The regression task: x ~ N(0, I) in [`INPUTS`] dimensions (keyed by (seed, `task.x`)),
/// y = sin(2·x₀) + x₁·x₂ + ½·x₃² − ½ + ½·x₄ (a pure function of x, mean 0).
#[derive(Clone, Debug)]
pub struct Task {
    /// `(points, INPUTS)`.
    pub x: Array2<f64>,
    /// One target per point.
    pub y: Vec<f64>,
}

impl Task {
    /// `points` points, a pure function of `seed`.
    pub fn generate(points: usize, seed: u64) -> Result<Task, InitError> {
        let mut x = Array2::zeros((points, INPUTS));
        Init::normal(0.0, 1.0).fill_seeded(&mut x, seed, "task.x")?;
        let y = x
            .rows()
            .into_iter()
            .map(|r: ndarray::ArrayView1<f64>| {
                (2.0 * r[0]).sin() + r[1] * r[2] + 0.5 * r[3] * r[3] - 0.5 + 0.5 * r[4]
            })
            .collect();
        Ok(Task { x, y })
    }

    /// The variance of the targets: the loss of the best constant prediction.
    pub fn target_variance(&self) -> f64 {
        let n = self.y.len() as f64;
        let mean = self.y.iter().sum::<f64>() / n;
        self.y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n
    }
}

/// inputs → hidden → hidden → 1; weights `(out, in)`, `w[l]` and `b[l]` for l = 0, 1, 2.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// Weights, `(out, in)`.
    pub w: [Array2<f64>; 3],
    /// Biases.
    pub b: [Vec<f64>; 3],
    /// The hidden layers' nonlinearity.
    pub act: Activation,
}

/// What one forward pass keeps for the backward pass.
struct Trace {
    /// Activations of the two hidden layers.
    a: [Vec<f64>; 2],
    /// Their slopes φ'(z).
    slope: [Vec<f64>; 2],
    /// The output.
    out: f64,
}

impl Mlp {
    /// Every weight matrix from `start` keyed by (`seed`, `w0` … `w2`), biases 0.
    pub fn new(start: Start, act: Activation, hidden: usize, seed: u64) -> Result<Mlp, InitError> {
        let shapes = [(hidden, INPUTS), (hidden, hidden), (1, hidden)];
        let mut w: [Array2<f64>; 3] = shapes.map(Array2::zeros);
        for (l, w) in w.iter_mut().enumerate() {
            start.init().fill_seeded(w, seed, &format!("w{l}"))?;
        }
        Ok(Mlp {
            w,
            b: [vec![0.0; hidden], vec![0.0; hidden], vec![0.0; 1]],
            act,
        })
    }

    /// z = W·x + b, one unit after the other, each summing over its inputs in order.
    fn affine(w: &Array2<f64>, b: &[f64], x: &[f64]) -> Vec<f64> {
        w.rows()
            .into_iter()
            .zip(b)
            .map(|(row, &b)| row.iter().zip(x).fold(b, |s, (w, x)| s + w * x))
            .collect()
    }

    fn forward(&self, x: &[f64]) -> Trace {
        let mut input = x.to_vec();
        let mut a: [Vec<f64>; 2] = Default::default();
        let mut slope: [Vec<f64>; 2] = Default::default();
        for l in 0..2 {
            let z = Self::affine(&self.w[l], &self.b[l], &input);
            let (values, slopes) = z.iter().map(|&z| self.act.value_and_slope(z)).unzip();
            a[l] = values;
            slope[l] = slopes;
            input = a[l].clone();
        }
        let out = Self::affine(&self.w[2], &self.b[2], &input)[0];
        Trace { a, slope, out }
    }

    /// The mean squared error over `task`.
    pub fn loss(&self, task: &Task) -> f64 {
        let n = task.y.len() as f64;
        task.x
            .rows()
            .into_iter()
            .zip(&task.y)
            .map(|(x, y)| (self.forward(&x.to_vec()).out - y).powi(2))
            .sum::<f64>()
            / n
    }

    /// One plain SGD step on the mean squared error of the points `idx`: every weight and bias
    /// moves by −lr times its gradient.
    pub fn sgd_step(&mut self, task: &Task, idx: &[usize], lr: f64) {
        let mut gw: [Array2<f64>; 3] = self.w.clone().map(|w| Array2::zeros(w.raw_dim()));
        let mut gb: [Vec<f64>; 3] = self.b.clone().map(|b| vec![0.0; b.len()]);
        let scale = 2.0 / idx.len() as f64;
        for &i in idx {
            let x = task.x.row(i).to_vec();
            let t = self.forward(&x);
            // ∂loss/∂z for the output, then back through the hidden layers
            let mut delta = vec![scale * (t.out - task.y[i])];
            for l in (0..3).rev() {
                let input = if l == 0 { &x } else { &t.a[l - 1] };
                for (o, d) in delta.iter().enumerate() {
                    gb[l][o] += d;
                    for (k, v) in input.iter().enumerate() {
                        gw[l][[o, k]] += d * v;
                    }
                }
                if l > 0 {
                    // δ_{l−1}[k] = φ'(z_{l−1}[k]) · Σ_o W_l[o, k] δ_l[o], summed over o in order
                    delta = (0..input.len())
                        .map(|k| {
                            let back = delta
                                .iter()
                                .enumerate()
                                .fold(0.0, |s, (o, d)| s + self.w[l][[o, k]] * d);
                            back * t.slope[l - 1][k]
                        })
                        .collect();
                }
            }
        }
        for l in 0..3 {
            self.w[l].zip_mut_with(&gw[l], |w, g| *w -= lr * g);
            for (b, g) in self.b[l].iter_mut().zip(&gb[l]) {
                *b -= lr * g;
            }
        }
    }
}

/// The largest and the smallest Euclidean distance between two rows of `w` (the incoming
/// weight vectors of two units); (0, 0) for fewer than two rows.
pub fn unit_differences(w: &Array2<f64>) -> (f64, f64) {
    let rows: Vec<_> = w.rows().into_iter().collect();
    let (mut max, mut min) = (0.0f64, f64::INFINITY);
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            let d = rows[i]
                .iter()
                .zip(rows[j].iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            max = max.max(d);
            min = min.min(d);
        }
    }
    (max, if min.is_finite() { min } else { 0.0 })
}

/// The state after one step (step 0: at initialisation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    /// The start.
    pub start: Start,
    /// The nonlinearity.
    pub act: Activation,
    /// Steps taken.
    pub step: usize,
    /// The largest distance between two units' incoming weights, over both hidden layers.
    pub max_unit_difference: f64,
    /// The smallest, over both hidden layers.
    pub min_unit_difference: f64,
    /// The largest in hidden layer 1 and in hidden layer 2.
    pub per_layer: [f64; 2],
    /// The mean squared error over the whole training set.
    pub loss: f64,
    /// The largest |weight| of any layer.
    pub max_abs_weight: f64,
}

/// Trains from `start` with `act` for `cfg.steps` steps; the task and the batches (drawn with
/// replacement by ChaCha8 from `seed`) are the same for every start and nonlinearity, and the
/// weights are keyed by `seed`. One record per step, step 0 first.
pub fn train(
    start: Start,
    act: Activation,
    cfg: Config,
    seed: u64,
) -> Result<Vec<Record>, InitError> {
    let task = Task::generate(cfg.points, seed)?;
    let mut mlp = Mlp::new(start, act, cfg.hidden, seed)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut idx = vec![0; cfg.batch];
    let record = |mlp: &Mlp, step: usize| {
        let (d1, m1) = unit_differences(&mlp.w[0]);
        let (d2, m2) = unit_differences(&mlp.w[1]);
        Record {
            start,
            act,
            step,
            max_unit_difference: d1.max(d2),
            min_unit_difference: m1.min(m2),
            per_layer: [d1, d2],
            loss: mlp.loss(&task),
            max_abs_weight: mlp
                .w
                .iter()
                .flat_map(|w| w.iter())
                .fold(0.0, |m: f64, v| m.max(v.abs())),
        }
    };
    let mut out = Vec::with_capacity(cfg.steps + 1);
    out.push(record(&mlp, 0));
    for step in 1..=cfg.steps {
        for i in &mut idx {
            *i = rng.random_range(0..cfg.points);
        }
        mlp.sgd_step(&task, &idx, cfg.lr);
        out.push(record(&mlp, step));
    }
    Ok(out)
}
