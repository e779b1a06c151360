//! `weight_init::burn::reinit` (feature `burn-flex`): Burn's own layers initialised by rules
//! over their state-dict names. Every burn-nn layer with parameters gets PyTorch's fans for the
//! same layer (grouped and transposed convolutions included); values are bit-equal to an
//! ndarray parameter of the same name, shape and scheme; unmatched parameters are untouched;
//! the last matching rule wins; a lazy `Param` is never materialised by Burn; impossible rules
//! are errors naming the parameter; ids, devices and `require_grad` survive.

use ndarray::{ArrayD, IxDyn};
use weight_init::burn_core as burn;
use weight_init::burn_core::module::{Module, Param, ParamId};
use weight_init::burn_nn::attention::{MultiHeadAttention, MultiHeadAttentionConfig};
use weight_init::burn_nn::conv::{
    Conv1d, Conv1dConfig, Conv2d, Conv2dConfig, ConvTranspose1d, ConvTranspose1dConfig,
    ConvTranspose2d, ConvTranspose2dConfig,
};
use weight_init::burn_nn::{
    BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, Gru, GruConfig, LayerNorm,
    LayerNormConfig, Linear, LinearConfig, LinearLayout, Lstm, LstmConfig,
};
use weight_init::burn_tensor::{Device, Tensor};
use weight_init::{ErrorKind, Fans, Init, Rules, Source};

const SEED: u64 = 0x0b0b_5eed;

fn device() -> Device {
    Device::flex()
}

#[derive(Module, Debug)]
struct Net {
    conv1: Conv1d,
    up1: ConvTranspose1d,
    conv: Conv2d,
    up: ConvTranspose2d,
    norm: BatchNorm,
    emb: Embedding,
    attn: MultiHeadAttention,
    ln: LayerNorm,
    lstm: Lstm,
    gru: Gru,
    layers: Vec<Linear>,
    head: Linear,
}

fn net(device: &Device) -> Net {
    Net {
        conv1: Conv1dConfig::new(4, 6, 5).init(device),
        up1: ConvTranspose1dConfig::new([4, 6], 3)
            .with_groups(2)
            .init(device),
        conv: Conv2dConfig::new([6, 8], [3, 3])
            .with_groups(2)
            .init(device),
        up: ConvTranspose2dConfig::new([6, 8], [3, 2])
            .with_groups(2)
            .init(device),
        norm: BatchNormConfig::new(8).init(device),
        emb: EmbeddingConfig::new(10, 4).init(device),
        attn: MultiHeadAttentionConfig::new(8, 2).init(device),
        ln: LayerNormConfig::new(8).init(device),
        lstm: LstmConfig::new(3, 5, true).init(device),
        gru: GruConfig::new(3, 4, true).init(device),
        layers: (0..3)
            .map(|_| LinearConfig::new(7, 7).init(device))
            .collect(),
        head: LinearConfig::new(7, 5)
            .with_layout(LinearLayout::Col)
            .init(device),
    }
}

/// The values of a tensor, as f32.
fn values<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
    t.to_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// What an ndarray parameter of this shape and name gets from `init`.
fn host(init: &Init, shape: &[usize], name: &str) -> Vec<f32> {
    let mut a = ArrayD::<f32>::zeros(IxDyn(shape));
    init.fill_seeded(&mut a, SEED, name).unwrap();
    a.iter().copied().collect()
}

/// The fans PyTorch's `_calculate_fan_in_and_fan_out` gives a weight of PyTorch's shape:
/// fan_in = size(1)·receptive field, fan_out = size(0)·receptive field.
fn torch_fans(torch_shape: &[usize]) -> Fans {
    let receptive: usize = torch_shape[2..].iter().product();
    Fans {
        fan_in: torch_shape[1] * receptive,
        fan_out: torch_shape[0] * receptive,
    }
}

