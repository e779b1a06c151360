//! candle tensors and `Var`s as parameters (feature `candle`): the values are bit-identical to
//! those of ndarray `f32` arrays of the same shape and path (keyed and rng-stream modes), in
//! logical row-major order whatever the tensor's layout; shapes, dtypes and devices are kept;
//! `Var` clones see the new values; integer dtypes and impossible shapes are errors, not panics.

mod common;

use common::{assert_ks, rng};
use ndarray::ArrayD;
use weight_init::candle_core::{DType, Device, Tensor, Var};
use weight_init::{
    Construct, ErrorKind, HostMut, Init, InitError, Initialize, Parameter, Target, report,
};

const SEED: u64 = 0x00C0_FFEE;

fn f32s(t: &Tensor) -> Vec<f32> {
    t.to_dtype(DType::F32)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()
}

fn zeros(shape: &[usize], dtype: DType) -> Tensor {
    Tensor::zeros(shape, dtype, &Device::Cpu).unwrap()
}

fn nd(shape: &[usize]) -> ArrayD<f32> {
    ArrayD::zeros(shape)
}

/// Fills a parameter through its host copy: keyed by `seed` and the path `"w"` when `Some`,
/// else from `rng(0)`. (`Init::fill` takes in-memory targets; a tensor is reached through
/// `Parameter::update`.)
struct Fill<'a>(&'a Init, Option<u64>);

impl HostMut<f32> for Fill<'_> {
    type Output = Result<(), InitError>;
    const READS: bool = false;
    fn call<T: Target<Elem = f32> + ?Sized>(self, target: &mut T) -> Self::Output {
        match self.1 {
            Some(seed) => self.0.fill_seeded(target, seed, "w"),
            None => self.0.fill(target, &mut rng(0)),
        }
    }
}

fn fill<P: Parameter<Elem = f32>>(
    p: &mut P,
    init: &Init,
    seed: Option<u64>,
) -> Result<(), InitError> {
    p.update(Fill(init, seed))?
}

/// A model of candle parameters (several dtypes, a `Var`, a transposed non-contiguous view)…
#[derive(Initialize)]
struct CandleNet {
    #[init(he_normal)]
    w1: Tensor,
    #[init(zeros)]
    b1: Tensor,
    #[init(glorot_uniform)]
    w2: Var,
    #[init(torch_default, fans_of = w2)]
    b2: Var,
    #[init(normal(std = 0.02))]
    emb_f16: Tensor,
    #[init(uniform(-0.1, 0.1))]
    head_f64: Tensor,
    #[init(truncated_normal(std = 0.02, sigmas = 2))]
    transposed: Tensor,
    #[init(orthogonal)]
    q: Tensor,
    #[init(dirac)]
    conv: Tensor,
    #[init(eye)]
    id: Var,
}

/// …and the same model of ndarray `f32` arrays.
#[derive(Initialize)]
struct NdNet {
    #[init(he_normal)]
    w1: ArrayD<f32>,
    #[init(zeros)]
    b1: ArrayD<f32>,
    #[init(glorot_uniform)]
    w2: ArrayD<f32>,
    #[init(torch_default, fans_of = w2)]
    b2: ArrayD<f32>,
    #[init(normal(std = 0.02))]
    emb_f16: ArrayD<f32>,
    #[init(uniform(-0.1, 0.1))]
    head_f64: ArrayD<f32>,
    #[init(truncated_normal(std = 0.02, sigmas = 2))]
    transposed: ArrayD<f32>,
    #[init(orthogonal)]
    q: ArrayD<f32>,
    #[init(dirac)]
    conv: ArrayD<f32>,
    #[init(eye)]
    id: ArrayD<f32>,
}

fn candle_net() -> CandleNet {
    let cpu = Device::Cpu;
    CandleNet {
        w1: zeros(&[64, 48], DType::F32),
        b1: Tensor::ones(64, DType::F32, &cpu).unwrap(),
        w2: Var::zeros((10, 64), DType::F32, &cpu).unwrap(),
        b2: Var::zeros(10, DType::F32, &cpu).unwrap(),
        emb_f16: zeros(&[100, 16], DType::F16),
        head_f64: zeros(&[7, 9], DType::F64),
        // a (5, 3) view of (3, 5) storage: logical order differs from memory order
        transposed: zeros(&[3, 5], DType::F32).t().unwrap(),
        q: zeros(&[12, 20], DType::F32),
        conv: zeros(&[6, 3, 3, 3], DType::F32),
        id: Var::zeros((4, 6), DType::F32, &cpu).unwrap(),
    }
}

