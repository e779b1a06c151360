//! [`Recipe`]: the presets, each a function of (role, layer, dimensions) → a scheme and the σ
//! its formula gives.

use super::naming::{Role, Stack};
use crate::error::{ErrorKind, InitError};
use crate::scheme::init::Init;

/// A transformer's dimensions, what the recipes' formulas read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Dims {
    /// The model (residual stream) width d.
    pub d_model: usize,
    /// The number of layers (blocks) L of the stack.
    pub n_layers: usize,
    /// The MLP's hidden width: the input width of its output projection (for a gated MLP, the
    /// width of the gate and of the up projection, not their sum).
    pub d_ff: usize,
    /// The vocabulary size V.
    pub vocab: usize,
    /// The output width of the key and value projections (n_kv_heads · head_dim under
    /// grouped-query attention); `d_model` unless set.
    pub d_kv: usize,
}

impl Dims {
    /// d_model, n_layers, d_ff and the vocabulary; keys and values `d_model` wide.
    pub fn new(d_model: usize, n_layers: usize, d_ff: usize, vocab: usize) -> Self {
        Dims {
            d_model,
            n_layers,
            d_ff,
            vocab,
            d_kv: d_model,
        }
    }

    /// Sets the key/value width (grouped-query attention).
    #[must_use]
    pub fn d_kv(mut self, d_kv: usize) -> Self {
        self.d_kv = d_kv;
        self
    }

    pub(crate) fn check(&self) -> Result<(), InitError> {
        for (name, v) in [
            ("d_model", self.d_model),
            ("n_layers", self.n_layers),
            ("d_ff", self.d_ff),
            ("vocab", self.vocab),
            ("d_kv", self.d_kv),
        ] {
            InitError::require(v >= 1, "recipe", name, v as f64, ">= 1")?;
        }
        Ok(())
    }

    /// (fan_in, fan_out) of a projection role, each block of a fused QKV on its own.
    pub(crate) fn fans(&self, role: Role) -> Option<(usize, usize)> {
        let (d, f) = (self.d_model, self.d_ff);
        Some(match role {
            Role::AttnQuery | Role::AttnQkv | Role::AttnOut => (d, d),
            Role::AttnKey | Role::AttnValue => (d, self.d_kv),
            Role::MlpIn | Role::MlpUp => (d, f),
            Role::MlpOut => (f, d),
            Role::Unembedding => (d, self.vocab),
            _ => return None,
        })
    }
}

/// The architecture DeepNet's and T-Fixup's constants are chosen by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// An encoder of N = `n_layers` layers (BERT).
    EncoderOnly,
    /// A decoder of M = `n_layers` layers (GPT).
    DecoderOnly,
    /// An encoder of N layers and a decoder of M layers; a [`Naming`](super::Naming)'s
    /// [`Stack`] says which of the two its parameters are in.
    EncoderDecoder {
        /// N.
        encoder_layers: usize,
        /// M.
        decoder_layers: usize,
    },
}

/// What multiplies a residual branch in the forward pass, for recipes that have such a
/// factor ([`Recipe::forward`]). The model applies it; weight-init only says its value.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Forward {
    /// DeepNet's α (DeepNorm): x_{l+1} = LN(α·x_l + G_l(x_l)); `None` for 1.
    pub residual_alpha: Option<f64>,
    /// ReZero's and LayerScale's learnt branch scale: x_{l+1} = x_l + g ⊙ G_l(x_l), with g
    /// initialised to this value (ReZero: a scalar 0; LayerScale: a `d_model` vector of ε);
    /// `None` when the branch is not scaled.
    pub branch_scale: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Gpt2 { std: f64 },
    Megatron { std: f64 },
    Mitchell,
    FullMegatron { std: f64 },
    LlamaDepth { std: f64 },
    SmallWang,
    DeepNet(Arch),
    TFixup(Arch),
    Zero,
    Spectral,
    ReZero(Box<Recipe>),
    LayerScale(Box<Recipe>),
}