#[test]
fn every_layer_gets_pytorchs_fans() {
    let rules = Rules::new()
        .rule("**.weight", Init::he_normal())
        .rule("**.bias", Init::he_normal());
    let (_, report) =
        weight_init::burn::reinit_report(net(&device()), &rules, SEED).expect("reinit");
    let fans = |name: &str| {
        let row = report.get(name).unwrap_or_else(|| panic!("no {name}"));
        row.init
            .as_ref()
            .unwrap()
            .resolve(&row.shape)
            .unwrap()
            .fans
            .unwrap()
    };
    // nn.Conv2d(6, 8, 3, groups=2).weight: (8, 3, 3, 3)
    assert_eq!(fans("conv.weight"), torch_fans(&[8, 3, 3, 3]));
    assert_eq!(fans("conv.bias"), torch_fans(&[8, 3, 3, 3]));
    // nn.ConvTranspose2d(6, 8, (3, 2), groups=2).weight: (6, 4, 3, 2); PyTorch reads fan_in
    // from dim 1 here too
    assert_eq!(fans("up.weight"), torch_fans(&[6, 4, 3, 2]));
    // nn.Conv1d(4, 6, 5).weight: (6, 4, 5); nn.ConvTranspose1d(4, 6, 3, groups=2): (4, 3, 3)
    assert_eq!(fans("conv1.weight"), torch_fans(&[6, 4, 5]));
    assert_eq!(fans("up1.weight"), torch_fans(&[4, 3, 3]));
    assert_eq!(fans("up1.bias"), torch_fans(&[4, 3, 3]));
    // nn.Embedding(10, 4).weight: (10, 4)
    assert_eq!(fans("emb.weight"), torch_fans(&[10, 4]));
    // nn.Linear(7, 7): (7, 7); Burn stores (in, out), the fans are the same
    assert_eq!(fans("layers.2.weight"), torch_fans(&[7, 7]));
    // nn.Linear(7, 5) as (out, in) = (5, 7), which LinearLayout::Col builds
    assert_eq!(fans("head.weight"), torch_fans(&[5, 7]));
    assert_eq!(fans("head.bias"), torch_fans(&[5, 7]));
    // attention's four projections, each its own (8, 8) linear
    for p in ["query", "key", "value", "output"] {
        assert_eq!(fans(&format!("attn.{p}.weight")), torch_fans(&[8, 8]));
    }
    // each LSTM gate: input (5, 3) and hidden (5, 5) transforms, as PyTorch's weight_ih's and
    // weight_hh's blocks
    assert_eq!(
        fans("lstm.forget_gate.input_transform.weight"),
        torch_fans(&[5, 3])
    );
    assert_eq!(
        fans("lstm.forget_gate.hidden_transform.weight"),
        torch_fans(&[5, 5])
    );
    assert_eq!(
        fans("gru.reset_gate.input_transform.weight"),
        torch_fans(&[4, 3])
    );
    // the shapes as Burn holds them
    assert_eq!(report.get("layers.0.weight").unwrap().shape, [7, 7]);
    assert_eq!(report.get("head.weight").unwrap().shape, [5, 7]);
    assert_eq!(report.get("up.weight").unwrap().shape, [6, 4, 3, 2]);
}

#[test]
fn values_are_those_of_the_ndarray_path() {
    let rules = Rules::new()
        .rule("**.weight", Init::glorot_uniform())
        .rule("**.bias", Init::normal(0.0, 0.1))
        .rule("conv.weight", Init::he_normal())
        .rule("head.weight", Init::orthogonal())
        .rule(
            "layers.1.weight",
            Init::truncated_normal_sigmas(0.0, 0.02, 2.0),
        );
    let m = weight_init::burn::reinit(net(&device()), &rules, SEED).expect("reinit");
    // keyed by the state-dict name, with the layer's fans
    let linear = |name: &str, init: Init, shape: [usize; 2]| {
        host(&init.layout(weight_init::Layout::InOut), &shape, name)
    };
    assert_eq!(
        values(&m.layers[0].weight.val()),
        linear("layers.0.weight", Init::glorot_uniform(), [7, 7])
    );
    assert_eq!(
        values(&m.layers[1].weight.val()),
        linear(
            "layers.1.weight",
            Init::truncated_normal_sigmas(0.0, 0.02, 2.0),
            [7, 7]
        )
    );
    assert_eq!(
        values(&m.conv.weight.val()),
        host(&Init::he_normal(), &[8, 3, 3, 3], "conv.weight")
    );
    // a bias with the normal: no fans involved
    assert_eq!(
        values(&m.conv.bias.as_ref().unwrap().val()),
        host(&Init::normal(0.0, 0.1), &[8], "conv.bias")
    );
    assert_eq!(
        values(&m.emb.weight.val()),
        host(&Init::glorot_uniform(), &[10, 4], "emb.weight")
    );
    // LinearLayout::Col: generated as (out, in), held as (in, out) by Burn's load mapper
    let want = host(&Init::orthogonal(), &[5, 7], "head.weight");
    let got = m.head.weight.val();
    assert_eq!(got.dims(), [7, 5]);
    assert_eq!(values(&got.transpose()), want);
    // a bias with a fan-based scheme takes its weight's fans
    let rules = Rules::new().rule("layers.0.bias", Init::he_uniform());
    let m = weight_init::burn::reinit(net(&device()), &rules, SEED).unwrap();
    assert_eq!(
        values(&m.layers[0].bias.as_ref().unwrap().val()),
        host(&Init::he_uniform().fans(7, 7), &[7], "layers.0.bias")
    );
}

