//! [`Init`]: the value that describes one scheme, its constructors and modifiers, and which
//! modifiers mean something for which scheme.

use super::fans::{FanMode, Layout};
use super::gain::Gain;
use crate::error::{ErrorKind, InitError};

/// The distribution of a variance-scaling scheme ([`Init::variance_scaling`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    /// U(−√(3·scale/n), √(3·scale/n)).
    Uniform,
    /// N(0, scale/n), untruncated (PyTorch, Burn, candle).
    Normal,
    /// The JAX/Keras form: a normal truncated at ±2σ whose σ is √(scale/n) divided by
    /// [`TRUNC_2SIGMA_STD`](crate::TRUNC_2SIGMA_STD) = 0.87962566103423978, so that the
    /// variance after truncation is exactly scale/n.
    TruncatedNormal,
}

impl Distribution {
    /// The name in the attribute language: `uniform`, `normal`, `truncated_normal`.
    pub fn name(self) -> &'static str {
        match self {
            Distribution::Uniform => "uniform",
            Distribution::Normal => "normal",
            Distribution::TruncatedNormal => "truncated_normal",
        }
    }
}

/// The fan-based families: each is variance scaling with its own default gain and fan mode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Family {
    /// Glorot & Bengio 2010: Var = gain²/fan_avg.
    Glorot,
    /// He et al. 2015: Var = gain²/fan_in, gain √2 by default.
    He,
    /// LeCun et al. 1998: Var = 1/fan_in.
    LeCun,
    /// PyTorch's nn.Linear / nn.ConvNd default: U(±1/√fan_in), i.e. Var = 1/(3·fan_in).
    TorchDefault,
    /// JAX's `variance_scaling(scale, mode, distribution)`: Var = scale/n.
    VarianceScaling(f64),
}

impl Family {
    pub(crate) fn default_gain(self) -> Gain {
        match self {
            Family::He => Gain::Relu,
            _ => Gain::Linear,
        }
    }

    pub(crate) fn default_mode(self) -> FanMode {
        match self {
            Family::Glorot => FanMode::FanAvg,
            _ => FanMode::FanIn,
        }
    }

    /// The variance numerator before the gain: Var = gain² · base / n.
    pub(crate) fn base(self) -> f64 {
        match self {
            Family::TorchDefault => 1.0 / 3.0,
            Family::VarianceScaling(scale) => scale,
            _ => 1.0,
        }
    }
}

/// The scheme proper, before modifiers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scheme {
    Constant(f64),
    Uniform {
        low: f64,
        high: f64,
    },
    Normal {
        mean: f64,
        std: f64,
    },
    TruncatedNormal {
        mean: f64,
        std: f64,
        low: f64,
        high: f64,
    },
    TruncatedNormalSigmas {
        mean: f64,
        std: f64,
        sigmas: f64,
    },
    Fan {
        family: Family,
        distribution: Distribution,
    },
    #[cfg(feature = "orthogonal")]
    Orthogonal,
    Eye,
    Dirac {
        groups: usize,
    },
    #[cfg(feature = "orthogonal")]
    DeltaOrthogonal,
    Sparse {
        sparsity: f64,
        std: f64,
    },
}

impl Scheme {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Scheme::Constant(_) => "constant",
            Scheme::Uniform { .. } => "uniform",
            Scheme::Normal { .. } => "normal",
            Scheme::TruncatedNormal { .. } | Scheme::TruncatedNormalSigmas { .. } => {
                "truncated_normal"
            }
            Scheme::Fan {
                family,
                distribution,
            } => match (family, distribution) {
                (Family::Glorot, Distribution::Uniform) => "glorot_uniform",
                (Family::Glorot, _) => "glorot_normal",
                (Family::He, Distribution::Uniform) => "he_uniform",
                (Family::He, _) => "he_normal",
                (Family::LeCun, Distribution::Uniform) => "lecun_uniform",
                (Family::LeCun, _) => "lecun_normal",
                (Family::TorchDefault, _) => "torch_default",
                (Family::VarianceScaling(_), _) => "variance_scaling",
            },
            #[cfg(feature = "orthogonal")]
            Scheme::Orthogonal => "orthogonal",
            Scheme::Eye => "eye",
            Scheme::Dirac { .. } => "dirac",
            #[cfg(feature = "orthogonal")]
            Scheme::DeltaOrthogonal => "delta_orthogonal",
            Scheme::Sparse { .. } => "sparse",
        }
    }
}