/// A named initialisation recipe for transformers: a scheme for every [`Role`], from the
/// model's [`Dims`] and, where the recipe says so, the layer's index. See the
/// [module](super) for each recipe's formulas and sources.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    kind: Kind,
}

/// What a recipe gives one role: the scheme, and the σ its formula gives (before any
/// truncation; `None` for deterministic values: constants and identities).
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    /// The scheme.
    pub init: Init,
    /// The formula's σ.
    pub std: Option<f64>,
}

fn normal(std: f64) -> Planned {
    Planned {
        init: Init::normal(0.0, std),
        std: Some(std),
    }
}

fn trunc3(std: f64) -> Planned {
    Planned {
        init: Init::truncated_normal_sigmas(0.0, std, 3.0),
        std: Some(std),
    }
}

fn constant(v: f64) -> Planned {
    Planned {
        init: Init::constant(v),
        std: None,
    }
}

/// Xavier/Glorot uniform with explicit fans, times `scale`: U(±scale·√(6/(fan_in+fan_out))).
fn xavier_uniform(fan_in: usize, fan_out: usize, scale: f64) -> Planned {
    let bound = scale * (6.0 / (fan_in + fan_out) as f64).sqrt();
    Planned {
        init: Init::uniform_symmetric(bound),
        std: Some(bound / 3f64.sqrt()),
    }
}

/// Xavier/Glorot normal with explicit fans and `gain`: N(0, gain²·2/(fan_in+fan_out)).
fn xavier_normal(fan_in: usize, fan_out: usize, gain: f64) -> Planned {
    normal(gain * (2.0 / (fan_in + fan_out) as f64).sqrt())
}

/// LayerScale's ε for a depth (Touvron et al. 2021, CaiT, Sec. 3): 0.1 up to 18 layers,
/// 1e-5 up to 24, 1e-6 beyond.
pub fn layer_scale_epsilon(n_layers: usize) -> f64 {
    if n_layers <= 18 {
        0.1
    } else if n_layers <= 24 {
        1e-5
    } else {
        1e-6
    }
}

/// DeepNet's (α, β) (Wang et al. 2022, Table 1 / Figure 2) for `arch`, for the given stack.
pub fn deepnet_constants(arch: Arch, stack: Stack, n_layers: usize) -> (f64, f64) {
    match arch {
        Arch::EncoderOnly | Arch::DecoderOnly => {
            let n = n_layers as f64;
            ((2.0 * n).powf(0.25), (8.0 * n).powf(-0.25))
        }
        Arch::EncoderDecoder {
            encoder_layers,
            decoder_layers,
        } => {
            let (n, m) = (encoder_layers as f64, decoder_layers as f64);
            match stack {
                Stack::Encoder => {
                    let t = n.powi(4) * m;
                    (0.81 * t.powf(1.0 / 16.0), 0.87 * t.powf(-1.0 / 16.0))
                }
                Stack::Decoder => ((3.0 * m).powf(0.25), (12.0 * m).powf(-0.25)),
            }
        }
    }
}

/// T-Fixup's scale of the value and output projections and MLP weights (Huang et al.
/// 2020, Algorithm 1): (9M)^(−1/4) in a decoder of M layers, 0.67·N^(−1/4) in an encoder of
/// N layers; and of the input embeddings: (9K)^(−1/4), K the layers of the embedding's stack.
/// Returns (weights' scale, embeddings' scale).
pub fn t_fixup_constants(arch: Arch, stack: Stack, n_layers: usize) -> (f64, f64) {
    let (n, m) = match arch {
        Arch::EncoderOnly => (n_layers, 0),
        Arch::DecoderOnly => (0, n_layers),
        Arch::EncoderDecoder {
            encoder_layers,
            decoder_layers,
        } => (encoder_layers, decoder_layers),
    };
    let encoder = match arch {
        Arch::EncoderOnly => true,
        Arch::DecoderOnly => false,
        Arch::EncoderDecoder { .. } => stack == Stack::Encoder,
    };
    if encoder {
        let n = n as f64;
        (0.67 * n.powf(-0.25), (9.0 * n).powf(-0.25))
    } else {
        let m = m as f64;
        ((9.0 * m).powf(-0.25), (9.0 * m).powf(-0.25))
    }
}

