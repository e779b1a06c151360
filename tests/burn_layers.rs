//! burn-nn layers as fields of a derived struct (feature `burn-flex`): `#[init(he_normal, bias =
//! zeros)] fc: Linear`. Every layer kind's parameters are visited under Burn's own names with
//! the fans `reinit` gives them, so the values are bit-equal to `weight_init::burn::reinit` with
//! rules of the same names, and to an ndarray parameter of that name; the bias default is
//! PyTorch's; norms default to 1 and 0; `forget_bias` sets an LSTM's forget gate; a struct is
//! built from its configuration without Burn's initialiser running; and a struct deriving both
//! Burn's `Module` and `Initialize` trains with burn-optim.

use std::collections::BTreeMap;

use ndarray::{ArrayD, IxDyn};
use weight_init::burn_core as burn;
use weight_init::burn_core::module::{Module, ModuleVisitor, Param, ParamId};
use weight_init::burn_nn::attention::{MultiHeadAttention, MultiHeadAttentionConfig};
use weight_init::burn_nn::conv::{
    Conv1d, Conv1dConfig, Conv2d, Conv2dConfig, Conv3d, Conv3dConfig, ConvTranspose1d,
    ConvTranspose1dConfig, ConvTranspose2d, ConvTranspose2dConfig, ConvTranspose3d,
    ConvTranspose3dConfig,
};
use weight_init::burn_nn::{
    BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, GroupNorm, GroupNormConfig, Gru,
    GruConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig, LinearLayout, Lstm, LstmConfig,
    RmsNorm, RmsNormConfig,
};
use weight_init::burn_tensor::{Device, Tensor, TensorData};
use weight_init::{Build, Init, Initialize, Layout, Rules};

const SEED: u64 = 0x1a7e_5eed;

fn device() -> Device {
    Device::flex()
}

/// Every burn-nn layer kind with parameters, as derived fields.
#[derive(Module, Debug, Initialize)]
struct Net {
    #[init(he_normal, bias = zeros)]
    fc: Linear,
    #[init(glorot_uniform)]
    head: Linear,
    #[init(he_uniform, bias = normal(std = 0.01))]
    conv1: Conv1d,
    #[init(he_normal(truncated), mode = fan_out)]
    conv: Conv2d,
    #[init(xavier_normal)]
    conv3: Conv3d,
    #[init(he_normal)]
    up1: ConvTranspose1d,
    #[init(lecun_normal)]
    up: ConvTranspose2d,
    #[init(he_uniform)]
    up3: ConvTranspose3d,
    #[init(normal(std = 0.02))]
    emb: Embedding,
    #[init(ones)]
    ln: LayerNorm,
    #[init(constant(0.5), bias = constant(0.1))]
    bn: BatchNorm,
    #[init(normal(mean = 1, std = 0.02))]
    gn: GroupNorm,
    #[init(ones)]
    rms: RmsNorm,
    #[init(glorot_uniform)]
    attn: MultiHeadAttention,
    #[init(orthogonal, forget_bias = 1.0)]
    lstm: Lstm,
    #[init(glorot_uniform, bias = zeros)]
    gru: Gru,
}

fn net(device: &Device) -> Net {
    Net {
        fc: LinearConfig::new(6, 5).init(device),
        head: LinearConfig::new(7, 5)
            .with_layout(LinearLayout::Col)
            .init(device),
        conv1: Conv1dConfig::new(4, 6, 5).init(device),
        conv: Conv2dConfig::new([6, 8], [3, 3])
            .with_groups(2)
            .init(device),
        conv3: Conv3dConfig::new([2, 4], [3, 2, 2]).init(device),
        up1: ConvTranspose1dConfig::new([4, 6], 3)
            .with_groups(2)
            .init(device),
        up: ConvTranspose2dConfig::new([6, 8], [3, 2])
            .with_groups(2)
            .init(device),
        up3: ConvTranspose3dConfig::new([2, 4], [2, 2, 2]).init(device),
        emb: EmbeddingConfig::new(10, 4).init(device),
        ln: LayerNormConfig::new(8).init(device),
        bn: BatchNormConfig::new(8).init(device),
        gn: GroupNormConfig::new(2, 8).init(device),
        rms: RmsNormConfig::new(8).init(device),
        attn: MultiHeadAttentionConfig::new(8, 2).init(device),
        lstm: LstmConfig::new(3, 5, true).init(device),
        gru: GruConfig::new(3, 4, true).init(device),
    }
}

