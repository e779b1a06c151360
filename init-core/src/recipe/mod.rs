//! Transformer initialisation recipes: GPT-2, Megatron-LM, OLMo's `mitchell` and
//! `full_megatron`, `llama_depth`, GPT-NeoX's `small_init` + `wang_init`, DeepNet, T-Fixup,
//! ZerO, spectral, ReZero and LayerScale, each a named [`Recipe`].
//!
//! A recipe assigns a scheme to each [`Role`] of a transformer (embedding, attention input
//! and output projections, MLP input and output, norms, biases, unembedding, residual
//! scales) from the model's [`Dims`] and, for some, the layer's index. A [`Naming`] says which
//! state-dict names play which role and in which layer (the `{l}` segment of its patterns):
//! presets for Hugging Face's GPT-2 ([`Naming::hf_gpt2`]) and Llama ([`Naming::hf_llama`]),
//! or patterns of your own. Then:
//!
//! - [`Recipe::rules`] gives [`Rules`](crate::Rules), for any model reached by name
//!   (candle's `weight_init::candle::var_builder`, Burn's `weight_init::burn::reinit`);
//! - [`Recipe::plan`] gives, for a list of (name, shape), each parameter's scheme and the σ
//!   its formula gives ([`RecipePlan::sigmas`], for reports), and exact-name rules
//!   ([`RecipePlan::rules`]);
//! - [`Recipe::apply`] initialises a derived model ([`Initialize`](crate::Initialize)): a
//!   `Vec<Block>` field `h` names its blocks `h.0`, `h.1`, …, which is where the layer index
//!   comes from;
//! - [`Recipe::forward`] gives the multipliers the forward pass applies (DeepNet's α,
//!   ReZero's and LayerScale's initial branch scale).
//!
//! ```
//! use init_core::recipe::{Dims, Naming, Recipe};
//! // GPT-2 small's shapes, without building it
//! let dims = Dims::new(768, 12, 3072, 50257);
//! let names = [("h.0.attn.c_proj.weight", [768, 768]), ("h.11.mlp.c_proj.weight", [3072, 768])];
//! let plan = Recipe::gpt2().plan(&Naming::hf_gpt2(), &dims, names)?;
//! assert_eq!(plan.get("h.11.mlp.c_proj.weight").unwrap().std, Some(0.02 / 24f64.sqrt()));
//! let plan = Recipe::mitchell().plan(&Naming::hf_gpt2(), &dims, names)?;
//! assert_eq!(plan.get("h.11.mlp.c_proj.weight").unwrap().std, Some(1.0 / (2.0 * 3072.0 * 12.0f64).sqrt()));
//! # Ok::<(), init_core::InitError>(())
//! ```
//!
//! # The recipes
//!
//! d = `d_model`, L = `n_layers`, l = the layer's index from 0, F = `d_ff`. "tn₃(σ)" is
//! N(0, σ²) truncated at ±3σ. Every recipe gives norm weights 1, norm biases and projection
//! biases 0. The σ a plan reports is the formula's, before truncation.
//!
//! | recipe | embeddings | q, k, v, MLP in | attention out, MLP out | output layer | source |
//! |---|---|---|---|---|---|
//! | [`gpt2`](Recipe::gpt2) | N(0, 0.02²) | N(0, 0.02²) | N(0, (0.02/√(2L))²) | N(0, 0.02²) | HF `transformers/models/gpt2/modeling_gpt2.py`, `GPT2PreTrainedModel._init_weights` |
//! | [`megatron(σ)`](Recipe::megatron) | N(0, σ²) | N(0, σ²) | N(0, (σ/√(2L))²) | N(0, σ²) | Megatron-LM `init_method_normal`, `scaled_init_method_normal` (`megatron/model/utils.py`; GPT-NeoX `megatron/model/init_functions.py`) |
//! | [`mitchell`](Recipe::mitchell) | tn₃(1/√d) | tn₃(1/√d) | attn tn₃(1/√(2d(l+1))), MLP tn₃(1/√(2F(l+1))) | tn₃(1/√d) | allenai/OLMo `olmo/model.py` (`reset_parameters`), `olmo/initialization.py` (`init_normal`) |
//! | [`full_megatron`](Recipe::full_megatron) | tn₃(0.02) | tn₃(0.02) | tn₃(0.02/√(2L)) | tn₃(1/√d) | the same files |
//! | [`llama_depth`](Recipe::llama_depth) | N(0, 1) | tn₃(0.02); MLP up tn₃(0.02/√(2(l+1))) | tn₃(0.02/√(2(l+1))) | tn₃(1/√d) | allenai/OLMo-core `src/olmo_core/nn/transformer/init.py`; pytorch/torchtitan `torchtitan/models/llama3/model/model.py` (`depth_init`) |
//! | [`small_wang`](Recipe::small_wang) | N(0, 2/(5d)) | N(0, 2/(5d)) | N(0, (2/(L√d))²) | N(0, 2/(5d)) | EleutherAI/gpt-neox `megatron/model/init_functions.py` (`small_init_init_method`, `wang_init_method`) |
//! | [`deepnet`](Recipe::deepnet) | N(0, 1/d) | q, k Xavier-normal; v, MLP Xavier-normal·β | Xavier-normal·β | N(0, 1/d) | Wang et al. 2022, Fig. 2 (α, β below) |
//! | [`t_fixup`](Recipe::t_fixup) | N(0, 1/d)·(9K)^(−1/4) | q, k Xavier-uniform; v, MLP Xavier-uniform·s | Xavier-uniform·s | N(0, 1/d) | Huang et al. 2020, Alg. 1; layer6ai-labs/T-Fixup `fairseq/modules/transformer_layer.py` |
//! | [`zero`](Recipe::zero) | (not covered) | identity where out ≤ in, fused QKV an identity per block; out > in not covered | identity where out ≤ in | identity where out ≤ in | Zhao et al. 2022, Alg. 1 |
//! | [`spectral`](Recipe::spectral) | N(0, 1) | N(0, σ²), σ = min(1, √(fan_out/fan_in))/√fan_in | the same | the same | Yang, Simon & Bernstein 2023, Parametrization 1 |
//! | [`rezero(base)`](Recipe::rezero) | base | base | base; residual α = 0 | base | Bachlechner et al. 2020 |
//! | [`layer_scale(base)`](Recipe::layer_scale) | base | base | base; diagonal ε | base | Touvron et al. 2021 (CaiT), Sec. 3 |
//!
//! Xavier-normal is N(0, 2/(fan_in + fan_out)), Xavier-uniform U(±√(6/(fan_in + fan_out))),
//! each projection with its own fans (d → d for q, k, v and attention out, d → F and F → d
//! for the MLP). DeepNet's (α, β) ([`deepnet_constants`]): encoder-only ((2N)^(1/4),
//! (8N)^(−1/4)), decoder-only ((2M)^(1/4), (8M)^(−1/4)), encoder-decoder: encoder
//! (0.81(N⁴M)^(1/16), 0.87(N⁴M)^(−1/16)), decoder ((3M)^(1/4), (12M)^(−1/4)); α multiplies the
//! residual, x_{l+1} = LN(α·x_l + G(x_l)). T-Fixup's s ([`t_fixup_constants`]): (9M)^(−1/4)
//! in a decoder of M layers, 0.67·N^(−1/4) in an encoder of N layers. LayerScale's ε
//! ([`layer_scale_epsilon`]): 0.1 up to 18 layers, 1e-5 up to 24, 1e-6 beyond.
//!
//! A fused QKV weight (GPT-2's `c_attn`, `(3d, d)`) is planned block by block
//! ([`Init::blocks`](crate::Init::blocks)): each of q, k and v has the fans of a (d, d)
//! projection, DeepNet and T-Fixup scale the value block alone, ZerO puts an identity in each
//! block; its σ is the whole parameter's, √((2σ_qk² + σ_v²)/3).
//!
//! What is not covered, and why: ZerO's Hadamard expansion for a projection with out > in
//! (no Hadamard scheme exists here) and embeddings under ZerO (those parameters keep their own
//! scheme and the plan says so).

mod naming;
mod plan;
mod recipes;

pub use naming::{Entry, Naming, Role, Stack};
pub use plan::{PlannedParam, RecipePlan, RecipeReport};
pub use recipes::{
    Arch, Dims, Forward, Planned, Recipe, deepnet_constants, layer_scale_epsilon, t_fixup_constants,
};