#[test]
fn unmatched_parameters_are_untouched_and_the_last_rule_wins() {
    let before = net(&device());
    let kept_emb = values(&before.emb.weight.val());
    let kept_ln = values(&before.ln.gamma.val());
    let rules = Rules::new()
        .rule("layers.*.weight", Init::zeros())
        .rule("layers.1.weight", Init::ones())
        .rule("**.bias", Init::constant(0.5))
        .rule("attn.**", Init::constant(-1.0));
    let (m, report) = weight_init::burn::reinit_report(before, &rules, SEED).unwrap();
    assert_eq!(values(&m.emb.weight.val()), kept_emb);
    assert_eq!(values(&m.ln.gamma.val()), kept_ln);
    assert!(values(&m.layers[0].weight.val()).iter().all(|&x| x == 0.0));
    assert!(values(&m.layers[1].weight.val()).iter().all(|&x| x == 1.0));
    assert!(
        values(&m.layers[2].bias.as_ref().unwrap().val())
            .iter()
            .all(|&x| x == 0.5)
    );
    // "attn.**" comes after "**.bias", so it decides attention's biases
    assert!(
        values(&m.attn.key.bias.as_ref().unwrap().val())
            .iter()
            .all(|&x| x == -1.0)
    );
    assert_eq!(report.get("emb.weight").unwrap().source, Source::Kept);
    assert_eq!(
        report.get("layers.1.weight").unwrap().source,
        Source::Rule {
            index: 1,
            pattern: "layers.1.weight".into()
        }
    );
    assert!(report.unmatched_rules().is_empty());
}

/// A module whose parameter Burn would initialise by panicking.
#[derive(Module, Debug)]
struct Lazy {
    w: Param<Tensor<2>>,
    v: Param<Tensor<1>>,
}

fn lazy(device: &Device) -> Lazy {
    let never = |_: &Device, _: bool| -> Tensor<2> { panic!("Burn's initialiser ran") };
    let never1 = |_: &Device, _: bool| -> Tensor<1> { panic!("Burn's initialiser ran") };
    Lazy {
        w: Param::uninitialized(ParamId::new(), never, device.clone(), true, [6, 4].into()),
        v: Param::uninitialized(ParamId::new(), never1, device.clone(), true, [6].into()),
    }
}

#[test]
fn a_lazy_param_is_never_materialised_by_burn() {
    let m = lazy(&device());
    let (id_w, id_v) = (m.w.id, m.v.id);
    assert!(!m.w.is_initialized());
    let rules = Rules::new().rule("w", Init::he_normal());
    let m = weight_init::burn::reinit(m, &rules, SEED).unwrap();
    assert!(m.w.is_initialized());
    assert_eq!(m.w.id, id_w);
    assert_eq!(values(&m.w.val()), host(&Init::he_normal(), &[6, 4], "w"));
    // the one no rule matched is still lazy
    assert!(!m.v.is_initialized());
    assert_eq!(m.v.id, id_v);
}

#[test]
fn burns_own_layers_stay_lazy_until_ours_are_written() {
    let m = LinearConfig::new(300, 200).init(&device());
    assert!(!m.weight.is_initialized());
    let m = weight_init::burn::reinit(m, &Rules::torch_defaults(), SEED).unwrap();
    assert!(m.weight.is_initialized());
    // PyTorch's nn.Linear default: U(±1/√300), for weight and bias
    let bound = 1.0 / 300f32.sqrt();
    for x in values(&m.weight.val())
        .into_iter()
        .chain(values(&m.bias.as_ref().unwrap().val()))
    {
        assert!(x.abs() <= bound, "{x}");
    }
    let w = values(&m.weight.val());
    let max = w.iter().fold(0.0f32, |a, x| a.max(x.abs()));
    assert!(max > 0.99 * bound, "the bound is reached: {max}");
}

