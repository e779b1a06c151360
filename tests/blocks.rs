//! Fused tensors initialised block by block (`Init::blocks`, `Init::block`): each block's fans
//! (checked through `resolve` against the papers' formulas and by KS on each block), each
//! block's orthogonality and pattern, keyed determinism and shards, errors, the recurrent
//! presets of `weight_init::gates` through `Rules::choose` and a model walk, and the derive's
//! `blocks = k`.

mod common;

use common::{assert_ks, rng};
use ndarray::{Array2, Array3, ArrayD, Axis, IxDyn, Slice};
use weight_init::stats::{normal_cdf, uniform_cdf};
use weight_init::{
    ElementDistribution, ErrorKind, Fans, Init, InitError, Initialize, Layer, Layout, ParamPath,
    Parameter, Region, Role, Rules, Site, VisitMut, gates,
};

const SEED: u64 = 20_150_706;

/// The blocks of `a` along `axis`.
fn blocks_of(a: &ArrayD<f64>, axis: usize, k: usize) -> Vec<ArrayD<f64>> {
    let n = a.shape()[axis] / k;
    (0..k)
        .map(|b| {
            a.slice_axis(Axis(axis), Slice::from(b * n..(b + 1) * n))
                .to_owned()
        })
        .collect()
}

fn keyed(init: &Init, shape: &[usize], name: &str) -> ArrayD<f64> {
    let mut a = ArrayD::<f64>::zeros(IxDyn(shape));
    init.fill_seeded(&mut a, SEED, name).unwrap();
    a
}

/// The expected law of one element of a block, from the papers' formulas with the block's
/// fans (fan_in unchanged, fan_out divided by k), independent of `resolve`.
fn expected(name: &str, fan_in: f64, fan_out: f64) -> ElementDistribution {
    let (var, uniform) = match name {
        "glorot_uniform" => (2.0 / (fan_in + fan_out), true),
        "glorot_normal" => (2.0 / (fan_in + fan_out), false),
        "he_uniform" => (2.0 / fan_in, true),
        "he_normal" => (2.0 / fan_in, false),
        "lecun_uniform" => (1.0 / fan_in, true),
        "lecun_normal" => (1.0 / fan_in, false),
        "he_normal fan_out" => (2.0 / fan_out, false),
        "lecun_uniform fan_out" => (1.0 / fan_out, true),
        _ => unreachable!("{name}"),
    };
    if uniform {
        let b = (3.0 * var).sqrt();
        ElementDistribution::Uniform { low: -b, high: b }
    } else {
        ElementDistribution::Normal {
            mean: 0.0,
            std: var.sqrt(),
        }
    }
}

fn cdf(d: ElementDistribution) -> impl Fn(f64) -> f64 {
    move |x| match d {
        ElementDistribution::Uniform { low, high } => uniform_cdf(x, low, high),
        ElementDistribution::Normal { mean, std } => normal_cdf(x, mean, std),
        other => panic!("unexpected {other:?}"),
    }
}

fn close(a: ElementDistribution, b: ElementDistribution) -> bool {
    let tol = |x: f64, y: f64| (x - y).abs() <= 1e-14 * x.abs().max(1.0);
    match (a, b) {
        (
            ElementDistribution::Uniform { low, high },
            ElementDistribution::Uniform { low: l2, high: h2 },
        ) => tol(low, l2) && tol(high, h2),
        (
            ElementDistribution::Normal { mean, std },
            ElementDistribution::Normal { mean: m2, std: s2 },
        ) => tol(mean, m2) && tol(std, s2),
        _ => false,
    }
}

