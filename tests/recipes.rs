//! The LLM recipes (`weight_init::recipe`): every recipe's σ against its formula, computed
//! here independently, for named parameters of Hugging Face's GPT-2 and Llama; the layer
//! index's effect; truncation at ±3σ (bound and KS against the truncated law); errors; a
//! derived model initialised by a recipe; and (feature `candle`) a recipe through candle's
//! `VarBuilder`.

mod common;
#[path = "../examples/common/hf_gpt2.rs"]
mod hf_gpt2;

use common::assert_ks;
use hf_gpt2::{Block, Embedding, LayerNorm, blocks, embedding, ln};
use ndarray::{Array1, Array2};
use weight_init::recipe::{
    Arch, Dims, Naming, PlannedParam, Recipe, RecipePlan, Role, Stack, deepnet_constants,
    layer_scale_epsilon, t_fixup_constants,
};
use weight_init::stats::truncated_normal_cdf;
use weight_init::{ErrorKind, Init, Initialize, Layout, Source};

const D: usize = 256;
const L: usize = 4;
const F: usize = 1024;
const V: usize = 1000;

fn dims() -> Dims {
    Dims::new(D, L, F, V)
}

/// Every parameter of Hugging Face's GPT-2 of `dims()` (with an untied `lm_head`).
fn gpt2_names() -> Vec<(String, Vec<usize>)> {
    let mut v = vec![
        ("wte.weight".to_string(), vec![V, D]),
        ("wpe.weight".to_string(), vec![128, D]),
    ];
    for l in 0..L {
        let p = |s: &str| format!("h.{l}.{s}");
        v.extend([
            (p("ln_1.weight"), vec![D]),
            (p("ln_1.bias"), vec![D]),
            (p("attn.c_attn.weight"), vec![D, 3 * D]),
            (p("attn.c_attn.bias"), vec![3 * D]),
            (p("attn.c_proj.weight"), vec![D, D]),
            (p("attn.c_proj.bias"), vec![D]),
            (p("ln_2.weight"), vec![D]),
            (p("ln_2.bias"), vec![D]),
            (p("mlp.c_fc.weight"), vec![D, F]),
            (p("mlp.c_fc.bias"), vec![F]),
            (p("mlp.c_proj.weight"), vec![F, D]),
            (p("mlp.c_proj.bias"), vec![D]),
        ]);
    }
    v.extend([
        ("ln_f.weight".to_string(), vec![D]),
        ("ln_f.bias".to_string(), vec![D]),
        ("lm_head.weight".to_string(), vec![V, D]),
    ]);
    v
}

/// Every parameter of Hugging Face's Llama of `dims` (keys and values `d_kv` wide).
fn llama_names(dims: &Dims) -> Vec<(String, Vec<usize>)> {
    let (d, f, kv) = (dims.d_model, dims.d_ff, dims.d_kv);
    let mut v = vec![("model.embed_tokens.weight".to_string(), vec![dims.vocab, d])];
    for l in 0..dims.n_layers {
        let p = |s: &str| format!("model.layers.{l}.{s}");
        v.extend([
            (p("input_layernorm.weight"), vec![d]),
            (p("self_attn.q_proj.weight"), vec![d, d]),
            (p("self_attn.k_proj.weight"), vec![kv, d]),
            (p("self_attn.v_proj.weight"), vec![kv, d]),
            (p("self_attn.o_proj.weight"), vec![d, d]),
            (p("post_attention_layernorm.weight"), vec![d]),
            (p("mlp.gate_proj.weight"), vec![f, d]),
            (p("mlp.up_proj.weight"), vec![f, d]),
            (p("mlp.down_proj.weight"), vec![d, f]),
        ]);
    }
    v.extend([
        ("model.norm.weight".to_string(), vec![d]),
        ("lm_head.weight".to_string(), vec![dims.vocab, d]),
    ]);
    v
}

fn plan(
    recipe: &Recipe,
    naming: &Naming,
    dims: &Dims,
    names: &[(String, Vec<usize>)],
) -> RecipePlan {
    recipe
        .plan(
            naming,
            dims,
            names.iter().map(|(n, s)| (n.as_str(), s.as_slice())),
        )
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-14 * b.abs().max(1e-300)
}

