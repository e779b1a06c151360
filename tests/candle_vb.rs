//! `weight_init::candle::var_builder`: candle-nn's constructors built through our `VarBuilder`.
//! Every variable holds bit for bit the values of an ndarray array of the same name, shape,
//! scheme and element type; candle's hints are translated to candle's own laws (KS tests,
//! against candle's draws too); `Rules::torch_defaults()` gives PyTorch's defaults with
//! PyTorch's fans; misuse is an error naming the variable; the same seed gives the same model;
//! `varmap.save` writes state-dict names that load back into candle.

mod common;

use std::collections::BTreeMap;

use common::assert_ks;
use weight_init::candle::{from_candle_init, var_builder, var_builder_with_report};
use weight_init::candle_core::{DType, Device, Tensor};
use weight_init::candle_nn::{
    self, Conv1dConfig, GRUConfig, LSTMConfig, VarBuilder, VarMap, batch_norm, conv_transpose1d,
    conv_transpose2d, conv1d, conv2d, embedding, gru, layer_norm, linear, linear_no_bias, lstm,
    rms_norm,
};
use weight_init::ndarray::{ArrayD, IxDyn};
use weight_init::stats::{ks_test, normal_cdf, uniform_cdf};
use weight_init::{ElementDistribution, Init, Rules, Source};

const SEED: u64 = 0x5EED_CA17;

fn f64s(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap()
}

fn f32s(t: &Tensor) -> Vec<f32> {
    t.to_dtype(DType::F32)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()
}

/// The ndarray path: an `ArrayD<f32>` of `shape` filled keyed by `seed` and `name`.
fn nd_f32(init: &Init, shape: &[usize], seed: u64, name: &str) -> Vec<f32> {
    let mut a = ArrayD::<f32>::zeros(IxDyn(shape));
    init.fill_seeded(&mut a, seed, name).unwrap();
    a.iter().copied().collect()
}

/// Every constructor of candle-nn that creates variables, once.
fn every_layer(vb: &VarBuilder) -> weight_init::candle_core::Result<()> {
    linear(16, 4, vb.pp("fc"))?;
    linear_no_bias(16, 4, vb.pp("head"))?;
    let grouped = Conv1dConfig {
        groups: 2,
        ..Default::default()
    };
    conv1d(4, 6, 5, grouped, vb.pp("c1"))?;
    conv2d(3, 8, 3, Default::default(), vb.pp("c2"))?;
    conv_transpose1d(4, 6, 3, Default::default(), vb.pp("t1"))?;
    conv_transpose2d(4, 6, 3, Default::default(), vb.pp("t2"))?;
    embedding(50, 12, vb.pp("emb"))?;
    layer_norm(12, 1e-5, vb.pp("ln"))?;
    rms_norm(12, 1e-5, vb.pp("rms"))?;
    batch_norm(8, 1e-5, vb.pp("bn"))?;
    lstm(5, 7, LSTMConfig::default(), vb.pp("lstm"))?;
    gru(5, 7, GRUConfig::default(), vb.pp("gru"))?;
    Ok(())
}

/// Every variable of the varmap by name.
fn vars(varmap: &VarMap) -> BTreeMap<String, Tensor> {
    varmap
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
        .collect()
}

const EVERY_NAME: &[&str] = &[
    "fc.weight",
    "fc.bias",
    "head.weight",
    "c1.weight",
    "c1.bias",
    "c2.weight",
    "c2.bias",
    "t1.weight",
    "t1.bias",
    "t2.weight",
    "t2.bias",
    "emb.weight",
    "ln.weight",
    "ln.bias",
    "rms.weight",
    "bn.running_mean",
    "bn.running_var",
    "bn.weight",
    "bn.bias",
    "lstm.weight_ih_l0",
    "lstm.weight_hh_l0",
    "lstm.bias_ih_l0",
    "lstm.bias_hh_l0",
    "gru.weight_ih_l0",
    "gru.weight_hh_l0",
    "gru.bias_ih_l0",
    "gru.bias_hh_l0",
];