/// Every fan-based family, uniform and normal, and fan-out modes: `resolve` gives the block's
/// law (fan_out / k; He's and LeCun's fan-in mode is the whole's, as it should be), and the values of every block pass KS against it — under PyTorch's
/// `(out, in, …)` layout (blocks along axis 0, a linear and a conv kernel) and under `InOut`
/// (blocks along the last axis, Burn's `Linear`).
#[test]
fn fan_based_schemes_use_each_blocks_fans() {
    let schemes: [(&str, Init); 8] = [
        ("glorot_uniform", Init::glorot_uniform()),
        ("glorot_normal", Init::glorot_normal()),
        ("he_uniform", Init::he_uniform()),
        ("he_normal", Init::he_normal()),
        ("lecun_uniform", Init::lecun_uniform()),
        ("lecun_normal", Init::lecun_normal()),
        (
            "he_normal fan_out",
            Init::he_normal().mode(weight_init::FanMode::FanOut),
        ),
        (
            "lecun_uniform fan_out",
            Init::lecun_uniform().mode(weight_init::FanMode::FanOut),
        ),
    ];
    // (shape, layout, k, axis, block fan_in, block fan_out)
    type Case = (&'static [usize], Layout, usize, usize, f64, f64);
    let cases: [Case; 3] = [
        (&[3 * 40, 30], Layout::OutIn, 3, 0, 30.0, 40.0),
        (&[4 * 6, 5, 3, 3], Layout::OutIn, 4, 0, 45.0, 54.0),
        (&[30, 4 * 40], Layout::InOut, 4, 1, 30.0, 40.0),
    ];
    for (name, base) in &schemes {
        for (shape, layout, k, axis, fi, fo) in &cases {
            let init = base.clone().layout(layout.clone()).blocks(*k);
            let r = init.resolve(shape).unwrap();
            let want = expected(name, *fi, *fo);
            assert_eq!(
                r.fans,
                Some(Fans {
                    fan_in: *fi as usize,
                    fan_out: *fo as usize
                }),
                "{name} {shape:?}"
            );
            let got = r.distribution.unwrap();
            assert!(close(got, want), "{name} {shape:?}: {got:?} != {want:?}");
            // where fan_out counts, the whole's law is another one: the test can tell
            let whole = base.clone().layout(layout.clone()).resolve(shape).unwrap();
            let reads_fan_out = name.starts_with("glorot") || name.ends_with("fan_out");
            assert_eq!(
                close(whole.distribution.unwrap(), want),
                !reads_fan_out,
                "{name}"
            );
            let a = keyed(&init, shape, "fused.weight");
            for (b, block) in blocks_of(&a, *axis, *k).into_iter().enumerate() {
                let values: Vec<f64> = block.iter().copied().collect();
                assert_ks(values, cdf(want), &format!("{name} {shape:?} block {b}"));
            }
        }
    }
}

/// With one law for every block, blocks change only the law: keyed values are those of the
/// same law unblocked, index for index, and from an rng the blocks along axis 0 are drawn in
/// the whole's logical order.
#[test]
fn element_wise_blocks_change_only_the_law() {
    let shape = [3 * 16, 8];
    let bound = (6.0f64 / (8.0 + 16.0)).sqrt();
    let blocked = Init::glorot_uniform().blocks(3);
    let plain = Init::uniform_symmetric(bound);
    assert_eq!(keyed(&blocked, &shape, "w"), keyed(&plain, &shape, "w"));
    let (mut a, mut b) = (Array2::<f32>::zeros((48, 8)), Array2::<f32>::zeros((48, 8)));
    blocked.fill(&mut a, &mut rng(3)).unwrap();
    plain.fill(&mut b, &mut rng(3)).unwrap();
    assert_eq!(a, b);
}

/// `blocks(1)` is no blocking: equal `Init`s, equal values; `Display` shows blocks.
#[test]
fn one_block_is_no_blocks() {
    assert_eq!(Init::he_normal().blocks(1), Init::he_normal());
    let shape = [12, 5];
    assert_eq!(
        keyed(&Init::he_normal().blocks(1), &shape, "w"),
        keyed(&Init::he_normal(), &shape, "w")
    );
    #[cfg(feature = "orthogonal")]
    assert_eq!(
        keyed(&Init::orthogonal().blocks(1), &shape, "w"),
        keyed(&Init::orthogonal(), &shape, "w")
    );
    assert_eq!(
        Init::glorot_uniform().blocks(3).to_string(),
        "glorot_uniform(blocks = 3)"
    );
    assert_eq!(
        Init::zeros().blocks(4).block(1, Init::ones()).to_string(),
        "constant(0, blocks = 4, block 1 = constant(1))"
    );
}

/// max |WᵀW − I| over the columns of a (rows, cols) matrix (tall or square).
fn gram_error(w: &Array2<f64>, gain: f64) -> f64 {
    let g = w.t().dot(w);
    let n = g.nrows();
    let mut worst = 0.0f64;
    for i in 0..n {
        for j in 0..n {
            let want = if i == j { gain * gain } else { 0.0 };
            worst = worst.max((g[(i, j)] - want).abs());
        }
    }
    worst
}

fn as2(a: ArrayD<f64>) -> Array2<f64> {
    a.into_dimensionality().unwrap()
}

/// Orthogonal: every block has orthonormal rows of its own (QᵀQ = I for a square block, WWᵀ =
/// I for a wide one), and the whole does not (rows of different blocks are not orthogonal) —
/// keyed, from an rng, and under `InOut` (the blocks are column blocks there).
#[cfg(feature = "orthogonal")]
#[test]
fn orthogonal_blocks_are_each_orthogonal() {
    let d = 16;
    let init = Init::orthogonal().blocks(3);
    let keyed_w = as2(keyed(&init, &[3 * d, d], "attn.in_proj_weight"));
    let mut from_rng = Array2::<f64>::zeros((3 * d, d));
    init.fill(&mut from_rng, &mut rng(5)).unwrap();
    for w in [keyed_w, from_rng] {
        for b in 0..3 {
            let block = w.slice(ndarray::s![b * d..(b + 1) * d, ..]).to_owned();
            let e = gram_error(&block, 1.0);
            assert!(e < 1e-12, "block {b}: |QᵀQ − I| = {e}");
        }
        // the whole (48, 16) cannot have orthonormal rows; its columns are not orthonormal
        // either (each column's norm² is 3, one per block)
        let e = gram_error(&w, 1.0);
        assert!(e > 1.0, "the whole looks orthogonal: {e}");
        let cross = w.row(0).dot(&w.row(d));
        assert!(
            cross.abs() > 1e-3,
            "rows of two blocks are orthogonal: {cross}"
        );
    }
    // wide blocks (8, 20), gain 2: W Wᵀ = 4 I per block
    let w = as2(keyed(
        &Init::orthogonal().gain(2.0).blocks(2),
        &[16, 20],
        "w",
    ));
    for b in 0..2 {
        let block = w.slice(ndarray::s![b * 8..(b + 1) * 8, ..]).to_owned();
        let e = gram_error(&block.t().to_owned(), 2.0);
        assert!(e < 1e-12, "wide block {b}: {e}");
    }
    // InOut: (in, 3·out), the blocks are column blocks, each with orthonormal columns
    let w = as2(keyed(
        &Init::orthogonal().layout(Layout::InOut).blocks(3),
        &[d, 3 * d],
        "w",
    ));
    for b in 0..3 {
        let block = w.slice(ndarray::s![.., b * d..(b + 1) * d]).to_owned();
        assert!(gram_error(&block, 1.0) < 1e-12, "column block {b}");
    }
    assert!(gram_error(&w.t().to_owned(), 1.0) > 1.0);
}

/// Eye and dirac write their pattern in each block, exactly.
#[test]
fn eye_and_dirac_patterns_per_block() {
    let w = as2(keyed(&Init::eye().blocks(3), &[12, 4], "w"));
    for ((r, c), &v) in w.indexed_iter() {
        let want = if r % 4 == c { 1.0 } else { 0.0 };
        assert_eq!(v, want, "eye ({r}, {c})");
    }
    // rectangular blocks (3, 5), and from an rng
    let mut w = Array2::<f32>::zeros((6, 5));
    Init::eye()
        .gain(2.0)
        .blocks(2)
        .fill(&mut w, &mut rng(1))
        .unwrap();
    for ((r, c), &v) in w.indexed_iter() {
        let want = if r % 3 == c { 2.0 } else { 0.0 };
        assert_eq!(v, want, "rectangular eye ({r}, {c})");
    }
    // under InOut the blocks are column blocks: (4, 2·4), each its own identity
    let w = as2(keyed(
        &Init::eye().layout(Layout::InOut).blocks(2),
        &[4, 8],
        "w",
    ));
    for ((r, c), &v) in w.indexed_iter() {
        assert_eq!(
            v,
            if c % 4 == r { 1.0 } else { 0.0 },
            "InOut eye ({r}, {c})"
        );
    }
    // dirac (2·4, 4, 3): output o of a block passes input o % 4 through the centre tap
    let mut k = Array3::<f64>::zeros((8, 4, 3));
    Init::dirac(1).blocks(2).fill(&mut k, &mut rng(1)).unwrap();
    for ((o, i, t), &v) in k.indexed_iter() {
        let want = if o % 4 == i && t == 1 { 1.0 } else { 0.0 };
        assert_eq!(v, want, "dirac ({o}, {i}, {t})");
    }
    // groups inside each block: 2 blocks of 4 outputs, 2 groups of 2 per block, 3 inputs
    let k = keyed(&Init::dirac(2).blocks(2), &[8, 3, 3], "conv");
    for ((o, i, t), &v) in k
        .into_dimensionality::<ndarray::Ix3>()
        .unwrap()
        .indexed_iter()
    {
        let want = if (o % 4) % 2 == i && t == 1 { 1.0 } else { 0.0 };
        assert_eq!(v, want, "grouped dirac ({o}, {i}, {t})");
    }
}

/// Sparse counts its zeros per column of each block; delta-orthogonal's centre taps are
/// orthonormal per block.
#[test]
fn sparse_and_delta_orthogonal_per_block() {
    let w = as2(keyed(&Init::sparse(0.3, 0.5).blocks(2), &[20, 6], "w"));
    for b in 0..2 {
        for c in 0..6 {
            let zeros = (0..10).filter(|r| w[(b * 10 + r, c)] == 0.0).count();
            assert_eq!(zeros, 3, "block {b} column {c}"); // ceil(0.3·10)
        }
    }
    #[cfg(feature = "orthogonal")]
    {
        let k = keyed(&Init::delta_orthogonal().blocks(2), &[12, 4, 3], "conv");
        let k = k.into_dimensionality::<ndarray::Ix3>().unwrap();
        for b in 0..2 {
            let tap = k.slice(ndarray::s![b * 6..(b + 1) * 6, .., 1]).to_owned();
            assert!(gram_error(&tap, 1.0) < 1e-12, "block {b}");
        }
        let whole_tap = k.slice(ndarray::s![.., .., 1]).to_owned();
        assert!(gram_error(&whole_tap, 1.0) > 0.5);
    }
}

/// Keyed values are a pure function of (seed, name, index): the same twice, another name
/// another tensor; and any shard (rows, or any element range; axis 0 and the last axis) is
/// exactly that region of the whole — element-wise blocks, mixed blocks, structured blocks.
#[test]
fn keyed_blocks_are_deterministic_and_shard() {
    let mut inits = vec![
        (Init::he_normal().blocks(4), Layout::OutIn),
        (Init::he_uniform().blocks(4), Layout::InOut),
        (
            Init::uniform_symmetric(0.1)
                .blocks(4)
                .block(1, Init::ones()),
            Layout::OutIn,
        ),
        (
            Init::normal(0.0, 1.0).blocks(4).block(2, Init::eye()),
            Layout::InOut,
        ),
        (Init::sparse(0.5, 1.0).blocks(4), Layout::OutIn),
        (
            Init::eye().blocks(2).block(0, Init::normal(0.0, 0.1)),
            Layout::OutIn,
        ),
    ];
    #[cfg(feature = "orthogonal")]
    inits.extend([
        (Init::orthogonal().blocks(4), Layout::OutIn),
        (Init::orthogonal().blocks(4), Layout::InOut),
    ]);
    for (init, layout) in inits {
        let init = init.layout(layout.clone());
        let shape: &[usize] = if layout == Layout::OutIn {
            &[16, 6]
        } else {
            &[6, 16]
        };
        let whole = keyed(&init, shape, "rnn.weight_hh_l0");
        assert_eq!(whole, keyed(&init, shape, "rnn.weight_hh_l0"), "{init}");
        assert_ne!(whole, keyed(&init, shape, "rnn.weight_hh_l1"), "{init}");
        let flat: Vec<f64> = whole.iter().copied().collect();
        for (start, end) in [(0, 96), (5, 37), (24, 25), (40, 96), (0, 0)] {
            let mut shard = vec![0.0f64; end - start];
            init.fill_shard(
                &mut shard,
                shape,
                Region::Elements(start..end),
                SEED,
                "rnn.weight_hh_l0",
            )
            .unwrap();
            assert_eq!(shard, flat[start..end], "{init} elements {start}..{end}");
        }
        let rows = shape[0];
        for (a, b) in [(0, 1), (1, rows / 2), (rows / 2, rows)] {
            let mut shard = ArrayD::<f64>::zeros(IxDyn(&[b - a, shape[1]]));
            init.fill_shard(
                &mut shard,
                shape,
                Region::Rows(a..b),
                SEED,
                "rnn.weight_hh_l0",
            )
            .unwrap();
            let want = whole.slice_axis(Axis(0), Slice::from(a..b));
            assert_eq!(shard.view(), want, "{init} rows {a}..{b}");
        }
        // f32 too: the same through a non-contiguous view
        let mut t = Array2::<f32>::zeros((shape[1], shape[0]));
        let mut view = t.view_mut().reversed_axes();
        init.fill_seeded(&mut view, SEED, "rnn.weight_hh_l0")
            .unwrap();
        let mut c = ArrayD::<f32>::zeros(IxDyn(shape));
        init.fill_seeded(&mut c, SEED, "rnn.weight_hh_l0").unwrap();
        assert_eq!(view.into_dyn(), c.view(), "{init}");
    }
}

/// A block that keeps the parameter's scheme holds exactly the parameter's unblocked values;
/// the mixture's moments are reported.
#[test]
fn own_blocks_leave_the_others_as_they_were() {
    let h = 8;
    let init = Init::normal(0.0, 0.5)
        .blocks(4)
        .block(1, Init::constant(1.0));
    let a = keyed(&init, &[4 * h], "lstm.bias_ih_l0");
    let plain = keyed(&Init::normal(0.0, 0.5), &[4 * h], "lstm.bias_ih_l0");
    for (i, (x, y)) in a.iter().zip(plain.iter()).enumerate() {
        if (h..2 * h).contains(&i) {
            assert_eq!(*x, 1.0);
        } else {
            assert_eq!(x, y, "element {i}");
        }
    }
    let r = init.resolve(&[4 * h]).unwrap();
    assert_eq!(r.distribution, None);
    assert!((r.mean - 0.25).abs() < 1e-15);
    // E[x²] = (3·0.25 + 1)/4, minus mean²
    let var: f64 = (3.0 * 0.25 + 1.0) / 4.0 - 0.0625;
    assert!((r.std - var.sqrt()).abs() < 1e-15, "{}", r.std);
}

fn kind(e: &InitError) -> &ErrorKind {
    e.kind()
}

/// k = 0, k not dividing the output axis (axis 0, or the last under `InOut`), a block index
/// beyond the count, a blocked block, a scalar: errors naming the scheme and the values, from
/// `resolve`, `fill`, `fill_seeded` and `fill_shard` alike, and nothing is written.
#[test]
fn errors_name_the_scheme_and_values() {
    let err = Init::he_normal().blocks(0).resolve(&[4, 4]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "he_normal: blocks must be > 0 and below 2^32, got 0"
    );
    let err = Init::glorot_uniform()
        .blocks(5)
        .resolve(&[12, 4])
        .unwrap_err();
    assert_eq!(
        kind(&err),
        &ErrorKind::BlocksMismatch {
            blocks: 5,
            axis: 0,
            len: 12
        }
    );
    assert_eq!(
        err.to_string(),
        "glorot_uniform: 5 blocks do not divide the output axis (axis 0, of length 12) into equal blocks"
    );
    let err = Init::eye()
        .layout(Layout::InOut)
        .blocks(5)
        .resolve(&[4, 12])
        .unwrap_err();
    assert_eq!(
        kind(&err),
        &ErrorKind::BlocksMismatch {
            blocks: 5,
            axis: 1,
            len: 12
        }
    );
    // nothing written, whichever fill
    let bad = Init::normal(0.0, 1.0).blocks(5);
    let mut w = Array2::<f32>::from_elem((12, 4), 7.0);
    assert!(bad.fill(&mut w, &mut rng(0)).is_err());
    assert!(bad.fill_seeded(&mut w, 1, "w").is_err());
    let mut shard = Array2::<f32>::from_elem((2, 4), 7.0);
    assert!(
        bad.fill_shard(&mut shard, &[12, 4], Region::Rows(0..2), 1, "w")
            .is_err()
    );
    assert!(w.iter().chain(shard.iter()).all(|&x| x == 7.0));
    let err = Init::zeros()
        .blocks(4)
        .block(4, Init::ones())
        .resolve(&[8])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "constant: block index must be below the block count, got 4"
    );
    let err = Init::zeros()
        .blocks(2)
        .block(0, Init::ones().blocks(2))
        .resolve(&[8])
        .unwrap_err();
    assert!(err.to_string().contains("blocks of a block"), "{err}");
    let err = Init::zeros().blocks(2).resolve(&[]).unwrap_err();
    assert!(
        matches!(kind(&err), ErrorKind::UnsupportedRank { rank: 0, .. }),
        "{err}"
    );
    // explicit fans describe the whole: a fan_out the block count does not divide
    let err = Init::he_normal()
        .mode(weight_init::FanMode::FanOut)
        .fans(4, 10)
        .blocks(4)
        .resolve(&[8])
        .unwrap_err();
    assert!(
        err.to_string().contains("fan_out must be divisible"),
        "{err}"
    );
    // a block's own scheme is checked too
    let err = Init::zeros()
        .blocks(2)
        .block(1, Init::normal(0.0, -1.0))
        .resolve(&[8])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "normal: std must be finite and >= 0, got -1"
    );
}