/// Every matched row: its σ equals `expected(row)`, its scheme is N(0, σ²) (untruncated, or
/// truncated at ±3σ as `truncated(row)` says), and norms and biases are 1 and 0.
fn check_with(
    plan: &RecipePlan,
    truncated: impl Fn(&PlannedParam) -> bool,
    expected: impl Fn(&PlannedParam) -> Option<f64>,
) {
    assert!(!plan.rows().is_empty());
    for r in plan.rows() {
        let init = r
            .init
            .clone()
            .unwrap_or_else(|| panic!("{}: no scheme", r.name));
        match r.role {
            Role::NormWeight => assert_eq!(init, Init::ones(), "{}", r.name),
            Role::NormBias | Role::Bias => assert_eq!(init, Init::zeros(), "{}", r.name),
            _ => {
                let want = expected(r).unwrap_or_else(|| panic!("{}: no σ expected", r.name));
                let got = r.std.unwrap_or_else(|| panic!("{}: no σ", r.name));
                assert!(close(got, want), "{}: σ {got} ≠ {want}", r.name);
                // the scheme, in the layout the naming gives: its law is the formula's
                let plain = if truncated(r) {
                    Init::truncated_normal_sigmas(0.0, got, 3.0)
                } else {
                    Init::normal(0.0, got)
                };
                assert_eq!(init.clone().layout(Layout::OutIn), plain, "{}", r.name);
            }
        }
    }
}

fn check(plan: &RecipePlan, truncated: bool, expected: impl Fn(&PlannedParam) -> Option<f64>) {
    check_with(plan, |_| truncated, expected)
}

#[test]
fn gpt2_megatron_and_small_wang_follow_their_formulas() {
    let names = gpt2_names();
    let g = Naming::hf_gpt2();
    let out = |r: &PlannedParam| matches!(r.role, Role::AttnOut | Role::MlpOut);
    let (d, l) = (D as f64, L as f64);
    let p = plan(&Recipe::gpt2(), &g, &dims(), &names);
    check(&p, false, |r| {
        Some(if out(r) {
            0.02 / (2.0 * l).sqrt()
        } else {
            0.02
        })
    });
    assert_eq!(p.rows().len(), names.len());
    assert!(p.unmatched().is_empty());
    let p = plan(&Recipe::megatron(0.006), &g, &dims(), &names);
    check(&p, false, |r| {
        Some(if out(r) {
            0.006 / (2.0 * l).sqrt()
        } else {
            0.006
        })
    });
    let p = plan(&Recipe::small_wang(), &g, &dims(), &names);
    check(&p, false, |r| {
        Some(if out(r) {
            2.0 / l / d.sqrt()
        } else {
            (2.0 / (5.0 * d)).sqrt()
        })
    });
    // GPT-NeoX's numbers for Pythia-160m (d = 768, L = 12), as computed there
    let pythia = Dims::new(768, 12, 3072, 50304);
    let p = Recipe::small_wang()
        .plan(&g, &pythia, [("h.0.mlp.c_proj.weight", [3072, 768])])
        .unwrap();
    assert!(close(
        p.rows()[0].std.unwrap(),
        2.0 / (12.0 * 768f64.sqrt())
    ));
}

#[test]
fn olmo_mitchell_and_full_megatron_follow_olmo() {
    let names = gpt2_names();
    let g = Naming::hf_gpt2();
    let d = D as f64;
    let p = plan(&Recipe::mitchell(), &g, &dims(), &names);
    check(&p, true, |r| {
        let l = r.layer.map(|l| (l + 1) as f64);
        Some(match r.role {
            Role::AttnOut => 1.0 / (2.0 * d * l?).sqrt(),
            Role::MlpOut => 1.0 / (2.0 * F as f64 * l?).sqrt(),
            _ => 1.0 / d.sqrt(),
        })
    });
    let p = plan(&Recipe::full_megatron(), &g, &dims(), &names);
    check(&p, true, |r| {
        Some(match r.role {
            Role::AttnOut | Role::MlpOut => 0.02 / (2.0 * L as f64).sqrt(),
            Role::Unembedding => 1.0 / d.sqrt(),
            _ => 0.02,
        })
    });
}