/// One initialisation scheme with its modifiers: a cheap, comparable description that
/// [`fill`](Init::fill)s parameters and [`resolve`](Init::resolve)s what it would do for a shape.
///
/// Constructors and modifiers never fail; parameters are checked when the scheme meets a shape
/// (in `fill` and `resolve`), which return an [`InitError`] naming the scheme and the value.
///
/// `n_in` and `n_out` below are the fans of the parameter under its [`Layout`]
/// (PyTorch's `(out, in, *kernel)` unless [`layout`](Init::layout) says otherwise).
///
/// | constructor (aliases) | values | paper / peer |
/// |---|---|---|
/// | [`zeros`](Init::zeros), [`ones`](Init::ones), [`constant(v)`](Init::constant) | the constant | |
/// | [`uniform(low, high)`](Init::uniform), [`uniform_symmetric(a)`](Init::uniform_symmetric) | U(low, high), U(−a, a) | |
/// | [`normal(mean, std)`](Init::normal) | N(mean, std²) | |
/// | [`truncated_normal(mean, std, low, high)`](Init::truncated_normal) | N(mean, std²) conditioned on [low, high] | PyTorch `trunc_normal_` |
/// | [`truncated_normal_sigmas(mean, std, k)`](Init::truncated_normal_sigmas) | N(mean, std²) conditioned on mean ± k·std | JAX `truncated_normal` |
/// | [`glorot_uniform`](Init::glorot_uniform) ([`xavier_uniform`](Init::xavier_uniform)) | U(±gain·√(6/(n_in+n_out))) | Glorot & Bengio 2010 |
/// | [`glorot_normal`](Init::glorot_normal) ([`xavier_normal`](Init::xavier_normal)) | N(0, gain²·2/(n_in+n_out)) | Glorot & Bengio 2010 |
/// | [`he_uniform`](Init::he_uniform) ([`kaiming_uniform`](Init::kaiming_uniform)) | U(±gain·√(3/n)), gain √2, n = n_in | He et al. 2015 |
/// | [`he_normal`](Init::he_normal) ([`kaiming_normal`](Init::kaiming_normal)) | N(0, gain²/n), gain √2, n = n_in | He et al. 2015 |
/// | [`lecun_uniform`](Init::lecun_uniform), [`lecun_normal`](Init::lecun_normal) | U(±√(3/n_in)), N(0, 1/n_in) | LeCun et al. 1998 |
/// | [`variance_scaling(scale, mode, distribution)`](Init::variance_scaling) | Var = scale/n | JAX, Keras |
/// | [`torch_default`](Init::torch_default) | U(±1/√n_in) | PyTorch nn.Linear / nn.ConvNd |
/// | [`orthogonal`](Init::orthogonal) | gain·Q of a Gaussian's QR | Saxe et al. 2014; Mezzadri 2007 |
/// | [`eye`](Init::eye) ([`identity`](Init::identity)) | gain·I, rectangular, rank 2 | Le et al. 2015 (IRNN) |
/// | [`dirac(groups)`](Init::dirac) | identity convolution, centre tap k//2 | PyTorch `dirac_` |
/// | [`delta_orthogonal`](Init::delta_orthogonal) | orthogonal centre tap, zero elsewhere | Xiao et al. 2018 |
/// | [`sparse(sparsity, std)`](Init::sparse) | ceil(sparsity·rows) zeros per column, the rest N(0, std²) | Martens 2010 |
///
/// Modifiers: [`gain`](Init::gain), [`mode`](Init::mode), [`truncated`](Init::truncated),
/// [`scale`](Init::scale), [`layout`](Init::layout), [`fans`](Init::fans) (and
/// [`fan_in`](Init::fan_in), [`fan_out`](Init::fan_out)), [`blocks`](Init::blocks) (a fused
/// tensor initialised block by block, and [`block`](Init::block) for one block's own scheme).
///
/// The normal flavours follow PyTorch: `he_normal`, `glorot_normal` and `lecun_normal` are
/// untruncated. JAX's and Keras's versions of the same names are truncated at ±2σ with a
/// variance correction: add [`.truncated()`](Init::truncated).
///
/// ```
/// use init_core::{Init, Gain, FanMode};
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(7);
/// let mut w = ndarray::Array2::<f32>::zeros((256, 784));
/// Init::he_normal().fill(&mut w, &mut rng).unwrap();
/// let r = Init::he_normal().resolve(&[256, 784]).unwrap();
/// assert_eq!(r.fans.unwrap().fan_in, 784);
/// assert!((r.std - (2.0f64 / 784.0).sqrt()).abs() < 1e-15);
///
/// let init = Init::kaiming_uniform().gain(Gain::LeakyRelu(0.2)).mode(FanMode::FanOut);
/// assert_ne!(init, Init::he_uniform());
/// assert_eq!(Init::he_normal(), Init::kaiming_normal());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Init {
    pub(crate) scheme: Scheme,
    pub(crate) gain: Option<Gain>,
    pub(crate) mode: Option<FanMode>,
    pub(crate) truncated: bool,
    pub(crate) scale: f64,
    pub(crate) layout: Layout,
    pub(crate) fan_in: Option<usize>,
    pub(crate) fan_out: Option<usize>,
    /// How many equal blocks the output axis is split into (1: not blocked).
    pub(crate) blocks: usize,
    /// Blocks with a scheme of their own, by block index, in the order given.
    pub(crate) block_inits: Vec<(usize, Init)>,
}