#[test]
fn torch_defaults_for_norms_embeddings_and_attention() {
    let (m, report) =
        weight_init::burn::reinit_report(net(&device()), &Rules::torch_defaults(), SEED).unwrap();
    assert!(values(&m.ln.gamma.val()).iter().all(|&x| x == 1.0));
    assert!(
        values(&m.ln.beta.as_ref().unwrap().val())
            .iter()
            .all(|&x| x == 0.0)
    );
    assert!(values(&m.norm.gamma.val()).iter().all(|&x| x == 1.0));
    assert_eq!(
        report.get("emb.weight").unwrap().init,
        Some(Init::normal(0.0, 1.0))
    );
    // nn.MultiheadAttention: xavier_uniform over the fused (3d, d) in_proj_weight
    let q = report.get("attn.query.weight").unwrap();
    assert_eq!(
        q.init,
        Some(
            Init::glorot_uniform()
                .fans(8, 24)
                .layout(weight_init::Layout::InOut)
        )
    );
    assert!(
        values(&m.attn.output.bias.as_ref().unwrap().val())
            .iter()
            .all(|&x| x == 0.0)
    );
    // LSTM: every weight and bias U(±1/√hidden)
    let b = report.get("lstm.cell_gate.hidden_transform.bias").unwrap();
    assert_eq!(
        b.init,
        Some(Init::uniform_symmetric(1.0 / 5f64.sqrt()).layout(weight_init::Layout::InOut))
    );
    assert_eq!(b.source, Source::Default);
}

#[test]
fn impossible_rules_are_errors_naming_the_parameter() {
    let e = weight_init::burn::reinit(
        net(&device()),
        &Rules::new().rule("ln.gamma", Init::he_normal()),
        SEED,
    )
    .unwrap_err();
    assert_eq!(e.path(), Some("ln.gamma"));
    assert!(matches!(e.kind(), ErrorKind::UnsupportedRank { .. }), "{e}");
    let e = weight_init::burn::reinit(
        net(&device()),
        &Rules::new().rule("conv.weight", Init::eye()),
        SEED,
    )
    .unwrap_err();
    assert_eq!(e.path(), Some("conv.weight"), "{e}");
    let e = weight_init::burn::reinit(
        net(&device()),
        &Rules::new()
            .rule("**.weight", Init::he_normal())
            .rule("encoder.**", Init::zeros()),
        SEED,
    )
    .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::UnmatchedRule {
            pattern: "encoder.**".into()
        }
    );
}

#[test]
fn ids_and_require_grad_survive_on_an_autodiff_device() {
    let device = Device::flex().autodiff();
    let m = net(&device);
    let id = m.layers[0].weight.id;
    let m = weight_init::burn::reinit(m, &Rules::new().rule("**", Init::normal(0.0, 0.1)), SEED)
        .unwrap();
    assert_eq!(m.layers[0].weight.id, id);
    let w = m.layers[0].weight.val();
    assert!(w.is_require_grad());
    let x = Tensor::<2>::ones([2, 7], &device);
    let loss = m.layers[0].forward(x).sum();
    let grads = loss.backward();
    let g = w.grad(&grads).expect("gradient of the new weight");
    assert_eq!(g.dims(), [7, 7]);
}

#[test]
fn the_same_seed_gives_the_same_model_and_another_seed_another() {
    let rules = Rules::torch_defaults();
    let a = weight_init::burn::reinit(net(&device()), &rules, 1).unwrap();
    let b = weight_init::burn::reinit(net(&device()), &rules, 1).unwrap();
    let c = weight_init::burn::reinit(net(&device()), &rules, 2).unwrap();
    assert_eq!(values(&a.conv.weight.val()), values(&b.conv.weight.val()));
    assert_ne!(values(&a.conv.weight.val()), values(&c.conv.weight.val()));
    // and Burn's own init differs from run to run: we do not use it
    let _ = burn::module::Module::num_params(&a);
}

#[test]
fn running_statistics_are_buffers_not_parameters() {
    let (m, report) = weight_init::burn::reinit_report(
        net(&device()),
        &Rules::new().rule("**", Init::constant(3.0)),
        SEED,
    )
    .unwrap();
    assert!(report.get("norm.running_var").is_none());
    assert!(report.get("norm.gamma").is_some());
    assert!(
        values(&m.norm.running_var.value())
            .iter()
            .all(|&x| x == 1.0)
    );
    assert!(
        values(&m.norm.running_mean.value())
            .iter()
            .all(|&x| x == 0.0)
    );
    assert!(values(&m.norm.gamma.val()).iter().all(|&x| x == 3.0));
}

// one key for every framework: an ndarray field `layers[2].weight` and Burn's
// `layers.2.weight` are both keyed by the state-dict name

#[derive(weight_init::Initialize)]
struct HostLinear {
    #[init(glorot_normal, layout = in_out)]
    weight: ndarray::Array2<f32>,
    #[init(normal(std = 0.5))]
    bias: ndarray::Array1<f32>,
}