/// A model walk that takes every parameter's scheme from `Rules::choose`, as
/// `weight_init::candle::var_builder` does for candle-nn's `LSTM` (PyTorch's names; a bias
/// gets its weight's fans, the layer its hidden size).
struct ByRules<'a> {
    rules: &'a Rules,
    hidden: usize,
    seed: u64,
}

impl VisitMut for ByRules<'_> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        _: &Init,
    ) -> Result<(), InitError> {
        let name = path.state_dict_name();
        let shape = target.dims();
        let role = if name.contains("bias") {
            Role::Bias
        } else {
            Role::Weight
        };
        let weight = if name.contains("_ih_") {
            [shape[0], 5]
        } else {
            [shape[0], self.hidden]
        };
        let fans = Fans::from_shape(&weight, Layout::OutIn).ok();
        let site = Site::new(&name, &shape)
            .layer(
                Layer::Recurrent {
                    hidden: self.hidden,
                },
                role,
            )
            .fans(fans);
        let choice = self
            .rules
            .choose(&site)
            .expect("a scheme for every parameter");
        choice.init.fill_param_seeded(target, self.seed, &name)
    }
}

/// PyTorch's `nn.LSTM(5, 8)` parameters, named as its state dict names them.
#[derive(weight_init::Initialize)]
struct TorchLstm {
    #[init(zeros)]
    weight_ih_l0: Array2<f64>,
    #[init(zeros)]
    weight_hh_l0: Array2<f64>,
    #[init(zeros)]
    bias_ih_l0: Vec<f64>,
    #[init(zeros)]
    bias_hh_l0: Vec<f64>,
}

