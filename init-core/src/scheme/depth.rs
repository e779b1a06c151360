//! Depth-aware scaling: factors for `scale = …` that keep deep and residual networks' signals
//! bounded.

use crate::error::InitError;

fn check(
    name: &'static str,
    context: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), InitError> {
    InitError::require(ok, context, name, value, expected)
}

/// GPT-2's (Radford et al. 2019) and OLMo's scale for the residual projections (attention and
/// MLP outputs) of a transformer with `n_layers` blocks: 1/√(2·n_layers), since each block adds
/// two residual branches. Use as `#[init(normal(std = 0.02), scale = gpt2_residual_scale(12))]`.
///
/// ```
/// assert_eq!(init_core::depth::gpt2_residual_scale(12), 1.0 / 24f64.sqrt());
/// ```
pub fn gpt2_residual_scale(n_layers: usize) -> f64 {
    1.0 / (2.0 * n_layers.max(1) as f64).sqrt()
}

/// Fixup's scale (Zhang, Dauphin & Ma 2019, "Fixup Initialization: Residual Learning Without
/// Normalization"): in a network of `branches` residual branches with `layers_per_branch`
/// layers each, the weights inside each branch are initialised as usual (He) and then scaled
/// by L^(−1/(2m−2)); the last layer of each branch is zero. Needs m ≥ 2 and L ≥ 1.
///
/// ```
/// use init_core::depth::fixup_scale;
/// assert_eq!(fixup_scale(16, 2).unwrap(), 0.25); // 16^(-1/2)
/// assert!(fixup_scale(16, 1).is_err());
/// ```
pub fn fixup_scale(branches: usize, layers_per_branch: usize) -> Result<f64, InitError> {
    check("branches", "fixup", branches as f64, branches >= 1, ">= 1")?;
    check(
        "layers_per_branch",
        "fixup",
        layers_per_branch as f64,
        layers_per_branch >= 2,
        ">= 2",
    )?;
    let m = layers_per_branch as f64;
    Ok((branches as f64).powf(-1.0 / (2.0 * m - 2.0)))
}

/// Hanin & Rolnick (2018, "How to Start Training: The Effect of Initialization and
/// Architecture"): in a residual network whose modules are scaled by η₁, η₂, …, the mean
/// length scale of activations stays bounded through depth only if Σ η_l stays bounded. This
/// returns the sum (for example, η_l = 1/l² sums to at most π²/6, η_l = 1 grows with depth).
/// Every scale must be finite and ≥ 0.
///
/// ```
/// use init_core::depth::residual_scale_sum;
/// let bounded: Vec<f64> = (1..=1000).map(|l| 1.0 / (l * l) as f64).collect();
/// assert!(residual_scale_sum(&bounded).unwrap() < std::f64::consts::PI.powi(2) / 6.0);
/// assert_eq!(residual_scale_sum(&[1.0; 50]).unwrap(), 50.0);
/// ```
pub fn residual_scale_sum(scales: &[f64]) -> Result<f64, InitError> {
    for &s in scales {
        check(
            "scale",
            "hanin_rolnick",
            s,
            s.is_finite() && s >= 0.0,
            "finite and >= 0",
        )?;
    }
    Ok(scales.iter().sum())
}