#[test]
fn llama_depth_follows_olmo_core() {
    let dims = Dims::new(D, L, 688, V).d_kv(64);
    let names = llama_names(&dims);
    let p = plan(&Recipe::llama_depth(), &Naming::hf_llama(), &dims, &names);
    // the token embedding N(0, 1), untruncated; everything else truncated at ±3σ
    check_with(
        &p,
        |r| r.role != Role::Embedding,
        |r| {
            Some(match r.role {
                Role::Embedding => 1.0,
                Role::AttnOut | Role::MlpUp | Role::MlpOut => {
                    0.02 / (2.0 * (r.layer? + 1) as f64).sqrt()
                }
                Role::Unembedding => 1.0 / (D as f64).sqrt(),
                _ => 0.02,
            })
        },
    );
    assert_eq!(
        p.get("model.layers.2.mlp.gate_proj.weight").unwrap().std,
        Some(0.02),
        "the gate (w1) is not depth-scaled"
    );
}

#[test]
fn deepnet_constants_and_gains_follow_the_paper() {
    // Table 1 of Wang et al. 2022, computed here
    let (n, m) = (6.0f64, 18.0f64);
    let t = n.powi(4) * m;
    for (arch, stack, layers, alpha, beta) in [
        (
            Arch::EncoderOnly,
            Stack::Encoder,
            6,
            (2.0 * n).powf(0.25),
            (8.0 * n).powf(-0.25),
        ),
        (
            Arch::DecoderOnly,
            Stack::Decoder,
            18,
            (2.0 * m).powf(0.25),
            (8.0 * m).powf(-0.25),
        ),
        (
            Arch::EncoderDecoder {
                encoder_layers: 6,
                decoder_layers: 18,
            },
            Stack::Encoder,
            6,
            0.81 * t.powf(1.0 / 16.0),
            0.87 * t.powf(-1.0 / 16.0),
        ),
        (
            Arch::EncoderDecoder {
                encoder_layers: 6,
                decoder_layers: 18,
            },
            Stack::Decoder,
            18,
            (3.0 * m).powf(0.25),
            (12.0 * m).powf(-0.25),
        ),
    ] {
        let (a, b) = deepnet_constants(arch, stack, layers);
        assert!(
            close(a, alpha) && close(b, beta),
            "{arch:?} {stack:?}: {a} {b}"
        );
        let f = Recipe::deepnet(arch).forward(&Dims::new(D, layers, F, V), stack);
        assert!(close(f.residual_alpha.unwrap(), alpha));
        assert_eq!(f.branch_scale, None);
    }
    // the gains, on Llama's separate q, k, v (GQA: k and v 64 wide)
    let dims = Dims::new(D, L, F, V).d_kv(64);
    let beta = (8.0 * L as f64).powf(-0.25);
    let (d, f, kv) = (D as f64, F as f64, 64.0);
    let xavier = |i: f64, o: f64| (2.0 / (i + o)).sqrt();
    let p = plan(
        &Recipe::deepnet(Arch::DecoderOnly),
        &Naming::hf_llama(),
        &dims,
        &llama_names(&dims),
    );
    check(&p, false, |r| {
        Some(match r.role {
            Role::AttnQuery => xavier(d, d),
            Role::AttnKey => xavier(d, kv),
            Role::AttnValue => beta * xavier(d, kv),
            Role::AttnOut => beta * xavier(d, d),
            Role::MlpIn | Role::MlpUp => beta * xavier(d, f),
            Role::MlpOut => beta * xavier(f, d),
            Role::Embedding | Role::Unembedding => 1.0 / d.sqrt(),
            _ => return None,
        })
    });
}