fn torch_lstm(h: usize) -> TorchLstm {
    TorchLstm {
        weight_ih_l0: Array2::zeros((4 * h, 5)),
        weight_hh_l0: Array2::zeros((4 * h, h)),
        bias_ih_l0: vec![0.0; 4 * h],
        bias_hh_l0: vec![0.0; 4 * h],
    }
}

fn walk(m: &mut TorchLstm, rules: &Rules, hidden: usize) {
    let mut v = ByRules {
        rules,
        hidden,
        seed: SEED,
    };
    m.walk_mut(&mut ParamPath::new(), &mut v).unwrap();
}

/// `gates::lstm_torch`: the forget gate's summed bias is exactly 1, the other gates (and the
/// weights) hold PyTorch's default U(±1/√h), value for value what `Rules::torch_defaults`
/// gives them.
#[test]
fn lstm_torch_preset_sets_the_forget_bias() {
    let h = 8;
    let mut m = torch_lstm(h);
    walk(&mut m, &gates::lstm_torch(h), h);
    let mut d = torch_lstm(h);
    walk(&mut d, &Rules::torch_defaults(), h);
    let f = gates::LSTM_FORGET;
    for i in 0..4 * h {
        let forget = (f * h..(f + 1) * h).contains(&i);
        if forget {
            assert_eq!((m.bias_ih_l0[i], m.bias_hh_l0[i]), (1.0, 0.0), "{i}");
        } else {
            assert_eq!(m.bias_ih_l0[i], d.bias_ih_l0[i], "{i}");
            assert_eq!(m.bias_hh_l0[i], d.bias_hh_l0[i], "{i}");
            assert!(m.bias_ih_l0[i].abs() <= 1.0 / (h as f64).sqrt());
        }
    }
    assert_eq!(m.weight_ih_l0, d.weight_ih_l0);
    assert_eq!(m.weight_hh_l0, d.weight_hh_l0);
    assert!(m.bias_ih_l0.iter().any(|&x| x != 0.0 && x != 1.0));
}

