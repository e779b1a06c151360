//! Gains: the factor a nonlinearity asks of a variance-preserving init.

use crate::error::InitError;

/// The recommended gain for a nonlinearity, PyTorch's `torch.nn.init.calculate_gain` table with
/// its exact constants.
///
/// | variant | value |
/// |---|---|
/// | `Linear`, `Sigmoid` | 1 |
/// | `Tanh` | 5/3 |
/// | `Relu` | √2 |
/// | `LeakyRelu(s)` | √(2 / (1 + s²)); PyTorch's default slope is 0.01 ([`Gain::leaky_relu_default`]) |
/// | `Selu` | 3/4 (PyTorch's choice for self-normalising networks) |
/// | `Value(g)` | g |
///
/// ```
/// use init_core::Gain;
/// assert_eq!(Gain::Tanh.value(), 5.0 / 3.0);
/// assert_eq!(Gain::Relu.value(), 2f64.sqrt());
/// assert_eq!(Gain::leaky_relu_default().value(), 1.4141428569978354);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gain {
    /// Identity (and convolutions): 1.
    Linear,
    /// Logistic sigmoid: 1.
    Sigmoid,
    /// tanh: 5/3.
    Tanh,
    /// ReLU: √2 (He et al. 2015).
    Relu,
    /// Leaky ReLU with the given negative slope: √(2 / (1 + slope²)).
    LeakyRelu(f64),
    /// SELU: 3/4.
    Selu,
    /// An explicit gain.
    Value(f64),
}

impl Gain {
    /// PyTorch's default negative slope for `leaky_relu`, 0.01.
    pub const LEAKY_RELU_DEFAULT_SLOPE: f64 = 0.01;

    /// `LeakyRelu(0.01)`, PyTorch's `calculate_gain("leaky_relu")`.
    pub const fn leaky_relu_default() -> Self {
        Gain::LeakyRelu(Self::LEAKY_RELU_DEFAULT_SLOPE)
    }

    /// The numeric gain. A NaN or infinite slope or value passes through; schemes reject it
    /// with an [`InitError`] when they meet it.
    pub fn value(self) -> f64 {
        match self {
            Gain::Linear | Gain::Sigmoid => 1.0,
            Gain::Tanh => 5.0 / 3.0,
            Gain::Relu => std::f64::consts::SQRT_2,
            Gain::LeakyRelu(slope) => (2.0 / (1.0 + slope * slope)).sqrt(),
            Gain::Selu => 0.75,
            Gain::Value(g) => g,
        }
    }

    /// The numeric gain, or an error naming `scheme` when the slope or value is not finite.
    pub(crate) fn checked_value(self, scheme: &'static str) -> Result<f64, InitError> {
        let (name, raw) = match self {
            Gain::LeakyRelu(slope) => ("leaky_relu slope", slope),
            Gain::Value(g) => ("gain", g),
            _ => return Ok(self.value()),
        };
        InitError::require(raw.is_finite(), scheme, name, raw, "finite")?;
        Ok(self.value())
    }
}

impl From<f64> for Gain {
    fn from(g: f64) -> Self {
        Gain::Value(g)
    }
}