#[test]
fn t_fixup_scales_follow_huang_et_al() {
    let (n, m) = (6.0f64, 9.0f64);
    let (s, e) = t_fixup_constants(Arch::DecoderOnly, Stack::Decoder, 9);
    assert!(close(s, (9.0 * m).powf(-0.25)) && close(e, (9.0 * m).powf(-0.25)));
    let (s, e) = t_fixup_constants(Arch::EncoderOnly, Stack::Encoder, 6);
    assert!(close(s, 0.67 * n.powf(-0.25)) && close(e, (9.0 * n).powf(-0.25)));
    let encdec = Arch::EncoderDecoder {
        encoder_layers: 6,
        decoder_layers: 9,
    };
    assert!(close(
        t_fixup_constants(encdec, Stack::Encoder, 0).0,
        0.67 * n.powf(-0.25)
    ));
    assert!(close(
        t_fixup_constants(encdec, Stack::Decoder, 0).0,
        (9.0 * m).powf(-0.25)
    ));

    let dims = Dims::new(D, L, F, V);
    let s = (9.0 * L as f64).powf(-0.25);
    let d = D as f64;
    let bound = |i: f64, o: f64, k: f64| k * (6.0 / (i + o)).sqrt();
    let p = plan(
        &Recipe::t_fixup(Arch::DecoderOnly),
        &Naming::hf_llama(),
        &dims,
        &llama_names(&dims),
    );
    for r in p.rows() {
        let want = match r.role {
            Role::AttnQuery | Role::AttnKey => Some(bound(d, d, 1.0)),
            Role::AttnValue | Role::AttnOut => Some(bound(d, d, s)),
            Role::MlpIn | Role::MlpUp | Role::MlpOut => Some(bound(d, F as f64, s)),
            _ => None,
        };
        if let Some(b) = want {
            assert_eq!(r.init, Some(Init::uniform_symmetric(b)), "{}", r.name);
            assert!(close(r.std.unwrap(), b / 3f64.sqrt()));
        }
        match r.role {
            Role::Embedding => assert!(close(r.std.unwrap(), s / d.sqrt())),
            Role::Unembedding => assert!(close(r.std.unwrap(), 1.0 / d.sqrt())),
            _ => {}
        }
    }
}

#[test]
fn spectral_and_zero_follow_their_papers() {
    let names = gpt2_names();
    let g = Naming::hf_gpt2();
    let sigma = |i: f64, o: f64| (1.0 / i.sqrt()) * (o / i).sqrt().min(1.0);
    let (d, f, v) = (D as f64, F as f64, V as f64);
    let p = plan(&Recipe::spectral(), &g, &dims(), &names);
    check(&p, false, |r| {
        Some(match r.role {
            Role::AttnQkv | Role::AttnOut => sigma(d, d),
            Role::MlpIn => sigma(d, f),
            Role::MlpOut => sigma(f, d),
            Role::Unembedding => sigma(d, v),
            Role::Embedding | Role::PositionEmbedding => 1.0,
            _ => return None,
        })
    });
    assert!(close(
        p.get("h.0.mlp.c_proj.weight").unwrap().std.unwrap(),
        d.sqrt() / f
    ));

    let p = plan(&Recipe::zero(), &g, &dims(), &names);
    for r in p.rows() {
        let want = match r.role {
            Role::AttnOut | Role::MlpOut => Some(Init::eye().layout(Layout::InOut)),
            // the fused QKV: an identity in each of its three blocks
            Role::AttnQkv => Some(Init::eye().blocks(3).layout(Layout::InOut)),
            Role::NormWeight => Some(Init::ones()),
            Role::NormBias | Role::Bias => Some(Init::zeros()),
            // out > in (Hadamard), embeddings: left alone
            _ => None,
        };
        assert_eq!(r.init, want, "{}", r.name);
        assert_eq!(r.std, None);
    }
}

