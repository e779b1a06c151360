//! A deep ReLU multilayer perceptron trained with hand-written backpropagation and plain SGD on
//! a synthetic classification task. Shared by `examples/deep_relu_training.rs` and
//! `tests/training.rs`, which reproduce He et al. (2015, §2.2 and Figure 3): a 30-layer ReLU
//! network initialised with Xavier/Glorot stalls where one initialised with He's scheme
//! converges.
//!
//! Layout: weights are PyTorch's `(out, in)`, activations are `(batch, features)` rows, so a
//! layer computes `z = h·Wᵀ + b`. Every layer but the last is followed by a ReLU; the last gives
//! the logits of a softmax cross-entropy loss.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, Axis};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use weight_init::{Init, InitError};

/// A synthetic classification task: `n_classes` classes in `dim` dimensions, each class the
/// union of `clusters_per_class` Gaussian blobs whose centres are drawn from N(0, I) and whose
/// points are their centre plus N(0, `spread`² I) noise. With several blobs per class the classes
/// are not linearly separable, so the network has to use its depth.
#[derive(Clone, Copy, Debug)]
pub struct Task {
    pub dim: usize,
    pub n_classes: usize,
    pub clusters_per_class: usize,
    pub spread: f32,
}

/// Inputs `x` of shape `(n, dim)`, scaled so that each coordinate has unit second moment, and
/// their labels `y` in `0..n_classes`, exactly balanced (`y[i] = i % n_classes`).
#[derive(Clone, Debug)]
pub struct Dataset {
    pub x: Array2<f32>,
    pub y: Vec<usize>,
    pub n_classes: usize,
}

impl Dataset {
    /// `n` points of `task`, a pure function of `seed`.
    pub fn generate(task: &Task, n: usize, seed: u64) -> Result<Self, InitError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let k = task.n_classes * task.clusters_per_class;
        let mut centres = Array2::<f32>::zeros((k, task.dim));
        Init::normal(0.0, 1.0).fill(&mut centres, &mut rng)?;
        let mut x = Array2::<f32>::zeros((n, task.dim));
        Init::normal(0.0, f64::from(task.spread)).fill(&mut x, &mut rng)?;
        let mut y = Vec::with_capacity(n);
        for (i, mut row) in x.rows_mut().into_iter().enumerate() {
            let class = i % task.n_classes;
            // blob `class + n_classes * j` belongs to `class`
            let blob = class + task.n_classes * rng.random_range(0..task.clusters_per_class);
            row += &centres.row(blob);
            y.push(class);
        }
        x /= (1.0 + task.spread * task.spread).sqrt();
        Ok(Dataset {
            x,
            y,
            n_classes: task.n_classes,
        })
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// The points `idx`, as a batch.
    pub fn batch(&self, idx: &[usize]) -> (Array2<f32>, Vec<usize>) {
        (
            self.x.select(Axis(0), idx),
            idx.iter().map(|&i| self.y[i]).collect(),
        )
    }
}

/// The parameters of the MLP: `weights[i]` has shape `(sizes[i + 1], sizes[i])`.
#[derive(Clone, Debug)]
pub struct Mlp {
    pub weights: Vec<Array2<f32>>,
    pub biases: Vec<Array1<f32>>,
}

/// The loss of a batch and the gradients of its mean with respect to every parameter.
pub struct Gradients {
    pub loss: f32,
    pub weights: Vec<Array2<f32>>,
    pub biases: Vec<Array1<f32>>,
}

impl Mlp {
    /// Layers `sizes[0] → sizes[1] → … → sizes[L]`, every weight drawn by `init` in keyed mode
    /// (`fill_seeded(seed, "layers[i].w")`), every bias zero. Two fan-based normal schemes given
    /// the same seed draw the same standard normals and differ only in their per-layer std.
    pub fn new(sizes: &[usize], init: &Init, seed: u64) -> Result<Self, InitError> {
        let mut weights = Vec::with_capacity(sizes.len() - 1);
        let mut biases = Vec::with_capacity(sizes.len() - 1);
        for (i, pair) in sizes.windows(2).enumerate() {
            let mut w = Array2::<f32>::zeros((pair[1], pair[0])); // (out, in)
            init.fill_seeded(&mut w, seed, &format!("layers[{i}].w"))?;
            weights.push(w);
            biases.push(Array1::zeros(pair[1]));
        }
        Ok(Mlp { weights, biases })
    }

    /// The number of weight layers.
    pub fn depth(&self) -> usize {
        self.weights.len()
    }

    /// The input and the output of every layer: `acts[0] = x`, `acts[i]` the ReLU output of layer
    /// `i` for the hidden layers, and the last the logits.
    pub fn activations(&self, x: &Array2<f32>) -> Vec<Array2<f32>> {
        let mut acts = Vec::with_capacity(self.depth() + 1);
        acts.push(x.clone());
        for (i, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            let mut z = acts[i].dot(&w.t());
            add_bias(&mut z, b, i + 1 < self.depth());
            acts.push(z);
        }
        acts
    }

    /// The logits, `(batch, n_classes)`.
    pub fn logits(&self, x: &Array2<f32>) -> Array2<f32> {
        self.activations(x).pop().expect("at least the input")
    }

    /// The mean softmax cross-entropy of the model on `data`, evaluated in chunks.
    pub fn loss(&self, data: &Dataset) -> f32 {
        let chunk = 512;
        let mut total = 0.0f64;
        for start in (0..data.len()).step_by(chunk) {
            let end = (start + chunk).min(data.len());
            let logits = self.logits(&data.x.slice(ndarray::s![start..end, ..]).to_owned());
            let (loss, _) = softmax_cross_entropy(&logits, &data.y[start..end]);
            total += f64::from(loss) * (end - start) as f64;
        }
        (total / data.len() as f64) as f32
    }