/// `gates::lstm_keras` and `gates::gru_keras`: each gate's recurrent block orthogonal, each
/// gate's input block Glorot on its own fans (bound √(6/(in + h))), biases zero but the LSTM's
/// forget gate (1, on `bias_ih`).
#[cfg(feature = "orthogonal")]
#[test]
fn keras_presets_work_gate_by_gate() {
    let h = 8;
    for (rules, gates_n) in [(gates::lstm_keras(), 4), (gates::gru_keras(), 3)] {
        let mut m = TorchLstm {
            weight_ih_l0: Array2::zeros((gates_n * h, 5)),
            weight_hh_l0: Array2::zeros((gates_n * h, h)),
            bias_ih_l0: vec![0.0; gates_n * h],
            bias_hh_l0: vec![0.0; gates_n * h],
        };
        walk(&mut m, &rules, h);
        for g in 0..gates_n {
            let block = m
                .weight_hh_l0
                .slice(ndarray::s![g * h..(g + 1) * h, ..])
                .to_owned();
            assert!(gram_error(&block, 1.0) < 1e-12, "gate {g}");
        }
        let bound = (6.0f64 / (5.0 + h as f64)).sqrt();
        assert!(m.weight_ih_l0.iter().all(|x| x.abs() <= bound));
        // the whole's Glorot bound √(6/(in + G·h)) would be smaller: some value exceeds it
        let whole = (6.0f64 / (5.0 + (gates_n * h) as f64)).sqrt();
        assert!(m.weight_ih_l0.iter().any(|x| x.abs() > whole));
        for (i, (&x, &y)) in m.bias_ih_l0.iter().zip(&m.bias_hh_l0).enumerate() {
            let forget = gates_n == 4 && (h..2 * h).contains(&i);
            assert_eq!(x, if forget { 1.0 } else { 0.0 }, "{i}");
            assert_eq!(y, 0.0);
        }
    }
}

