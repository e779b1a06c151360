//! Building models from shapes: `#[init(config = Cfg)]` with `shape = ...`, `config = ...` and
//! `len = ...` generates `Build`; the model built equals one allocated by hand and initialised
//! with the same seed, errors name the field's path, and progress reports every parameter.

use ndarray::{Array1, Array2, Array4};
use weight_init::{Build, ErrorKind, Initialize, ParamPath, Parameter, Visit, report};

#[derive(Clone)]
struct Cfg {
    input: usize,
    hidden: usize,
    layers: usize,
    block: BlockCfg,
}

#[derive(Clone)]
struct BlockCfg {
    width: usize,
    rank: Vec<usize>,
}

#[derive(Initialize, Debug, PartialEq)]
#[init(config = BlockCfg)]
struct Block {
    #[init(he_normal, shape = (cfg.width, cfg.width))]
    w: Array2<f32>,
    #[init(zeros, shape = cfg.width)]
    b: Array1<f32>,
    #[init(orthogonal, shape = cfg.rank.clone())]
    conv: Array4<f32>,
}

#[derive(Initialize, Debug, PartialEq)]
#[init(config = Cfg)]
struct Net {
    #[init(glorot_uniform, shape = [cfg.hidden, cfg.input])]
    embed: Array2<f64>,
    #[init(config = cfg.block, len = cfg.layers)]
    blocks: Vec<Block>,
    #[init(config = &cfg.block)]
    last: Box<Block>,
    #[init(normal(std = 0.02))]
    fixed: [[f32; 3]; 2],
    #[init(skip)]
    steps: u64,
    #[init(ones, shape = (3,))]
    gain: Vec<f32>,
}

fn cfg() -> Cfg {
    Cfg {
        input: 12,
        hidden: 16,
        layers: 3,
        block: BlockCfg {
            width: 16,
            rank: vec![8, 4, 3, 3],
        },
    }
}

fn block_by_hand(c: &BlockCfg) -> Block {
    Block {
        w: Array2::zeros((c.width, c.width)),
        b: Array1::zeros(c.width),
        conv: Array4::zeros((c.rank[0], c.rank[1], c.rank[2], c.rank[3])),
    }
}

#[test]
fn build_equals_allocating_by_hand_then_init_seeded() {
    let c = cfg();
    let built = Net::build(&c, &(), 42).unwrap();
    let mut by_hand = Net {
        embed: Array2::zeros((c.hidden, c.input)),
        blocks: (0..c.layers).map(|_| block_by_hand(&c.block)).collect(),
        last: Box::new(block_by_hand(&c.block)),
        fixed: [[0.0; 3]; 2],
        steps: 0,
        gain: vec![0.0; 3],
    };
    by_hand.init_seeded(42).unwrap();
    assert_eq!(built, by_hand);
    // and it is really initialised: every he_normal weight differs from zero, gain is ones
    assert!(built.blocks.iter().all(|b| b.w.iter().any(|&x| x != 0.0)));
    assert_eq!(built.gain, vec![1.0; 3]);
    assert_eq!(built.blocks.len(), 3);
    assert_eq!(built.blocks[2].conv.shape(), &[8, 4, 3, 3]);
    // another seed, other values
    assert_ne!(Net::build(&c, &(), 43).unwrap(), built);
}

#[test]
fn zeroed_is_zero_and_build_with_rng_matches_initialize() {
    use rand::SeedableRng;
    let c = cfg();
    let z = Net::zeroed(&c, &()).unwrap();
    let r = report(&z).unwrap();
    assert_eq!(r.rows.len(), 1 + 3 * 3 + 3 + 1 + 1);
    assert!(r.rows.iter().all(|row| row.measured_std == 0.0));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let built = Net::build_with_rng(&c, &(), &mut rng).unwrap();
    let mut expected = Net::zeroed(&c, &()).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    expected.initialize(&mut rng).unwrap();
    assert_eq!(built, expected);
}

#[test]
fn a_wrong_shape_names_the_path() {
    let mut c = cfg();
    c.block.rank = vec![8, 4, 3]; // rank 3 for an Array4
    let err = Net::zeroed(&c, &()).unwrap_err();
    assert_eq!(err.path(), Some("blocks[0].conv"));
    assert!(
        matches!(err.kind(), ErrorKind::WrongShape { shape, expected } if shape == &[8, 4, 3] && expected == "rank 4")
    );
    assert_eq!(
        err.to_string(),
        "blocks[0].conv: build: shape [8, 4, 3] does not fit a parameter of rank 4"
    );
    // an element count that overflows is an error, not a panic or an abort
    let mut c = cfg();
    c.input = usize::MAX;
    let err = Net::zeroed(&c, &()).unwrap_err();
    assert_eq!(err.path(), Some("embed"));
    assert!(matches!(err.kind(), ErrorKind::ShapeOverflow { .. }));
}