/// The same schemes as `Net`'s attributes, as rules over Burn's names; everything else gets
/// PyTorch's defaults (the derive's defaults).
fn rules() -> Rules {
    Rules::torch_defaults()
        .rule("fc.weight", Init::he_normal())
        .rule("fc.bias", Init::zeros())
        .rule("head.weight", Init::glorot_uniform())
        .rule("conv1.weight", Init::he_uniform())
        .rule("conv1.bias", Init::normal(0.0, 0.01))
        .rule(
            "conv.weight",
            Init::he_normal()
                .truncated()
                .mode(weight_init::FanMode::FanOut),
        )
        .rule("conv3.weight", Init::glorot_normal())
        .rule("up1.weight", Init::he_normal())
        .rule("up.weight", Init::lecun_normal())
        .rule("up3.weight", Init::he_uniform())
        .rule("emb.weight", Init::normal(0.0, 0.02))
        .rule("ln.gamma", Init::ones())
        .rule("bn.gamma", Init::constant(0.5))
        .rule("bn.beta", Init::constant(0.1))
        .rule("gn.gamma", Init::normal(1.0, 0.02))
        .rule("rms.gamma", Init::ones())
        .rule("attn.*.weight", Init::glorot_uniform())
        .rule("lstm.*.*.weight", Init::orthogonal())
        .rule("lstm.forget_gate.input_transform.bias", Init::constant(1.0))
        .rule("lstm.forget_gate.hidden_transform.bias", Init::zeros())
        .rule("gru.*.*.weight", Init::glorot_uniform())
        .rule("gru.*.*.bias", Init::zeros())
}

/// Every float parameter of a Burn module by state-dict name, with its values.
#[derive(Default)]
struct Collect {
    stack: Vec<String>,
    out: BTreeMap<String, Vec<f32>>,
}

impl ModuleVisitor for Collect {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.stack.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.stack.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.out.insert(self.stack.join("."), values(&param.val()));
    }
}

fn collect<M: Module>(m: &M) -> BTreeMap<String, Vec<f32>> {
    let mut c = Collect::default();
    m.visit(&mut c);
    c.out
}

fn values<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
    t.to_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// What an ndarray parameter of this shape and name gets from `init`.
fn host(init: &Init, shape: &[usize], name: &str) -> Vec<f32> {
    let mut a = ArrayD::<f32>::zeros(IxDyn(shape));
    init.fill_seeded(&mut a, SEED, name).unwrap();
    a.iter().copied().collect()
}

#[test]
fn every_layer_field_is_bit_equal_to_reinit() {
    let mut derived = net(&device());
    derived.init_seeded(SEED).expect("derived fill");
    let reinit = weight_init::burn::reinit(net(&device()), &rules(), SEED).expect("reinit");
    let (a, b) = (collect(&derived), collect(&reinit));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same parameters"
    );
    for (name, values) in &a {
        assert_eq!(bits(values), bits(&b[name]), "{name}");
    }
    // the walk names each parameter as Burn does
    let listed: Vec<String> = weight_init::params(&derived)
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    // every parameter Burn visits, but BatchNorm's running statistics (state, not parameters)
    let trained: Vec<String> = a
        .keys()
        .filter(|k| !k.contains("running_"))
        .cloned()
        .collect();
    assert_eq!(sorted, trained);
    assert!(listed.contains(&"lstm.forget_gate.input_transform.bias".to_string()));
    assert!(listed.contains(&"attn.query.weight".to_string()));
    assert!(listed.contains(&"gru.new_gate.hidden_transform.weight".to_string()));
}

#[test]
fn a_linear_weight_is_the_ndarray_values_under_its_name() {
    let mut m = net(&device());
    m.init_seeded(SEED).unwrap();
    // Burn's Linear weight is (in, out): PyTorch's fans are read under Layout::InOut
    let want = host(
        &Init::he_normal().layout(Layout::InOut),
        &[6, 5],
        "fc.weight",
    );
    assert_eq!(bits(&values(&m.fc.weight.val())), bits(&want));
    assert_eq!(values(&m.fc.bias.as_ref().unwrap().val()), vec![0.0; 5]);
    // LinearLayout::Col: generated (out, in) = (5, 7), as Burn's initialiser builds it
    let want = host(&Init::glorot_uniform(), &[5, 7], "head.weight");
    let got = m.head.weight.val().swap_dims(0, 1);
    assert_eq!(bits(&values(&got)), bits(&want));
    // the embedding table: (num, dim), fan_in = dim
    let want = host(&Init::normal(0.0, 0.02), &[10, 4], "emb.weight");
    assert_eq!(bits(&values(&m.emb.weight.val())), bits(&want));
}