/// `gates::lstm_burn` names Burn's forget-gate biases: 1 for the input transform's, 0 for the
/// hidden transform's, PyTorch's default for the other gates (a `Site` as Burn's walk makes).
#[test]
fn lstm_burn_preset_names_burns_forget_gate() {
    let rules = gates::lstm_burn();
    let shape = [8];
    let site = |name| {
        Site::new(name, &shape)
            .layer(Layer::Recurrent { hidden: 8 }, Role::Bias)
            .fans(Some(Fans {
                fan_in: 5,
                fan_out: 8,
            }))
    };
    let pick = |name| rules.choose(&site(name)).unwrap().init;
    assert_eq!(
        pick("lstm.forget_gate.input_transform.bias"),
        Init::constant(1.0)
    );
    assert_eq!(
        pick("lstm.forget_gate.hidden_transform.bias"),
        Init::zeros()
    );
    assert_eq!(
        pick("lstm.input_gate.input_transform.bias"),
        Init::uniform_symmetric(1.0 / 8f64.sqrt())
    );
}

/// A fused attention input projection as the derive writes it: `blocks = 3` on the weight
/// and on its bias (which takes the weight's fans, `fan_in` d).
#[cfg(feature = "orthogonal")]
#[derive(weight_init::Initialize)]
struct Attention {
    #[init(orthogonal, blocks = 3)]
    in_proj_weight: Array2<f64>,
    #[init(torch_default, fans_of = in_proj_weight, blocks = 3)]
    in_proj_bias: Vec<f64>,
}