    /// ∂loss/∂z of layer `i − 1` from that of layer `i`: back through `weights[i]`, then through
    /// the ReLU whose output `acts[i]` is (zero where it was inactive).
    fn backprop_delta(&self, i: usize, delta: &Array2<f32>, act: &Array2<f32>) -> Array2<f32> {
        let mut dh = delta.dot(&self.weights[i]);
        let a = act.as_slice().expect("activations are contiguous");
        for (d, &a) in dh.as_slice_mut().expect("fresh array").iter_mut().zip(a) {
            if a <= 0.0 {
                *d = 0.0;
            }
        }
        dh
    }

    /// Backpropagation through the whole network for the batch `(x, y)`.
    pub fn gradients(&self, x: &Array2<f32>, y: &[usize]) -> Gradients {
        let acts = self.activations(x);
        let (loss, mut delta) = softmax_cross_entropy(&acts[self.depth()], y);
        let mut gw = Vec::with_capacity(self.depth());
        let mut gb = Vec::with_capacity(self.depth());
        for i in (0..self.depth()).rev() {
            // delta = ∂loss/∂z_i, (batch, out); acts[i] is the layer's input, (batch, in)
            gw.push(delta.t().dot(&acts[i]));
            gb.push(column_sums(&delta));
            if i > 0 {
                delta = self.backprop_delta(i, &delta, &acts[i]);
            }
        }
        gw.reverse();
        gb.reverse();
        Gradients {
            loss,
            weights: gw,
            biases: gb,
        }
    }

    /// One step of plain SGD (no momentum, no weight decay) on the batch `(x, y)`: the same
    /// backpropagation as [`Mlp::gradients`], each layer updated in place (`W −= lr·δᵀ·h` as one
    /// GEMM) as soon as the gradient below it is known. Returns the batch's loss before the step.
    pub fn sgd_step(&mut self, x: &Array2<f32>, y: &[usize], lr: f32) -> f32 {
        let acts = self.activations(x);
        let (loss, mut delta) = softmax_cross_entropy(&acts[self.depth()], y);
        for i in (0..self.depth()).rev() {
            let below = (i > 0).then(|| self.backprop_delta(i, &delta, &acts[i]));
            general_mat_mul(-lr, &delta.t(), &acts[i], 1.0, &mut self.weights[i]);
            self.biases[i].scaled_add(-lr, &column_sums(&delta));
            if let Some(d) = below {
                delta = d;
            }
        }
        loss
    }
}

/// `z += b` on every row, then the ReLU if `relu`; on slices, which debug builds run several
/// times faster than ndarray's broadcasting.
fn add_bias(z: &mut Array2<f32>, b: &Array1<f32>, relu: bool) {
    let b = b.as_slice().expect("biases are contiguous");
    let z = z.as_slice_mut().expect("fresh array");
    for row in z.chunks_exact_mut(b.len()) {
        for (v, &bias) in row.iter_mut().zip(b) {
            *v += bias;
            if relu && *v < 0.0 {
                *v = 0.0;
            }
        }
    }
}

/// The sum over the batch of `delta`, `(batch, out)` → `(out)`: a bias's gradient.
fn column_sums(delta: &Array2<f32>) -> Array1<f32> {
    let mut sums = Array1::zeros(delta.ncols());
    let s = sums.as_slice_mut().expect("fresh array");
    for row in delta.as_slice().expect("contiguous").chunks_exact(s.len()) {
        for (acc, &d) in s.iter_mut().zip(row) {
            *acc += d;
        }
    }
    sums
}

/// The mean softmax cross-entropy of `logits` `(batch, classes)` against the labels `y`, and its
/// gradient with respect to the logits, `(softmax − one_hot) / batch`.
pub fn softmax_cross_entropy(logits: &Array2<f32>, y: &[usize]) -> (f32, Array2<f32>) {
    let n = logits.nrows();
    let mut grad = logits.clone();
    let mut total = 0.0f64;
    for ((mut row, z), &label) in grad.rows_mut().into_iter().zip(logits.rows()).zip(y) {
        let max = z.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        // −log softmax(z)[label] = log Σ exp(z) − z[label]
        total += f64::from(sum.ln() + max - z[label]);
        row /= sum;
        row[label] -= 1.0;
    }
    grad /= n as f32;
    ((total / n as f64) as f32, grad)
}

/// How to train: `steps` steps of plain SGD with learning rate `lr` on batches of `batch` points
/// drawn uniformly with replacement (a pure function of `seed`, so two models trained with the
/// same seed see the same batches), the loss on the whole dataset recorded every `eval_every`
/// steps and after the last.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub steps: usize,
    pub batch: usize,
    pub lr: f32,
    pub eval_every: usize,
}

/// Trains `model` on `data`; returns the loss curve `(step, loss on data)`, starting at step 0.
pub fn train(model: &mut Mlp, data: &Dataset, schedule: &Schedule, seed: u64) -> Vec<(usize, f32)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut curve = vec![(0, model.loss(data))];
    let mut idx = vec![0; schedule.batch];
    for step in 1..=schedule.steps {
        for i in &mut idx {
            *i = rng.random_range(0..data.len());
        }
        let (x, y) = data.batch(&idx);
        model.sgd_step(&x, &y, schedule.lr);
        if step % schedule.eval_every == 0 || step == schedule.steps {
            curve.push((step, model.loss(data)));
        }
    }
    curve
}