#[test]
fn rezero_and_layer_scale_set_the_residual_scale() {
    let naming = Naming::hf_gpt2()
        .role("**.h.{l}.*.alpha", Role::ResidualScale)
        .role("**.h.{l}.ls_*", Role::ResidualScale);
    let names = [
        ("h.0.attn.alpha", vec![1]),
        ("h.3.ls_1", vec![D]),
        ("h.3.mlp.c_proj.weight", vec![F, D]),
    ];
    let rz = Recipe::rezero(Recipe::gpt2());
    let p = rz
        .plan(
            &naming,
            &dims(),
            names.iter().map(|(n, s)| (*n, s.as_slice())),
        )
        .unwrap();
    assert_eq!(p.get("h.0.attn.alpha").unwrap().init, Some(Init::zeros()));
    assert!(close(
        p.get("h.3.mlp.c_proj.weight").unwrap().std.unwrap(),
        0.02 / 8f64.sqrt()
    ));
    assert_eq!(rz.forward(&dims(), Stack::Decoder).branch_scale, Some(0.0));
    // CaiT's ε by depth
    for (depth, eps) in [
        (12, 0.1),
        (18, 0.1),
        (19, 1e-5),
        (24, 1e-5),
        (25, 1e-6),
        (36, 1e-6),
    ] {
        assert_eq!(layer_scale_epsilon(depth), eps);
        let dims = Dims::new(D, depth, F, V);
        let ls = Recipe::layer_scale(Recipe::gpt2());
        let p = ls.plan(&naming, &dims, [("h.3.ls_1", [D])]).unwrap();
        assert_eq!(p.rows()[0].init, Some(Init::constant(eps)));
        assert_eq!(ls.forward(&dims, Stack::Decoder).branch_scale, Some(eps));
    }
    // no other recipe touches a residual scale
    let p = Recipe::gpt2()
        .plan(&naming, &dims(), [("h.3.ls_1", [D])])
        .unwrap();
    assert_eq!(p.rows()[0].init, None);
}

#[test]
fn the_layer_index_comes_from_the_name() {
    let g = Naming::hf_gpt2();
    let sig = |recipe: &Recipe, name: &str| {
        recipe.plan(&g, &dims(), [(name, [D, D])]).unwrap().rows()[0]
            .std
            .unwrap()
    };
    for recipe in [Recipe::mitchell(), Recipe::llama_depth()] {
        let s: Vec<f64> = (0..L)
            .map(|l| sig(&recipe, &format!("h.{l}.attn.c_proj.weight")))
            .collect();
        assert!(
            s.windows(2).all(|w| w[1] < w[0]),
            "{}: {s:?}",
            recipe.name()
        );
        // σ(l)·√(l+1) is the same for every layer
        let k: Vec<f64> = s
            .iter()
            .enumerate()
            .map(|(l, x)| x * ((l + 1) as f64).sqrt())
            .collect();
        assert!(k.iter().all(|x| (x - k[0]).abs() < 1e-15), "{k:?}");
        assert!(recipe.needs_layer(Role::AttnOut));
    }
    for recipe in [
        Recipe::gpt2(),
        Recipe::full_megatron(),
        Recipe::small_wang(),
    ] {
        let a = sig(&recipe, "h.0.attn.c_proj.weight");
        let b = sig(&recipe, "h.3.attn.c_proj.weight");
        assert_eq!(a, b, "{}", recipe.name());
        assert!(!recipe.needs_layer(Role::AttnOut));
    }
    // rules: one per layer, each with its layer's σ
    let rules = Recipe::llama_depth().rules(&g, &dims()).unwrap();
    for l in 0..L {
        let r = rules.find(&format!("h.{l}.mlp.c_proj.weight")).unwrap();
        let want = Init::truncated_normal_sigmas(0.0, 0.02 / (2.0 * (l + 1) as f64).sqrt(), 3.0);
        assert_eq!(r.init(), &want.layout(Layout::InOut));
    }
    assert!(rules.find(&format!("h.{L}.mlp.c_proj.weight")).is_none());
}

// ---- a derived model with Hugging Face GPT-2's names ----

#[derive(Initialize)]
struct Gpt {
    wte: Embedding,
    h: Vec<Block>,
    ln_f: LayerNorm,
    /// not a GPT-2 name: keeps its attribute
    #[init(constant(0.5))]
    extra: Array1<f32>,
}