#[test]
fn defaults_follow_pytorch() {
    let mut m = net(&device());
    m.init_seeded(SEED).unwrap();
    // a bias without `bias = ...`: U(±1/√fan_in) with the weight's fan_in
    let bias = values(&m.head.bias.as_ref().unwrap().val());
    let want = host(
        &Init::uniform_symmetric(1.0 / 7f64.sqrt()),
        &[5],
        "head.bias",
    );
    assert_eq!(bits(&bias), bits(&want));
    // ConvTranspose2d(6, 8, (3, 2), groups 2): fan_in = 8/2·3·2 = 24
    let bias = values(&m.up.bias.as_ref().unwrap().val());
    let want = host(
        &Init::uniform_symmetric(1.0 / 24f64.sqrt()),
        &[8],
        "up.bias",
    );
    assert_eq!(bits(&bias), bits(&want));
    // norms: the shift defaults to 0
    assert_eq!(values(&m.ln.gamma.val()), vec![1.0; 8]);
    assert_eq!(values(&m.ln.beta.as_ref().unwrap().val()), vec![0.0; 8]);
    assert_eq!(values(&m.bn.gamma.val()), vec![0.5; 8]);
    assert_eq!(values(&m.bn.beta.val()), vec![0.1; 8]);
    assert_eq!(values(&m.gn.beta.as_ref().unwrap().val()), vec![0.0; 8]);
    // attention's biases: 0, as nn.MultiheadAttention
    for b in [&m.attn.query.bias, &m.attn.output.bias] {
        assert_eq!(values(&b.as_ref().unwrap().val()), vec![0.0; 8]);
    }
    // LSTM: forget gate input bias 1, hidden bias 0 (sum 1); other gates U(±1/√hidden)
    let forget = m.lstm.forget_gate.as_ref().unwrap();
    assert_eq!(
        values(&forget.input_transform.bias.as_ref().unwrap().val()),
        vec![1.0; 5]
    );
    assert_eq!(
        values(&forget.hidden_transform.bias.as_ref().unwrap().val()),
        vec![0.0; 5]
    );
    let input_bias = values(
        &m.lstm
            .input_gate
            .input_transform
            .bias
            .as_ref()
            .unwrap()
            .val(),
    );
    let want = host(
        &Init::uniform_symmetric(1.0 / 5f64.sqrt()),
        &[5],
        "lstm.input_gate.input_transform.bias",
    );
    assert_eq!(bits(&input_bias), bits(&want));
    // GRU: `bias = zeros` on every gate
    for g in [&m.gru.update_gate, &m.gru.reset_gate, &m.gru.new_gate] {
        assert_eq!(
            values(&g.hidden_transform.bias.as_ref().unwrap().val()),
            vec![0.0; 4]
        );
    }
}

#[test]
fn each_gate_transform_has_its_own_fans() {
    let m = net(&device());
    let report = weight_init::report(&m).unwrap();
    let fans = |name: &str| {
        let row = report
            .rows
            .iter()
            .find(|r| r.path == name)
            .unwrap_or_else(|| panic!("no {name}"));
        (row.fan_in.unwrap(), row.fan_out.unwrap())
    };
    // input transform (3 → 5), hidden transform (5 → 5)
    assert_eq!(fans("lstm.forget_gate.input_transform.weight"), (3, 5));
    assert_eq!(fans("lstm.forget_gate.hidden_transform.weight"), (5, 5));
    // Conv2d(6, 8, 3×3, groups 2): fan_in 3·9, fan_out 8·9 (PyTorch's)
    assert_eq!(fans("conv.weight"), (27, 72));
}

/// A `Linear` whose parameters Burn would initialise by panicking.
#[derive(Module, Debug, Initialize)]
struct Lazy {
    #[init(he_normal, bias = constant(0.25))]
    fc: Linear,
}

#[test]
fn burns_initialiser_never_runs_for_a_layer_field() {
    let device = device();
    let never = |_: &Device, _: bool| -> Tensor<2> { panic!("Burn's initialiser ran") };
    let never1 = |_: &Device, _: bool| -> Tensor<1> { panic!("Burn's initialiser ran") };
    let mut m = Lazy {
        fc: Linear {
            weight: Param::uninitialized(
                ParamId::new(),
                never,
                device.clone(),
                true,
                [6, 4].into(),
            ),
            bias: Some(Param::uninitialized(
                ParamId::new(),
                never1,
                device.clone(),
                true,
                [4].into(),
            )),
        },
    };
    let id = m.fc.weight.id;
    m.init_seeded(SEED).unwrap();
    assert!(m.fc.weight.is_initialized());
    assert_eq!(m.fc.weight.id, id);
    let want = host(
        &Init::he_normal().layout(Layout::InOut),
        &[6, 4],
        "fc.weight",
    );
    assert_eq!(bits(&values(&m.fc.weight.val())), bits(&want));
    assert_eq!(values(&m.fc.bias.as_ref().unwrap().val()), vec![0.25; 4]);
}