impl Recipe {
    fn of(kind: Kind) -> Self {
        Recipe { kind }
    }

    /// GPT-2 (Radford et al. 2019) as Hugging Face's `GPT2PreTrainedModel._init_weights`
    /// writes it (`transformers/models/gpt2/modeling_gpt2.py`): every weight and embedding
    /// N(0, 0.02²) (`initializer_range`), the residual projections (`c_proj`) N(0, (0.02/√(2L))²),
    /// untruncated; biases 0, norms 1 and 0.
    pub fn gpt2() -> Self {
        Self::of(Kind::Gpt2 { std: 0.02 })
    }

    /// Megatron-LM with `--init-method-std σ` (`megatron/core/utils.py` or the older
    /// `megatron/model/utils.py`): `init_method_normal(σ)` = N(0, σ²) for embeddings, input
    /// projections and the output layer, `scaled_init_method_normal(σ, L)` = N(0, (σ/√(2L))²)
    /// for the attention and MLP output projections; untruncated; biases 0, norms 1 and 0.
    pub fn megatron(sigma: f64) -> Self {
        Self::of(Kind::Megatron { std: sigma })
    }

    /// OLMo's `mitchell` (allenai/OLMo, `olmo/model.py`, `reset_parameters` of `OLMo`,
    /// `OLMoBlock` and `OLMoSequentialBlock`/`OLMoLlamaBlock`): normals truncated at ±3σ
    /// with σ = 1/√d for the embeddings (token and position), the attention input
    /// projections, the MLP input projection and the output layer; 1/√(2·d·(l+1)) for the
    /// attention output of layer l (from 0); 1/√(2·d_ff·(l+1)) for the MLP output
    /// (`ff_out.in_features` = d_ff). Biases 0, norms 1 and 0.
    pub fn mitchell() -> Self {
        Self::of(Kind::Mitchell)
    }

    /// OLMo's `full_megatron` with `init_std` σ = 0.02 (the same file): normals truncated at
    /// ±3σ, σ = 0.02 for embeddings and input projections, 0.02/√(2L) for the attention and
    /// MLP outputs, 1/√d for the output layer. Biases 0, norms 1 and 0.
    pub fn full_megatron() -> Self {
        Self::of(Kind::FullMegatron { std: 0.02 })
    }

    /// `llama_depth` (OLMo-core, `src/olmo_core/nn/transformer/init.py`, `InitMethod.llama_depth`;
    /// torchtitan's `depth_init`, `torchtitan/models/llama3/model/model.py`) with σ = 0.02:
    /// the token embedding N(0, 1); the query, key, value and gate (`w1`) projections σ; the
    /// attention output, the MLP up (`w3`) and down (`w2`) projections σ/√(2(l+1)) for layer
    /// l (from 0); the output layer 1/√d; every projection and the output layer truncated at
    /// ±3σ (OLMo-core; torchtitan truncates the projections at ±2 absolute, ≥ 100σ here, so
    /// all but untruncated). Biases 0, norms 1 and 0. A position embedding (Llama has none) is
    /// treated as the token embedding.
    pub fn llama_depth() -> Self {
        Self::of(Kind::LlamaDepth { std: 0.02 })
    }

    /// GPT-NeoX's `small_init` for inputs and `wang_init` for outputs
    /// (EleutherAI/gpt-neox, `megatron/model/init_functions.py`): N(0, 2/(5d)) (Nguyen &
    /// Salazar 2019, "Transformers without Tears") for the embeddings, input projections and
    /// output layer; N(0, (2/(L·√d))²) (Wang's, from Mesh-Transformer-JAX) for the attention
    /// and MLP output projections; untruncated. Biases 0, norms 1 and 0.
    pub fn small_wang() -> Self {
        Self::of(Kind::SmallWang)
    }