fn gpt() -> Gpt {
    Gpt {
        wte: embedding(V, D),
        h: blocks(L, D, F),
        ln_f: ln(D),
        extra: Array1::zeros(8),
    }
}

#[test]
fn mitchell_on_a_derived_model_is_truncated_at_three_sigma() {
    let mut m = gpt();
    let report = Recipe::mitchell()
        .apply(&mut m, &Naming::hf_gpt2(), &dims(), 7)
        .unwrap();
    assert_eq!(report.plan.unmatched(), ["extra"]);
    assert_eq!(
        report.assignments.get("extra").unwrap().source,
        Source::Attribute
    );
    assert!(matches!(
        report
            .assignments
            .get("h.2.attn.c_proj.weight")
            .unwrap()
            .source,
        Source::Rule { .. }
    ));
    assert!(m.extra.iter().all(|&x| x == 0.5));
    assert!(m.h[1].ln_2.weight.iter().all(|&x| x == 1.0));
    let d = D as f64;
    for (l, block) in m.h.iter().enumerate() {
        let sigma = 1.0 / (2.0 * d * (l + 1) as f64).sqrt();
        let xs: Vec<f64> = block.attn.c_proj.weight.iter().map(|&x| x as f64).collect();
        let bound = 3.0 * sigma;
        // f32 rounding of a value at the bound may exceed it by half an ulp
        assert!(
            xs.iter().all(|x| x.abs() <= bound * (1.0 + 1e-7)),
            "layer {l}"
        );
        assert!(
            xs.iter().any(|x| x.abs() > 2.5 * sigma),
            "the tails are there"
        );
        assert_ks(
            xs,
            |x| truncated_normal_cdf(x, 0.0, sigma, -bound, bound),
            &format!("mitchell h.{l}.attn.c_proj.weight"),
        );
        let sigma = 1.0 / (2.0 * F as f64 * (l + 1) as f64).sqrt();
        let xs: Vec<f64> = block.mlp.c_proj.weight.iter().map(|&x| x as f64).collect();
        assert_ks(
            xs,
            |x| truncated_normal_cdf(x, 0.0, sigma, -3.0 * sigma, 3.0 * sigma),
            &format!("mitchell h.{l}.mlp.c_proj.weight"),
        );
    }
    let sigma = 1.0 / d.sqrt();
    let xs: Vec<f64> = m.wte.weight.iter().map(|&x| x as f64).collect();
    assert_ks(
        xs,
        |x| truncated_normal_cdf(x, 0.0, sigma, -3.0 * sigma, 3.0 * sigma),
        "mitchell wte",
    );
}

#[test]
fn applying_is_the_rules_by_name_and_the_keyed_values() {
    // the recipe's values are those of its scheme filled keyed by the state-dict name
    let mut m = gpt();
    Recipe::gpt2()
        .apply(&mut m, &Naming::hf_gpt2(), &dims(), 11)
        .unwrap();
    let mut w = Array2::<f32>::zeros((F, D));
    Init::normal(0.0, 0.02 / 8f64.sqrt())
        .layout(Layout::InOut)
        .fill_seeded(&mut w, 11, "h.3.mlp.c_proj.weight")
        .unwrap();
    assert_eq!(m.h[3].mlp.c_proj.weight, w);
    // the same as Recipe::rules through init_with_rules when every pattern has a parameter
    let naming = Naming::new("blocks")
        .role_in("h.{l}.mlp.c_proj.weight", Role::MlpOut, Layout::InOut)
        .role("**.bias", Role::Bias);
    let mut a = gpt();
    let mut b = gpt();
    Recipe::gpt2().apply(&mut a, &naming, &dims(), 5).unwrap();
    b.init_with_rules(&Recipe::gpt2().rules(&naming, &dims()).unwrap(), 5)
        .unwrap();
    for l in 0..L {
        assert_eq!(a.h[l].mlp.c_proj.weight, b.h[l].mlp.c_proj.weight);
    }
}

