//! μP (`weight_init::mup`): the classification on ambiguous shapes, its errors, the
//! initialisation and the multipliers against mup's own formulas (`mup/infshape.py`,
//! `mup/optim.py`, `mup/layer.py`, `mup/init.py`, computed here by hand), the keyed values, and
//! small fast versions of the two experiments (`examples/mup_coord_check.rs`,
//! `examples/mup_lr_transfer.rs`).

#[path = "../examples/common/mup.rs"]
#[allow(dead_code)]
mod common;

use common::{Data, Mlp, Param, Run};
use weight_init::mup::{Class, Formulation, Mup, OptimizerKind, attention_scale};
use weight_init::{Build, ElementDistribution, ErrorKind, Init, Initialize, Layout, Rules};

type Shapes = Vec<(String, Vec<usize>)>;

fn mlp_shapes(w: usize) -> Shapes {
    [
        ("fc1.weight", vec![w, 32]),
        ("fc1.bias", vec![w]),
        ("fc2.weight", vec![w, w]),
        ("fc2.bias", vec![w]),
        ("head.weight", vec![10, w]),
        ("head.bias", vec![10]),
    ]
    .into_iter()
    .map(|(n, s)| (n.to_string(), s))
    .collect()
}

/// Hugging Face GPT-2's names: `Conv1D` weights `(in, out)`, `lm_head` an `nn.Linear`
/// `(vocab, d)`, embeddings `(rows, d)`.
fn gpt2_shapes(d: usize, layers: usize) -> Shapes {
    let mut s: Shapes = vec![
        ("wte.weight".into(), vec![1000, d]),
        ("wpe.weight".into(), vec![128, d]),
    ];
    for l in 0..layers {
        for (n, shape) in [
            ("ln_1.weight", vec![d]),
            ("ln_1.bias", vec![d]),
            ("attn.c_attn.weight", vec![d, 3 * d]),
            ("attn.c_attn.bias", vec![3 * d]),
            ("attn.c_proj.weight", vec![d, d]),
            ("attn.c_proj.bias", vec![d]),
            ("ln_2.weight", vec![d]),
            ("ln_2.bias", vec![d]),
            ("mlp.c_fc.weight", vec![d, 4 * d]),
            ("mlp.c_fc.bias", vec![4 * d]),
            ("mlp.c_proj.weight", vec![4 * d, d]),
            ("mlp.c_proj.bias", vec![d]),
        ] {
            s.push((format!("h.{l}.{n}"), shape));
        }
    }
    s.push(("ln_f.weight".into(), vec![d]));
    s.push(("ln_f.bias".into(), vec![d]));
    s.push(("lm_head.weight".into(), vec![1000, d]));
    s
}

fn gpt2_mup() -> Mup {
    Mup::new()
        .layout("h.*.*.*.weight", Layout::InOut) // Conv1D
        .layout("w*e.weight", Layout::InOut) // embedding tables (rows, d)
        .readout("lm_head.weight")
        .base(
            Rules::new()
                .rule("**.weight", Init::normal(0.0, 0.02))
                .rule("**.bias", Init::zeros())
                .rule("**.ln_*.weight", Init::ones())
                .rule("ln_f.weight", Init::ones()),
        )
}

// ---------------------------------------------------------------------------------------------
// mup's formulas, by hand, on shapes in storage order (mup knows no layout; for an `(out, in)`
// weight its `fanin_fanout` is (dims[1], dims[0])).

/// mup's `zip_infshape`: per dimension, `Some(base)` when it is a width (differs), else `None`.
fn infshape(base: &[usize], target: &[usize]) -> Vec<(Option<usize>, usize)> {
    base.iter()
        .zip(target)
        .map(|(&b, &t)| ((b != t).then_some(b), t))
        .collect()
}

fn dim_mult(d: (Option<usize>, usize)) -> f64 {
    d.0.map_or(1.0, |b| d.1 as f64 / b as f64)
}

/// `InfShape.width_mult`: that of the last infinite dimension, else 1.
fn mup_width_mult(s: &[(Option<usize>, usize)]) -> f64 {
    s.iter()
        .rev()
        .find(|d| d.0.is_some())
        .map_or(1.0, |&d| dim_mult(d))
}

fn ninf(s: &[(Option<usize>, usize)]) -> usize {
    s.iter().filter(|d| d.0.is_some()).count()
}