    /// DeepNet (Wang et al. 2022, "DeepNet: Scaling Transformers to 1,000 Layers", Figure 2):
    /// Xavier normal with gain β for the MLP weights, the value and the attention output
    /// projections, gain 1 for the query and key projections, each with its own fans; β and
    /// the forward multiplier α ([`Recipe::forward`]) by architecture — encoder-only
    /// α = (2N)^(1/4), β = (8N)^(−1/4); decoder-only α = (2M)^(1/4), β = (8M)^(−1/4);
    /// encoder-decoder: encoder α = 0.81·(N⁴M)^(1/16), β = 0.87·(N⁴M)^(−1/16), decoder
    /// α = (3M)^(1/4), β = (12M)^(−1/4) (the paper's constants; torchscale's encoder code
    /// divides by (N⁴M)^(1/16)/1.15 instead). Embeddings and the output layer N(0, 1/d) (fairseq's
    /// and torchscale's, which the paper's code builds on). Biases 0, norms 1 and 0. A fused
    /// QKV weight is three blocks ([`Init::blocks`]): q and k Xavier-normal, v Xavier-normal·β,
    /// each with the fans of one (d, d) block.
    pub fn deepnet(arch: Arch) -> Self {
        Self::of(Kind::DeepNet(arch))
    }

    /// T-Fixup (Huang et al. 2020, "Improving Transformer Optimization Through Better
    /// Initialization", Algorithm 1; layer6ai-labs/T-Fixup, `fairseq/modules/transformer_layer.py`):
    /// Xavier uniform on every projection with its own fans; the value and attention output
    /// projections and the MLP weights then scaled by (9M)^(−1/4) in a decoder of M layers,
    /// 0.67·N^(−1/4) in an encoder of N layers; input embeddings N(0, 1/d) scaled by
    /// (9K)^(−1/4), K the layers of their stack (the official code; the paper writes M, the
    /// same when N = M); the output layer N(0, 1/d) (fairseq). The official code starts from
    /// fairseq's attention init, Xavier-uniform with gain 1/√2 on q, k and v, and multiplies v
    /// back by √2: v is as here, q and k are 1/√2 of the paper's plain Xavier used here.
    /// Biases 0; T-Fixup removes
    /// layer norms, which get 1 and 0 if the model keeps them. A fused QKV weight is three
    /// blocks ([`Init::blocks`]): q and k Xavier-uniform, v scaled, each with one block's fans.
    pub fn t_fixup(arch: Arch) -> Self {
        Self::of(Kind::TFixup(arch))
    }

    /// ZerO (Zhao et al. 2022, "ZerO Initialization: Initializing Neural Networks with only
    /// Zeros and Ones", Algorithm 1; jiaweizzhao/ZerO-initialization): a projection with
    /// out ≤ in is the (partial) identity (`eye`), and a fused QKV weight an identity in each of
    /// its three blocks ([`Init::blocks`]). **Not covered**: a projection with
    /// out > in, which ZerO fills with a scaled Hadamard transform (no such scheme exists
    /// here yet), and embeddings, which Algorithm 1 does not address: the recipe gives them
    /// nothing (they keep their own scheme, and the report says so). Biases 0, norms 1 and 0.
    pub fn zero() -> Self {
        Self::of(Kind::Zero)
    }

    /// Spectral initialisation (Yang, Simon & Bernstein 2023, "A Spectral Condition for
    /// Feature Learning", Parametrization 1): every projection N(0, σ²) with
    /// σ = (1/√fan_in)·min(1, √(fan_out/fan_in)), its own fans (each block of a fused QKV
    /// its own). Embeddings N(0, 1): their input is one-hot (norm 1, not √fan_in), and
    /// N(0, 1) gives the embedded vectors the Θ(1) entries the condition asks of every hidden
    /// vector (our reading; the paper states the condition for dense inputs). Biases 0,
    /// norms 1 and 0.
    pub fn spectral() -> Self {
        Self::of(Kind::Spectral)
    }