impl Init {
    fn of(scheme: Scheme) -> Self {
        Init {
            scheme,
            gain: None,
            mode: None,
            truncated: false,
            scale: 1.0,
            layout: Layout::OutIn,
            fan_in: None,
            fan_out: None,
            blocks: 1,
            block_inits: Vec::new(),
        }
    }

    fn fan(family: Family, distribution: Distribution) -> Self {
        Self::of(Scheme::Fan {
            family,
            distribution,
        })
    }

    /// All zeros. The usual bias init; never for weights (every unit would learn the same).
    pub fn zeros() -> Self {
        Self::constant(0.0)
    }

    /// All ones (LayerNorm / BatchNorm weights).
    pub fn ones() -> Self {
        Self::constant(1.0)
    }

    /// Every element `value`.
    pub fn constant(value: f64) -> Self {
        Self::of(Scheme::Constant(value))
    }

    /// U(low, high): uniform on `[low, high)`, as PyTorch's `uniform_`. Needs `low < high`.
    pub fn uniform(low: f64, high: f64) -> Self {
        Self::of(Scheme::Uniform { low, high })
    }

    /// U(−a, a), the article's "small random" init with a = 0.05, say. Needs `a > 0`.
    pub fn uniform_symmetric(a: f64) -> Self {
        Self::uniform(-a, a)
    }

    /// N(mean, std²). Needs a finite `std >= 0` (0 gives the constant `mean`).
    pub fn normal(mean: f64, std: f64) -> Self {
        Self::of(Scheme::Normal { mean, std })
    }

    /// N(mean, std²) conditioned on `[low, high]`, absolute bounds (PyTorch's
    /// `trunc_normal_(mean, std, a, b)`). `std` is the std before truncation; the bounds may be
    /// infinite, and the mean may lie outside them.
    pub fn truncated_normal(mean: f64, std: f64, low: f64, high: f64) -> Self {
        Self::of(Scheme::TruncatedNormal {
            mean,
            std,
            low,
            high,
        })
    }

    /// N(mean, std²) conditioned on `mean ± sigmas·std` (JAX's `truncated_normal` has
    /// `sigmas = 2`). `std` is the std before truncation.
    pub fn truncated_normal_sigmas(mean: f64, std: f64, sigmas: f64) -> Self {
        Self::of(Scheme::TruncatedNormalSigmas { mean, std, sigmas })
    }

    /// Glorot/Xavier uniform (Glorot & Bengio 2010, "Understanding the difficulty of training
    /// deep feedforward neural networks"): U(±gain·√(6/(n_in + n_out))).
    pub fn glorot_uniform() -> Self {
        Self::fan(Family::Glorot, Distribution::Uniform)
    }

    /// Alias of [`glorot_uniform`](Init::glorot_uniform) (PyTorch's name).
    pub fn xavier_uniform() -> Self {
        Self::glorot_uniform()
    }