/// `MuAdam`'s learning-rate factor.
fn mu_adam(s: &[(Option<usize>, usize)]) -> f64 {
    if ninf(s) == 2 {
        1.0 / mup_width_mult(s)
    } else {
        1.0
    }
}

/// `MuSGD`'s learning-rate factor, for storage order `order` (`(out, in)`: fan_in is dims[1]).
fn mu_sgd(s: &[(Option<usize>, usize)], in_first: bool) -> f64 {
    match ninf(s) {
        1 => mup_width_mult(s),
        2 => {
            let (fanin, fanout) = if in_first { (s[0], s[1]) } else { (s[1], s[0]) };
            1.0 / (dim_mult(fanin) / dim_mult(fanout))
        }
        _ => 1.0,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

// ---------------------------------------------------------------------------------------------

#[test]
fn an_mlp_is_classified_as_mup_does() {
    let p = Mup::new()
        .readout("head.weight")
        .classify(mlp_shapes(64), mlp_shapes(256))
        .unwrap();
    let class = |n: &str| p.get(n).unwrap().class;
    assert_eq!(class("fc1.weight"), Class::Input);
    assert_eq!(class("fc1.bias"), Class::Vector);
    assert_eq!(class("fc2.weight"), Class::Hidden);
    assert_eq!(class("head.weight"), Class::Output);
    assert_eq!(class("head.bias"), Class::Finite);
    assert!(p.get("head.bias").unwrap().readout, "the readout's bias");
    let fc2 = p.get("fc2.weight").unwrap();
    assert_eq!((fc2.fan_in.mult(), fc2.fan_out.mult()), (4.0, 4.0));
    let head = p.get("head.weight").unwrap();
    assert_eq!((head.fan_in.mult(), head.fan_out.mult()), (4.0, 1.0));
    assert_eq!(p.params().len(), 6);
}

#[test]
fn a_square_matrix_whose_both_dims_grow_is_hidden_and_one_that_does_not_is_finite() {
    let base = [("w", vec![8, 8]), ("v", vec![8, 8]), ("b", vec![8])];
    let target = [("w", vec![32, 32]), ("v", vec![8, 8]), ("b", vec![8])];
    let p = Mup::new().classify(base.clone(), target).unwrap();
    let w = p.get("w").unwrap();
    assert_eq!(w.class, Class::Hidden);
    assert_eq!((w.fan_in.mult(), w.fan_out.mult()), (4.0, 4.0));
    let v = p.get("v").unwrap();
    assert_eq!(v.class, Class::Finite);
    assert!(!v.fan_in.grows() && !v.fan_out.grows());
    assert_eq!(p.get("b").unwrap().class, Class::Finite);
    // a finite parameter keeps everything: multipliers 1
    let m = p.multipliers("v").unwrap();
    assert_eq!((m.adam_lr, m.sgd_lr, m.output), (1.0, 1.0, 1.0));
    // the same matrices at the same width: all finite, μP is the base scheme
    let same = Mup::new()
        .base(Rules::new().rule("**", Init::he_normal()))
        .classify(base.clone(), base)
        .unwrap();
    assert!(same.params().iter().all(|p| p.class == Class::Finite));
}

#[test]
fn the_layout_decides_which_dim_is_fan_in() {
    // (in, out) = (32, w): an input weight under InOut; under the default (out, in) its fan_in
    // would grow and its fan_out not, which only the readout may do
    let base = [("embed.weight", vec![32, 8])];
    let target = [("embed.weight", vec![32, 64])];
    let p = Mup::new()
        .layout("embed.weight", Layout::InOut)
        .classify(base.clone(), target.clone())
        .unwrap();
    let e = p.get("embed.weight").unwrap();
    assert_eq!(e.class, Class::Input);
    assert_eq!((e.fan_in.mult(), e.fan_out.mult()), (1.0, 8.0));
    let err = Mup::new().classify(base, target).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ReadoutShape { .. }),
        "{err}"
    );
    assert_eq!(err.path(), Some("embed.weight"));
    // a Burn Linear head (in, out) = (w, 10): the readout under InOut
    let p = Mup::new()
        .layout("**.weight", Layout::InOut)
        .readout("head.weight")
        .classify(
            [("head.weight", vec![16, 10])],
            [("head.weight", vec![64, 10])],
        )
        .unwrap();
    assert_eq!(p.get("head.weight").unwrap().class, Class::Output);
    assert_eq!(p.output_multiplier(), 0.25);
}