fn nd_net() -> NdNet {
    NdNet {
        w1: nd(&[64, 48]),
        b1: nd(&[64]),
        w2: nd(&[10, 64]),
        b2: nd(&[10]),
        emb_f16: nd(&[100, 16]),
        head_f64: nd(&[7, 9]),
        transposed: nd(&[5, 3]),
        q: nd(&[12, 20]),
        conv: nd(&[6, 3, 3, 3]),
        id: nd(&[4, 6]),
    }
}

/// Compares every field: shape, dtype and device kept, values equal to the ndarray ones (exactly
/// for f32 and f64, after candle's own rounding for f16).
fn assert_same(c: &CandleNet, n: &NdNet) {
    let exact: [(&str, &Tensor, &ArrayD<f32>); 8] = [
        ("w1", &c.w1, &n.w1),
        ("b1", &c.b1, &n.b1),
        ("w2", c.w2.as_tensor(), &n.w2),
        ("b2", c.b2.as_tensor(), &n.b2),
        ("transposed", &c.transposed, &n.transposed),
        ("q", &c.q, &n.q),
        ("conv", &c.conv, &n.conv),
        ("id", c.id.as_tensor(), &n.id),
    ];
    for (name, t, a) in exact {
        assert_eq!(t.dims(), a.shape(), "{name}: shape");
        assert_eq!(t.dtype(), DType::F32, "{name}: dtype");
        assert!(t.device().is_cpu(), "{name}: device");
        let got = f32s(t);
        let want: Vec<f32> = a.iter().copied().collect();
        assert!(
            got.iter()
                .zip(&want)
                .all(|(g, w)| g.to_bits() == w.to_bits()),
            "{name}: values differ from the ndarray f32 path"
        );
        assert_eq!(got.len(), want.len(), "{name}");
    }
    // F64 holds the f32 values widened exactly.
    assert_eq!(c.head_f64.dtype(), DType::F64);
    assert_eq!(c.head_f64.dims(), &[7, 9]);
    let got: Vec<f64> = c.head_f64.flatten_all().unwrap().to_vec1().unwrap();
    let want: Vec<f64> = n.head_f64.iter().map(|&x| f64::from(x)).collect();
    assert_eq!(got, want, "head_f64");
    // F16 holds the f32 values rounded once, to nearest.
    assert_eq!(c.emb_f16.dtype(), DType::F16);
    assert_eq!(c.emb_f16.dims(), &[100, 16]);
    let want: Vec<f32> = n.emb_f16.iter().copied().collect();
    let rounded = f32s(
        &Tensor::from_vec(want.clone(), (100, 16), &Device::Cpu)
            .unwrap()
            .to_dtype(DType::F16)
            .unwrap(),
    );
    let got = f32s(&c.emb_f16);
    assert_eq!(got, rounded, "emb_f16");
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g - w).abs() <= w.abs() * 2f32.powi(-11) + 6e-8,
            "{g} vs {w}"
        );
    }
    assert!(want.iter().any(|&w| w != 0.0));
}

#[test]
fn keyed_values_match_the_ndarray_f32_path() {
    let mut c = candle_net();
    let mut n = nd_net();
    c.init_seeded(SEED).unwrap();
    n.init_seeded(SEED).unwrap();
    assert_same(&c, &n);
    // the transposed view was replaced by a (5, 3) tensor in logical order
    assert_eq!(c.transposed.dims(), &[5, 3]);
    assert_eq!(
        c.transposed.to_vec2::<f32>().unwrap()[4][1],
        n.transposed[[4, 1]]
    );
}

#[test]
fn rng_stream_values_match_the_ndarray_f32_path() {
    let mut c = candle_net();
    let mut n = nd_net();
    c.initialize(&mut rng(11)).unwrap();
    n.initialize(&mut rng(11)).unwrap();
    assert_same(&c, &n);
}

#[test]
fn he_normal_weight_follows_its_law() {
    let mut w = zeros(&[256, 512], DType::F32);
    let init = Init::he_normal();
    fill(&mut w, &init, Some(5)).unwrap();
    let d = init.resolve(&[256, 512]).unwrap().distribution.unwrap();
    let values = f32s(&w).into_iter().map(f64::from).collect();
    assert_ks(values, |x| d.cdf(x), "candle he_normal");
    // and from an rng
    fill(&mut w, &init, None).unwrap();
    let values = f32s(&w).into_iter().map(f64::from).collect();
    assert_ks(values, |x| d.cdf(x), "candle he_normal (rng)");
}

