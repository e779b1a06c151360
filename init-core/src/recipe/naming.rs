//! [`Naming`]: which transformer [`Role`] a state-dict name plays, and in which layer.

use crate::model::rules::glob_matches;
use crate::scheme::fans::Layout;

/// What a parameter is to a transformer: the unit a [recipe](super::Recipe) assigns schemes
/// to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// The token embedding table, `(vocab, d_model)` (GPT-2 `wte`, Llama `embed_tokens`).
    Embedding,
    /// A learned position embedding table, `(context, d_model)` (GPT-2 `wpe`).
    PositionEmbedding,
    /// The query projection, `d_model → d_model` (Llama `q_proj`).
    AttnQuery,
    /// The key projection, `d_model → d_kv` (Llama `k_proj`).
    AttnKey,
    /// The value projection, `d_model → d_kv` (Llama `v_proj`).
    AttnValue,
    /// Query, key and value fused in one weight, `d_model → 3·d_model` (GPT-2 `c_attn`). A
    /// recipe treats it as three projections of `d_model → d_model` (their fans, not the
    /// fused matrix's).
    AttnQkv,
    /// The attention output projection, `d_model → d_model` (GPT-2 `attn.c_proj`, Llama
    /// `o_proj`): a residual branch's last layer.
    AttnOut,
    /// The MLP's input projection, `d_model → d_ff` (GPT-2 `c_fc`), or a gated MLP's gate
    /// (Llama `gate_proj`, torchtitan's `w1`).
    MlpIn,
    /// A gated MLP's up projection, `d_model → d_ff` (Llama `up_proj`, torchtitan's `w3`):
    /// `llama_depth` scales it like an output; every other recipe treats it as [`MlpIn`](Role::MlpIn).
    MlpUp,
    /// The MLP's output projection, `d_ff → d_model` (GPT-2 `mlp.c_proj`, Llama `down_proj`):
    /// a residual branch's last layer.
    MlpOut,
    /// A normalisation layer's weight (scale).
    NormWeight,
    /// A normalisation layer's bias (shift).
    NormBias,
    /// The bias of a projection.
    Bias,
    /// The output (unembedding) matrix, `d_model → vocab` (`lm_head`).
    Unembedding,
    /// A learnt scale of a residual branch: ReZero's α (a scalar) or LayerScale's diagonal
    /// (a `d_model` vector).
    ResidualScale,
}

impl Role {
    /// The role in words, as errors and reports name it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Embedding => "token embedding",
            Role::PositionEmbedding => "position embedding",
            Role::AttnQuery => "attention query",
            Role::AttnKey => "attention key",
            Role::AttnValue => "attention value",
            Role::AttnQkv => "attention qkv (fused)",
            Role::AttnOut => "attention output",
            Role::MlpIn => "mlp input",
            Role::MlpUp => "mlp up",
            Role::MlpOut => "mlp output",
            Role::NormWeight => "norm weight",
            Role::NormBias => "norm bias",
            Role::Bias => "bias",
            Role::Unembedding => "unembedding",
            Role::ResidualScale => "residual scale",
        }
    }

    /// Whether the role is a weight matrix (its layout then matters to orientation-aware
    /// schemes).
    pub fn is_matrix(self) -> bool {
        !matches!(
            self,
            Role::NormWeight | Role::NormBias | Role::Bias | Role::ResidualScale
        )
    }
}

/// Which stack of an encoder-decoder a naming describes (DeepNet's and T-Fixup's constants
/// differ between them). Decoder by default: a GPT is a decoder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stack {
    /// An encoder (bidirectional) stack.
    Encoder,
    /// A decoder stack.
    #[default]
    Decoder,
}

/// One entry of a [`Naming`].
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pattern: String,
    pieces: Vec<Piece>,
    role: Role,
    layout: Layout,
}