#[derive(weight_init::Initialize)]
struct HostStack {
    layers: Vec<HostLinear>,
}

#[derive(Module, Debug)]
struct BurnStack {
    layers: Vec<Linear>,
}

#[test]
fn an_ndarray_model_and_a_burn_module_of_the_same_names_get_the_same_values() {
    use weight_init::Initialize;
    let mut host = HostStack {
        layers: (0..3)
            .map(|_| HostLinear {
                weight: ndarray::Array2::zeros((7, 5)),
                bias: ndarray::Array1::zeros(5),
            })
            .collect(),
    };
    host.init_seeded(SEED).unwrap();
    let burn = BurnStack {
        layers: (0..3)
            .map(|_| LinearConfig::new(7, 5).init(&device()))
            .collect(),
    };
    let rules = Rules::new()
        .rule("layers.*.weight", Init::glorot_normal())
        .rule("layers.*.bias", Init::normal(0.0, 0.5));
    let burn = weight_init::burn::reinit(burn, &rules, SEED).unwrap();
    for (h, b) in host.layers.iter().zip(&burn.layers) {
        assert_eq!(
            values(&b.weight.val()),
            h.weight.iter().copied().collect::<Vec<_>>()
        );
        assert_eq!(
            values(&b.bias.as_ref().unwrap().val()),
            h.bias.iter().copied().collect::<Vec<_>>()
        );
    }
}

#[derive(Module, Debug)]
struct More {
    conv3: weight_init::burn_nn::conv::Conv3d,
    up3: weight_init::burn_nn::conv::ConvTranspose3d,
    gn: weight_init::burn_nn::GroupNorm,
    inorm: weight_init::burn_nn::InstanceNorm,
    rms: weight_init::burn_nn::RmsNorm,
    prelu: weight_init::burn_nn::PRelu,
}

#[test]
fn three_dimensional_convolutions_and_the_other_norms() {
    use weight_init::burn_nn::conv::{Conv3dConfig, ConvTranspose3dConfig};
    use weight_init::burn_nn::{GroupNormConfig, InstanceNormConfig, PReluConfig, RmsNormConfig};
    let d = device();
    let m = More {
        conv3: Conv3dConfig::new([4, 6], [3, 2, 2]).init(&d),
        up3: ConvTranspose3dConfig::new([4, 6], [2, 2, 3]).init(&d),
        gn: GroupNormConfig::new(2, 6).init(&d),
        inorm: InstanceNormConfig::new(6).with_affine(true).init(&d),
        rms: RmsNormConfig::new(6).init(&d),
        prelu: PReluConfig::new().init(&d),
    };
    let (m, report) = weight_init::burn::reinit_report(m, &Rules::torch_defaults(), SEED).unwrap();
    let fans = |name: &str| {
        let row = report.get(name).unwrap();
        row.init
            .as_ref()
            .unwrap()
            .resolve(&row.shape)
            .unwrap()
            .fans
            .unwrap()
    };
    // nn.Conv3d(4, 6, (3, 2, 2)).weight: (6, 4, 3, 2, 2); nn.ConvTranspose3d(4, 6, (2, 2, 3)):
    // (4, 6, 2, 2, 3)
    assert_eq!(fans("conv3.weight"), torch_fans(&[6, 4, 3, 2, 2]));
    assert_eq!(fans("up3.weight"), torch_fans(&[4, 6, 2, 2, 3]));
    // PyTorch's bias of a transposed convolution: U(±1/√fan_in) with the weight's fan_in
    let bound = 1.0 / (fans("up3.weight").fan_in as f64).sqrt();
    assert_eq!(
        report.get("up3.bias").unwrap().init,
        Some(Init::uniform_symmetric(bound))
    );
    for (name, one) in [
        ("gn.gamma", true),
        ("gn.beta", false),
        ("inorm.gamma", true),
        ("inorm.beta", false),
        ("rms.gamma", true),
    ] {
        let want = if one { Init::ones() } else { Init::zeros() };
        assert_eq!(report.get(name).unwrap().init, Some(want), "{name}");
    }
    assert!(values(&m.rms.gamma.val()).iter().all(|&x| x == 1.0));
    // PReLU's slope has no PyTorch default among the layers: kept as Burn made it
    assert_eq!(report.get("prelu.alpha").unwrap().source, Source::Kept);
    assert!(values(&m.prelu.alpha.val()).iter().all(|&x| x == 0.25));
}