#[test]
fn var_clones_see_the_new_values_tensor_clones_do_not() {
    let mut c = candle_net();
    let var_clone = c.w2.clone();
    let tensor_clone = c.w1.clone();
    c.init_seeded(SEED).unwrap();
    let after = f32s(c.w2.as_tensor());
    assert!(after.iter().any(|&x| x != 0.0));
    assert_eq!(
        f32s(var_clone.as_tensor()),
        after,
        "Var::set writes in place"
    );
    assert!(
        f32s(&tensor_clone).iter().all(|&x| x == 0.0),
        "a Tensor clone keeps the old storage"
    );
    assert_ne!(f32s(&c.w1), f32s(&tensor_clone));
}

#[test]
fn report_reads_candle_tensors() {
    let mut c = candle_net();
    c.init_seeded(SEED).unwrap();
    let r = report(&c).unwrap();
    assert_eq!(r.rows.len(), 10);
    let w1 = &r.rows[0];
    assert_eq!(
        (w1.path.as_str(), w1.shape.as_slice()),
        ("w1", &[64, 48][..])
    );
    assert!((w1.measured_std / w1.target_std - 1.0).abs() < 0.1);
    let f16 = &r.rows[4];
    assert!((f16.measured_std / 0.02 - 1.0).abs() < 0.1, "{f16:?}");
}

#[derive(Initialize)]
struct WithInts {
    #[init(he_normal)]
    w: Tensor,
    #[init(normal(std = 1.0))]
    counts: Tensor,
}

#[test]
fn integer_dtypes_are_errors_not_panics() {
    for dtype in [DType::U8, DType::U32, DType::I64] {
        let mut m = WithInts {
            w: zeros(&[4, 4], DType::F32),
            counts: zeros(&[3], dtype),
        };
        let err = m.init_seeded(1).unwrap_err();
        assert_eq!(err.path(), Some("counts"));
        match err.kind() {
            ErrorKind::Backend { message } => {
                assert!(message.contains("integer dtype"), "{message}");
                assert!(message.contains(dtype.as_str()), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let err = m.initialize(&mut rng(1)).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Backend { .. }));
        assert!(m.counts.values().is_err(), "reading an integer tensor");
        assert!(report(&m).is_err());
        assert_eq!(m.counts.dtype(), dtype, "left alone");
        let mut v = Var::zeros(3, dtype, &Device::Cpu).unwrap();
        let err = fill(&mut v, &Init::zeros(), None).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Backend { .. }));
    }
}

#[test]
fn scheme_errors_on_candle_tensors() {
    // the rank is checked at run time: eye on a rank-3 tensor
    let mut t = zeros(&[2, 3, 4], DType::F32);
    let err = fill(&mut t, &Init::eye(), Some(1)).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnsupportedRank { rank: 3, .. }),
        "{err}"
    );
}

#[test]
fn construct_builds_zero_f32_tensors_and_vars_of_any_rank() {
    let cpu = Device::Cpu;
    for shape in [&[][..], &[5], &[4, 3], &[2, 3, 3, 3]] {
        let t = <Tensor as Construct<Device>>::zeros(shape, &cpu).unwrap();
        assert_eq!(t.dims(), shape);
        assert_eq!(t.dtype(), DType::F32);
        assert!(f32s(&t).iter().all(|&x| x == 0.0));
        let v = <Var as Construct<Device>>::zeros(shape, &cpu).unwrap();
        assert_eq!(v.dims(), shape);
        assert_eq!(Parameter::dims(&v), shape);
    }
    let huge = [usize::MAX, 2];
    let err = <Tensor as Construct<Device>>::zeros(&huge, &cpu).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ShapeOverflow { .. }),
        "{err}"
    );
    let err = <Var as Construct<Device>>::zeros(&huge, &cpu).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ShapeOverflow { .. }),
        "{err}"
    );
}

#[test]
fn a_rank_0_tensor_is_one_value() {
    let mut t = zeros(&[], DType::F32);
    fill(&mut t, &Init::constant(0.5), None).unwrap();
    assert_eq!(t.dims(), &[] as &[usize]);
    assert_eq!(t.to_scalar::<f32>().unwrap(), 0.5);
}