    /// Glorot/Xavier normal (Glorot & Bengio 2010): N(0, gain²·2/(n_in + n_out)), untruncated
    /// as PyTorch's `xavier_normal_`; JAX's `glorot_normal` is `.truncated()`.
    pub fn glorot_normal() -> Self {
        Self::fan(Family::Glorot, Distribution::Normal)
    }

    /// Alias of [`glorot_normal`](Init::glorot_normal) (PyTorch's name).
    pub fn xavier_normal() -> Self {
        Self::glorot_normal()
    }

    /// He/Kaiming uniform (He et al. 2015, "Delving Deep into Rectifiers"):
    /// U(±gain·√(3/n)) with gain √2 (ReLU) and n = n_in unless modified.
    pub fn he_uniform() -> Self {
        Self::fan(Family::He, Distribution::Uniform)
    }

    /// Alias of [`he_uniform`](Init::he_uniform) (PyTorch's name).
    pub fn kaiming_uniform() -> Self {
        Self::he_uniform()
    }

    /// He/Kaiming normal (He et al. 2015): N(0, gain²/n) with gain √2 and n = n_in unless
    /// modified; untruncated as PyTorch's `kaiming_normal_`.
    pub fn he_normal() -> Self {
        Self::fan(Family::He, Distribution::Normal)
    }

    /// Alias of [`he_normal`](Init::he_normal) (PyTorch's name).
    pub fn kaiming_normal() -> Self {
        Self::he_normal()
    }

    /// LeCun uniform (LeCun et al. 1998, "Efficient BackProp"): U(±√(3/n_in)).
    pub fn lecun_uniform() -> Self {
        Self::fan(Family::LeCun, Distribution::Uniform)
    }

    /// LeCun normal (LeCun et al. 1998): N(0, 1/n_in), the init SELU networks assume.
    pub fn lecun_normal() -> Self {
        Self::fan(Family::LeCun, Distribution::Normal)
    }

    /// JAX's and Keras's `variance_scaling`: Var = scale/n with n chosen by `mode`, drawn from
    /// `distribution` (see [`Distribution`]). Needs a finite `scale >= 0`.
    pub fn variance_scaling(scale: f64, mode: FanMode, distribution: Distribution) -> Self {
        Self::fan(Family::VarianceScaling(scale), distribution).mode(mode)
    }

    /// What PyTorch's `nn.Linear` and `nn.ConvNd` give both weight and bias:
    /// U(±1/√n_in) (`kaiming_uniform_(a = √5)`). For a bias, take the fans of its weight
    /// ([`fan_in`](Init::fan_in)).
    pub fn torch_default() -> Self {
        Self::fan(Family::TorchDefault, Distribution::Uniform)
    }

    /// Orthogonal (Saxe, McClelland & Ganguli 2014; the sign fix of Mezzadri 2007): draw a
    /// Gaussian (rows, cols) matrix, rows = the output axes, cols = the rest; take Q of its QR
    /// (of its transpose when rows < cols), multiply each column by sign(diag R), transpose back,
    /// times gain. Rows (or columns, when tall) are then orthonormal: WWᵀ = gain²·I.
    #[cfg(feature = "orthogonal")]
    pub fn orthogonal() -> Self {
        Self::of(Scheme::Orthogonal)
    }

    /// The rectangular identity, times gain, for rank-2 parameters (Le, Jaitly & Hinton 2015,
    /// the IRNN; PyTorch `eye_`).
    pub fn eye() -> Self {
        Self::of(Scheme::Eye)
    }

    /// Alias of [`eye`](Init::eye).
    pub fn identity() -> Self {
        Self::eye()
    }

    /// The convolution kernel that passes its input through (PyTorch `dirac_`): for each of
    /// `groups` groups, output channel `g·(out/groups) + d` has a 1 (times gain) at input
    /// channel `d` and the centre tap `k//2` of every spatial axis, for `d < min(out/groups, in)`.
    /// Needs rank ≥ 3 and `groups` dividing the output channels.
    pub fn dirac(groups: usize) -> Self {
        Self::of(Scheme::Dirac { groups })
    }

