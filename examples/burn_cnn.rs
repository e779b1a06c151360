//! A Burn user's MNIST-style CNN, written with Burn's own layers and `#[derive(Module)]` only
//! (conv, batch norm, pooling, linear, dropout), re-initialised by weight-init's rules over its
//! parameter names, then trained with burn-optim's Adam on images it generates: the loss falls.
//!
//! The rules: He-normal (fan_out, as torchvision's ResNets) for the convolutions, He-normal for
//! the hidden linear layer, a small normal for the classifier, biases zero, and batch norms one
//! and zero. Every parameter is keyed by the seed and its state-dict name (`conv1.weight`), so
//! the same seed gives the same network on any machine; the report says what each got.
//!
//! The same network as a derived struct, `#[init(...)]` on its layer fields, gets the very same
//! values (the key is the state-dict name either way); the example checks it.
//!
//! Run: `cargo run --example burn_cnn --features burn-flex`

use burn_optim::{AdamConfig, GradientsParams};
use weight_init::burn_core as burn;
use weight_init::burn_core::module::Module;
use weight_init::burn_nn::conv::{Conv2d, Conv2dConfig};
use weight_init::burn_nn::loss::CrossEntropyLossConfig;
use weight_init::burn_nn::pool::{MaxPool2d, MaxPool2dConfig};
use weight_init::burn_nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d,
};
use weight_init::burn_tensor::activation::relu;
use weight_init::burn_tensor::{Device, Int, Tensor, TensorData};
use weight_init::{FanMode, Init, Initialize, Rules};

/// Side of the generated images.
const SIDE: usize = 12;
/// Classes.
const CLASSES: usize = 4;

/// The network, as a Burn user writes it: Burn's layers, Burn's derive, nothing of ours.
#[derive(Module, Debug)]
struct Cnn {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    pool: MaxPool2d,
    fc1: Linear,
    dropout: Dropout,
    fc2: Linear,
}

impl Cnn {
    fn new(device: &Device) -> Self {
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        Cnn {
            conv1: conv(1, 8),
            bn1: BatchNormConfig::new(8).init(device),
            conv2: conv(8, 16),
            bn2: BatchNormConfig::new(16).init(device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc1: LinearConfig::new(16 * (SIDE / 4) * (SIDE / 4), 32).init(device),
            dropout: DropoutConfig::new(0.1).init(),
            fc2: LinearConfig::new(32, CLASSES).init(device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self
            .pool
            .forward(relu(self.bn1.forward(self.conv1.forward(x))));
        let x = self
            .pool
            .forward(relu(self.bn2.forward(self.conv2.forward(x))));
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.dropout.forward(relu(self.fc1.forward(x)));
        self.fc2.forward(x)
    }
}

/// The same network with its schemes on its fields: `#[derive(Module)]` and
/// `#[derive(Initialize)]` side by side. Pooling and dropout hold no parameters: skipped.
#[derive(Module, Debug, Initialize)]
struct DerivedCnn {
    #[init(he_normal, mode = fan_out, bias = zeros)]
    conv1: Conv2d,
    #[init(ones, bias = zeros)]
    bn1: BatchNorm,
    #[init(he_normal, mode = fan_out, bias = zeros)]
    conv2: Conv2d,
    #[init(ones, bias = zeros)]
    bn2: BatchNorm,
    #[init(skip)]
    pool: MaxPool2d,
    #[init(he_normal, bias = zeros)]
    fc1: Linear,
    #[init(skip)]
    dropout: Dropout,
    #[init(normal(std = 0.01), bias = zeros)]
    fc2: Linear,
}

impl DerivedCnn {
    fn new(device: &Device) -> Self {
        let Cnn {
            conv1,
            bn1,
            conv2,
            bn2,
            pool,
            fc1,
            dropout,
            fc2,
        } = Cnn::new(device);
        DerivedCnn {
            conv1,
            bn1,
            conv2,
            bn2,
            pool,
            fc1,
            dropout,
            fc2,
        }
    }
}

/// The values of a parameter.
fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.to_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap_or_default()
}

/// The rules: general first, exceptions after (the last matching rule wins).
fn rules() -> Rules {
    Rules::new()
        .rule("conv*.weight", Init::he_normal().mode(FanMode::FanOut))
        .rule("fc1.weight", Init::he_normal())
        .rule("fc2.weight", Init::normal(0.0, 0.01))
        .rule("**.bias", Init::zeros())
        .rule("bn*.gamma", Init::ones())
        .rule("bn*.beta", Init::zeros())
}

/// A batch of images of `CLASSES` kinds (a bright bar in one of four places, on noise) and their
/// labels, from a small LCG so that the example needs no rng crate.
fn batch(step: u64, n: usize, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let mut state = step
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut pixels = Vec::with_capacity(n * SIDE * SIDE);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let class = ((next() * CLASSES as f32) as usize).min(CLASSES - 1);
        labels.push(class as i64);
        for r in 0..SIDE {
            for c in 0..SIDE {
                let bar = match class {
                    0 => r == SIDE / 4,
                    1 => r == 3 * SIDE / 4,
                    2 => c == SIDE / 4,
                    _ => c == 3 * SIDE / 4,
                };
                pixels.push(if bar { 1.0 } else { 0.0 } + 0.5 * (next() - 0.5));
            }
        }
    }
    let x = Tensor::<4>::from_data(TensorData::new(pixels, [n, 1, SIDE, SIDE]), device);
    let y = Tensor::<1, Int>::from_data(TensorData::new(labels, [n]), device);
    (x, y)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex().autodiff();
    // Burn's layers are built lazily: reinit gives each parameter our values as its
    // initialisation, and Burn's own initialiser never runs.
    let (mut model, report) = weight_init::burn::reinit_report(Cnn::new(&device), &rules(), 7)?;
    println!("what each parameter got:\n{report}");
    report.check()?; // every rule matched something

    // The derived struct: the same values, parameter for parameter.
    let mut derived = DerivedCnn::new(&device);
    derived.init_seeded(7)?;
    let same = values(derived.conv2.weight.val()) == values(model.conv2.weight.val())
        && values(derived.fc1.weight.val()) == values(model.fc1.weight.val())
        && values(derived.fc2.weight.val()) == values(model.fc2.weight.val())
        && values(derived.bn1.gamma.val()) == values(model.bn1.gamma.val());
    println!("the derived struct's values equal the rules': {same}");
    if !same {
        return Err("the derived struct and the rules disagree".into());
    }

    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let mut optim = AdamConfig::new().init();
    let (steps, n) = (300, 32);
    let mut first = Vec::new();
    let mut last = Vec::new();
    for step in 0..steps {
        let (x, y) = batch(step, n, &device);
        let loss = loss_fn.forward(model.forward(x), y);
        let value = loss.clone().into_scalar::<f32>();
        if step < 20 {
            first.push(value);
        }
        if step >= steps - 20 {
            last.push(value);
        }
        if step % 50 == 0 {
            println!("step {step:3}  loss {value:.4}");
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(2e-3, model, grads);
    }
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let (start, end) = (mean(&first), mean(&last));
    println!("mean loss, first 20 steps {start:.4}, last 20 steps {end:.4}");
    if end.is_nan() || end >= 0.5 * start {
        return Err(format!("the loss did not fall: {start} → {end}").into());
    }
    Ok(())
}