/// The configuration a `Model` is built from.
struct Cfg {
    d_in: usize,
    hidden: usize,
    vocab: usize,
}

#[derive(Module, Debug, Initialize)]
#[init(config = Cfg)]
struct Model {
    #[init(normal(std = 0.02), config = EmbeddingConfig::new(cfg.vocab, cfg.d_in))]
    emb: Embedding,
    #[init(he_normal, bias = zeros, config = LinearConfig::new(cfg.d_in, cfg.hidden))]
    fc: Linear,
    #[init(ones, config = LayerNormConfig::new(cfg.hidden))]
    ln: LayerNorm,
    #[init(glorot_uniform, config = LinearConfig::new(cfg.hidden, 1))]
    out: Linear,
}

const CFG: Cfg = Cfg {
    d_in: 4,
    hidden: 16,
    vocab: 10,
};

#[test]
fn built_from_its_configuration_without_burns_initialiser() {
    let device = device();
    let zeroed = Model::zeroed(&CFG, &device).unwrap();
    // the layers are created lazily: nothing is initialised until the fill
    assert!(!zeroed.fc.weight.is_initialized());
    assert!(!zeroed.emb.weight.is_initialized());
    let m = Model::build(&CFG, &device, SEED).unwrap();
    assert_eq!(m.fc.weight.dims(), [4, 16]);
    let want = host(
        &Init::he_normal().layout(Layout::InOut),
        &[4, 16],
        "fc.weight",
    );
    assert_eq!(bits(&values(&m.fc.weight.val())), bits(&want));
    assert_eq!(values(&m.ln.gamma.val()), vec![1.0; 16]);
    // the same values as reinit over Burn's own layers
    let mut same = Model {
        emb: EmbeddingConfig::new(10, 4).init(&device),
        fc: LinearConfig::new(4, 16).init(&device),
        ln: LayerNormConfig::new(16).init(&device),
        out: LinearConfig::new(16, 1).init(&device),
    };
    same.init_seeded(SEED).unwrap();
    let (a, b) = (collect(&m), collect(&same));
    for (name, v) in &a {
        assert_eq!(bits(v), bits(&b[name]), "{name}");
    }
}

/// The configuration Burn would panic on is an error naming the field.
#[derive(Module, Debug, Initialize)]
#[init(config = ())]
struct BadGroups {
    #[init(he_normal, config = Conv2dConfig::new([6, 8], [3, 3]).with_groups(4))]
    conv: Conv2d,
}

#[test]
fn a_configuration_burn_refuses_is_an_error() {
    let err = BadGroups::build(&(), &device(), SEED).unwrap_err();
    assert_eq!(err.path(), Some("conv"), "{err}");
    assert!(err.to_string().contains("groups"), "{err}");
}

#[test]
fn a_derived_burn_module_trains_with_burn_optim() {
    use burn_optim::{AdamConfig, GradientsParams};
    let device = device().autodiff();
    let mut model = Model::build(&CFG, &device, SEED).unwrap();
    assert!(model.fc.weight.val().is_require_grad());
    // y = sum of the embedded token's first two features, for 10 tokens
    let tokens: Vec<i64> = (0..32).map(|i| (i * 7 % 10) as i64).collect();
    let target: Vec<f32> = tokens.iter().map(|&t| (t as f32 - 4.5) / 3.0).collect();
    let tokens = Tensor::<2, weight_init::burn_tensor::Int>::from_data(
        TensorData::new(tokens, [32, 1]),
        &device,
    );
    let target = Tensor::<2>::from_data(TensorData::new(target, [32, 1]), &device);
    let mut optim = AdamConfig::new().init();
    let loss_of = |m: &Model| {
        let x = m.emb.forward(tokens.clone()).reshape([32, 4]);
        let h = weight_init::burn_nn::Relu::new().forward(m.ln.forward(m.fc.forward(x)));
        let y = m.out.forward(h);
        (y - target.clone()).powf_scalar(2.0).mean()
    };
    let first = values(&loss_of(&model))[0];
    for _ in 0..60 {
        let loss = loss_of(&model);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-2, model, grads);
    }
    let last = values(&loss_of(&model))[0];
    assert!(last < 0.5 * first, "loss {first} -> {last}");
}