    /// Delta-orthogonal (Xiao et al. 2018, "Dynamical Isometry and a Mean Field Theory of
    /// CNNs"): a convolution kernel that is zero except its centre tap, an (out × in) matrix
    /// with orthonormal columns, times gain. Needs rank ≥ 3 and in ≤ out.
    #[cfg(feature = "orthogonal")]
    pub fn delta_orthogonal() -> Self {
        Self::of(Scheme::DeltaOrthogonal)
    }

    /// Sparse (Martens 2010, "Deep learning via Hessian-free optimization"), as PyTorch's
    /// `sparse_`: in each column of a rank-2 parameter, `ceil(sparsity·rows)` entries at
    /// positions drawn from the same rng (seeded, unlike PyTorch) are zero; the others are
    /// N(0, std²). Needs `sparsity` in [0, 1] and a finite `std >= 0`.
    pub fn sparse(sparsity: f64, std: f64) -> Self {
        Self::of(Scheme::Sparse { sparsity, std })
    }

    /// Sets the gain. Fan-based and orthogonal/eye/dirac/delta-orthogonal schemes use it in
    /// their formula (replacing the default: √2 for He, 1 otherwise); for the plain
    /// distributions (constant, uniform, normal, truncated normal, sparse) it multiplies the
    /// values, like [`scale`](Init::scale).
    #[must_use]
    pub fn gain(mut self, gain: impl Into<Gain>) -> Self {
        self.gain = Some(gain.into());
        self
    }