#[test]
fn every_constructor_holds_the_ndarray_values_of_its_scheme() {
    for rules in [
        Rules::new(),
        Rules::torch_defaults(),
        Rules::torch_defaults()
            .rule("*.weight", Init::glorot_normal())
            .rule("ln.weight", Init::ones())
            .rule("rms.weight", Init::ones())
            .rule("bn.weight", Init::constant(0.5)),
    ] {
        let varmap = VarMap::new();
        let (vb, report) = var_builder_with_report(&varmap, &rules, SEED, DType::F32, &Device::Cpu);
        every_layer(&vb).unwrap();
        let report = report.assignments();
        let vars = vars(&varmap);
        let names: Vec<&str> = vars.keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = EVERY_NAME.to_vec();
        expected.sort();
        assert_eq!(names, expected);
        assert_eq!(report.rows().len(), EVERY_NAME.len());
        for (name, t) in &vars {
            let row = report.get(name).unwrap();
            assert_eq!(row.shape, t.dims(), "{name}");
            let init = row.init.as_ref().unwrap();
            let want = nd_f32(init, t.dims(), SEED, name);
            let got = f32s(t);
            assert!(
                got.iter()
                    .zip(&want)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{name}: values differ from the ndarray path under {init}"
            );
            // the values are those of the variable's own name, not another's
            if want.len() > 8
                && !matches!(
                    init.resolve(t.dims()).unwrap().distribution,
                    Some(ElementDistribution::Constant(_))
                )
            {
                assert_ne!(got, nd_f32(init, t.dims(), SEED, "other.name"), "{name}");
            }
        }
    }
}

/// The law a variable's scheme resolves to.
fn law(report: &weight_init::Assignments, name: &str) -> ElementDistribution {
    let row = report.get(name).unwrap_or_else(|| panic!("no row {name}"));
    row.init
        .as_ref()
        .unwrap()
        .resolve(&row.shape)
        .unwrap()
        .distribution
        .unwrap()
}

fn u(bound: f64) -> ElementDistribution {
    ElementDistribution::Uniform {
        low: -bound,
        high: bound,
    }
}

fn close(a: &ElementDistribution, b: &ElementDistribution) -> bool {
    use ElementDistribution::*;
    let eq = |x: f64, y: f64| (x - y).abs() <= 1e-12 * y.abs().max(1.0);
    match (a, b) {
        (Constant(x), Constant(y)) => x == y,
        (Uniform { low: a, high: b }, Uniform { low: c, high: d }) => eq(*a, *c) && eq(*b, *d),
        (Normal { mean: a, std: b }, Normal { mean: c, std: d }) => eq(*a, *c) && eq(*b, *d),
        _ => false,
    }
}

