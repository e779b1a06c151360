//! Behaviour of `#[derive(Initialize)]`: every attribute form does what it says, checked on the
//! values that come out (measured std against `resolve`, fans taken from siblings, layout and
//! scale applied, nested paths, containers, generics, tuple structs, skipped fields untouched).

mod common;

use common::{assert_ks, mean_std, rng};
use ndarray::{Array1, Array2, Array4, ArrayD};
use weight_init::{Init, Initialize, ParamPath, Parameter, Visit, report};

const STD: f64 = 0.05;
const N_LAYERS: usize = 12;

/// Every parameter's (path, values, init), read through the public walk.
#[derive(Default)]
struct Collect(Vec<(String, Vec<usize>, Vec<f64>, Init)>);

impl Visit for Collect {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), weight_init::InitError> {
        let v = target
            .values()?
            .into_iter()
            .map(weight_init::Float::to_f64)
            .collect();
        self.0
            .push((path.to_string(), target.dims(), v, init.clone()));
        Ok(())
    }
}

fn collect<M: Initialize>(m: &M) -> Vec<(String, Vec<usize>, Vec<f64>, Init)> {
    let mut c = Collect::default();
    m.walk(&mut ParamPath::new(), &mut c).unwrap();
    c.0
}

#[derive(Initialize)]
struct Forms {
    #[init(he_normal)]
    a: Array2<f64>,
    #[init(kaiming_uniform(gain = leaky_relu(0.2), mode = fan_out))]
    b: Array2<f64>,
    #[init(glorot_uniform(gain = tanh))]
    c: Array2<f64>,
    #[init(normal(std = 0.02))]
    d: Array2<f64>,
    #[init(normal(mean = 1.0, std = STD))]
    e: Array2<f64>,
    #[init(uniform(-0.1, 0.1))]
    f: Array2<f64>,
    #[init(uniform(0.05))]
    g: Array2<f64>,
    #[init(constant(0.1))]
    h: Array1<f64>,
    #[init(truncated_normal(std = 0.02, low = -0.04, high = 0.04))]
    i: Array2<f64>,
    #[init(truncated_normal(std = 0.02, sigmas = 3))]
    j: Array2<f64>,
    #[init(he_normal(truncated))]
    k: Array2<f64>,
    #[init(variance_scaling(scale = 2.0, mode = fan_avg, distribution = truncated_normal))]
    l: Array2<f64>,
    #[init(orthogonal(gain = relu))]
    m: Array2<f64>,
    #[init(eye)]
    n: Array2<f64>,
    #[init(dirac(groups = 2))]
    o: Array4<f64>,
    #[init(delta_orthogonal)]
    p: Array4<f64>,
    #[init(sparse(sparsity = 0.9, std = 0.01))]
    q: Array2<f64>,
    #[init(torch_default, fans_of = c)]
    r: Array1<f64>,
    #[init(he_normal, layout = in_out)]
    s: Array4<f64>,
    #[init(he_normal, fan_in = 3 * 3 * 64)]
    t: Array1<f64>,
    #[init(normal(std = 0.02), scale = 1.0 / (2.0 * N_LAYERS as f64).sqrt())]
    u: Array2<f64>,
    #[init(skip)]
    steps: u64,
}

impl Forms {
    fn new() -> Self {
        let m = |r, c| Array2::zeros((r, c));
        Forms {
            a: m(200, 300),
            b: m(200, 300),
            c: m(200, 300),
            d: m(200, 300),
            e: m(200, 300),
            f: m(200, 300),
            g: m(200, 300),
            h: Array1::zeros(50),
            i: m(200, 300),
            j: m(200, 300),
            k: m(200, 300),
            l: m(200, 300),
            m: m(64, 128),
            n: m(5, 7),
            o: Array4::zeros((8, 4, 3, 3)),
            p: Array4::zeros((16, 8, 3, 3)),
            q: m(100, 200),
            r: Array1::zeros(200),
            s: Array4::zeros((3, 3, 64, 128)),
            t: Array1::zeros(10_000),
            u: m(200, 300),
            steps: 7,
        }
    }
}