    /// Sets which fan a fan-based scheme divides by. On other schemes it means nothing: an
    /// error when the scheme meets a shape ([`ErrorKind::ModifierNotApplicable`]).
    #[must_use]
    pub fn mode(mut self, mode: FanMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Turns a normal into the JAX/Keras truncated form: truncated at ±2σ with σ divided by
    /// 0.87962566103423978, so the std after truncation is the one asked for. Applies to the
    /// normal schemes (`normal`, `*_normal`, `variance_scaling` with a normal); on others an
    /// error when the scheme meets a shape ([`ErrorKind::ModifierNotApplicable`]).
    #[must_use]
    pub fn truncated(mut self) -> Self {
        self.truncated = true;
        self
    }

    /// Multiplies the values (every scheme), e.g. GPT-2's 1/√(2·n_layers) on residual
    /// projections. Repeated calls multiply.
    #[must_use]
    pub fn scale(mut self, factor: f64) -> Self {
        self.scale *= factor;
        self
    }

    /// Sets the layout that fans and output axes are read under (default [`Layout::OutIn`]).
    #[must_use]
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// Sets both fans explicitly, overriding the shape (for biases, depthwise or unusual
    /// kernels).
    #[must_use]
    pub fn fans(self, fan_in: usize, fan_out: usize) -> Self {
        self.fan_in(fan_in).fan_out(fan_out)
    }

    /// Sets the fan-in explicitly.
    #[must_use]
    pub fn fan_in(mut self, fan_in: usize) -> Self {
        self.fan_in = Some(fan_in);
        self
    }

    /// Sets the fan-out explicitly.
    #[must_use]
    pub fn fan_out(mut self, fan_out: usize) -> Self {
        self.fan_out = Some(fan_out);
        self
    }

    /// Splits the parameter's **output axis** into `k` equal blocks and initialises each as a
    /// parameter of its own: a fused tensor (a `(3d, d)` QKV projection, an LSTM's `(4h, in)`
    /// gate weights) gets what its blocks would get as separate tensors.
    ///
    /// - **The axis** is the layout's output axis: axis 0 under [`Layout::OutIn`] (PyTorch's
    ///   `(out, in, …)`, where `torch.chunk(k, 0)` and the LSTM/GRU gates split), the last axis
    ///   under [`Layout::InOut`] (Burn's `Linear`, JAX's `(…, in, out)`), the first of
    ///   `out_axes` under [`Layout::Axes`]; axis 0 of a rank-1 parameter (a fused bias).
    /// - **Fans**: each block's `fan_out` is the parameter's divided by `k` (its output axis is
    ///   `k` times shorter); `fan_in` is the parameter's. Explicit fans ([`fans`](Init::fans))
    ///   describe the whole parameter too and are divided the same way. So a Glorot bound on a
    ///   `(3d, d)` QKV weight is √(6/(d + d)), that of one `(d, d)` block, not √(6/(d + 3d)).
    /// - **Structured schemes** apply to each block: orthogonal gives every block orthonormal
    ///   rows (or columns) of its own, as `torch.nn.init.orthogonal_` on each chunk; eye, dirac,
    ///   delta-orthogonal and sparse write their pattern in each block.
    /// - **Values** stay a pure function of (seed, name, index) and shard as any parameter's
    ///   (see [`fill_seeded`](Init::fill_seeded) for the keyed contract of blocks).
    ///
    /// `blocks(1)` is no blocking. `k = 0`, or `k` not dividing the output axis, is an error
    /// when the scheme meets a shape ([`ErrorKind::BlocksMismatch`]).
    ///
    /// ```
    /// use init_core::Init;
    /// // a fused QKV projection of d = 64: each (64, 64) block Glorot-uniform on its own fans
    /// let r = Init::glorot_uniform().blocks(3).resolve(&[192, 64]).unwrap();
    /// let fans = r.fans.unwrap();
    /// assert_eq!((fans.fan_in, fans.fan_out), (64, 64));
    /// assert!(Init::glorot_uniform().blocks(5).resolve(&[192, 64]).is_err());
    /// ```
    #[must_use]
    pub fn blocks(mut self, k: usize) -> Self {
        self.blocks = k;
        self
    }

    /// Gives block `index` (from 0, along the axis [`blocks`](Init::blocks) splits) a scheme
    /// of its own; the other blocks keep this one. `init` reads its block under this scheme's
    /// layout and explicit fans unless it sets its own, and its fans are a block's; it may not
    /// be blocked itself. An LSTM's forget-gate bias of 1 (Jozefowicz, Zaremba & Sutskever
    /// 2015) on PyTorch's gate order i, f, g, o:
    ///
    /// ```
    /// use init_core::Init;
    /// let hidden = 8;
    /// let bound = 1.0 / (hidden as f64).sqrt();
    /// let bias_ih = Init::uniform_symmetric(bound).blocks(4).block(1, Init::ones());
    /// let mut b = vec![0.0f32; 4 * hidden];
    /// bias_ih.fill_seeded(&mut b, 7, "lstm.bias_ih_l0").unwrap();
    /// assert!(b[hidden..2 * hidden].iter().all(|&x| x == 1.0));
    /// // the other gates hold exactly what the unblocked scheme gives them
    /// let mut plain = vec![0.0f32; 4 * hidden];
    /// Init::uniform_symmetric(bound).fill_seeded(&mut plain, 7, "lstm.bias_ih_l0").unwrap();
    /// assert_eq!(b[..hidden], plain[..hidden]);
    /// ```
    ///
    /// Errors when the scheme meets a shape: `index` not below the block count, or `init`
    /// itself blocked ([`ErrorKind::InvalidParameter`]). Giving the same block again replaces
    /// its scheme.
    #[must_use]
    pub fn block(mut self, index: usize, init: Init) -> Self {
        self.block_inits.retain(|(i, _)| *i != index);
        self.block_inits.push((index, init));
        self
    }

    /// Whether the parameter is initialised block by block ([`blocks`](Init::blocks) other than
    /// 1, or a block with a scheme of its own).
    pub(crate) fn is_blocked(&self) -> bool {
        self.blocks != 1 || !self.block_inits.is_empty()
    }

    /// The scheme of block `b` of a blocked parameter, blocks removed: the one given for it
    /// (under this scheme's layout, and with its explicit fans, unless it sets its own), else
    /// this scheme.
    pub(crate) fn block_init(&self, b: usize) -> Init {
        match self.block_inits.iter().find(|(i, _)| *i == b) {
            Some((_, own)) => {
                let mut own = own.clone();
                if own.layout == Layout::OutIn {
                    own.layout = self.layout.clone();
                }
                own.fan_in = own.fan_in.or(self.fan_in);
                own.fan_out = own.fan_out.or(self.fan_out);
                own
            }
            None => Init {
                blocks: 1,
                block_inits: Vec::new(),
                ..self.clone()
            },
        }
    }

    /// Whether this scheme, or the scheme of one of its blocks, reads fans (so that a layer's
    /// fans are worth giving it).
    pub(crate) fn uses_fans(&self) -> bool {
        self.takes_mode() || self.block_inits.iter().any(|(_, i)| i.uses_fans())
    }

    /// Whether [`mode`](Init::mode) means something for this scheme: the fan-based family
    /// (Glorot, He, LeCun, variance scaling, PyTorch's default).
    pub(crate) fn takes_mode(&self) -> bool {
        matches!(self.scheme, Scheme::Fan { .. })
    }

    /// Whether [`truncated`](Init::truncated) means something for this scheme: the normal
    /// schemes (`normal`, the `*_normal` family, `variance_scaling` with a normal).
    pub(crate) fn takes_truncation(&self) -> bool {
        matches!(
            self.scheme,
            Scheme::Normal { .. }
                | Scheme::Fan {
                    distribution: Distribution::Normal | Distribution::TruncatedNormal,
                    ..
                }
        )
    }

    /// Whether the scheme draws its whole parameter at once from a sequential stream
    /// (orthogonal, delta-orthogonal, sparse), rather than element by element.
    pub(crate) fn draws_whole(&self) -> bool {
        if self.block_inits.iter().any(|(_, i)| i.draws_whole()) {
            return true;
        }
        match self.scheme {
            #[cfg(feature = "orthogonal")]
            Scheme::Orthogonal | Scheme::DeltaOrthogonal => true,
            Scheme::Sparse { .. } => true,
            _ => false,
        }
    }

    /// Whether every element gets the same value: `zeros`, `ones`, `constant(v)`, whatever the
    /// modifiers (a gain or scale multiplies the constant); for a parameter in
    /// [`blocks`](Init::blocks), whether each block's scheme is a constant. On a weight of rank ≥ 2 such a
    /// scheme gives every unit the same incoming weights: the symmetry
    /// [`report`](crate::report) marks.
    pub fn is_constant(&self) -> bool {
        matches!(self.scheme, Scheme::Constant(_))
            && self.block_inits.iter().all(|(_, i)| i.is_constant())
    }

    /// The scheme's name (`he_normal` for `kaiming_normal` too).
    pub fn name(&self) -> &'static str {
        self.scheme.name()
    }