/// PyTorch's defaults, with PyTorch's formulas:
/// - `nn.Linear(in, out)` and `nn.ConvNd(in, out, k, groups)`: weight and bias
///   U(±1/√fan_in), `fan_in = weight.size(1) · prod(k)` (`kaiming_uniform_(a=√5)` is
///   U(±gain·√(3/fan_in)) with gain √(2/(1+5)), i.e. U(±1/√fan_in); the bias uses
///   `_calculate_fan_in_and_fan_out(weight)`);
/// - `nn.ConvTransposeNd(in, out, k)`: weight `(in, out/groups, *k)`, the same code, so
///   `fan_in = (out/groups) · prod(k)`;
/// - `nn.Embedding`: N(0, 1); norms: weight 1, bias 0, running mean 0, running var 1;
/// - `nn.LSTM` / `nn.GRU(in, hidden)`: every weight and bias U(±1/√hidden).
#[test]
fn torch_defaults_are_pytorchs() {
    let varmap = VarMap::new();
    let (vb, report) = var_builder_with_report(
        &varmap,
        &Rules::torch_defaults(),
        SEED,
        DType::F32,
        &Device::Cpu,
    );
    every_layer(&vb).unwrap();
    let report = report.assignments();
    let s = |x: f64| 1.0 / x.sqrt();
    let expected: Vec<(&str, ElementDistribution)> = vec![
        ("fc.weight", u(s(16.0))),
        ("fc.bias", u(s(16.0))),
        ("head.weight", u(s(16.0))),
        // Conv1d(4, 6, 5, groups=2): weight (6, 2, 5), fan_in 2·5 (candle's bias hint says 1/√4)
        ("c1.weight", u(s(10.0))),
        ("c1.bias", u(s(10.0))),
        // Conv2d(3, 8, 3): weight (8, 3, 3, 3), fan_in 27 (candle's bias hint says 1/√3)
        ("c2.weight", u(s(27.0))),
        ("c2.bias", u(s(27.0))),
        // ConvTranspose1d(4, 6, 3): weight (4, 6, 3), fan_in 6·3
        ("t1.weight", u(s(18.0))),
        ("t1.bias", u(s(18.0))),
        ("t2.weight", u(s(54.0))),
        ("t2.bias", u(s(54.0))),
        (
            "emb.weight",
            ElementDistribution::Normal {
                mean: 0.0,
                std: 1.0,
            },
        ),
        ("ln.weight", ElementDistribution::Constant(1.0)),
        ("ln.bias", ElementDistribution::Constant(0.0)),
        ("rms.weight", ElementDistribution::Constant(1.0)),
        ("bn.weight", ElementDistribution::Constant(1.0)),
        ("bn.bias", ElementDistribution::Constant(0.0)),
        ("bn.running_mean", ElementDistribution::Constant(0.0)),
        ("bn.running_var", ElementDistribution::Constant(1.0)),
    ];
    for (name, want) in &expected {
        let got = law(&report, name);
        assert!(close(&got, want), "{name}: {got:?}, PyTorch {want:?}");
    }
    for rnn in ["lstm", "gru"] {
        for p in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"] {
            let name = format!("{rnn}.{p}");
            let got = law(&report, &name);
            assert!(close(&got, &u(s(7.0))), "{name}: {got:?}");
            assert_eq!(report.get(&name).unwrap().source, Source::Default);
        }
    }
    // the buffers are candle's (no PyTorch parameter default), everything else the defaults'
    for row in report.rows() {
        let want = if row.name.starts_with("bn.running") {
            Source::Framework
        } else {
            Source::Default
        };
        assert_eq!(row.source, want, "{}", row.name);
    }
    // the values lie within the bounds and reach towards them
    let vars = vars(&varmap);
    for (name, bound) in [("c2.weight", s(27.0)), ("lstm.weight_ih_l0", s(7.0))] {
        let xs = f64s(&vars[name]);
        let max = xs.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        assert!(
            max < bound && max > 0.9 * bound,
            "{name}: max {max}, bound {bound}"
        );
    }
    // the recurrent weight_ih, rewritten once the hidden size was known, holds the values
    // of its final scheme (also checked for every variable above)
    let ih = &vars["lstm.weight_ih_l0"];
    let row = report.get("lstm.weight_ih_l0").unwrap();
    assert_eq!(
        f32s(ih),
        nd_f32(
            row.init.as_ref().unwrap(),
            ih.dims(),
            SEED,
            "lstm.weight_ih_l0"
        )
    );
}