#[test]
fn structure_errors_name_the_parameter() {
    let kind = |b: &[(&str, Vec<usize>)], t: &[(&str, Vec<usize>)]| {
        let e = Mup::new()
            .classify(b.iter().cloned(), t.iter().cloned())
            .unwrap_err();
        (
            e.kind().clone(),
            e.path().map(str::to_string),
            e.to_string(),
        )
    };
    // a name only in the target
    let (k, path, msg) = kind(&[("a", vec![4])], &[("a", vec![4]), ("b", vec![4])]);
    assert_eq!(
        k,
        ErrorKind::StructureMismatch {
            base: None,
            target: Some(vec![4])
        }
    );
    assert_eq!(path.as_deref(), Some("b"));
    assert!(msg.contains("base model has no parameter"), "{msg}");
    // a name only in the base
    let (k, path, _) = kind(&[("a", vec![4]), ("c", vec![2])], &[("a", vec![4])]);
    assert!(matches!(
        k,
        ErrorKind::StructureMismatch { target: None, .. }
    ));
    assert_eq!(path.as_deref(), Some("c"));
    // ranks differ
    let (k, _, _) = kind(&[("a", vec![4, 4])], &[("a", vec![16])]);
    assert!(matches!(
        k,
        ErrorKind::StructureMismatch {
            base: Some(_),
            target: Some(_)
        }
    ));
    // a width that shrinks
    let (k, path, _) = kind(&[("a", vec![16, 4])], &[("a", vec![8, 4])]);
    assert_eq!(
        k,
        ErrorKind::ShrinkingWidth {
            axis: 0,
            base: 16,
            target: 8
        }
    );
    assert_eq!(path.as_deref(), Some("a"));
    // a kernel axis that changes
    let (k, _, _) = kind(
        &[("conv", vec![8, 8, 3, 3])],
        &[("conv", vec![16, 16, 5, 5])],
    );
    assert!(matches!(k, ErrorKind::FixedAxisChanges { axis: 2, .. }));
    // a readout whose fan_out grows
    let e = Mup::new()
        .readout("w")
        .classify([("w", vec![8, 8])], [("w", vec![16, 16])])
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ReadoutShape { .. }));
    // a readout pattern that matches nothing
    let e = Mup::new()
        .readout("lm_head.weight")
        .classify([("w", vec![8, 8])], [("w", vec![16, 16])])
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::UnmatchedRule { .. }));
    // a name twice
    let e = Mup::new()
        .classify([("w", vec![8]), ("w", vec![8])], [("w", vec![8])])
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::DuplicateTensor { .. }));
}

#[test]
fn the_initialisation_is_mups_for_pytorch_defaults() {
    // mup with nn.Linear's defaults (kaiming_uniform(a = √5): U(±1/√fan_in) for weight and
    // bias): set_base_shapes leaves hidden and input weights as they are, multiplies every
    // bias by √fan_in_mult of its layer (rescale_linear_bias) and MuReadout's weight and bias
    // by √width_mult (_rescale_parameters)
    let (b, t) = (64usize, 1024usize);
    let p = Mup::new()
        .readout("head.weight")
        .base(Rules::torch_defaults())
        .classify(mlp_shapes(b), mlp_shapes(t))
        .unwrap();
    let rules = p.rules().unwrap();
    let bound = |name: &str| -> f64 {
        let shape = &p.get(name).unwrap().shape;
        match rules
            .find(name)
            .unwrap()
            .init()
            .resolve(shape)
            .unwrap()
            .distribution
        {
            Some(ElementDistribution::Uniform { low, high }) => {
                assert!(close(low, -high));
                high
            }
            d => panic!("{name}: {d:?}"),
        }
    };
    let torch = |fan_in: usize| 1.0 / (fan_in as f64).sqrt();
    let m = (t / b) as f64;
    assert!(close(bound("fc1.weight"), torch(32)));
    assert!(close(bound("fc1.bias"), torch(32)));
    assert!(close(bound("fc2.weight"), torch(t)));
    assert!(close(bound("fc2.bias"), torch(t) * m.sqrt()));
    assert!(close(bound("head.weight"), torch(t) * m.sqrt()));
    assert!(close(bound("head.bias"), torch(t) * m.sqrt()));
    // readout_zero_init: weight and bias zero
    let z = Mup::new()
        .readout("head.weight")
        .readout_zero_init(true)
        .base(Rules::torch_defaults())
        .classify(mlp_shapes(b), mlp_shapes(t))
        .unwrap();
    assert_eq!(z.init("head.weight").unwrap(), Init::zeros());
    assert_eq!(z.init("head.bias").unwrap(), Init::zeros());
    assert_ne!(z.init("fc2.bias").unwrap(), Init::zeros());
}