#[test]
fn an_invalid_scheme_fails_at_build_with_its_path() {
    const STD: f64 = -1.0;
    #[derive(Initialize, Debug)]
    #[init(config = usize)]
    struct Bad {
        #[init(normal(std = STD), shape = (*cfg, 4))]
        w: Array2<f32>,
    }
    // allocation succeeds; the scheme's check fails when the values are drawn
    assert!(Bad::zeroed(&3, &()).is_ok());
    let err = Bad::build(&3, &(), 1).unwrap_err();
    assert_eq!(err.path(), Some("w"));
    assert_eq!(err.context(), "normal");
}

#[test]
fn tuple_structs_unit_configs_and_generic_structs_build() {
    #[derive(Initialize, Debug, PartialEq)]
    #[init(config = ())]
    struct Pair(
        #[init(he_uniform)] [[f64; 4]; 5],
        #[init(zeros, shape = 4)] Array1<f64>,
    );
    let p = Pair::build(&(), &(), 3).unwrap();
    assert_eq!(p.1.len(), 4);
    assert!(p.0.iter().flatten().any(|&x| x != 0.0));

    #[derive(Initialize, Debug, PartialEq)]
    #[init(config = usize)]
    struct Generic<F: weight_init::Float> {
        #[init(lecun_normal, shape = (*cfg, 2 * *cfg))]
        w: Array2<F>,
    }
    let g = Generic::<f32>::build(&3, &(), 9).unwrap();
    assert_eq!(g.w.shape(), &[3, 6]);
    let mut by_hand = Generic::<f32> {
        w: Array2::zeros((3, 6)),
    };
    by_hand.init_seeded(9).unwrap();
    assert_eq!(g, by_hand);
}

#[test]
fn progress_counts_every_parameter_and_byte() {
    let c = cfg();
    let mut net = Net::zeroed(&c, &()).unwrap();
    let mut seen = Vec::new();
    net.init_seeded_with_progress(42, |p| {
        seen.push((
            p.path.to_string(),
            p.params_done,
            p.params_total,
            p.bytes_done,
            p.bytes_total,
        ));
    })
    .unwrap();
    // the same values as without progress
    assert_eq!(net, Net::build(&c, &(), 42).unwrap());
    // one call per parameter, in walk order, with the totals of a separate count
    struct Sizes(Vec<(String, u64)>);
    impl Visit for Sizes {
        fn param<T: Parameter + ?Sized>(
            &mut self,
            path: &ParamPath,
            target: &T,
            _: &weight_init::Init,
        ) -> Result<(), weight_init::InitError> {
            let n: usize = target.dims().iter().product();
            self.0
                .push((path.to_string(), (n * size_of::<T::Elem>()) as u64));
            Ok(())
        }
    }
    let mut sizes = Sizes(Vec::new());
    net.walk(&mut ParamPath::new(), &mut sizes).unwrap();
    let total: u64 = sizes.0.iter().map(|s| s.1).sum();
    assert_eq!(seen.len(), sizes.0.len());
    let mut done = 0;
    for (k, ((path, params_done, params_total, bytes_done, bytes_total), (p, b))) in
        seen.iter().zip(&sizes.0).enumerate()
    {
        done += b;
        assert_eq!(path, p);
        assert_eq!(*params_done, k + 1);
        assert_eq!(*params_total, sizes.0.len());
        assert_eq!(*bytes_done, done);
        assert_eq!(*bytes_total, total);
    }
    assert_eq!(seen.last().unwrap().3, total);
    // embed is f64: 16 × 12 × 8 bytes
    assert_eq!(sizes.0[0], ("embed".to_string(), 16 * 12 * 8));
}

/// A tensor that lives on a "device" of its own: a framework type as the integrations see it,
/// reached only through `update_on_host` / `inspect_on_host`.
#[derive(Debug, PartialEq)]
struct DevTensor {
    shape: Vec<usize>,
    data: Vec<f32>,
    device: u8,
    uploads: usize,
}

#[derive(Debug, PartialEq)]
struct Gpu(u8);

impl Parameter for DevTensor {
    type Elem = f32;
    fn dims(&self) -> Vec<usize> {
        self.shape.clone()
    }
    fn update<W: weight_init::HostMut<f32>>(
        &mut self,
        work: W,
    ) -> Result<W::Output, weight_init::InitError> {
        let current = W::READS.then(|| self.data.clone());
        let (values, out) = weight_init::update_on_host(&self.shape, current, work)?;
        self.data = values;
        self.uploads += 1;
        Ok(out)
    }
    fn inspect<W: weight_init::HostRef<f32>>(
        &self,
        work: W,
    ) -> Result<W::Output, weight_init::InitError> {
        weight_init::inspect_on_host(&self.shape, self.data.clone(), work)
    }
}

