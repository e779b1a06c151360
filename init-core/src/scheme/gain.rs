//! Gains: the factor a nonlinearity asks of a variance-preserving init.

use std::sync::OnceLock;

use crate::error::InitError;
use crate::math::gauss::normal_expectation;

/// The amplitude a of LeCun's scaled tanh f(x) = a·tanh(b·x): 1.7159 (LeCun 1989; LeCun,
/// Bottou, Orr & Müller 1998, "Efficient BackProp", §4.4), chosen so that f(±1) = ±1.
pub const LECUN_TANH_AMPLITUDE: f64 = 1.7159;

/// The slope b of LeCun's scaled tanh f(x) = a·tanh(b·x): 2/3.
pub const LECUN_TANH_SLOPE: f64 = 2.0 / 3.0;

/// LeCun's scaled tanh, f(x) = 1.7159·tanh(2x/3) (LeCun 1989; LeCun, Bottou, Orr & Müller 1998,
/// "Efficient BackProp", §4.4): odd, f(±1) = ±1, slope a·b ≈ 1.1439 at 0, range (−1.7159,
/// 1.7159). The nonlinearity [`Gain::LecunTanh`] is computed for.
///
/// ```
/// use init_core::lecun_tanh;
/// assert!((lecun_tanh(1.0) - 1.0).abs() < 1e-4);
/// assert_eq!(lecun_tanh(0.0), 0.0);
/// ```
pub fn lecun_tanh(x: f64) -> f64 {
    // libm's tanh, not the platform's: the gain computed from it scales keyed values, which
    // are the same on every machine
    LECUN_TANH_AMPLITUDE * libm::tanh(LECUN_TANH_SLOPE * x)
}

/// The derivative of [`lecun_tanh`]: f'(x) = a·b·(1 − tanh²(b·x)).
pub fn lecun_tanh_derivative(x: f64) -> f64 {
    let t = libm::tanh(LECUN_TANH_SLOPE * x);
    LECUN_TANH_AMPLITUDE * LECUN_TANH_SLOPE * (1.0 - t * t)
}

/// E[f(Z)²] for Z ~ N(0, 1) and f = [`lecun_tanh`], computed once.
fn lecun_tanh_second_moment() -> f64 {
    static M2: OnceLock<f64> = OnceLock::new();
    *M2.get_or_init(|| normal_expectation(|z| lecun_tanh(z).powi(2)))
}

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
/// | `LecunTanh` | 1/√E[f(Z)²] = 1.1543694539761… for LeCun's f(x) = 1.7159·tanh(2x/3), computed (not in PyTorch's table) |
/// | `Value(g)` | g |
///
/// ```
/// use init_core::Gain;
/// assert_eq!(Gain::Tanh.value(), 5.0 / 3.0);
/// assert_eq!(Gain::Relu.value(), 2f64.sqrt());
/// assert_eq!(Gain::leaky_relu_default().value(), 1.4141428569978354);
/// assert!((Gain::LecunTanh.value() - 1.1543694539761).abs() < 1e-12);
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
    /// LeCun's scaled tanh f(x) = 1.7159·tanh(2x/3) ([`lecun_tanh`]; LeCun 1989; LeCun, Bottou,
    /// Orr & Müller 1998, "Efficient BackProp", §4.4): the gain g = 1/√E[f(Z)²] for
    /// Z ~ N(0, 1), which makes unit variance the fixed point of the pre-activation variance.
    ///
    /// **Derivation.** With weights of variance g²/n_in (`lecun_normal` with this gain, or any
    /// fan-in scheme) and h_{l+1} = W x_l, x_l = f(h_l), each pre-activation of a wide layer is
    /// Gaussian with variance q_{l+1} = g²·E[f(√q_l·Z)²] (the mean-field recursion of Poole et
    /// al. 2016). q = 1 is its fixed point exactly when g² = 1/E[f(Z)²]. E[f(Z)²] is computed
    /// once, by the trapezoid rule on the Gaussian (step 1/16 on [−16, 16], exact to rounding
    /// for this analytic integrand): **E[f(Z)²] = 0.7504302763…, g = 1.1543694539761…**,
    /// g² = 1.33256883….
    ///
    /// So LeCun's design goal, "if the input has variance roughly 1, the output has variance
    /// roughly 1", holds only roughly for f itself: a unit-variance Gaussian comes out of f with
    /// variance 0.750; with plain `lecun_normal` (g = 1) the pre-activations of a deep network
    /// settle at variance q* ≈ 0.382 (the fixed point of q = E[f(√q·Z)²]), not 1. With this gain
    /// they settle at 1 and the activations at 1/g² = 0.750 (`examples/signal_propagation.rs`
    /// measures both).
    ///
    /// **Against PyTorch's tanh gain, 5/3.** [`Gain::Tanh`] is for plain tanh, and PyTorch
    /// gives no derivation for 5/3. The same fixed-point computation for plain tanh gives
    /// 1/√E[tanh(Z)²] = 1.5925; 5/3 is a little larger, holding plain tanh's pre-activations
    /// at variance ≈ 1.18 instead of 1. LeCun's f needs much less gain than plain tanh because
    /// it is already scaled up: its amplitude is 1.7159 and its slope at 0 is 1.7159·2/3 ≈
    /// 1.144, not 1, so it amplifies small signals and saturates later; with 5/3, f's
    /// pre-activations would settle at variance ≈ 4.13.
    LecunTanh,
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
            Gain::LecunTanh => 1.0 / lecun_tanh_second_moment().sqrt(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lecun_tanh_gain_makes_unit_variance_the_fixed_point() {
        let g = Gain::LecunTanh.value();
        assert!((g - 1.154_369_453_976_1).abs() < 1e-12, "{g}");
        // one step of q ← g²·E[f(√q·Z)²] from q = 1 stays at 1
        let q = g * g * normal_expectation(|z| lecun_tanh(z).powi(2));
        assert!((q - 1.0).abs() < 1e-15, "{q}");
        assert_eq!(Gain::LecunTanh.checked_value("lecun_normal"), Ok(g));
    }

    #[test]
    fn lecun_tanh_is_one_at_one() {
        assert!((lecun_tanh(1.0) - 1.0).abs() < 3e-6);
        assert!((lecun_tanh(-1.0) + 1.0).abs() < 3e-6);
        let h = 1e-6;
        for x in [-2.0, 0.0, 0.5, 3.0] {
            let numeric = (lecun_tanh(x + h) - lecun_tanh(x - h)) / (2.0 * h);
            assert!((numeric - lecun_tanh_derivative(x)).abs() < 1e-8, "{x}");
        }
    }
}
