//! Presets for recurrent layers whose gates are stored fused (public as
//! `weight_init::gates`): [`Rules`] that initialise each gate of an LSTM or GRU as its own
//! parameter ([`Init::blocks`]), with an LSTM's forget-gate bias of 1 (Jozefowicz, Zaremba &
//! Sutskever 2015, "An Empirical Exploration of Recurrent Network Architectures", §2.2).
//!
//! **Layouts.** PyTorch's `nn.LSTM` stores the gates of layer `k` fused along axis 0:
//! `weight_ih_l{k}` `(4h, in)`, `weight_hh_l{k}` `(4h, h)`, `bias_ih_l{k}` and `bias_hh_l{k}`
//! `(4h)`, gates in the order input, forget, cell (`g`), output ([`LSTM_GATES`]); `nn.GRU`
//! the same with `3h` rows in the order reset, update, new ([`GRU_GATES`]); a bidirectional
//! layer's reverse direction adds `_reverse`. candle-nn's `LSTM`/`GRU` (`candle_nn::rnn`) use the
//! same names, shapes and gate order (its `step` splits `chunk(4, 1)` into in, forget, cell,
//! out and `chunk(3, 1)` into r, z, n). Burn's `Lstm`/`Gru` keep every gate in a
//! `GateController` of its own (`lstm.forget_gate.input_transform.bias`): nothing is fused,
//! and the derive's `forget_bias = 1` word on a Burn `Lstm` field, or [`lstm_burn`] for
//! `weight_init::burn::reinit`, sets the forget gate's bias.
//!
//! The two biases of PyTorch and candle are summed in the gates: the presets give the forget
//! block of `bias_ih` the value 1 and that of `bias_hh` 0, so the forget gate's bias is
//! exactly 1 (what Burn's `forget_bias` does with its two transforms' biases, and Keras's
//! `unit_forget_bias` with its one bias).
//!
//! Every preset starts from [`Rules::torch_defaults`], so a whole model can be initialised
//! with it; add rules after it for other parameters.

use super::rules::Rules;
use crate::scheme::init::Init;

/// The gates of PyTorch's and candle-nn's LSTM in the order of their blocks along axis 0:
/// `i`, `f`, `g`, `o`.
pub const LSTM_GATES: [&str; 4] = ["input", "forget", "cell", "output"];

/// The gates of PyTorch's and candle-nn's GRU in the order of their blocks along axis 0:
/// `r`, `z`, `n`.
pub const GRU_GATES: [&str; 3] = ["reset", "update", "new"];

/// The forget gate's block in [`LSTM_GATES`].
pub const LSTM_FORGET: usize = 1;

/// The forget-gate bias of Jozefowicz et al. 2015 (Keras's `unit_forget_bias`).
pub const FORGET_BIAS: f64 = 1.0;

/// The fused bias of an LSTM: `rest` for every gate but the forget gate, which gets `forget`.
fn lstm_bias(rest: Init, forget: f64) -> Init {
    rest.blocks(LSTM_GATES.len())
        .block(LSTM_FORGET, Init::constant(forget))
}

/// PyTorch's `nn.LSTM` defaults with a forget-gate bias of 1, for PyTorch's and candle-nn's
/// names: every weight and bias U(±1/√hidden) (`nn.LSTM.reset_parameters`), except the forget
/// block of `bias_ih_l*` (1) and of `bias_hh_l*` (0). The other blocks hold exactly the values
/// PyTorch's default alone gives them under the same seed and name. For layers of another
/// hidden size, add rules with their own prefix.
///
/// ```
/// use init_core::{gates, Init, Site};
/// let rules = gates::lstm_torch(8);
/// let site = Site::new("encoder.bias_ih_l0", &[32]);
/// let init = rules.choose(&site).unwrap().init;
/// let mut b = vec![0.0f32; 32];
/// init.fill_seeded(&mut b, 1, "encoder.bias_ih_l0").unwrap();
/// assert!(b[8..16].iter().all(|&x| x == 1.0));
/// assert!(b[..8].iter().all(|x| x.abs() <= 1.0 / 8f32.sqrt()));
/// ```
pub fn lstm_torch(hidden: usize) -> Rules {
    let bound = if hidden == 0 {
        0.0
    } else {
        1.0 / (hidden as f64).sqrt()
    };
    let default = Init::uniform_symmetric(bound);
    Rules::torch_defaults()
        .rule("**.bias_ih_l*", lstm_bias(default.clone(), FORGET_BIAS))
        .rule("**.bias_hh_l*", lstm_bias(default, 0.0))
}

/// Keras's LSTM conventions applied gate by gate, for PyTorch's and candle-nn's names:
/// `weight_ih_l*` Glorot-uniform on each gate's `(h, in)` block (fans `in`, `h`),
/// `weight_hh_l*` orthogonal on each gate's `(h, h)` block, biases zero with the forget block
/// of `bias_ih_l*` 1 (`keras.layers.LSTM`: `glorot_uniform`, `orthogonal`, `zeros`,
/// `unit_forget_bias=True`). Keras itself draws its kernels over the fused `(in, 4h)` and
/// `(h, 4h)` matrices, so a gate's recurrent block is not orthogonal there (keras #9149); here
/// each is.
#[cfg(feature = "orthogonal")]
pub fn lstm_keras() -> Rules {
    let gates = LSTM_GATES.len();
    Rules::torch_defaults()
        .rule("**.weight_ih_l*", Init::glorot_uniform().blocks(gates))
        .rule("**.weight_hh_l*", Init::orthogonal().blocks(gates))
        .rule("**.bias_ih_l*", lstm_bias(Init::zeros(), FORGET_BIAS))
        .rule("**.bias_hh_l*", Init::zeros())
}

/// Keras's GRU conventions applied gate by gate, for PyTorch's and candle-nn's names:
/// `weight_ih_l*` Glorot-uniform on each gate's `(h, in)` block, `weight_hh_l*` orthogonal on
/// each gate's `(h, h)` block (reset, update, new), biases zero (`keras.layers.GRU`).
#[cfg(feature = "orthogonal")]
pub fn gru_keras() -> Rules {
    let gates = GRU_GATES.len();
    Rules::torch_defaults()
        .rule("**.weight_ih_l*", Init::glorot_uniform().blocks(gates))
        .rule("**.weight_hh_l*", Init::orthogonal().blocks(gates))
        .rule("**.bias_*_l*", Init::zeros())
}

/// PyTorch's defaults with a forget-gate bias of 1 for Burn's `Lstm` names, for
/// `weight_init::burn::reinit`: the forget gate's input-transform bias
/// (`**.forget_gate.input_transform.bias`) 1, its hidden-transform bias 0, everything else
/// PyTorch's default for its layer. The same values as the derive's `forget_bias = 1` on a
/// Burn `Lstm` field.
pub fn lstm_burn() -> Rules {
    Rules::torch_defaults()
        .rule(
            "**.forget_gate.input_transform.bias",
            Init::constant(FORGET_BIAS),
        )
        .rule("**.forget_gate.hidden_transform.bias", Init::zeros())
}