impl weight_init::AllowsFans for DevTensor {}

impl weight_init::Construct<Gpu> for DevTensor {
    fn zeros(shape: &[usize], device: &Gpu) -> Result<Self, weight_init::InitError> {
        let n = weight_init::element_count(shape, "build")?;
        Ok(DevTensor {
            shape: shape.to_vec(),
            data: vec![0.0; n],
            device: device.0,
            uploads: 0,
        })
    }
}

#[derive(Initialize)]
#[init(config = BlockCfg)]
struct DevBlock {
    #[init(he_normal, shape = (cfg.width, cfg.width))]
    w: DevTensor,
    #[init(zeros, shape = cfg.width)]
    b: Array1<f32>,
}

#[derive(Initialize)]
#[init(config = Cfg)]
struct DevNet {
    #[init(glorot_uniform, shape = [cfg.hidden, cfg.input])]
    embed: DevTensor,
    #[init(config = cfg.block, len = cfg.layers)]
    blocks: Vec<DevBlock>,
}

#[derive(Initialize)]
#[init(config = Cfg)]
struct HostNet {
    #[init(glorot_uniform, shape = [cfg.hidden, cfg.input])]
    embed: Array2<f32>,
    #[init(config = cfg.block, len = cfg.layers)]
    blocks: Vec<HostBlock>,
}

#[derive(Initialize)]
#[init(config = BlockCfg)]
struct HostBlock {
    #[init(he_normal, shape = (cfg.width, cfg.width))]
    w: Array2<f32>,
    #[init(zeros, shape = cfg.width)]
    b: Array1<f32>,
}

#[test]
fn device_tensors_build_on_their_device_with_the_host_values() {
    let c = cfg();
    let dev = DevNet::build(&c, &Gpu(7), 11).unwrap();
    let host = HostNet::build(&c, &(), 11).unwrap();
    assert_eq!(dev.embed.device, 7);
    assert_eq!(dev.embed.uploads, 1);
    assert_eq!(
        dev.embed.data,
        host.embed.iter().copied().collect::<Vec<_>>()
    );
    for (d, h) in dev.blocks.iter().zip(&host.blocks) {
        assert_eq!(d.w.device, 7);
        assert_eq!(d.w.shape, vec![16, 16]);
        assert_eq!(d.w.data, h.w.iter().copied().collect::<Vec<_>>());
        assert_eq!(d.b, h.b);
    }
    // the report reads device tensors through `inspect`
    let r = report(&dev).unwrap();
    let h = report(&host).unwrap();
    assert_eq!(r, h);
    // LSUV-style in-place work reads the current values (READS = true)
    let mut dev = dev;
    let before = dev.blocks[0].w.data.clone();
    let lsuv = weight_init::Lsuv {
        orthonormal: false,
        ..Default::default()
    };
    lsuv.run(&mut dev, &["blocks[0].w"], 1, |m: &DevNet| {
        // an "output" whose variance is 4 times that of the weight's values
        let w = &m.blocks[0].w.data;
        weight_init::LayerOutputs::from([(
            "blocks[0].w".to_string(),
            w.iter().map(|&x| 2.0 * f64::from(x) / 0.35).collect(),
        )])
    })
    .unwrap();
    let after = &dev.blocks[0].w.data;
    let ratio = f64::from(after[0]) / f64::from(before[0]);
    assert!(
        after
            .iter()
            .zip(&before)
            .all(|(a, b)| (f64::from(*a) - ratio * f64::from(*b)).abs() < 1e-6)
    );
    assert!(ratio < 1.0 && ratio > 0.0, "{ratio}");
}

#[test]
fn generic_nested_models_build() {
    #[derive(Initialize, Debug, PartialEq)]
    #[init(config = BlockCfg)]
    struct GBlock<F: weight_init::Float> {
        #[init(he_normal, shape = (cfg.width, cfg.width))]
        w: Array2<F>,
    }
    #[derive(Initialize, Debug, PartialEq)]
    #[init(config = Cfg)]
    struct GNet<F: weight_init::Float> {
        #[init(config = cfg.block, len = cfg.layers)]
        blocks: Vec<GBlock<F>>,
        #[init(config = &cfg.block)]
        last: GBlock<F>,
    }
    let c = cfg();
    let a = GNet::<f64>::build(&c, &(), 3).unwrap();
    assert_eq!(a.blocks.len(), 3);
    let mut b = GNet::<f64>::zeroed(&c, &()).unwrap();
    b.init_seeded(3).unwrap();
    assert_eq!(a, b);
}