#[test]
fn errors_name_what_is_wrong() {
    let names = gpt2_names();
    let it = || names.iter().map(|(n, s)| (n.as_str(), s.as_slice()));
    // a naming that matches nothing
    let e = Recipe::gpt2()
        .plan(&Naming::hf_llama(), &dims(), it())
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::NamingMatchedNothing {
            naming: "hf_llama".into()
        }
    );
    let mut m = gpt();
    let e = Recipe::gpt2()
        .apply(&mut m, &Naming::hf_llama(), &dims(), 1)
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NamingMatchedNothing { .. }));
    assert!(
        m.h[0].mlp.c_proj.weight.iter().all(|&x| x == 0.0),
        "nothing written"
    );
    // a name without a layer index where the recipe needs one
    let flat = Naming::new("flat").role("**.c_proj.weight", Role::MlpOut);
    let e = Recipe::mitchell()
        .plan(&flat, &dims(), [("h.0.mlp.c_proj.weight", [F, D])])
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::MissingLayerIndex {
            name: "h.0.mlp.c_proj.weight".into()
        }
    );
    assert_eq!(e.path(), Some("h.0.mlp.c_proj.weight"));
    let e = Recipe::llama_depth().rules(&flat, &dims()).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::MissingLayerIndex {
            name: "**.c_proj.weight".into()
        }
    );
    // ... which GPT-2's recipe does not need
    assert!(Recipe::gpt2().rules(&flat, &dims()).is_ok());
    // a layer beyond the model's
    let e = Recipe::mitchell()
        .plan(
            &Naming::hf_gpt2(),
            &dims(),
            [("h.4.attn.c_proj.weight", [D, D])],
        )
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::LayerOutOfRange {
            name: "h.4.attn.c_proj.weight".into(),
            layer: 4,
            n_layers: L
        }
    );
    // a zero dimension
    let e = Recipe::gpt2()
        .plan(&Naming::hf_gpt2(), &Dims::new(D, 0, F, V), it())
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::InvalidParameter {
                name: "n_layers",
                ..
            }
        ),
        "{e}"
    );
    let e = Recipe::megatron(f64::NAN)
        .plan(&Naming::hf_gpt2(), &dims(), it())
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::InvalidParameter { name: "std", .. }),
        "{e}"
    );
}

#[test]
fn every_recipe_plans_llama_without_nan() {
    let dims = Dims::new(D, L, 688, V).d_kv(64);
    let names = llama_names(&dims);
    for recipe in Recipe::all() {
        let p = plan(&recipe, &Naming::hf_llama(), &dims, &names);
        for r in p.rows() {
            if let Some(s) = r.std {
                assert!(
                    s.is_finite() && s > 0.0,
                    "{} {}: {s}",
                    recipe.name(),
                    r.name
                );
            }
            if let Some(init) = &r.init {
                init.resolve(&r.shape)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", recipe.name(), r.name));
            }
        }
    }
}

#[cfg(feature = "candle")]
mod candle {
    use super::*;
    use weight_init::candle::var_builder_with_report;
    use weight_init::candle_core::{DType, Device};
    use weight_init::candle_nn::{self, VarMap};

    /// A two-layer GPT written with candle-nn's `linear` (weights `(out, in)`), built through
    /// the recipe's rules: every weight holds the ndarray keyed values of its scheme.
    #[test]
    fn a_recipe_reaches_candle_by_name() {
        let (d, f, layers) = (32, 128, 2);
        let dims = Dims::new(d, layers, f, 50);
        let naming = Naming::hf_gpt2_linear();
        let rules = Recipe::mitchell().rules(&naming, &dims).unwrap();
        let varmap = VarMap::new();
        let (vb, handle) = var_builder_with_report(&varmap, &rules, 9, DType::F32, &Device::Cpu);
        for l in 0..layers {
            let vb = vb.pp(format!("h.{l}"));
            candle_nn::layer_norm(d, 1e-5, vb.pp("ln_1")).unwrap();
            candle_nn::linear(d, 3 * d, vb.pp("attn.c_attn")).unwrap();
            candle_nn::linear(d, d, vb.pp("attn.c_proj")).unwrap();
            candle_nn::linear(d, f, vb.pp("mlp.c_fc")).unwrap();
            candle_nn::linear(f, d, vb.pp("mlp.c_proj")).unwrap();
        }
        candle_nn::embedding(50, d, vb.pp("wte")).unwrap();
        let report = handle.assignments();
        let data = varmap.data().lock().unwrap();
        let plan = Recipe::mitchell()
            .plan(
                &naming,
                &dims,
                report
                    .rows()
                    .iter()
                    .map(|r| (r.name.as_str(), r.shape.as_slice())),
            )
            .unwrap();
        assert_eq!(plan.rows().len(), report.rows().len());
        for row in plan.rows() {
            let init = row.init.clone().unwrap();
            let var = &data[&row.name];
            let got: Vec<f32> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            let mut want = ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&row.shape));
            init.fill_seeded(&mut want, 9, &row.name).unwrap();
            assert_eq!(
                got,
                want.iter().copied().collect::<Vec<_>>(),
                "{}",
                row.name
            );
            if let Some(s) = row.std {
                assert!(
                    got.iter()
                        .all(|x| (*x as f64).abs() <= 3.0 * s * (1.0 + 1e-7)),
                    "{}",
                    row.name
                );
            }
        }
    }
}