#[test]
fn mup_init_py_for_he_glorot_and_normal() {
    // mup/init.py: kaiming fan_in on a hidden weight: unchanged; fan_out: × √(m_out/m_in);
    // xavier: × √((fo + fi)/(fo_b + fi_b)), and / √m_in when hidden; normal(0, σ): σ, / √m_in
    // when hidden
    let base = [("h", vec![16, 8]), ("o", vec![10, 8])];
    let target = [("h", vec![256, 32]), ("o", vec![10, 32])];
    let std = |init: Init, name: &str| {
        let p = Mup::new()
            .readout("o")
            .base(Rules::new().rule("**", init))
            .classify(base.clone(), target.clone())
            .unwrap();
        let shape = p.get(name).unwrap().shape.clone();
        p.init(name).unwrap().resolve(&shape).unwrap().std
    };
    let (fo, fi, fo_b, fi_b) = (256.0f64, 32.0f64, 16.0f64, 8.0f64);
    let (m_in, m_out) = (fi / fi_b, fo / fo_b);
    let g = 2f64.sqrt();
    assert!(close(std(Init::he_normal(), "h"), g / fi.sqrt()));
    let fan_out = Init::he_normal().mode(weight_init::FanMode::FanOut);
    assert!(close(
        std(fan_out, "h"),
        g / fo.sqrt() * (m_out / m_in).sqrt()
    ));
    let xavier = (2.0 / (fo + fi)).sqrt() * ((fo + fi) / (fo_b + fi_b)).sqrt() / m_in.sqrt();
    assert!(close(std(Init::glorot_normal(), "h"), xavier));
    assert!(close(std(Init::normal(0.0, 0.5), "h"), 0.5 / m_in.sqrt()));
    // the readout (one infinite dimension, its fan_in): kaiming × √m_in, normal unchanged
    assert!(close(
        std(Init::he_normal(), "o"),
        g / fi.sqrt() * m_in.sqrt()
    ));
    assert!(close(std(Init::normal(0.0, 0.5), "o"), 0.5));
    // Table 3's formulation stores the readout already divided by m_in
    let p = Mup::new()
        .readout("o")
        .formulation(Formulation::Table3)
        .base(Rules::new().rule("**", Init::he_normal()))
        .classify(base.clone(), target.clone())
        .unwrap();
    let s = p.init("o").unwrap().resolve(&[10, 32]).unwrap().std;
    assert!(close(s, g / fi_b.sqrt() / m_in));
}

#[test]
fn schemes_that_cannot_cross_widths_are_errors() {
    let base = [("h", vec![8, 8])];
    let target = [("h", vec![32, 32])];
    for init in [
        Init::orthogonal(),
        Init::eye(),
        Init::normal(1.0, 0.1),
        Init::ones(),
    ] {
        let p = Mup::new()
            .base(Rules::new().rule("h", init.clone()))
            .classify(base.clone(), target.clone())
            .unwrap();
        let e = p.init("h").unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::NoWidthRule { .. }),
            "{init}: {e}"
        );
        assert_eq!(e.path(), Some("h"));
        assert!(p.rules().is_err());
    }
    // zeros is fine on a hidden matrix; no base scheme at all is an error
    let p = Mup::new()
        .base(Rules::new().rule("h", Init::zeros()))
        .classify(base.clone(), target.clone())
        .unwrap();
    assert_eq!(p.init("h").unwrap().resolve(&[32, 32]).unwrap().std, 0.0);
    let e = Mup::new()
        .classify(base, target)
        .unwrap()
        .init("h")
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NoWidthRule { .. }));
}