    /// ReZero (Bachlechner et al. 2020, "ReZero is All You Need"): `base`'s schemes, and
    /// every residual branch's learnt scale α = 0 ([`Role::ResidualScale`], and
    /// [`Forward::branch_scale`] for a model that applies it in the forward pass).
    pub fn rezero(base: Recipe) -> Self {
        Self::of(Kind::ReZero(Box::new(base)))
    }

    /// LayerScale (Touvron et al. 2021, "Going deeper with Image Transformers" (CaiT), Sec. 3):
    /// `base`'s schemes, and every residual branch's learnt diagonal initialised to ε:
    /// 0.1 for up to 18 layers, 1e-5 for up to 24, 1e-6 beyond ([`layer_scale_epsilon`]).
    pub fn layer_scale(base: Recipe) -> Self {
        Self::of(Kind::LayerScale(Box::new(base)))
    }

    /// Every recipe, for a decoder-only model (ReZero and LayerScale over GPT-2's), in the
    /// order the docs list them.
    pub fn all() -> Vec<Recipe> {
        vec![
            Self::gpt2(),
            Self::megatron(0.02),
            Self::mitchell(),
            Self::full_megatron(),
            Self::llama_depth(),
            Self::small_wang(),
            Self::deepnet(Arch::DecoderOnly),
            Self::t_fixup(Arch::DecoderOnly),
            Self::zero(),
            Self::spectral(),
            Self::rezero(Self::gpt2()),
            Self::layer_scale(Self::gpt2()),
        ]
    }