    pub(crate) fn err(&self, kind: ErrorKind) -> InitError {
        InitError::new(self.name(), kind)
    }
}

impl std::fmt::Display for Init {
    /// The scheme's name and its modifiers, e.g. `he_normal(gain = 1.414, mode = fan_out, truncated)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())?;
        let mut parts: Vec<String> = Vec::new();
        match &self.scheme {
            Scheme::Constant(v) => parts.push(format!("{v}")),
            Scheme::Uniform { low, high } => parts.push(format!("{low}, {high}")),
            Scheme::Normal { mean, std } => parts.push(format!("mean = {mean}, std = {std}")),
            Scheme::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => parts.push(format!(
                "mean = {mean}, std = {std}, low = {low}, high = {high}"
            )),
            Scheme::TruncatedNormalSigmas { mean, std, sigmas } => {
                parts.push(format!("mean = {mean}, std = {std}, sigmas = {sigmas}"));
            }
            Scheme::Fan {
                family: Family::VarianceScaling(scale),
                distribution,
            } => parts.push(format!(
                "scale = {scale}, distribution = {}",
                distribution.name()
            )),
            Scheme::Dirac { groups } => parts.push(format!("groups = {groups}")),
            Scheme::Sparse { sparsity, std } => {
                parts.push(format!("sparsity = {sparsity}, std = {std}"));
            }
            _ => {}
        }
        if let Some(g) = self.gain {
            parts.push(format!("gain = {:.4}", g.value()));
        }
        if let Some(m) = self.mode {
            parts.push(format!("mode = {}", m.name()));
        }
        if self.truncated {
            parts.push("truncated".into());
        }
        if self.scale != 1.0 {
            parts.push(format!("scale = {}", self.scale));
        }
        if self.blocks != 1 {
            parts.push(format!("blocks = {}", self.blocks));
        }
        for (i, own) in &self.block_inits {
            parts.push(format!("block {i} = {own}"));
        }
        if !parts.is_empty() {
            write!(f, "({})", parts.join(", "))?;
        }
        Ok(())
    }
}