#[test]
fn multipliers_match_mups_for_an_mlp() {
    let (b, t) = (64usize, 512usize);
    let (base, target) = (mlp_shapes(b), mlp_shapes(t));
    let p = Mup::new()
        .readout("head.weight")
        .output_mult(2.0)
        .classify(base.clone(), target.clone())
        .unwrap();
    for ((name, bs), (_, ts)) in base.iter().zip(&target) {
        let s = infshape(bs, ts);
        let m = p.multipliers(name).unwrap();
        assert!(close(m.adam_lr, mu_adam(&s)), "{name}: adam {}", m.adam_lr);
        assert!(
            close(m.sgd_lr, mu_sgd(&s, false)),
            "{name}: sgd {}",
            m.sgd_lr
        );
        assert!(close(m.adam_weight_decay, 1.0 / mu_adam(&s)));
        assert!(close(m.sgd_weight_decay, 1.0 / mu_sgd(&s, false)));
        // MuReadout.forward: output_mult · x / width_mult
        let expected = if name == "head.weight" {
            2.0 / mup_width_mult(&s)
        } else {
            1.0
        };
        assert!(close(m.output, expected), "{name}: output {}", m.output);
    }
    assert_eq!(p.output_multiplier(), 2.0 / 8.0);
    // the parameter groups MuAdam builds: the hidden weight alone at lr/8, the rest at lr
    let groups = p.lr_groups(OptimizerKind::Adam);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].mult, 1.0);
    assert_eq!(groups[1].mult, 0.125);
    assert_eq!(groups[1].names, ["fc2.weight"]);
    let sgd = p.lr_groups(OptimizerKind::Sgd);
    let mult_of = |n: &str| {
        sgd.iter()
            .find(|g| g.names.iter().any(|x| x == n))
            .unwrap()
            .mult
    };
    assert_eq!(mult_of("fc1.weight"), 8.0);
    assert_eq!(mult_of("fc2.weight"), 1.0);
    assert_eq!(mult_of("head.weight"), 8.0);
    assert_eq!(mult_of("head.bias"), 1.0);
}

#[test]
fn multipliers_match_mups_for_a_transformer() {
    let (base, target) = (gpt2_shapes(64, 2), gpt2_shapes(256, 2));
    let p = gpt2_mup().classify(base.clone(), target.clone()).unwrap();
    let class = |n: &str| p.get(n).unwrap().class;
    assert_eq!(class("wte.weight"), Class::Input);
    assert_eq!(class("h.1.attn.c_attn.weight"), Class::Hidden);
    assert_eq!(class("h.0.mlp.c_proj.weight"), Class::Hidden);
    assert_eq!(class("h.0.ln_1.weight"), Class::Vector);
    assert_eq!(class("lm_head.weight"), Class::Output);
    for ((name, bs), (_, ts)) in base.iter().zip(&target) {
        // mup sees HF's Conv1D weights in storage order (in, out)
        let in_first = name.starts_with("h.") && name.ends_with(".weight") && bs.len() == 2;
        let s = infshape(bs, ts);
        let m = p.multipliers(name).unwrap();
        assert!(close(m.adam_lr, mu_adam(&s)), "{name}: adam {}", m.adam_lr);
        assert!(
            close(m.sgd_lr, mu_sgd(&s, in_first)),
            "{name}: sgd {}",
            m.sgd_lr
        );
    }
    assert_eq!(p.output_multiplier(), 0.25);
    // the initialisation: normal(0, 0.02) stays on vectors, inputs and the readout, is divided
    // by √4 on hidden weights (mup/init.py normal_); norms ones, biases zeros
    let rules = p.rules().unwrap();
    for (name, shape) in &target {
        let r = rules.find(name).unwrap().init().resolve(shape).unwrap();
        let expected = match (class(name), name.ends_with("bias"), name.contains("ln")) {
            (_, true, _) => (0.0, 0.0),
            (_, false, true) => (1.0, 0.0),
            (Class::Hidden, ..) => (0.0, 0.01),
            _ => (0.0, 0.02),
        };
        assert!(
            close(r.mean, expected.0) && close(r.std, expected.1),
            "{name}: {r:?}"
        );
    }
    // attention: 1/d in place of 1/√d, equal at the base's head dimension
    assert_eq!(attention_scale(64, 64).unwrap(), 0.125);
    assert_eq!(attention_scale(256, 64).unwrap(), 8.0 / 256.0);
    assert!(attention_scale(0, 64).is_err());
}

