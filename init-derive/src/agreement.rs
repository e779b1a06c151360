//! The derive accepts exactly what the runtime accepts. Over the whole scheme table (every
//! form, every distribution) × every modifier, and literal probes of every numeric argument
//! and modifier (alone and in pairs), the derive's verdict (a `compile_error` or not) must be
//! the runtime's: `Init::resolve` of the equivalent value, built through init-core's public
//! API, on a shape of the scheme's rank.

use init_core::{Distribution, FanMode, Gain, Init, Layout};

use crate::vocab::{
    CtorArg, DISTRIBUTIONS, DistributionDef, Form, GAINS, GainDef, GainExpr, IfOmitted, Kind,
    LAYOUTS, LayoutDef, MODES, MODIFIERS, ModeDef, Modifier, Needs, P, SCHEMES, SchemeDef, When,
};

/// Literal probes of a float argument, and of a count.
const FLOATS: [f64; 4] = [-1.0, 0.0, 0.5, 2.0];
const COUNTS: [f64; 4] = [-1.0, 0.0, 1.0, 2.0];

/// An argument as the attribute gives it.
#[derive(Clone, Copy)]
enum Lit {
    Num(f64),
    Dist(&'static DistributionDef),
}

impl Lit {
    fn text(self) -> String {
        match self {
            Lit::Num(v) => format!("{v}"),
            Lit::Dist(d) => d.name.to_string(),
        }
    }
}

/// A count the runtime's `usize` can hold; `None` for what rustc would refuse.
fn count(v: f64) -> Option<usize> {
    (v >= 0.0 && v.fract() == 0.0).then_some(v as usize)
}

fn distribution(d: &DistributionDef) -> Distribution {
    let out = match d.variant {
        "Uniform" => Distribution::Uniform,
        "Normal" => Distribution::Normal,
        "TruncatedNormal" => Distribution::TruncatedNormal,
        other => panic!(
            "distribution `{}`: `{other}` has no runtime mapping",
            d.name
        ),
    };
    assert_eq!(
        out.name(),
        d.name,
        "the distribution's word is the runtime's"
    );
    out
}

fn mode(m: &ModeDef) -> FanMode {
    let out = match m.variant {
        "FanIn" => FanMode::FanIn,
        "FanOut" => FanMode::FanOut,
        "FanAvg" => FanMode::FanAvg,
        "FanGeoAvg" => FanMode::FanGeoAvg,
        other => panic!("mode `{}`: `{other}` has no runtime mapping", m.name),
    };
    assert_eq!(out.name(), m.name, "the mode's word is the runtime's");
    out
}

fn layout(l: &LayoutDef) -> Layout {
    match l.variant {
        "OutIn" => Layout::OutIn,
        "InOut" => Layout::InOut,
        other => panic!("layout `{}`: `{other}` has no runtime mapping", l.name),
    }
}

fn gain(g: &GainDef, slope: Option<f64>) -> Gain {
    match (slope, g.slope, g.bare) {
        (Some(s), Some("LeakyRelu"), _) => Gain::LeakyRelu(s),
        (None, _, GainExpr::Variant("Linear")) => Gain::Linear,
        (None, _, GainExpr::Variant("Sigmoid")) => Gain::Sigmoid,
        (None, _, GainExpr::Variant("Tanh")) => Gain::Tanh,
        (None, _, GainExpr::Variant("Relu")) => Gain::Relu,
        (None, _, GainExpr::Variant("Selu")) => Gain::Selu,
        (None, _, GainExpr::Variant("LecunTanh")) => Gain::LecunTanh,
        (None, _, GainExpr::Call("leaky_relu_default")) => Gain::leaky_relu_default(),
        _ => panic!("gain `{}` has no runtime mapping", g.name),
    }
}

/// The runtime value of a form of `def` given `args` (an argument left out means what the
/// table says): the one mapping from the table to init-core's constructors. `None` when a
/// count is negative or fractional, which the runtime's `usize` cannot hold.
fn runtime(def: &SchemeDef, form: &Form, args: &[(P, Lit)]) -> Option<Init> {
    let value = |p: P| {
        if let Some((_, v)) = args.iter().find(|a| a.0 == p) {
            return *v;
        }
        match def.param(p).map(|p| p.omitted) {
            Some(IfOmitted::Float(v)) => Lit::Num(v),
            Some(IfOmitted::Count(n)) => Lit::Num(n as f64),
            Some(IfOmitted::Distribution(d)) => Lit::Dist(d),
            _ => panic!("{}: `{}` omitted", def.name, p.name()),
        }
    };
    let f = |p: P| match value(p) {
        Lit::Num(v) => v,
        Lit::Dist(_) => panic!("{}: `{}` is a number", def.name, p.name()),
    };
    let d = |p: P| match value(p) {
        Lit::Dist(d) => distribution(d),
        Lit::Num(_) => panic!("{}: `{}` is a distribution", def.name, p.name()),
    };
    // `variance_scaling`'s own mode is a fixed argument of its constructor
    let fixed_mode = form.args.iter().find_map(|a| match a {
        CtorArg::Mode(m) => Some(mode(m)),
        CtorArg::Param(_) => None,
    });
    Some(match form.ctor {
        "zeros" => Init::zeros(),
        "ones" => Init::ones(),
        "constant" => Init::constant(f(P::Value)),
        "uniform" => Init::uniform(f(P::Low), f(P::High)),
        "uniform_symmetric" => Init::uniform_symmetric(f(P::Low)),
        "normal" => Init::normal(f(P::Mean), f(P::Std)),
        "truncated_normal" => Init::truncated_normal(f(P::Mean), f(P::Std), f(P::Low), f(P::High)),
        "truncated_normal_sigmas" => {
            Init::truncated_normal_sigmas(f(P::Mean), f(P::Std), f(P::Sigmas))
        }
        "glorot_uniform" => Init::glorot_uniform(),
        "glorot_normal" => Init::glorot_normal(),
        "he_uniform" => Init::he_uniform(),
        "he_normal" => Init::he_normal(),
        "lecun_uniform" => Init::lecun_uniform(),
        "lecun_normal" => Init::lecun_normal(),
        "variance_scaling" => Init::variance_scaling(
            f(P::Scale),
            fixed_mode.expect("variance_scaling's mode"),
            d(P::Distribution),
        ),
        "torch_default" => Init::torch_default(),
        "orthogonal" => Init::orthogonal(),
        "eye" => Init::eye(),
        "dirac" => Init::dirac(count(f(P::Groups))?),
        "delta_orthogonal" => Init::delta_orthogonal(),
        "sparse" => Init::sparse(f(P::Sparsity), f(P::Std)),
        other => panic!(
            "`{}`: the constructor `{other}` has no runtime mapping in this test",
            def.name
        ),
    })
}

/// A modifier as the attribute writes it, and what it does to the runtime value (`None`: a
/// value the runtime's type cannot hold).
struct ModCase {
    modifier: Modifier,
    text: String,
    apply: Box<dyn Fn(Init) -> Option<Init>>,
}

fn case(
    modifier: Modifier,
    text: String,
    apply: impl Fn(Init) -> Option<Init> + 'static,
) -> ModCase {
    ModCase {
        modifier,
        text,
        apply: Box::new(apply),
    }
}

/// Every modifier with each of its named values, and (`probes`) the literal probes of those
/// that take a number.
fn modifier_cases(probes: bool) -> Vec<ModCase> {
    let mut out = Vec::new();
    for def in MODIFIERS {
        let m = def.modifier;
        let name = def.name;
        match m {
            Modifier::Gain if probes => {
                for v in FLOATS {
                    out.push(case(m, format!("{name} = {v}"), move |i| Some(i.gain(v))));
                    for g in GAINS.iter().filter(|g| g.slope.is_some()) {
                        let text = format!("{name} = {}({v})", g.name);
                        out.push(case(m, text, move |i| Some(i.gain(gain(g, Some(v))))));
                    }
                }
            }
            Modifier::Gain => {
                out.push(case(m, format!("{name} = 1.5"), |i| Some(i.gain(1.5))));
                for g in GAINS {
                    let text = format!("{name} = {}", g.name);
                    out.push(case(m, text, move |i| Some(i.gain(gain(g, None)))));
                    if g.slope.is_some() {
                        let text = format!("{name} = {}(0.2)", g.name);
                        out.push(case(m, text, move |i| Some(i.gain(gain(g, Some(0.2))))));
                    }
                }
            }
            Modifier::Scale if probes => {
                for v in FLOATS {
                    out.push(case(m, format!("{name} = {v}"), move |i| Some(i.scale(v))));
                }
            }
            Modifier::Scale => out.push(case(m, format!("{name} = 0.5"), |i| Some(i.scale(0.5)))),
            Modifier::Blocks => {
                let values: &[f64] = if probes { &COUNTS } else { &[2.0] };
                for &v in values {
                    let text = format!("{name} = {v}");
                    out.push(case(m, text, move |i| Some(i.blocks(count(v)?))));
                }
            }
            Modifier::FanIn | Modifier::FanOut => {
                let set = move |i: Init, n: usize| match m {
                    Modifier::FanIn => i.fan_in(n),
                    _ => i.fan_out(n),
                };
                let values: &[f64] = if probes { &COUNTS } else { &[3.0] };
                for &v in values {
                    let text = format!("{name} = {v}");
                    out.push(case(m, text, move |i| Some(set(i, count(v)?))));
                }
            }
            _ if probes => {}
            Modifier::Mode => {
                for md in MODES {
                    let text = format!("{name} = {}", md.name);
                    out.push(case(m, text, move |i| Some(i.mode(mode(md)))));
                }
            }
            Modifier::Truncated => out.push(case(m, name.to_string(), |i| Some(i.truncated()))),
            Modifier::Layout => {
                for l in LAYOUTS {
                    let text = format!("{name} = {}", l.name);
                    out.push(case(m, text, move |i| Some(i.layout(layout(l)))));
                }
            }
            // the sibling `v` is an [8, 4] `he_normal` weight: fan_in 4, fan_out 8
            Modifier::FansOf => out.push(case(m, format!("{name} = v"), |i| Some(i.fans(4, 8)))),
        }
    }
    out
}

/// A valid value of each argument, to hold the others while one is probed.
fn base(form: &Form, p: P) -> Lit {
    Lit::Num(match p {
        // U(-a, a)
        P::Low if form.when == When::Only(P::Low) => 0.1,
        P::Low => -0.1,
        P::High | P::Value => 0.1,
        P::Mean => 0.0,
        P::Std => 0.02,
        P::Sigmas | P::Scale | P::Groups => 2.0,
        P::Sparsity => 0.5,
        P::Distribution => return Lit::Dist(&DISTRIBUTIONS[0]),
    })
}

/// The arguments a form requires, at valid values.
fn required(form: &Form) -> Vec<(P, Lit)> {
    let mut ps: Vec<P> = form
        .requires
        .iter()
        .flat_map(|r| r.params.iter().copied())
        .collect();
    if let When::Given(p) | When::Only(p) = form.when {
        ps.push(p);
    }
    ps.dedup();
    ps.into_iter().map(|p| (p, base(form, p))).collect()
}

fn with(args: &[(P, Lit)], p: P, v: Lit) -> Vec<(P, Lit)> {
    let mut out: Vec<(P, Lit)> = args.iter().copied().filter(|a| a.0 != p).collect();
    out.push((p, v));
    out
}

fn attribute(def: &SchemeDef, args: &[(P, Lit)], modifier: Option<&str>) -> String {
    let mut out = def.name.to_string();
    if !args.is_empty() {
        let args: Vec<String> = args
            .iter()
            .map(|(p, v)| format!("{} = {}", p.name(), v.text()))
            .collect();
        out = format!("{out}({})", args.join(", "));
    }
    if let Some(m) = modifier {
        out = format!("{out}, {m}");
    }
    out
}

/// Runs the derive on a struct whose field `w` carries the attribute (beside a sibling weight
/// `v` for `fans_of`): its output and whether it has no error.
fn derive(attr: &str) -> (String, bool) {
    let src = format!("struct S {{ #[init({attr})] w: W, #[init(he_normal)] v: V }}");
    let input: syn::DeriveInput = syn::parse_str(&src).expect("a struct");
    let out = crate::derive(&input).to_string();
    let ok = !out.contains("compile_error");
    (out, ok)
}

#[derive(Default)]
struct Tally {
    scheme_modifier: usize,
    literal: usize,
    disagreements: Vec<String>,
}

impl Tally {
    /// Compares the derive's verdict on `attr` with the runtime's on `init`.
    fn check(&mut self, def: &SchemeDef, form: &Form, attr: &str, init: Option<Init>) {
        let shape: &[usize] = match def.needs {
            // 8 output channels: 2 blocks of a delta-orthogonal kernel keep in <= out
            Needs::Conv => &[8, 4, 4, 4],
            Needs::Nothing | Needs::Fans | Needs::Matrix => &[8, 4],
        };
        let runtime = init.as_ref().map(|i| i.resolve(shape));
        let (out, derive_ok) = derive(attr);
        let runtime_ok = matches!(runtime, Some(Ok(_)));
        if derive_ok != runtime_ok {
            self.disagreements.push(format!(
                "#[init({attr})]: the derive {}, the runtime {} ({:?})",
                if derive_ok { "accepts" } else { "refuses" },
                if runtime_ok { "accepts" } else { "refuses" },
                runtime.map(|r| r.map(|_| ()).map_err(|e| e.to_string()))
            ));
        }
        let ctor = format!("Init :: {} (", form.ctor);
        if derive_ok && !out.contains(&ctor) {
            self.disagreements.push(format!(
                "#[init({attr})]: the derive does not emit `{ctor}`: {out}"
            ));
        }
    }
}

#[test]
fn the_derive_accepts_exactly_what_the_runtime_accepts() {
    let mut t = Tally::default();
    let modifiers = modifier_cases(false);
    let probes = modifier_cases(true);
    for def in SCHEMES {
        for form in def.forms {
            let args = required(form);
            let init = runtime(def, form, &args).expect("a valid base");
            assert_eq!(
                init.name(),
                def.canonical,
                "`{}` is the runtime's `{}`",
                def.name,
                def.canonical
            );
            // the base, and one with each distribution the form takes
            let mut variants = vec![args.clone()];
            for p in def.params.iter().filter(|p| p.kind == Kind::Distribution) {
                for dist in DISTRIBUTIONS {
                    variants.push(with(&args, p.id, Lit::Dist(dist)));
                }
            }
            for args in &variants {
                let init = runtime(def, form, args);
                let attr = attribute(def, args, None);
                t.check(def, form, &attr, init.clone());
                for m in &modifiers {
                    let attr = attribute(def, args, Some(&m.text));
                    let init = init.clone().and_then(&m.apply);
                    t.check(def, form, &attr, init);
                    t.scheme_modifier += 1;
                }
            }
            // literal probes: each number the form takes, alone and in pairs, and each
            // numeric modifier
            let numbers: Vec<(P, &[f64; 4])> = form
                .args
                .iter()
                .filter_map(|a| match a {
                    CtorArg::Param(p) => Some(*p),
                    CtorArg::Mode(_) => None,
                })
                .filter_map(|p| match def.param(p)?.kind {
                    Kind::Float(_) => Some((p, &FLOATS)),
                    Kind::Count(_) => Some((p, &COUNTS)),
                    Kind::Distribution => None,
                })
                .collect();
            let mut probed: Vec<Vec<(P, Lit)>> = Vec::new();
            for (i, (p, values)) in numbers.iter().enumerate() {
                for v in values.iter() {
                    let one = with(&args, *p, Lit::Num(*v));
                    for (q, others) in &numbers[i + 1..] {
                        for w in others.iter() {
                            probed.push(with(&one, *q, Lit::Num(*w)));
                        }
                    }
                    probed.push(one);
                }
            }
            for args in &probed {
                let attr = attribute(def, args, None);
                t.check(def, form, &attr, runtime(def, form, args));
                t.literal += 1;
            }
            for m in &probes {
                let attr = attribute(def, &args, Some(&m.text));
                let init = runtime(def, form, &args).and_then(&m.apply);
                t.check(def, form, &attr, init);
                t.literal += 1;
            }
        }
    }
    // every modifier of the table is probed
    for def in MODIFIERS {
        assert!(
            modifiers.iter().any(|m| m.modifier == def.modifier),
            "`{}` has no case",
            def.name
        );
    }
    eprintln!(
        "{} schemes ({} forms): {} scheme × modifier cases, {} literal cases",
        SCHEMES.len(),
        SCHEMES.iter().map(|s| s.forms.len()).sum::<usize>(),
        t.scheme_modifier,
        t.literal
    );
    assert!(
        t.disagreements.is_empty(),
        "{} disagreements:\n{}",
        t.disagreements.len(),
        t.disagreements.join("\n")
    );
}

#[test]
fn every_named_value_is_the_runtimes() {
    for d in DISTRIBUTIONS {
        distribution(d);
    }
    for m in MODES {
        mode(m);
    }
    for l in LAYOUTS {
        layout(l);
    }
    for g in GAINS {
        gain(g, None);
        if g.slope.is_some() {
            gain(g, Some(0.2));
        }
    }
}
