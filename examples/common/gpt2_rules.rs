//! GPT-2's initialisation (Radford et al. 2019; Hugging Face's `GPT2PreTrainedModel._init_weights`)
//! as rules over a candle-nn GPT's variable names: N(0, 0.02) weights, the residual projections
//! (`h.*.attn.c_proj`, `h.*.mlp.c_proj`) scaled by 1/√(2·n_layers), biases zero, LayerNorm
//! weights one. Shared by the candle examples.

use weight_init::depth::gpt2_residual_scale;
use weight_init::{Init, Rules};

/// The rules for a GPT of `n_layers` blocks; the last matching rule wins.
pub fn gpt2_rules(n_layers: usize) -> Rules {
    Rules::new()
        .rule("**.weight", Init::normal(0.0, 0.02))
        .rule("**.bias", Init::zeros())
        .rule(
            "h.*.*.c_proj.weight",
            Init::normal(0.0, 0.02).scale(gpt2_residual_scale(n_layers)),
        )
        .rule("**.ln_*.weight", Init::ones())
}