impl Entry {
    /// The pattern, as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The role of the parameters it matches.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The layout the weights it matches are stored in.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Whether the pattern has a `{l}` segment.
    pub fn has_layer(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Layer))
    }

    /// The pattern with `{l}` replaced by `layer` (a glob [`Rules`](crate::Rules) reads).
    pub fn at_layer(&self, layer: usize) -> String {
        self.pattern
            .split('.')
            .map(|s| {
                if s == "{l}" {
                    layer.to_string()
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// `None` if the pattern does not match `name`, else `Some(layer)`: the number the
    /// `{l}` segment matched, if the pattern has one.
    pub fn matches(&self, name: &str) -> Option<Option<usize>> {
        let segments: Vec<&str> = name.split('.').collect();
        match_pieces(&self.pieces, &segments)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    /// `**`: any number of segments.
    Any,
    /// `{l}`: a decimal layer index.
    Layer,
    /// A segment, `*` matching any run of characters within it.
    Glob(String),
}

fn match_pieces(pieces: &[Piece], name: &[&str]) -> Option<Option<usize>> {
    match pieces.split_first() {
        None => name.is_empty().then_some(None),
        Some((Piece::Any, rest)) => {
            (0..=name.len()).find_map(|skip| match_pieces(rest, &name[skip..]))
        }
        Some((Piece::Layer, rest)) => {
            let (first, tail) = name.split_first()?;
            if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let layer: usize = first.parse().ok()?;
            match_pieces(rest, tail).map(|inner| inner.or(Some(layer)))
        }
        Some((Piece::Glob(glob), rest)) => {
            let (first, tail) = name.split_first()?;
            if glob_matches(glob, first) {
                match_pieces(rest, tail)
            } else {
                None
            }
        }
    }
}

/// A naming scheme: state-dict name patterns, each with the [`Role`] its parameters play.
///
/// Patterns are [`Rules`](crate::Rules)' (segments separated by `.`, `**` any number of
/// segments, `*` any run of characters within one), plus a whole segment `{l}` that matches a
/// layer's index (`3` in `h.3.attn.c_proj.weight`) and gives it to the recipe. A derived
/// model's `Vec<Block>` field is named that way (`h[3]` has the state-dict name `h.3`), so
/// the index reaches the recipe from the derive as from any framework. The first entry that
/// matches a name decides it.
///
/// ```
/// use init_core::recipe::{Naming, Role};
/// let n = Naming::hf_gpt2();
/// assert_eq!(n.classify("h.3.attn.c_proj.weight"), Some((Role::AttnOut, Some(3))));
/// assert_eq!(n.classify("transformer.h.0.mlp.c_fc.bias"), Some((Role::Bias, Some(0))));
/// assert_eq!(n.classify("wte.weight"), Some((Role::Embedding, None)));
/// assert_eq!(n.classify("h.x.attn.c_proj.weight"), None);
///
/// let mine = Naming::new("mine")
///     .role("blocks.{l}.ffn.w_out", Role::MlpOut)
///     .role("**.bias", Role::Bias);
/// assert_eq!(mine.classify("blocks.7.ffn.w_out"), Some((Role::MlpOut, Some(7))));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Naming {
    name: String,
    entries: Vec<Entry>,
    stack: Stack,
}

impl Naming {
    /// An empty naming called `name` (errors and reports use it), for a decoder stack.
    pub fn new(name: impl Into<String>) -> Self {
        Naming {
            name: name.into(),
            entries: Vec::new(),
            stack: Stack::Decoder,
        }
    }

    /// Adds a pattern for `role`, whose weights are stored `(out, in)` (PyTorch's `nn.Linear`).
    #[must_use]
    pub fn role(self, pattern: impl Into<String>, role: Role) -> Self {
        self.role_in(pattern, role, Layout::OutIn)
    }

    /// Adds a pattern for `role`, whose weights are stored under `layout` (GPT-2's `Conv1D`
    /// is `(in, out)`: [`Layout::InOut`]).
    #[must_use]
    pub fn role_in(mut self, pattern: impl Into<String>, role: Role, layout: Layout) -> Self {
        let pattern = pattern.into();
        let pieces = pattern
            .split('.')
            .map(|s| match s {
                "**" => Piece::Any,
                "{l}" => Piece::Layer,
                _ => Piece::Glob(s.to_string()),
            })
            .collect();
        self.entries.push(Entry {
            pattern,
            pieces,
            role,
            layout,
        });
        self
    }

    /// The stack these names belong to (DeepNet and T-Fixup read it for an encoder-decoder).
    #[must_use]
    pub fn stack(mut self, stack: Stack) -> Self {
        self.stack = stack;
        self
    }

    /// The naming's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stack.
    pub fn stack_of(&self) -> Stack {
        self.stack
    }

    /// The entries, in the order given.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry that decides `name` (the first that matches) and the layer index it gives.
    pub fn entry_of(&self, name: &str) -> Option<(&Entry, Option<usize>)> {
        self.entries
            .iter()
            .find_map(|e| e.matches(name).map(|layer| (e, layer)))
    }

    /// The role and layer index of `name`, or `None` if no entry matches it.
    pub fn classify(&self, name: &str) -> Option<(Role, Option<usize>)> {
        self.entry_of(name).map(|(e, l)| (e.role, l))
    }

    /// Hugging Face's GPT-2 (`GPT2Model`, `GPT2LMHeadModel`; any prefix such as
    /// `transformer.`): `wte`, `wpe`, `h.{l}.ln_1`, `h.{l}.attn.c_attn` (fused QKV),
    /// `h.{l}.attn.c_proj`, `h.{l}.ln_2`, `h.{l}.mlp.c_fc`, `h.{l}.mlp.c_proj`, `ln_f`,
    /// `lm_head`. The `Conv1D` weights are stored `(in, out)` ([`Layout::InOut`]); a model
    /// that stores them `(out, in)` (candle-nn's `linear`) gives [`Naming::hf_gpt2_linear`].
    pub fn hf_gpt2() -> Self {
        Self::gpt2_with(Layout::InOut, "hf_gpt2")
    }

    /// [`hf_gpt2`](Naming::hf_gpt2) with every projection stored `(out, in)`, as a GPT-2
    /// written with `nn.Linear` layers (candle-nn's `linear`, Burn's `Linear` read through
    /// its own walk) has them.
    pub fn hf_gpt2_linear() -> Self {
        Self::gpt2_with(Layout::OutIn, "hf_gpt2_linear")
    }

    fn gpt2_with(conv: Layout, name: &str) -> Self {
        let mut n = Naming::new(name)
            .role("**.wte.weight", Role::Embedding)
            .role("**.wpe.weight", Role::PositionEmbedding)
            .role("**.h.{l}.ln_*.weight", Role::NormWeight)
            .role("**.h.{l}.ln_*.bias", Role::NormBias);
        for (module, role) in [
            ("attn.c_attn", Role::AttnQkv),
            ("attn.c_proj", Role::AttnOut),
            ("mlp.c_fc", Role::MlpIn),
            ("mlp.c_proj", Role::MlpOut),
        ] {
            n = n
                .role_in(format!("**.h.{{l}}.{module}.weight"), role, conv.clone())
                .role(format!("**.h.{{l}}.{module}.bias"), Role::Bias);
        }
        n.role("**.ln_f.weight", Role::NormWeight)
            .role("**.ln_f.bias", Role::NormBias)
            .role("**.lm_head.weight", Role::Unembedding)
    }

    /// Hugging Face's Llama (`LlamaForCausalLM`; Mistral, Qwen2 and OLMo-2 checkpoints use
    /// the same names): `model.embed_tokens`, `model.layers.{l}.self_attn.{q,k,v,o}_proj`,
    /// `model.layers.{l}.mlp.{gate,up,down}_proj`, `input_layernorm`,
    /// `post_attention_layernorm`, `model.norm`, `lm_head`; weights `(out, in)`; projection
    /// biases (Qwen2 has them) are biases.
    pub fn hf_llama() -> Self {
        let mut n = Naming::new("hf_llama").role("**.embed_tokens.weight", Role::Embedding);
        for (module, role) in [
            ("self_attn.q_proj", Role::AttnQuery),
            ("self_attn.k_proj", Role::AttnKey),
            ("self_attn.v_proj", Role::AttnValue),
            ("self_attn.o_proj", Role::AttnOut),
            ("mlp.gate_proj", Role::MlpIn),
            ("mlp.up_proj", Role::MlpUp),
            ("mlp.down_proj", Role::MlpOut),
        ] {
            n = n
                .role(format!("**.layers.{{l}}.{module}.weight"), role)
                .role(format!("**.layers.{{l}}.{module}.bias"), Role::Bias);
        }
        n.role("**.layers.{l}.*_layernorm.weight", Role::NormWeight)
            .role("**.layers.{l}.*_layernorm.bias", Role::NormBias)
            .role("**.norm.weight", Role::NormWeight)
            .role("**.norm.bias", Role::NormBias)
            .role("**.lm_head.weight", Role::Unembedding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_classify_their_names() {
        let g = Naming::hf_gpt2();
        for (name, role, layer) in [
            ("wte.weight", Role::Embedding, None),
            ("transformer.wpe.weight", Role::PositionEmbedding, None),
            ("h.0.ln_1.weight", Role::NormWeight, Some(0)),
            ("h.11.ln_2.bias", Role::NormBias, Some(11)),
            ("h.2.attn.c_attn.weight", Role::AttnQkv, Some(2)),
            ("h.2.attn.c_attn.bias", Role::Bias, Some(2)),
            ("h.2.attn.c_proj.weight", Role::AttnOut, Some(2)),
            ("h.2.mlp.c_fc.weight", Role::MlpIn, Some(2)),
            ("h.2.mlp.c_proj.weight", Role::MlpOut, Some(2)),
            ("ln_f.weight", Role::NormWeight, None),
            ("lm_head.weight", Role::Unembedding, None),
        ] {
            assert_eq!(g.classify(name), Some((role, layer)), "{name}");
        }
        assert_eq!(
            g.entry_of("h.2.attn.c_attn.weight").unwrap().0.layout(),
            &Layout::InOut
        );
        let l = Naming::hf_llama();
        for (name, role, layer) in [
            ("model.embed_tokens.weight", Role::Embedding, None),
            (
                "model.layers.5.self_attn.q_proj.weight",
                Role::AttnQuery,
                Some(5),
            ),
            (
                "model.layers.5.self_attn.k_proj.weight",
                Role::AttnKey,
                Some(5),
            ),
            (
                "model.layers.5.self_attn.v_proj.weight",
                Role::AttnValue,
                Some(5),
            ),
            (
                "model.layers.5.self_attn.o_proj.weight",
                Role::AttnOut,
                Some(5),
            ),
            ("model.layers.5.mlp.gate_proj.weight", Role::MlpIn, Some(5)),
            ("model.layers.5.mlp.up_proj.weight", Role::MlpUp, Some(5)),
            ("model.layers.5.mlp.down_proj.weight", Role::MlpOut, Some(5)),
            (
                "model.layers.5.input_layernorm.weight",
                Role::NormWeight,
                Some(5),
            ),
            (
                "model.layers.5.post_attention_layernorm.weight",
                Role::NormWeight,
                Some(5),
            ),
            ("model.norm.weight", Role::NormWeight, None),
            ("lm_head.weight", Role::Unembedding, None),
        ] {
            assert_eq!(l.classify(name), Some((role, layer)), "{name}");
        }
        assert_eq!(
            l.classify("model.layers.5.self_attn.rotary_emb.inv_freq"),
            None
        );
    }

    #[test]
    fn at_layer_substitutes_the_index() {
        let n = Naming::new("x").role("**.h.{l}.attn.c_proj.weight", Role::AttnOut);
        assert_eq!(n.entries()[0].at_layer(3), "**.h.3.attn.c_proj.weight");
        assert!(n.entries()[0].has_layer());
        assert_eq!(
            n.classify("h.03.attn.c_proj.weight"),
            Some((Role::AttnOut, Some(3)))
        );
        assert_eq!(n.classify("h..attn.c_proj.weight"), None);
    }
}