/// The Init each field must carry, written with the runtime API.
fn expected() -> Vec<(&'static str, Init)> {
    use weight_init::{Distribution, FanMode, Gain, Layout};
    vec![
        ("a", Init::he_normal()),
        (
            "b",
            Init::he_uniform()
                .gain(Gain::LeakyRelu(0.2))
                .mode(FanMode::FanOut),
        ),
        ("c", Init::glorot_uniform().gain(Gain::Tanh)),
        ("d", Init::normal(0.0, 0.02)),
        ("e", Init::normal(1.0, STD)),
        ("f", Init::uniform(-0.1, 0.1)),
        ("g", Init::uniform(-0.05, 0.05)),
        ("h", Init::constant(0.1)),
        ("i", Init::truncated_normal(0.0, 0.02, -0.04, 0.04)),
        ("j", Init::truncated_normal_sigmas(0.0, 0.02, 3.0)),
        ("k", Init::he_normal().truncated()),
        (
            "l",
            Init::variance_scaling(2.0, FanMode::FanIn, Distribution::TruncatedNormal)
                .mode(FanMode::FanAvg),
        ),
        ("m", Init::orthogonal().gain(Gain::Relu)),
        ("n", Init::eye()),
        ("o", Init::dirac(2)),
        ("p", Init::delta_orthogonal()),
        ("q", Init::sparse(0.9, 0.01)),
        ("r", Init::torch_default().fans(300, 200)),
        ("s", Init::he_normal().layout(Layout::InOut)),
        ("t", Init::he_normal().fan_in(576)),
        (
            "u",
            Init::normal(0.0, 0.02).scale(1.0 / (2.0 * N_LAYERS as f64).sqrt()),
        ),
    ]
}

#[test]
fn every_form_builds_the_scheme_it_names() {
    let mut model = Forms::new();
    model.initialize(&mut rng(1)).unwrap();
    let params = collect(&model);
    let want = expected();
    assert_eq!(params.len(), want.len());
    for ((path, _, _, init), (name, want)) in params.iter().zip(&want) {
        assert_eq!(path, name);
        assert_eq!(init, want, "{name}");
    }
    assert_eq!(model.steps, 7, "skip leaves the field alone");
}

#[test]
fn values_follow_the_scheme() {
    let mut model = Forms::new();
    model.initialize(&mut rng(2)).unwrap();
    for (path, shape, values, init) in collect(&model) {
        let r = init.resolve(&shape).unwrap();
        if let Some(d) = r.distribution {
            if r.std > 0.0 {
                assert_ks(values.clone(), |x| d.cdf(x), &path);
            } else {
                assert!(values.iter().all(|&v| v == d.mean()), "{path}");
            }
        } else {
            // structured schemes: the std of the values is the one resolve promises
            let (_, s) = mean_std(&values);
            assert!(
                (s / r.std - 1.0).abs() < 0.05,
                "{path}: std {s} vs {}",
                r.std
            );
        }
    }
    // the layout and the explicit fans decided the std
    let std_of = |v: &Array4<f64>| mean_std(&v.iter().copied().collect::<Vec<_>>()).1;
    assert!((std_of(&model.s) / (2.0f64 / (64.0 * 9.0)).sqrt() - 1.0).abs() < 0.01);
    let t: Vec<f64> = model.t.to_vec();
    assert!((mean_std(&t).1 / (2.0f64 / 576.0).sqrt() - 1.0).abs() < 0.03);
}

#[test]
fn fans_of_takes_the_siblings_fans() {
    let mut model = Forms::new();
    model.initialize(&mut rng(3)).unwrap();
    // c is (200, 300): fan_in 300, so r ~ U(±1/√300)
    let bound = 1.0 / 300f64.sqrt();
    assert!(model.r.iter().all(|x| x.abs() <= bound));
    assert!(model.r.iter().any(|x| x.abs() > 0.9 * bound));
}