    /// The recipe's name: `gpt2`, `megatron`, `mitchell`, `full_megatron`, `llama_depth`,
    /// `small_wang`, `deepnet`, `t_fixup`, `zero`, `spectral`, `rezero`, `layer_scale`.
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Gpt2 { .. } => "gpt2",
            Kind::Megatron { .. } => "megatron",
            Kind::Mitchell => "mitchell",
            Kind::FullMegatron { .. } => "full_megatron",
            Kind::LlamaDepth { .. } => "llama_depth",
            Kind::SmallWang => "small_wang",
            Kind::DeepNet(_) => "deepnet",
            Kind::TFixup(_) => "t_fixup",
            Kind::Zero => "zero",
            Kind::Spectral => "spectral",
            Kind::ReZero(_) => "rezero",
            Kind::LayerScale(_) => "layer_scale",
        }
    }

    /// Whether the scheme of `role` depends on the layer's index.
    pub fn needs_layer(&self, role: Role) -> bool {
        match &self.kind {
            Kind::Mitchell => matches!(role, Role::AttnOut | Role::MlpOut),
            Kind::LlamaDepth { .. } => matches!(role, Role::AttnOut | Role::MlpUp | Role::MlpOut),
            Kind::ReZero(b) | Kind::LayerScale(b) => b.needs_layer(role),
            _ => false,
        }
    }

    /// What multiplies the residual branches in the forward pass (DeepNet's α; ReZero's and
    /// LayerScale's initial branch scale), for a stack of `dims.n_layers` layers.
    pub fn forward(&self, dims: &Dims, stack: Stack) -> Forward {
        let mut f = Forward {
            residual_alpha: None,
            branch_scale: None,
        };
        match &self.kind {
            Kind::DeepNet(arch) => {
                f.residual_alpha = Some(deepnet_constants(*arch, stack, dims.n_layers).0)
            }
            Kind::ReZero(b) => {
                f = b.forward(dims, stack);
                f.branch_scale = Some(0.0);
            }
            Kind::LayerScale(b) => {
                f = b.forward(dims, stack);
                f.branch_scale = Some(layer_scale_epsilon(dims.n_layers));
            }
            _ => {}
        }
        f
    }

    /// The scheme of `role` in layer `layer` (from 0; `None` where the name gives none) of a
    /// model of `dims`, in `stack`. `Ok(None)`: the recipe leaves the role alone (ZerO's
    /// uncovered parts; a residual scale outside ReZero and LayerScale).
    ///
    /// Errors: [`ErrorKind::MissingLayerIndex`] when the scheme depends on the layer and
    /// `layer` is `None` (reported with `what`, the name or pattern);
    /// [`ErrorKind::LayerOutOfRange`] for a layer ≥ `n_layers`;
    /// an invalid dimension (0) or σ. A fused QKV weight (GPT-2's `c_attn`) is planned as
    /// three blocks along its output axis ([`Init::blocks`]): under DeepNet and T-Fixup the
    /// value block gets its own scale, under ZerO each block is an identity.
    pub fn plan_role(
        &self,
        role: Role,
        layer: Option<usize>,
        dims: &Dims,
        stack: Stack,
        what: &str,
    ) -> Result<Option<Planned>, InitError> {
        dims.check()?;
        if let Some(l) = layer
            && l >= dims.n_layers
        {
            return Err(InitError::new(
                self.name(),
                ErrorKind::LayerOutOfRange {
                    name: what.to_string(),
                    layer: l,
                    n_layers: dims.n_layers,
                },
            ));
        }
        let l = match (self.needs_layer(role), layer) {
            (true, None) => {
                return Err(InitError::new(
                    self.name(),
                    ErrorKind::MissingLayerIndex {
                        name: what.to_string(),
                    },
                ));
            }
            (_, l) => l.unwrap_or(0),
        };
        // roles every recipe agrees on
        match role {
            Role::NormWeight => return Ok(Some(constant(1.0))),
            Role::NormBias | Role::Bias => return Ok(Some(constant(0.0))),
            _ => {}
        }
        let (d, ll) = (dims.d_model as f64, dims.n_layers as f64);
        let fans = dims.fans(role);
        let planned = match &self.kind {
            Kind::Gpt2 { std } | Kind::Megatron { std } => {
                InitError::require(
                    std.is_finite() && *std >= 0.0,
                    self.name(),
                    "std",
                    *std,
                    "finite and >= 0",
                )?;
                match role {
                    Role::AttnOut | Role::MlpOut => Some(normal(std / (2.0 * ll).sqrt())),
                    Role::ResidualScale => None,
                    _ => Some(normal(*std)),
                }
            }
            Kind::Mitchell => {
                let lp1 = (l + 1) as f64;
                match role {
                    Role::AttnOut => Some(trunc3(1.0 / (2.0 * d * lp1).sqrt())),
                    Role::MlpOut => Some(trunc3(1.0 / (2.0 * dims.d_ff as f64 * lp1).sqrt())),
                    Role::ResidualScale => None,
                    _ => Some(trunc3(1.0 / d.sqrt())),
                }
            }
            Kind::FullMegatron { std } => match role {
                Role::AttnOut | Role::MlpOut => Some(trunc3(std / (2.0 * ll).sqrt())),
                Role::Unembedding => Some(trunc3(1.0 / d.sqrt())),
                Role::ResidualScale => None,
                _ => Some(trunc3(*std)),
            },
            Kind::LlamaDepth { std } => {
                let lp1 = (l + 1) as f64;
                match role {
                    Role::Embedding | Role::PositionEmbedding => Some(normal(1.0)),
                    Role::AttnOut | Role::MlpUp | Role::MlpOut => {
                        Some(trunc3(std / (2.0 * lp1).sqrt()))
                    }
                    Role::Unembedding => Some(trunc3(1.0 / d.sqrt())),
                    Role::ResidualScale => None,
                    _ => Some(trunc3(*std)),
                }
            }
            Kind::SmallWang => match role {
                Role::AttnOut | Role::MlpOut => Some(normal(2.0 / ll / d.sqrt())),
                Role::ResidualScale => None,
                _ => Some(normal((2.0 / (5.0 * d)).sqrt())),
            },
            Kind::DeepNet(arch) => {
                let (_, beta) = deepnet_constants(*arch, stack, dims.n_layers);
                match (role, fans) {
                    (Role::AttnQkv, Some((i, o))) => Some(fused_qkv(
                        xavier_normal(i, o, 1.0),
                        xavier_normal(i, o, beta),
                    )),
                    (Role::Embedding | Role::PositionEmbedding | Role::Unembedding, _) => {
                        Some(normal(1.0 / d.sqrt()))
                    }
                    (Role::AttnQuery | Role::AttnKey, Some((i, o))) => {
                        Some(xavier_normal(i, o, 1.0))
                    }
                    (
                        Role::AttnValue | Role::AttnOut | Role::MlpIn | Role::MlpUp | Role::MlpOut,
                        Some((i, o)),
                    ) => Some(xavier_normal(i, o, beta)),
                    _ => None,
                }
            }
            Kind::TFixup(arch) => {
                let (scale, emb) = t_fixup_constants(*arch, stack, dims.n_layers);
                match (role, fans) {
                    (Role::AttnQkv, Some((i, o))) => Some(fused_qkv(
                        xavier_uniform(i, o, 1.0),
                        xavier_uniform(i, o, scale),
                    )),
                    (Role::Embedding | Role::PositionEmbedding, _) => Some(normal(emb / d.sqrt())),
                    (Role::Unembedding, _) => Some(normal(1.0 / d.sqrt())),
                    (Role::AttnQuery | Role::AttnKey, Some((i, o))) => {
                        Some(xavier_uniform(i, o, 1.0))
                    }
                    (
                        Role::AttnValue | Role::AttnOut | Role::MlpIn | Role::MlpUp | Role::MlpOut,
                        Some((i, o)),
                    ) => Some(xavier_uniform(i, o, scale)),
                    _ => None,
                }
            }
            Kind::Zero => match fans {
                // a fused QKV: an identity in each of its three (d, d) blocks
                Some(_) if role == Role::AttnQkv => Some(Planned {
                    init: constant_eye().init.blocks(3),
                    std: None,
                }),
                Some((i, o)) if o <= i => Some(constant_eye()),
                _ => None,
            },
            Kind::Spectral => match (role, fans) {
                (Role::Embedding | Role::PositionEmbedding, _) => Some(normal(1.0)),
                (_, Some((i, o))) => {
                    let (i, o) = (i as f64, o as f64);
                    Some(normal((1.0 / i.sqrt()) * (o / i).sqrt().min(1.0)))
                }
                _ => None,
            },
            Kind::ReZero(base) => match role {
                Role::ResidualScale => Some(constant(0.0)),
                _ => base.plan_role(role, layer, dims, stack, what)?,
            },
            Kind::LayerScale(base) => match role {
                Role::ResidualScale => Some(constant(layer_scale_epsilon(dims.n_layers))),
                _ => base.plan_role(role, layer, dims, stack, what)?,
            },
        };
        Ok(planned)
    }
}

/// A fused QKV weight `(3d, d)` as three blocks along its output axis ([`Init::blocks`]): the
/// query and key blocks `qk`, the value block `v`. Its σ is the whole parameter's,
/// √((2σ_qk² + σ_v²)/3), what its measured std estimates.
fn fused_qkv(qk: Planned, v: Planned) -> Planned {
    let std = match (qk.std, v.std) {
        (Some(a), Some(b)) => Some(((2.0 * a * a + b * b) / 3.0).sqrt()),
        _ => None,
    };
    Planned {
        init: qk.init.blocks(3).block(2, v.init),
        std,
    }
}

fn constant_eye() -> Planned {
    Planned {
        init: Init::eye(),
        std: None,
    }
}
