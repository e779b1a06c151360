//! Burn tensors and `Param`s as parameters (feature `burn-flex`): a derived model of Burn
//! tensors gets bit for bit the values the same model of ndarray arrays gets (keyed and from an
//! rng), on the tensor's own device, in its shape; he_normal follows its law; building checks the
//! rank; the `Param`'s id survives; on an autodiff device a tensor or `Param` that required
//! gradients still does, and gradients reach the new values; f64 tensors hold the f32 values widened; work that reads
//! (LSUV) sees and rescales the values on the device.

mod common;

use common::{assert_ks, rng};
use ndarray::{Array1, Array2};
use weight_init::burn_core::module::Param;
use weight_init::burn_tensor::{DType, Device, Tensor, TensorData, f16};
use weight_init::stats::normal_cdf;
use weight_init::{
    Construct, ErrorKind, HostMut, Initialize, LayerOutputs, Lsuv, Parameter, Target, report,
};

const SEED: u64 = 0x5eed_b0a4;

#[derive(Initialize)]
struct BurnNet {
    #[init(he_normal)]
    w1: Tensor<2>,
    #[init(normal(std = 0.1))]
    b1: Tensor<1>,
    #[init(glorot_uniform(gain = tanh))]
    w2: Param<Tensor<2>>,
    #[init(truncated_normal(std = 0.02, low = -0.04, high = 0.04))]
    b2: Param<Tensor<1>>,
    #[init(orthogonal)]
    w3: Tensor<2>,
}

#[derive(Initialize)]
struct HostNet {
    #[init(he_normal)]
    w1: Array2<f32>,
    #[init(normal(std = 0.1))]
    b1: Array1<f32>,
    #[init(glorot_uniform(gain = tanh))]
    w2: Array2<f32>,
    #[init(truncated_normal(std = 0.02, low = -0.04, high = 0.04))]
    b2: Array1<f32>,
    #[init(orthogonal)]
    w3: Array2<f32>,
}

fn device() -> Device {
    Device::flex()
}

fn burn_net(device: &Device) -> BurnNet {
    BurnNet {
        w1: Tensor::<2>::zeros([64, 48], device),
        b1: Tensor::<1>::zeros([64], device),
        w2: Param::from_tensor(Tensor::<2>::zeros([32, 64], device)),
        b2: Param::from_tensor(Tensor::<1>::zeros([32], device)),
        w3: Tensor::<2>::zeros([16, 32], device),
    }
}

fn host_net() -> HostNet {
    HostNet {
        w1: Array2::zeros((64, 48)),
        b1: Array1::zeros(64),
        w2: Array2::zeros((32, 64)),
        b2: Array1::zeros(32),
        w3: Array2::zeros((16, 32)),
    }
}

/// The tensor's values read with Burn's own API, not through `Parameter`.
fn burn_values<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
    t.to_data().try_to_vec::<f32>().unwrap()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// A Burn tensor equals an ndarray array bit for bit, in shape, on `device`, still f32.
fn assert_field<const D: usize>(
    name: &str,
    t: &Tensor<D>,
    shape: &[usize],
    values: Vec<f32>,
    device: &Device,
) {
    assert_eq!(t.dims().as_slice(), shape, "{name}: shape");
    assert_eq!(&t.device(), device, "{name}: device");
    assert_eq!(t.dtype(), DType::F32, "{name}: dtype");
    let got = burn_values(t);
    assert!(got.iter().any(|&x| x != 0.0), "{name}: still zero");
    assert_eq!(bits(&got), bits(&values), "{name}: values differ");
}