#[test]
fn rules_win_over_defaults_and_the_last_match_wins() -> weight_init::candle_core::Result<()> {
    let rules = Rules::torch_defaults()
        .rule("**.weight", Init::normal(0.0, 0.02))
        .rule("**.bias", Init::zeros())
        .rule("fc.weight", Init::he_normal())
        .rule("nothing.here", Init::ones());
    let varmap = VarMap::new();
    let (vb, report) = var_builder_with_report(&varmap, &rules, SEED, DType::F32, &Device::Cpu);
    linear(16, 4, vb.pp("fc"))?;
    linear(16, 4, vb.pp("out"))?;
    layer_norm(4, 1e-5, vb.pp("ln"))?;
    let report = report.assignments();
    let src = |n: &str| match &report.get(n).unwrap().source {
        Source::Rule { pattern, .. } => pattern.clone(),
        s => format!("{s:?}"),
    };
    assert_eq!(src("fc.weight"), "fc.weight");
    assert_eq!(src("out.weight"), "**.weight");
    assert_eq!(src("fc.bias"), "**.bias");
    assert_eq!(src("ln.weight"), "**.weight");
    // he_normal on a linear weight: std √(2/16)
    assert!(close(
        &law(&report, "fc.weight"),
        &ElementDistribution::Normal {
            mean: 0.0,
            std: (2.0f64 / 16.0).sqrt()
        }
    ));
    assert_eq!(report.unmatched_rules(), ["nothing.here"]);
    assert!(report.check().is_err());
    let text = report.to_string();
    assert!(
        text.contains("rule `nothing.here` matched nothing"),
        "{text}"
    );
    assert!(text.contains("fc.weight"), "{text}");
    Ok(())
}

/// A bias under a fan-based rule takes its layer's fans (PyTorch's: the weight's).
#[test]
fn a_bias_gets_its_weights_fans() -> weight_init::candle_core::Result<()> {
    let rules = Rules::new().rule("**", Init::he_uniform());
    let varmap = VarMap::new();
    let (vb, report) = var_builder_with_report(&varmap, &rules, SEED, DType::F32, &Device::Cpu);
    conv2d(3, 8, 3, Default::default(), vb.pp("c"))?;
    let report = report.assignments();
    // He uniform: U(±√(6/fan_in)), fan_in 3·3·3
    let want = u((6.0f64 / 27.0).sqrt());
    assert!(close(&law(&report, "c.weight"), &want));
    assert!(close(&law(&report, "c.bias"), &want));
    Ok(())
}

/// Draws of candle's hint through our builder (no rules).
fn drawn(hint: candle_nn::Init, shape: &[usize], name: &str) -> Vec<f64> {
    let varmap = VarMap::new();
    let vb = var_builder(&varmap, &Rules::new(), SEED, DType::F32, &Device::Cpu);
    f64s(&vb.get_with_hints(shape, name, hint).unwrap())
}

/// candle's own draws of the same hint (candle's rng), to show the exact law is candle's.
fn candle_drawn(hint: candle_nn::Init, shape: &[usize]) -> Vec<f64> {
    f64s(
        hint.var(shape, DType::F32, &Device::Cpu)
            .unwrap()
            .as_tensor(),
    )
}

fn p_value(mut xs: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    ks_test(&mut xs, cdf).p_value
}