#[cfg(feature = "orthogonal")]
fn attention(rows: usize, d: usize) -> Attention {
    Attention {
        in_proj_weight: Array2::zeros((rows, d)),
        in_proj_bias: vec![0.0; rows],
    }
}

/// The derive's `blocks = 3` is `Init::blocks(3)`: the model's keyed values are the scheme's
/// under the state-dict name, a worker's shard of rows is the same rows of the whole, and the
/// report names the blocks.
#[cfg(feature = "orthogonal")]
#[test]
fn derived_blocks_are_the_runtimes() {
    let d = 8;
    let mut m = attention(3 * d, d);
    m.init_seeded(SEED).unwrap();
    let w = keyed(&Init::orthogonal().blocks(3), &[3 * d, d], "in_proj_weight");
    assert_eq!(m.in_proj_weight.clone().into_dyn(), w);
    let bias = Init::torch_default().fans(d, 3 * d).blocks(3);
    assert_eq!(
        m.in_proj_bias,
        keyed(&bias, &[3 * d], "in_proj_bias")
            .into_raw_vec_and_offset()
            .0
    );
    assert!(
        m.in_proj_bias
            .iter()
            .all(|x| x.abs() <= 1.0 / (d as f64).sqrt())
    );
    // worker 1 of 3 holds rows 8..16 of each
    let mut shard = attention(d, d);
    let plan = |_: &ParamPath, s: &[usize]| {
        let mut full = s.to_vec();
        full[0] = 3 * d;
        Ok::<_, InitError>((full, Region::Rows(d..2 * d)))
    };
    shard.init_sharded(SEED, &plan).unwrap();
    assert_eq!(
        shard.in_proj_weight,
        m.in_proj_weight.slice(ndarray::s![d..2 * d, ..])
    );
    assert_eq!(shard.in_proj_bias, m.in_proj_bias[d..2 * d]);
    let report = weight_init::report(&m).unwrap().to_string();
    assert!(report.contains("orthogonal(blocks = 3)"), "{report}");
    // a shape that 3 does not divide, known only at run time: an error naming the path
    let err = attention(10, d).init_seeded(SEED).unwrap_err();
    assert_eq!(err.path(), Some("in_proj_weight"));
    assert!(matches!(
        err.kind(),
        ErrorKind::BlocksMismatch {
            blocks: 3,
            axis: 0,
            len: 10
        }
    ));
}

/// The presets through candle-nn's own `LSTM` and `GRU` (`weight_init::candle::var_builder`):
/// candle requests PyTorch's names and shapes, and the blocks land on its gates.
#[cfg(all(feature = "candle", feature = "orthogonal"))]
mod candle {
    use super::{SEED, gram_error};
    use ndarray::Array2;
    use weight_init::candle::var_builder;
    use weight_init::candle_core::{DType, Device, Tensor};
    use weight_init::candle_nn::{GRUConfig, LSTMConfig, VarMap, gru, lstm};
    use weight_init::{Rules, gates};

    fn vars(rules: &Rules, gru_too: bool) -> std::collections::HashMap<String, Tensor> {
        let varmap = VarMap::new();
        let vb = var_builder(&varmap, rules, SEED, DType::F64, &Device::Cpu);
        lstm(5, 8, LSTMConfig::default(), vb.pp("lstm")).unwrap();
        if gru_too {
            gru(5, 8, GRUConfig::default(), vb.pp("gru")).unwrap();
        }
        varmap
            .data()
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect()
    }