/// Every field of the Burn model equals the ndarray model's.
fn assert_same(b: &BurnNet, h: &HostNet, device: &Device) {
    let flat = |a: &Array2<f32>| a.iter().copied().collect::<Vec<_>>();
    assert_field("w1", &b.w1, h.w1.shape(), flat(&h.w1), device);
    assert_field("b1", &b.b1, h.b1.shape(), h.b1.to_vec(), device);
    assert_field("w2", &b.w2.val(), h.w2.shape(), flat(&h.w2), device);
    assert_field("b2", &b.b2.val(), h.b2.shape(), h.b2.to_vec(), device);
    assert_field("w3", &b.w3, h.w3.shape(), flat(&h.w3), device);
}

#[test]
fn seeded_matches_ndarray_bit_for_bit() {
    let device = device();
    let mut b = burn_net(&device);
    let mut h = host_net();
    b.init_seeded(SEED).unwrap();
    h.init_seeded(SEED).unwrap();
    assert_same(&b, &h, &device);

    // a different seed gives different values
    let mut b2 = burn_net(&device);
    b2.init_seeded(SEED + 1).unwrap();
    assert_ne!(bits(&burn_values(&b.w1)), bits(&burn_values(&b2.w1)));
}

#[test]
fn rng_stream_matches_ndarray_bit_for_bit() {
    let device = device();
    let mut b = burn_net(&device);
    let mut h = host_net();
    b.initialize(&mut rng(11)).unwrap();
    h.initialize(&mut rng(11)).unwrap();
    assert_same(&b, &h, &device);
}

#[test]
fn values_and_report_read_the_tensor() {
    let device = device();
    let mut b = burn_net(&device);
    b.init_seeded(SEED).unwrap();
    assert_eq!(b.w1.values().unwrap(), burn_values(&b.w1));
    assert_eq!(b.w2.values().unwrap(), burn_values(&b.w2.val()));
    assert_eq!(Parameter::dims(&b.w2), vec![32, 64]);
    let r = report(&b).unwrap();
    let text = r.to_string();
    for name in ["w1", "b1", "w2", "b2", "w3"] {
        assert!(text.contains(name), "report lacks {name}:\n{text}");
    }
}

/// One Burn weight (a single tensor is initialised through a model: `Init::fill` takes
/// in-memory targets).
#[derive(Initialize)]
struct OneHe {
    #[init(he_normal)]
    w: Tensor<2>,
}

#[test]
fn he_normal_follows_its_law() {
    // (out, in) = (256, 128): N(0, 2/128)
    let device = device();
    let std = (2.0f64 / 128.0).sqrt();
    let mut m = OneHe {
        w: Tensor::<2>::zeros([256, 128], &device),
    };
    m.init_seeded(SEED).unwrap();
    let xs: Vec<f64> = burn_values(&m.w).into_iter().map(f64::from).collect();
    assert_eq!(xs.len(), 256 * 128);
    assert_ks(
        xs,
        |x| normal_cdf(x, 0.0, std),
        "he_normal (keyed) on a Burn tensor",
    );

    m.initialize(&mut rng(3)).unwrap();
    let xs: Vec<f64> = burn_values(&m.w).into_iter().map(f64::from).collect();
    assert_ks(
        xs,
        |x| normal_cdf(x, 0.0, std),
        "he_normal (rng) on a Burn tensor",
    );
}

#[test]
fn construct_checks_the_rank() {
    let device = device();
    let err = <Tensor<2> as Construct<Device>>::zeros(&[3, 4, 5], &device).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WrongShape { shape, .. } if shape == &[3, 4, 5]),
        "{err}"
    );
    let err = <Param<Tensor<1>> as Construct<Device>>::zeros(&[3, 4], &device).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::WrongShape { .. }), "{err}");
    let err = <Tensor<2> as Construct<Device>>::zeros(&[usize::MAX, 2], &device).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::ShapeOverflow { .. }),
        "{err}"
    );

    let t = <Tensor<3> as Construct<Device>>::zeros(&[2, 3, 4], &device).unwrap();
    assert_eq!(t.dims(), [2, 3, 4]);
    assert_eq!(t.device(), device);
    assert!(burn_values(&t).iter().all(|&x| x == 0.0));
    let p = <Param<Tensor<2>> as Construct<Device>>::zeros(&[5, 6], &device).unwrap();
    assert_eq!(p.val().dims(), [5, 6]);
    assert!(burn_values(&p.val()).iter().all(|&x| x == 0.0));
}