/// Each `Init` variant against candle's intended law (`candle_nn::init`): the exact CDF, which
/// candle's own draws pass too; a wrong law (PyTorch's fan-out where candle reads fan-in, a
/// bound 2 % off) is rejected.
#[test]
fn candles_hints_are_translated_exactly() {
    use candle_nn::init::{FanInOut, NonLinearity, NormalOrUniform};
    // Randn { mean, stdev }: N(mean, stdev²)
    let h = candle_nn::Init::Randn {
        mean: 0.5,
        stdev: 2.0,
    };
    let cdf = |x| normal_cdf(x, 0.5, 2.0);
    assert_ks(drawn(h, &[300, 200], "r"), cdf, "Randn");
    assert_ks(candle_drawn(h, &[300, 200]), cdf, "Randn, candle's draws");
    assert!(p_value(drawn(h, &[300, 200], "r"), |x| normal_cdf(x, 0.5, 2.2)) < 1e-6);
    // Uniform { lo, up }
    let h = candle_nn::Init::Uniform { lo: -1.0, up: 3.0 };
    let cdf = |x| uniform_cdf(x, -1.0, 3.0);
    assert_ks(drawn(h, &[60_000], "u"), cdf, "Uniform");
    assert_ks(candle_drawn(h, &[60_000]), cdf, "Uniform, candle's draws");
    assert!(p_value(drawn(h, &[60_000], "u"), |x| uniform_cdf(x, -1.0, 3.3)) < 1e-6);
    // Kaiming normal, fan-in, ReLU on a conv kernel (64, 100, 3, 3): N(0, 2/900)
    let h = candle_nn::Init::Kaiming {
        dist: NormalOrUniform::Normal,
        fan: FanInOut::FanIn,
        non_linearity: NonLinearity::ReLU,
    };
    let std = (2.0f64 / 900.0).sqrt();
    let shape = [64, 100, 3, 3];
    assert_ks(
        drawn(h, &shape, "k"),
        |x| normal_cdf(x, 0.0, std),
        "Kaiming normal",
    );
    assert_ks(
        candle_drawn(h, &shape),
        |x| normal_cdf(x, 0.0, std),
        "Kaiming normal, candle's draws",
    );
    // fan-out (576) would be another law
    let wrong = (2.0f64 / 576.0).sqrt();
    assert!(p_value(drawn(h, &shape, "k"), |x| normal_cdf(x, 0.0, wrong)) < 1e-6);
    // Kaiming uniform, fan-out, tanh on (300, 50, 4): U(±(5/3)·√(3/1200))
    let h = candle_nn::Init::Kaiming {
        dist: NormalOrUniform::Uniform,
        fan: FanInOut::FanOut,
        non_linearity: NonLinearity::Tanh,
    };
    let b = 5.0 / 3.0 * (3.0f64 / 1200.0).sqrt();
    let shape = [300, 50, 4];
    assert_ks(
        drawn(h, &shape, "k"),
        |x| uniform_cdf(x, -b, b),
        "Kaiming uniform",
    );
    assert_ks(
        candle_drawn(h, &shape),
        |x| uniform_cdf(x, -b, b),
        "Kaiming uniform, candle's draws",
    );
    let wrong = 5.0 / 3.0 * (3.0f64 / 200.0).sqrt(); // fan-in 50·4
    assert!(p_value(drawn(h, &shape, "k"), |x| uniform_cdf(x, -wrong, wrong)) < 1e-6);
    // Kaiming on a rank-1 shape: candle's fan-in is 1, its fan-out the length
    let h = candle_nn::Init::Kaiming {
        dist: NormalOrUniform::Normal,
        fan: FanInOut::FanIn,
        non_linearity: NonLinearity::ExplicitGain(0.1),
    };
    assert_ks(
        drawn(h, &[50_000], "v"),
        |x| normal_cdf(x, 0.0, 0.1),
        "Kaiming, rank 1",
    );
    let r = from_candle_init(&h, &[50_000]).resolve(&[50_000]).unwrap();
    assert!((r.std - 0.1).abs() < 1e-15);
    // Const(v), and U(a, a) as the constant a
    let xs = drawn(candle_nn::Init::Const(0.25), &[7, 3], "c");
    assert!(xs.iter().all(|&x| x == 0.25));
    let xs = drawn(candle_nn::Init::Uniform { lo: 0.5, up: 0.5 }, &[9], "c");
    assert!(xs.iter().all(|&x| x == 0.5));
    // SELU, sigmoid, linear gains: candle's table
    for (nl, g) in [
        (NonLinearity::SELU, 0.75),
        (NonLinearity::Sigmoid, 1.0),
        (NonLinearity::Linear, 1.0),
    ] {
        let h = candle_nn::Init::Kaiming {
            dist: NormalOrUniform::Normal,
            fan: FanInOut::FanIn,
            non_linearity: nl,
        };
        let r = from_candle_init(&h, &[10, 40]).resolve(&[10, 40]).unwrap();
        assert!((r.std - g / 40f64.sqrt()).abs() < 1e-15, "{nl:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_model_another_seed_another() {
    let build = |seed| {
        let varmap = VarMap::new();
        let vb = var_builder(
            &varmap,
            &Rules::torch_defaults(),
            seed,
            DType::F32,
            &Device::Cpu,
        );
        every_layer(&vb).unwrap();
        vars(&varmap)
            .into_iter()
            .map(|(k, t)| (k, f32s(&t)))
            .collect::<BTreeMap<_, _>>()
    };
    let a = build(SEED);
    assert_eq!(a, build(SEED));
    let b = build(SEED + 1);
    assert_ne!(a["fc.weight"], b["fc.weight"]);
    assert_ne!(a["lstm.weight_ih_l0"], b["lstm.weight_ih_l0"]);
    assert_eq!(a["ln.weight"], b["ln.weight"]); // constants do not depend on the seed
}

#[test]
fn a_variable_requested_twice_is_the_same_variable() {
    let varmap = VarMap::new();
    let (vb, report) = var_builder_with_report(
        &varmap,
        &Rules::torch_defaults(),
        SEED,
        DType::F32,
        &Device::Cpu,
    );
    let a = linear(16, 4, vb.pp("fc")).unwrap();
    let b = linear(16, 4, vb.pp("fc")).unwrap();
    assert_eq!(a.weight().id(), b.weight().id());
    assert_eq!(f32s(a.weight()), f32s(b.weight()));
    assert_eq!(varmap.all_vars().len(), 2);
    assert_eq!(report.assignments().rows().len(), 2);
    // the variable is the varmap's: training it changes what the model sees
    let var = varmap.data().lock().unwrap()["fc.weight"].clone();
    var.set(&Tensor::zeros((4, 16), DType::F32, &Device::Cpu).unwrap())
        .unwrap();
    assert!(f32s(a.weight()).iter().all(|&x| x == 0.0));
}

fn err_text(r: weight_init::candle_core::Result<Tensor>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn misuse_is_an_error_naming_the_variable() {
    let varmap = VarMap::new();
    let vb = var_builder(&varmap, &Rules::new(), SEED, DType::F32, &Device::Cpu);
    linear(16, 4, vb.pp("fc")).unwrap();
    // another shape
    let e = err_text(vb.pp("fc").get((4, 15), "weight"));
    assert!(
        e.contains("`fc.weight`") && e.contains("[4, 15]") && e.contains("[4, 16]"),
        "{e}"
    );
    // another dtype
    let e = err_text(vb.pp("fc").to_dtype(DType::F64).get((4, 16), "weight"));
    assert!(
        e.contains("`fc.weight`") && e.contains("f64") && e.contains("f32"),
        "{e}"
    );
    // integer dtypes
    for dt in [DType::U8, DType::U32, DType::I64] {
        let e = err_text(vb.to_dtype(dt).get((3, 3), "ids"));
        assert!(e.contains("`ids`") && e.contains("integer"), "{e}");
    }
    assert!(!varmap.data().lock().unwrap().contains_key("ids"));
    // get_unchecked cannot create a variable
    let e = err_text(vb.get_unchecked("fc.weight"));
    assert!(e.contains("`fc.weight`"), "{e}");
    // a rule whose scheme cannot apply: a fan-based scheme on a norm's vector
    let rules = Rules::new().rule("**.weight", Init::he_normal());
    let vb = var_builder(&VarMap::new(), &rules, SEED, DType::F32, &Device::Cpu);
    let e = layer_norm(8, 1e-5, vb.pp("blocks.0.ln"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`blocks.0.ln.weight`"), "{e}");
    // a rule with an invalid parameter
    let rules = Rules::new().rule("**", Init::normal(0.0, -1.0));
    let vb = var_builder(&VarMap::new(), &rules, SEED, DType::F32, &Device::Cpu);
    let e = linear(3, 2, vb.pp("fc")).unwrap_err().to_string();
    assert!(e.contains("`fc.weight`") && e.contains("std"), "{e}");
    // a shape too large to count
    let vb = var_builder(
        &VarMap::new(),
        &Rules::new(),
        SEED,
        DType::F32,
        &Device::Cpu,
    );
    let e = err_text(vb.get((usize::MAX, 2), "huge"));
    assert!(e.contains("`huge`"), "{e}");
}

/// Each dtype holds the values of an ndarray array of its element type.
#[test]
fn every_float_dtype_holds_the_values_of_its_element_type() {
    let init = Init::he_normal();
    let shape = [24, 40];
    let name = "blocks.1.fc.weight";
    let get = |dtype| {
        let varmap = VarMap::new();
        let rules = Rules::new().rule("**", init.clone());
        let vb = var_builder(&varmap, &rules, SEED, dtype, &Device::Cpu);
        let t = vb.pp("blocks.1.fc").get(&shape[..], "weight").unwrap();
        assert_eq!(t.dtype(), dtype);
        t
    };
    let mut a = ArrayD::<f64>::zeros(IxDyn(&shape));
    init.fill_seeded(&mut a, SEED, name).unwrap();
    assert_eq!(
        get(DType::F64)
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap(),
        a.iter().copied().collect::<Vec<_>>()
    );
    let mut a = ArrayD::<weight_init::half::f16>::from_elem(IxDyn(&shape), Default::default());
    init.fill_seeded(&mut a, SEED, name).unwrap();
    let got = get(DType::F16)
        .flatten_all()
        .unwrap()
        .to_vec1::<weight_init::half::f16>()
        .unwrap();
    assert_eq!(got, a.iter().copied().collect::<Vec<_>>());
    let mut a = ArrayD::<weight_init::half::bf16>::from_elem(IxDyn(&shape), Default::default());
    init.fill_seeded(&mut a, SEED, name).unwrap();
    let got = get(DType::BF16)
        .flatten_all()
        .unwrap()
        .to_vec1::<weight_init::half::bf16>()
        .unwrap();
    assert_eq!(got, a.iter().copied().collect::<Vec<_>>());
    assert_eq!(f32s(&get(DType::F32)), nd_f32(&init, &shape, SEED, name));
}

/// `varmap.save` writes the state-dict names; the file loads back into a candle model built
/// the usual way (`VarBuilder::from_varmap`), which then holds our values.
#[test]
fn saved_varmaps_load_back_into_candle() {
    let dir = std::env::temp_dir().join(format!("weight-init-candle-vb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.safetensors");
    let varmap = VarMap::new();
    let vb = var_builder(
        &varmap,
        &Rules::torch_defaults(),
        SEED,
        DType::F32,
        &Device::Cpu,
    );
    every_layer(&vb).unwrap();
    varmap.save(&path).unwrap();
    let file = weight_init::candle_core::safetensors::load(&path, &Device::Cpu).unwrap();
    let mut names: Vec<&str> = file.keys().map(String::as_str).collect();
    names.sort();
    let mut want = EVERY_NAME.to_vec();
    want.sort();
    assert_eq!(names, want);
    // a fresh model, candle's own init, then the file
    let mut fresh = VarMap::new();
    let vb = VarBuilder::from_varmap(&fresh, DType::F32, &Device::Cpu);
    every_layer(&vb).unwrap();
    assert_ne!(
        f32s(&vars(&fresh)["fc.weight"]),
        f32s(&vars(&varmap)["fc.weight"])
    );
    fresh.load(&path).unwrap();
    let (a, b) = (vars(&varmap), vars(&fresh));
    for name in EVERY_NAME {
        assert_eq!(f32s(&a[*name]), f32s(&b[*name]), "{name}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A thread that panicked while holding the `VarMap`'s lock leaves it poisoned: requests are
/// then errors naming the variable, not panics.
#[test]
fn a_poisoned_varmap_is_an_error_not_a_panic() {
    let varmap = VarMap::new();
    let vb = var_builder(&varmap, &Rules::new(), SEED, DType::F32, &Device::Cpu);
    let held = varmap.clone();
    let joined = std::thread::spawn(move || {
        let _guard = held.data().lock().unwrap();
        panic!("poisoning the VarMap on purpose");
    })
    .join();
    assert!(joined.is_err());
    let e = err_text(vb.get((2, 2), "w"));
    assert!(e.contains("`w`") && e.contains("lock"), "{e}");
    assert!(!vb.contains_tensor("w"));
}