#[test]
fn at_the_base_width_mup_gives_the_same_keyed_values_as_sp() {
    let sp = Mlp::build(&64, &(), 7).unwrap();
    let p = common::parametrization(64, 64).unwrap();
    let mut mup = Mlp::zeroed(&64, &()).unwrap();
    mup.init_with_rules(&p.rules().unwrap(), 7).unwrap();
    assert_eq!(sp.fc2.weight, mup.fc2.weight);
    assert_eq!(sp.head.weight, mup.head.weight);
    assert_eq!(sp.head.bias, mup.head.bias);
    // at another width: hidden weights as SP's (the same law, so the same values), the readout
    // and the biases at the base's scale
    let sp = Mlp::build(&256, &(), 7).unwrap();
    let p = common::parametrization(256, 64).unwrap();
    let mut mup = Mlp::zeroed(&256, &()).unwrap();
    mup.init_with_rules(&p.rules().unwrap(), 7).unwrap();
    assert_eq!(sp.fc2.weight, mup.fc2.weight);
    assert_eq!(sp.fc1.weight, mup.fc1.weight);
    let max = |a: &ndarray::Array2<f32>| a.iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(max(&mup.head.weight) > 1.0 / 16.0 && max(&mup.head.weight) <= 1.0 / 8.0);
    assert!(max(&sp.head.weight) <= 1.0 / 16.0);
    // the derived model's attributes are the base schemes: fans_of gives the bias its layer's
    // base fan_in (rescale_linear_bias)
    let b = p.init("fc2.bias").unwrap().resolve(&[256]).unwrap();
    assert!(close(b.std, 1.0 / (3.0f64 * 64.0).sqrt()));
}

// ---------------------------------------------------------------------------------------------
// the experiments, small

#[test]
fn coordinate_check_small_mup_is_flat_sp_grows() {
    let data = Data::teacher(16, 0).unwrap();
    // mean |coordinate| per step and layer, mean of two seeds
    let run = |param, width| -> Vec<[f64; 4]> {
        let runs: Vec<Vec<[f64; 4]>> = [1, 2]
            .map(|seed| {
                common::coord_check(
                    &Run {
                        param,
                        width,
                        base_width: 64,
                        seed,
                        batch: 16,
                        steps: 3,
                        lr: 1e-2,
                    },
                    &data,
                )
                .unwrap()
            })
            .into();
        (0..3)
            .map(|t| std::array::from_fn(|l| (runs[0][t][l] + runs[1][t][l]) / 2.0))
            .collect()
    };
    let (mup_64, mup_512) = (run(Param::Mup, 64), run(Param::Mup, 512));
    let (sp_64, sp_512) = (run(Param::Sp, 64), run(Param::Sp, 512));
    // after one and two Adam steps (t = 2, 3): μP's coordinates do not change with width
    // (measured once: ratios 0.73 to 1.03, the logits' lowest), SP's grow in the hidden layers
    // and the logits (measured: 2.6 to 20)
    for t in 1..3 {
        for l in 0..4 {
            let mup = mup_512[t][l] / mup_64[t][l];
            assert!(
                (0.5..1.6).contains(&mup),
                "μP t={} layer {l}: ratio {mup}",
                t + 1
            );
            if l > 0 {
                let sp = sp_512[t][l] / sp_64[t][l];
                assert!(
                    sp > 1.8 && sp > 1.8 * mup,
                    "SP t={} layer {l}: ratio {sp}",
                    t + 1
                );
            }
        }
        let sp_logits = sp_512[t][3] / sp_64[t][3];
        assert!(sp_logits > 3.0, "SP t={}: logits ratio {sp_logits}", t + 1);
    }
}

/// Where `losses` (over `log2_lr`, increasing) first fall below `level`, interpolated linearly
/// in log₂ lr.
fn crossing(log2_lr: &[i32], losses: &[f64], level: f64) -> f64 {
    for i in 1..losses.len() {
        if losses[i] <= level && losses[i - 1] > level {
            let f = (losses[i - 1] - level) / (losses[i - 1] - losses[i]);
            return f64::from(log2_lr[i - 1]) + f * f64::from(log2_lr[i] - log2_lr[i - 1]);
        }
    }
    panic!("{losses:?} never cross {level}");
}