#[test]
fn param_keeps_its_id() {
    let device = device();
    let mut b = burn_net(&device);
    let (id2, idb) = (b.w2.id, b.b2.id);
    b.init_seeded(SEED).unwrap();
    assert_eq!(b.w2.id, id2);
    assert_eq!(b.b2.id, idb);
}

#[derive(Initialize)]
struct OneGlorot<W> {
    #[init(glorot_normal)]
    w: W,
}

#[test]
fn f64_tensor_holds_the_f32_values_widened() {
    let device = device();
    assert!(device.supports_dtype(DType::F64));
    let mut b = OneGlorot {
        w: Tensor::<2>::zeros([40, 30], (&device, DType::F64)),
    };
    let mut h = OneGlorot {
        w: Array2::<f32>::zeros((40, 30)),
    };
    b.init_seeded(SEED).unwrap();
    h.init_seeded(SEED).unwrap();
    assert_eq!(b.w.dtype(), DType::F64);
    assert_eq!(b.w.device(), device);
    let got = b.w.to_data().try_to_vec::<f64>().unwrap();
    let want: Vec<f64> = h.w.iter().map(|&x| f64::from(x)).collect();
    assert_eq!(got, want);
    // reading it back gives the f32 values
    let host: Vec<f32> = h.w.iter().copied().collect();
    assert_eq!(bits(&b.w.values().unwrap()), bits(&host));
}

#[test]
fn f16_tensor_holds_the_f32_values_rounded_once() {
    let device = device();
    if !device.supports_dtype(DType::F16) {
        eprintln!("the flex device does not support f16 here: nothing to check");
        return;
    }
    let mut b = OneGlorot {
        w: Tensor::<2>::zeros([40, 30], (&device, DType::F16)),
    };
    let mut h = OneGlorot {
        w: Array2::<f32>::zeros((40, 30)),
    };
    b.init_seeded(SEED).unwrap();
    h.init_seeded(SEED).unwrap();
    assert_eq!(b.w.dtype(), DType::F16);
    let got: Vec<u16> = (b.w.to_data().try_to_vec::<f16>().unwrap())
        .iter()
        .map(|x| x.to_bits())
        .collect();
    let want: Vec<u16> = h.w.iter().map(|&x| f16::from_f32(x).to_bits()).collect();
    assert_eq!(got, want);
}

/// Doubles every value: work that reads the current values (`READS = true`).
struct Double;

impl HostMut<f32> for Double {
    type Output = usize;
    const READS: bool = true;
    fn call<T: Target<Elem = f32> + ?Sized>(self, target: &mut T) -> usize {
        let mut n = 0;
        target.for_each_mut(|x| {
            *x *= 2.0;
            n += 1;
        });
        n
    }
}

#[test]
fn reading_work_sees_the_current_values() {
    let device = device();
    let mut b = burn_net(&device);
    b.init_seeded(SEED).unwrap();
    let before_t = burn_values(&b.w1);
    let before_p = burn_values(&b.w2.val());
    let id = b.w2.id;
    assert_eq!(b.w1.update(Double).unwrap(), 64 * 48);
    assert_eq!(b.w2.update(Double).unwrap(), 32 * 64);
    let twice = |v: Vec<f32>| v.into_iter().map(|x| x * 2.0).collect::<Vec<_>>();
    assert_eq!(bits(&burn_values(&b.w1)), bits(&twice(before_t)));
    assert_eq!(bits(&burn_values(&b.w2.val())), bits(&twice(before_p)));
    assert_eq!(b.w2.id, id);
}

#[derive(Initialize)]
struct Linear {
    #[init(normal(std = 1.0))]
    w: Param<Tensor<2>>,
}