    fn matrix(t: &Tensor) -> Array2<f64> {
        let (r, c) = t.dims2().unwrap();
        Array2::from_shape_vec((r, c), t.flatten_all().unwrap().to_vec1().unwrap()).unwrap()
    }

    fn vector(t: &Tensor) -> Vec<f64> {
        t.to_vec1().unwrap()
    }

    #[test]
    fn keras_presets_on_candles_lstm_and_gru() {
        let h = 8;
        let mut rules = gates::lstm_keras();
        for r in gates::gru_keras().rules() {
            rules = rules.rule(format!("gru.{}", r.pattern()), r.init().clone());
        }
        let v = vars(&rules, true);
        for (layer, n) in [("lstm", 4), ("gru", 3)] {
            let w = matrix(&v[&format!("{layer}.weight_hh_l0")]);
            for g in 0..n {
                let block = w.slice(ndarray::s![g * h..(g + 1) * h, ..]).to_owned();
                assert!(gram_error(&block, 1.0) < 1e-12, "{layer} gate {g}");
            }
            let bias = vector(&v[&format!("{layer}.bias_ih_l0")]);
            for (i, x) in bias.iter().enumerate() {
                let forget = layer == "lstm" && (h..2 * h).contains(&i);
                assert_eq!(*x, if forget { 1.0 } else { 0.0 }, "{layer} {i}");
            }
        }
    }

    #[test]
    fn lstm_torch_on_candles_lstm() {
        let h = 8;
        let v = vars(&gates::lstm_torch(h), false);
        let d = vars(&Rules::torch_defaults(), false);
        let (bi, bh) = (vector(&v["lstm.bias_ih_l0"]), vector(&v["lstm.bias_hh_l0"]));
        let (di, dh) = (vector(&d["lstm.bias_ih_l0"]), vector(&d["lstm.bias_hh_l0"]));
        for i in 0..4 * h {
            if (h..2 * h).contains(&i) {
                assert_eq!((bi[i], bh[i]), (1.0, 0.0));
            } else {
                assert_eq!((bi[i], bh[i]), (di[i], dh[i]), "{i}");
            }
        }
        assert_eq!(
            matrix(&v["lstm.weight_ih_l0"]),
            matrix(&d["lstm.weight_ih_l0"])
        );
    }
}

/// Blocks and the Burn preset through `weight_init::burn::reinit`: Burn's `Linear` stores
/// `(in, out)`, so blocks split its last axis; `gates::lstm_burn` sets the forget gate's biases.
#[cfg(all(feature = "burn-flex", feature = "orthogonal"))]
mod burn {
    use super::{SEED, gram_error};
    use ndarray::Array2;
    use weight_init::burn_core as burn;
    use weight_init::burn_core::module::Module;
    use weight_init::burn_nn::{Linear, LinearConfig, Lstm, LstmConfig};
    use weight_init::burn_tensor::{Device, Tensor};
    use weight_init::{Init, Rules, gates};

    #[derive(Module, Debug)]
    struct Net {
        qkv: Linear,
        lstm: Lstm,
    }

    fn net(device: &Device) -> Net {
        Net {
            qkv: LinearConfig::new(4, 12).init(device),
            lstm: LstmConfig::new(3, 5, true).init(device),
        }
    }

    fn values<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
        t.to_data().convert::<f32>().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn blocks_and_the_lstm_preset_through_reinit() {
        let device = Device::flex();
        let rules = gates::lstm_burn().rule("qkv.weight", Init::orthogonal().blocks(3));
        let m = weight_init::burn::reinit(net(&device), &rules, SEED).unwrap();
        let w = values(&m.qkv.weight.val());
        let w = Array2::from_shape_vec((4, 12), w.iter().map(|&x| f64::from(x)).collect()).unwrap();
        for b in 0..3 {
            let block = w.slice(ndarray::s![.., b * 4..(b + 1) * 4]).to_owned();
            assert!(gram_error(&block, 1.0) < 1e-5, "column block {b}");
        }
        let forget = m.lstm.forget_gate.as_ref().unwrap();
        let bias = |l: &Linear| values(&l.bias.as_ref().unwrap().val());
        assert!(bias(&forget.input_transform).iter().all(|&x| x == 1.0));
        assert!(bias(&forget.hidden_transform).iter().all(|&x| x == 0.0));
        let d = weight_init::burn::reinit(net(&device), &Rules::torch_defaults(), SEED).unwrap();
        let other = bias(&m.lstm.input_gate.input_transform);
        assert_eq!(other, bias(&d.lstm.input_gate.input_transform));
        assert!(other.iter().all(|x| x.abs() <= 1.0 / 5f32.sqrt()));
    }
}