#[test]
fn same_seed_same_model() {
    let mut a = Forms::new();
    let mut b = Forms::new();
    a.initialize(&mut rng(4)).unwrap();
    b.initialize(&mut rng(4)).unwrap();
    assert_eq!(a.a, b.a);
    assert_eq!(a.q, b.q);
    // and equal to filling the fields by hand in declaration order
    let mut r = rng(4);
    let mut a2 = Array2::<f64>::zeros((200, 300));
    Init::he_normal().fill(&mut a2, &mut r).unwrap();
    assert_eq!(a.a, a2);
    let mut b2 = Array2::<f64>::zeros((200, 300));
    expected()[1].1.fill(&mut b2, &mut r).unwrap();
    assert_eq!(a.b, b2);
}

// nested models, containers and paths

#[derive(Initialize)]
struct Attn {
    #[init(glorot_uniform)]
    w_q: Array2<f32>,
    #[init(zeros)]
    b_q: Array1<f32>,
}

#[derive(Initialize)]
struct Block {
    attn: Attn,
    #[init(ones)]
    ln: Array1<f32>,
}

#[derive(Initialize)]
struct Net {
    blocks: Vec<Block>,
    head: Option<Box<Attn>>,
    pair: [Attn; 2],
    missing: Option<Attn>,
}

fn attn() -> Attn {
    Attn {
        w_q: Array2::zeros((4, 4)),
        b_q: Array1::from_elem(4, 9.0),
    }
}

#[test]
fn nested_paths() {
    let mut net = Net {
        blocks: (0..3)
            .map(|_| Block {
                attn: attn(),
                ln: Array1::zeros(4),
            })
            .collect(),
        head: Some(Box::new(attn())),
        pair: [attn(), attn()],
        missing: None,
    };
    net.initialize(&mut rng(0)).unwrap();
    let paths: Vec<String> = collect(&net).into_iter().map(|p| p.0).collect();
    assert_eq!(
        paths,
        [
            "blocks[0].attn.w_q",
            "blocks[0].attn.b_q",
            "blocks[0].ln",
            "blocks[1].attn.w_q",
            "blocks[1].attn.b_q",
            "blocks[1].ln",
            "blocks[2].attn.w_q",
            "blocks[2].attn.b_q",
            "blocks[2].ln",
            "head.w_q",
            "head.b_q",
            "pair[0].w_q",
            "pair[0].b_q",
            "pair[1].w_q",
            "pair[1].b_q",
        ]
    );
    assert!(net.blocks[2].ln.iter().all(|&x| x == 1.0));
    assert!(net.pair[1].b_q.iter().all(|&x| x == 0.0));
    assert!(net.head.as_ref().unwrap().w_q.iter().all(|&x| x != 0.0));
}

#[test]
fn errors_name_the_path() {
    #[derive(Initialize)]
    struct Bad {
        #[init(he_normal)]
        w: ArrayD<f32>,
    }
    #[derive(Initialize)]
    struct Outer {
        layers: Vec<Bad>,
    }
    let mut m = Outer {
        layers: vec![
            Bad {
                w: ArrayD::zeros(ndarray::IxDyn(&[3, 3])),
            },
            Bad {
                w: ArrayD::zeros(ndarray::IxDyn(&[3])),
            },
        ],
    };
    let e = m.initialize(&mut rng(0)).unwrap_err();
    assert_eq!(e.path(), Some("layers[1].w"));
    assert!(
        e.to_string()
            .starts_with("layers[1].w: he_normal: needs a parameter of rank at least 2"),
        "{e}"
    );
}

// generics, const generics, tuple structs, container layout

#[derive(Initialize)]
struct Linear<const I: usize, const O: usize> {
    #[init(he_normal)]
    w: [[f32; I]; O],
    #[init(zeros)]
    b: [f32; O],
}

#[derive(Initialize)]
struct Generic<T, M> {
    #[init(normal(std = 1.0))]
    w: T,
    inner: M,
}