#[test]
fn fill_param_gives_a_device_tensor_the_values_of_an_ndarray() {
    use rand::SeedableRng;
    use weight_init::{Construct, Init};
    let init = Init::he_uniform();
    let mut t = DevTensor::zeros(&[5, 7], &Gpu(1)).unwrap();
    let mut a = Array2::<f32>::zeros((5, 7));
    init.fill_param(&mut t, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    init.fill(&mut a, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    assert_eq!(t.data, a.iter().copied().collect::<Vec<_>>());
    init.fill_param_seeded(&mut t, 9, "w").unwrap();
    init.fill_seeded(&mut a, 9, "w").unwrap();
    assert_eq!(t.data, a.iter().copied().collect::<Vec<_>>());
    assert_eq!(t.uploads, 2);
    // an invalid scheme is an error, not a panic
    assert!(
        Init::normal(0.0, f64::NAN)
            .fill_param(&mut t, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3))
            .is_err()
    );
}

#[test]
fn a_shape_whose_bytes_overflow_or_exceed_memory_is_an_error() {
    #[derive(Initialize, Debug)]
    #[init(config = Vec<usize>)]
    struct Big {
        #[init(zeros, shape = cfg.clone())]
        w: ndarray::ArrayD<f32>,
        #[init(zeros, shape = cfg[0])]
        v: Vec<f64>,
    }
    // 2^62 f32 elements: the count fits isize, the bytes (2^64) do not
    let err = Big::zeroed(&vec![1 << 62], &()).unwrap_err();
    assert_eq!(err.path(), Some("w"));
    assert_eq!(err.context(), "build");
    assert_eq!(
        err.kind(),
        &ErrorKind::OutOfMemory {
            items: 1 << 62,
            item_bytes: 4
        }
    );
    // 2^50 f32 elements (4 PiB): more than any memory, an error rather than an abort
    let err = Big::zeroed(&vec![1 << 50], &()).unwrap_err();
    assert_eq!(err.path(), Some("w"));
    assert_eq!(
        err.kind(),
        &ErrorKind::OutOfMemory {
            items: 1 << 50,
            item_bytes: 4
        }
    );
    assert_eq!(
        err.to_string(),
        "w: build: could not allocate 4503599627370496 bytes (1125899906842624 × 4)"
    );
    // the Vec field too, after the array: a shape of rank 2 for the array is fine
    let err = Big::zeroed(&vec![1 << 50, 0], &()).unwrap_err();
    assert_eq!(err.path(), Some("v"));
    assert_eq!(
        err.kind(),
        &ErrorKind::OutOfMemory {
            items: 1 << 50,
            item_bytes: 8
        }
    );
}

#[test]
fn a_huge_len_of_models_is_an_error() {
    #[derive(Initialize, Debug)]
    #[init(config = usize)]
    struct Unit {
        #[init(zeros, shape = *cfg)]
        w: Vec<f32>,
    }
    #[derive(Initialize, Debug)]
    #[init(config = usize)]
    struct Many {
        #[init(config = 1, len = *cfg)]
        units: Vec<Unit>,
    }
    let err = Many::zeroed(&1_000_000_000_000_000, &()).unwrap_err();
    assert_eq!(err.path(), Some("units"));
    assert_eq!(
        err.kind(),
        &ErrorKind::OutOfMemory {
            items: 1_000_000_000_000_000,
            item_bytes: std::mem::size_of::<Unit>()
        }
    );
    assert_eq!(Many::zeroed(&3, &()).unwrap().units.len(), 3);
}

#[test]
fn a_model_of_large_fixed_size_arrays_builds_in_a_small_stack() {
    #[derive(Initialize)]
    #[init(config = ())]
    struct Fixed {
        #[init(he_normal)]
        w: Box<[[f32; 362]; 362]>,
    }
    let built = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let m = Fixed::build(&(), &(), 7).unwrap();
            m.w.iter().flatten().filter(|&&x| x != 0.0).count()
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(built > 362 * 362 - 10);
}

#[test]
fn a_raw_identifier_is_named_without_its_prefix() {
    const STD: f64 = -1.0;
    #[derive(Initialize, Debug)]
    #[init(config = ())]
    struct Raw {
        #[init(zeros, shape = 2)]
        r#type: Vec<f32>,
        #[init(normal(std = STD), shape = 2)]
        r#match: Vec<f32>,
    }
    let m = Raw::zeroed(&(), &()).unwrap();
    let names: Vec<String> = weight_init::params(&m)
        .unwrap()
        .into_iter()
        .map(|p| format!("{} {}", p.path, p.name))
        .collect();
    assert_eq!(names, ["type type", "match match"]);
    assert_eq!(Raw::build(&(), &(), 1).unwrap_err().path(), Some("match"));
}