/// GPT-2's fused `c_attn` (stored (in, out) = (d, 3d)) under DeepNet and T-Fixup: three blocks
/// along the output axis, q and k with one (d, d) projection's law, v with its own scale; the
/// plan's σ is the whole parameter's. Under ZerO each block is an identity.
#[test]
fn a_fused_qkv_is_planned_block_by_block() {
    let (beta, scale) = (
        deepnet_constants(Arch::DecoderOnly, Stack::Decoder, L).1,
        t_fixup_constants(Arch::DecoderOnly, Stack::Decoder, L).0,
    );
    let xavier_normal = (2.0 / (2.0 * D as f64)).sqrt();
    let xavier_uniform_std = (6.0 / (2.0 * D as f64)).sqrt() / 3f64.sqrt();
    for (recipe, qk, v) in [
        (
            Recipe::deepnet(Arch::DecoderOnly),
            xavier_normal,
            beta * xavier_normal,
        ),
        (
            Recipe::t_fixup(Arch::DecoderOnly),
            xavier_uniform_std,
            scale * xavier_uniform_std,
        ),
    ] {
        let p = plan(&recipe, &Naming::hf_gpt2(), &dims(), &gpt2_names());
        let row = p.get("h.1.attn.c_attn.weight").unwrap();
        let whole = ((2.0 * qk * qk + v * v) / 3.0).sqrt();
        assert!(
            close(row.std.unwrap(), whole),
            "{}: {:?}",
            recipe.name(),
            row.std
        );
        let mut w = Array2::<f32>::zeros((D, 3 * D));
        row.init
            .clone()
            .unwrap()
            .fill_seeded(&mut w, 5, "h.1.attn.c_attn.weight")
            .unwrap();
        // block b is columns b·d .. (b+1)·d (the output axis of (in, out))
        for (b, want) in [(0, qk), (1, qk), (2, v)] {
            let block = w.slice(ndarray::s![.., b * D..(b + 1) * D]);
            let n = block.len() as f64;
            let std = (block.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / n).sqrt();
            // the sample std's sd is about σ·√((κ − 1)/4n), κ ≤ 3: 6 of those
            let tol = 6.0 * want * (0.5 / n).sqrt();
            assert!(
                (std - want).abs() < tol,
                "{} block {b}: std {std}, want {want} ± {tol}",
                recipe.name()
            );
        }
    }
    let p = plan(&Recipe::zero(), &Naming::hf_gpt2(), &dims(), &gpt2_names());
    let mut w = Array2::<f32>::zeros((D, 3 * D));
    p.get("h.0.attn.c_attn.weight")
        .unwrap()
        .init
        .clone()
        .unwrap()
        .fill_seeded(&mut w, 5, "h.0.attn.c_attn.weight")
        .unwrap();
    for ((i, j), &x) in w.indexed_iter() {
        assert_eq!(x, if i == j % D { 1.0 } else { 0.0 }, "({i}, {j})");
    }
}