#[test]
fn lsuv_rescales_a_burn_param() {
    // a (16, 32) weight at std 1 on a batch of 256: output variance about 32, brought to 1
    let device = device();
    let mut m = Linear {
        w: Param::from_tensor(Tensor::<2>::zeros([16, 32], &device)),
    };
    m.init_seeded(SEED).unwrap();
    let id = m.w.id;
    let x: Vec<f32> = (0..32 * 256)
        .map(|k| ((k * 7 + (k / 256) * 13) % 17) as f32 - 8.0)
        .collect();
    let x = Tensor::<2>::from_data(TensorData::new(x, [32, 256]), &device);
    let lsuv = Lsuv {
        orthonormal: false,
        ..Lsuv::default()
    };
    let report = lsuv
        .run(&mut m, &["w"], SEED, |m: &Linear| {
            let y = m.w.val().matmul(x.clone());
            let y: Vec<f64> = burn_values(&y).into_iter().map(f64::from).collect();
            LayerOutputs::from([("w".to_string(), y)])
        })
        .unwrap();
    let layer = &report.layers[0];
    assert!(layer.iterations >= 1, "{report:?}");
    assert!((layer.variance - 1.0).abs() < lsuv.tol, "{report:?}");
    assert_eq!(m.w.id, id);
    assert_eq!(m.w.val().device(), device);
}

#[derive(Initialize)]
struct Trainable {
    #[init(he_normal)]
    w: Param<Tensor<2>>,
    #[init(normal(std = 0.1))]
    t: Tensor<1>,
}

/// On an autodiff device, a `Param` and a bare tensor that required gradients still do after
/// initialisation, the values are those of the plain device, and a backward pass through the
/// new values gives each its gradient.
#[test]
fn require_grad_survives_on_an_autodiff_device() {
    let plain = device();
    let device = plain.clone().autodiff();
    let mut m = Trainable {
        w: Param::from_tensor(Tensor::<2>::zeros([6, 5], &device)),
        t: Tensor::<1>::zeros([5], &device).require_grad(),
    };
    assert!(m.w.val().is_require_grad() && m.t.is_require_grad());
    m.init_seeded(SEED).unwrap();
    let (w, t) = (m.w.val(), m.t.clone());
    assert!(w.is_autodiff() && t.is_autodiff());
    assert!(w.is_require_grad(), "the Param lost require_grad");
    assert!(t.is_require_grad(), "the tensor lost require_grad");
    assert_eq!(w.device(), device);

    let mut p = Trainable {
        w: Param::from_tensor(Tensor::<2>::zeros([6, 5], &plain)),
        t: Tensor::<1>::zeros([5], &plain),
    };
    p.init_seeded(SEED).unwrap();
    assert_eq!(bits(&burn_values(&w)), bits(&burn_values(&p.w.val())));
    assert_eq!(bits(&burn_values(&t)), bits(&burn_values(&p.t)));

    // loss = sum(w · t): d/dw[i][j] = t[j], d/dt[j] = sum_i w[i][j]
    let loss = w.clone().matmul(t.clone().reshape([5, 1])).sum();
    let grads = loss.backward();
    let gw = burn_values(&w.grad(&grads).expect("no gradient for the Param"));
    let gt = burn_values(&t.grad(&grads).expect("no gradient for the tensor"));
    let (wv, tv) = (burn_values(&w), burn_values(&t));
    for i in 0..6 {
        for j in 0..5 {
            assert_eq!(gw[i * 5 + j], tv[j], "dloss/dw[{i}][{j}]");
        }
    }
    for j in 0..5 {
        let col: f32 = (0..6).map(|i| wv[i * 5 + j]).sum();
        assert!(
            (gt[j] - col).abs() <= 1e-5 * (1.0 + col.abs()),
            "dloss/dt[{j}]: {} vs {col}",
            gt[j]
        );
    }
}