#[test]
fn learning_rate_sweep_small_mup_transfers() {
    let data = Data::teacher(512, 0).unwrap();
    let lrs = [-13, -12, -11, -10, -9, -8, -7];
    let sweep = |param, width| -> Vec<f64> {
        lrs.iter()
            .map(|&l| {
                common::train(
                    &Run {
                        param,
                        width,
                        base_width: 64,
                        seed: 1,
                        batch: 32,
                        steps: 60,
                        lr: 2f32.powi(l),
                    },
                    &data,
                )
                .unwrap()
            })
            .collect()
    };
    let (mup_64, mup_256) = (sweep(Param::Mup, 64), sweep(Param::Mup, 256));
    let (sp_64, sp_256) = (sweep(Param::Sp, 64), sweep(Param::Sp, 256));
    // at the base width μP is SP
    assert_eq!(mup_64, sp_64);
    // the learning rate at which the loss first falls to 1.6 (from ln 10 = 2.30 at chance):
    // under μP it stays where it is as the width grows 4×; under SP it moves to smaller
    // learning rates (measured once: by 2.0 octaves, and μP's by 0.16)
    let level = 1.6;
    let mup_shift = crossing(&lrs, &mup_256, level) - crossing(&lrs, &mup_64, level);
    let sp_shift = crossing(&lrs, &sp_256, level) - crossing(&lrs, &sp_64, level);
    eprintln!("shift in log2 lr: μP {mup_shift:.2}, SP {sp_shift:.2}");
    assert!(mup_shift.abs() < 0.5, "μP {mup_64:?} {mup_256:?}");
    assert!(sp_shift < -1.0, "SP {sp_64:?} {sp_256:?}");
    // and the best learning rate on the grid stays within one step under μP (measured: 2⁻⁷ at
    // both widths), while SP's moves down (measured: from 2⁻⁷ to 2⁻⁹)
    let argmin = |v: &[f64]| {
        (0..v.len())
            .filter(|&i| v[i].is_finite())
            .min_by(|&a, &b| v[a].total_cmp(&v[b]))
            .unwrap()
    };
    assert!(
        argmin(&mup_64).abs_diff(argmin(&mup_256)) <= 1,
        "{mup_64:?} {mup_256:?}"
    );
    assert!(argmin(&sp_256) < argmin(&sp_64), "{sp_64:?} {sp_256:?}");
}

#[test]
fn table3_is_mups_formulation_with_the_readout_multiplier_moved_into_the_weight() {
    let base = Mlp::zeroed(&64, &()).unwrap();
    let target = Mlp::zeroed(&512, &()).unwrap();
    let classify = |f| {
        Mup::new()
            .readout("head.weight")
            .formulation(f)
            .models(&base, &target)
            .unwrap()
    };
    let (mup, table3) = (classify(Formulation::Mup), classify(Formulation::Table3));
    let fill = |p: &weight_init::mup::Parametrization| {
        let mut m = Mlp::zeroed(&512, &()).unwrap();
        m.init_with_rules(&p.rules().unwrap(), 3).unwrap();
        m
    };
    let (a, b) = (fill(&mup), fill(&table3));
    // the stored readout differs by fan_in_mult = 8, so the forward pass's product is the same
    for (x, y) in a.head.weight.iter().zip(&b.head.weight) {
        assert!(
            (f64::from(*x) / 8.0 - f64::from(*y)).abs() <= 1e-7 * f64::from(x.abs()).max(1e-30)
        );
    }
    assert_eq!(a.fc2.weight, b.fc2.weight);
    assert_eq!(a.head.bias, b.head.bias);
    let (m, t) = (
        mup.multipliers("head.weight").unwrap(),
        table3.multipliers("head.weight").unwrap(),
    );
    assert_eq!((m.output, t.output), (0.125, 1.0));
    // Adam: W' at lr moves W = W'/8 by lr/8, W at lr/8 by lr/8; SGD: W' at 8·lr moves W by
    // 8·lr·(g/8)/8 = lr·g/8, W at lr/8 by lr·g/8
    assert_eq!((m.adam_lr, t.adam_lr), (1.0, 0.125));
    assert_eq!((m.sgd_lr, t.sgd_lr), (8.0, 0.125));
    // everything else is the same
    for p in mup.params().iter().filter(|p| p.name != "head.weight") {
        assert_eq!(
            mup.multipliers(&p.name).unwrap(),
            table3.multipliers(&p.name).unwrap()
        );
    }
}