#[derive(Initialize)]
struct Tuple(
    #[init(glorot_normal)] Array2<f64>,
    #[init(torch_default, fans_of = 0)] Array1<f64>,
);

#[derive(Initialize)]
#[init(layout = in_out)]
struct Keras {
    #[init(he_uniform)]
    kernel: Array4<f32>,
    #[init(he_uniform, layout = out_in)]
    torch: Array4<f32>,
}

#[test]
fn const_generic_layers_take_fans_from_the_type() {
    let mut l = Linear::<784, 256> {
        w: [[0.0; 784]; 256],
        b: [1.0; 256],
    };
    l.initialize(&mut rng(5)).unwrap();
    let v: Vec<f64> = l.w.iter().flatten().map(|&x| f64::from(x)).collect();
    let (_, s) = mean_std(&v);
    assert!((s / (2.0f64 / 784.0).sqrt() - 1.0).abs() < 0.02, "std {s}");
    assert!(l.b.iter().all(|&x| x == 0.0));
}

#[test]
fn generic_and_tuple_structs() {
    let mut g = Generic {
        w: vec![0.0f64; 100],
        inner: Linear::<3, 2> {
            w: [[0.0; 3]; 2],
            b: [1.0; 2],
        },
    };
    g.initialize(&mut rng(6)).unwrap();
    assert!(g.w.iter().all(|&x| x != 0.0));
    let paths: Vec<String> = collect(&g).into_iter().map(|p| p.0).collect();
    assert_eq!(paths, ["w", "inner.w", "inner.b"]);

    let mut t = Tuple(Array2::zeros((20, 30)), Array1::zeros(20));
    t.initialize(&mut rng(7)).unwrap();
    let paths: Vec<String> = collect(&t).into_iter().map(|p| p.0).collect();
    assert_eq!(paths, ["0", "1"]);
    let bound = 1.0 / 30f64.sqrt();
    assert!(t.1.iter().all(|x| x.abs() <= bound));
}

#[test]
fn container_layout_is_the_default() {
    let k = collect(&Keras {
        kernel: Array4::zeros((3, 3, 16, 32)),
        torch: Array4::zeros((32, 16, 3, 3)),
    });
    let fans: Vec<_> = k
        .iter()
        .map(|(_, shape, _, init)| init.resolve(shape).unwrap().fans.unwrap())
        .collect();
    assert_eq!((fans[0].fan_in, fans[0].fan_out), (144, 288));
    assert_eq!((fans[1].fan_in, fans[1].fan_out), (144, 288));
}

#[test]
fn report_lists_every_parameter() {
    let mut l = Linear::<64, 32> {
        w: [[0.0; 64]; 32],
        b: [1.0; 32],
    };
    l.initialize(&mut rng(8)).unwrap();
    let r = report(&l).unwrap();
    assert_eq!(r.rows.len(), 2);
    assert_eq!(r.rows[0].path, "w");
    assert_eq!(r.rows[0].shape, [32, 64]);
    assert_eq!((r.rows[0].fan_in, r.rows[0].fan_out), (Some(64), Some(32)));
    assert!((r.rows[0].target_std - (2.0f64 / 64.0).sqrt()).abs() < 1e-15);
    assert!((r.rows[0].measured_std / r.rows[0].target_std - 1.0).abs() < 0.1);
    assert_eq!(r.rows[1].measured_std, 0.0);
    let table = r.to_string();
    assert!(table.lines().next().unwrap().starts_with("parameter"));
    assert!(table.contains("he_normal"));
}

// `#[init(crate = ...)]`: generated code names the runtime through the given path

mod reexport {
    pub use weight_init as wi;
}

#[derive(Initialize)]
#[init(crate = crate::reexport::wi)]
struct ThroughReexport {
    #[init(ones)]
    w: Array1<f32>,
}

#[test]
fn crate_path_override() {
    let mut m = ThroughReexport {
        w: Array1::zeros(3),
    };
    m.initialize(&mut rng(0)).unwrap();
    assert_eq!(m.w.to_vec(), [1.0; 3]);
}
