//! LSUV, layer-sequential unit-variance initialisation (Mishkin & Matas 2016, "All you need is
//! a good init"): a data-dependent procedure on an initialised model and a batch.

use std::any::Any;
use std::collections::HashMap;

use crate::error::{ErrorKind, InitError};
use crate::model::initialize::{Initialize, params};
use crate::model::path::ParamPath;
use crate::model::visit::VisitMut;
use crate::param::element::Float;
use crate::param::parameter::{CopyValues, HostMut, Parameter};
use crate::param::target::Target;
#[cfg(feature = "orthogonal")]
use crate::sample::work::FillKeyed;
use crate::scheme::init::Init;

/// What the forward closure returns: each chosen layer's output on the batch (any shape,
/// flattened), keyed by the path of that layer's weight (`layers[3].w`).
pub type LayerOutputs = HashMap<String, Vec<f64>>;

/// LSUV's settings. The defaults are the authors' (tolerance 0.1, 10 iterations, orthonormal
/// pre-initialisation).
///
/// For each chosen weight in order: run the model on the batch, take the variance of that
/// layer's output, and divide the weight by its square root, until |Var − 1| < `tol` or
/// `max_iters` rounds (a layer still outside the tolerance then is no error: its variance is
/// in the report). `max_iters` is capped at [`Lsuv::MAX_ITERS`] (1000), so that a forward
/// pass that never converges cannot keep LSUV running for ever. With `orthonormal`, each chosen weight is first made orthonormal
/// (`Init::orthogonal`, keyed by the seed and its path); that needs the `orthogonal` feature
/// (on by default): without it, `orthonormal: true` is an [`ErrorKind::MissingFeature`]
/// error before anything is changed, rather than a silent skip.
///
/// ```
/// use init_core::{Lsuv, LayerOutputs, Initialize, Init, ParamPath, Visit, VisitMut, InitError, Target};
/// # #[derive(Clone)] struct Linear { w: ndarray::Array2<f64> }
/// # impl Initialize for Linear {
/// #     fn walk<V: Visit + ?Sized>(&self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
/// #         p.with(init_core::Segment::Field("w"), |p| v.param(p, &self.w, &Init::normal(0.0, 5.0)))
/// #     }
/// #     fn walk_mut<V: VisitMut + ?Sized>(&mut self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
/// #         p.with(init_core::Segment::Field("w"), |p| v.param(p, &mut self.w, &Init::normal(0.0, 5.0)))
/// #     }
/// # }
/// // a linear layer, badly scaled, and a batch of 256 inputs of width 32
/// let mut layer = Linear { w: ndarray::Array2::zeros((16, 32)) };
/// layer.init_seeded(1)?;
/// let x = ndarray::Array2::<f64>::from_shape_fn((32, 256), |(i, j)| ((i * 7 + j * 13) % 17) as f64 - 8.0);
/// let report = Lsuv::default().run(&mut layer, &["w"], 1, |m: &Linear| {
///     LayerOutputs::from([("w".to_string(), m.w.dot(&x).iter().copied().collect())])
/// })?;
/// assert!((report.layers[0].variance - 1.0).abs() < 0.1);
/// # Ok::<(), InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lsuv {
    /// Stop when |Var − 1| < `tol`.
    pub tol: f64,
    /// At most this many rescalings per layer; at most [`Lsuv::MAX_ITERS`] (more is an
    /// [`ErrorKind::InvalidParameter`] error before anything is changed).
    pub max_iters: usize,
    /// Make each chosen weight orthonormal first.
    pub orthonormal: bool,
}

impl Default for Lsuv {
    fn default() -> Self {
        Lsuv {
            tol: 0.1,
            max_iters: 10,
            orthonormal: true,
        }
    }
}

/// What LSUV did to one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LsuvLayer {
    /// The weight's path.
    pub path: String,
    /// Rescalings applied.
    pub iterations: usize,
    /// The variance of the layer's output at the end.
    pub variance: f64,
}

/// What LSUV did, layer by layer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LsuvReport {
    /// One entry per chosen layer, in order.
    pub layers: Vec<LsuvLayer>,
}

fn err(path: &str, kind: ErrorKind) -> InitError {
    InitError::new("lsuv", kind).with_path(path)
}

/// Applies `f` to the parameter at `path`.
struct At<'a, F> {
    path: &'a str,
    f: F,
}

/// What is done to the chosen parameter.
enum Action {
    /// The orthonormal start, keyed by this seed and the state-dict name.
    #[cfg(feature = "orthogonal")]
    Orthonormal(u64),
    Scale(f64),
    /// Copies the values out, in their own element type (a `Vec<E>`), into the slot.
    Save(Option<Box<dyn Any + Send>>),
    /// Writes back what [`Action::Save`] copied out.
    Restore(Option<Box<dyn Any + Send>>),
}

impl VisitMut for At<'_, Action> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        _: &Init,
    ) -> Result<(), InitError> {
        if path.to_string() != self.path {
            return Ok(());
        }
        match &mut self.f {
            #[cfg(feature = "orthogonal")]
            Action::Orthonormal(seed) => target
                .update(FillKeyed {
                    init: &Init::orthogonal(),
                    seed: *seed,
                    name: &path.state_dict_name(),
                    shard: None,
                })
                .and_then(|r| r),
            Action::Scale(s) => match target.update(Scale(*s)) {
                Ok(Some(value)) => Err(InitError::new(
                    "lsuv",
                    ErrorKind::RescaleOverflow {
                        scale: *s,
                        value,
                        dtype: T::Elem::NAME,
                    },
                )),
                other => other.map(|_| ()),
            },
            Action::Save(slot) => target.values().map(|v| *slot = Some(Box::new(v))),
            Action::Restore(slot) => match slot.take().map(|v| v.downcast::<Vec<T::Elem>>()) {
                Some(Ok(values)) => target.update(CopyValues(*values)),
                // saved from this very parameter, so of its element type; never reached
                _ => Ok(()),
            },
        }
        .map_err(|e| e.with_path(self.path))
    }
}

/// Runs `action` on the parameter at `path` and gives the action back (with what it saved).
fn at<M: Initialize + ?Sized>(
    model: &mut M,
    path: &str,
    action: Action,
) -> Result<Action, InitError> {
    let mut at = At { path, f: action };
    model.walk_mut(&mut ParamPath::new(), &mut at)?;
    Ok(at.f)
}

/// Multiplies every value by the factor, unless a product would not be finite in the element
/// type: then nothing is written and the first such product (in f64) is returned.
struct Scale(f64);

impl<E: Float> HostMut<E> for Scale {
    type Output = Option<f64>;
    const READS: bool = true;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) -> Option<f64> {
        let mut overflow = None;
        target.for_each(|x| {
            let y = x.to_f64() * self.0;
            if overflow.is_none() && !E::from_f64(y).to_f64().is_finite() {
                overflow = Some(y);
            }
        });
        if overflow.is_none() {
            target.for_each_mut(|x| *x = E::from_f64(x.to_f64() * self.0));
        }
        overflow
    }
}

/// The orthonormal start without the QR schemes (the seed that would have keyed it unused).
#[cfg(not(feature = "orthogonal"))]
fn missing_orthogonal(_seed: u64) -> InitError {
    InitError::new(
        "lsuv",
        ErrorKind::MissingFeature {
            what: "LSUV's orthonormal start (`Lsuv::orthonormal`)",
            feature: "orthogonal",
        },
    )
}

/// The population variance, or an error for non-finite values and a dead (constant) output.
fn variance(path: &str, values: &[f64]) -> Result<f64, InitError> {
    if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(err(
            path,
            ErrorKind::InvalidParameter {
                name: "layer output",
                value: *bad,
                expected: "finite",
            },
        ));
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    if values.is_empty() || var == 0.0 || !var.is_finite() {
        return Err(err(path, ErrorKind::DeadLayer { variance: var }));
    }
    Ok(var)
}

/// A rescaling of the weight by `scale` must move the log of the output variance by at least
/// this fraction of what it moves for a layer linear in its weight (2·ln `scale`).
const MIN_RESPONSE: f64 = 1e-3;

/// Rescalings with |2·ln `scale`| below this are not judged: rounding could hide the response,
/// and even `Lsuv::MAX_ITERS` of them change the weight by less than 0.1 %.
const JUDGED_STEP: f64 = 1e-6;

/// An error naming the layer when rescaling its weight by `scale` moved the output variance
/// from `before` to `after` by less than [`MIN_RESPONSE`] of a linear layer's response.
fn check_response(path: &str, scale: f64, before: f64, after: f64) -> Result<(), InitError> {
    let expected = 2.0 * scale.ln();
    // both variances are finite and > 0: the log ratio is never NaN
    let moved = (after / before).ln();
    if expected.abs() >= JUDGED_STEP && moved.abs() < MIN_RESPONSE * expected.abs() {
        return Err(err(
            path,
            ErrorKind::UnresponsiveLayer {
                scale,
                before,
                after,
            },
        ));
    }
    Ok(())
}

impl Lsuv {
    /// The largest `max_iters` accepted: 100 times the authors' 10. A layer linear in its
    /// weight converges in one rescaling; one that has not converged in 1000 will not.
    pub const MAX_ITERS: usize = 1000;

    /// Runs LSUV on `model` for the weights at `layers` (in that order), calling `forward`
    /// to run the model on the batch and return each chosen layer's output keyed by its
    /// weight's path. `seed` keys the orthonormal pre-initialisation.
    ///
    /// Errors (naming the layer's path): an unknown path, a forward pass that returns no output
    /// for a chosen layer, a non-finite output, a dead layer (output variance 0)
    /// ([`ErrorKind::DeadLayer`]), a layer whose output does not respond to its weight
    /// ([`ErrorKind::UnresponsiveLayer`]: a rescaling by `s` moved the log of the variance by
    /// less than 0.1 % of 2·ln `s`, what a layer linear in its weight gives), a rescaling whose
    /// values would not be finite in the element type ([`ErrorKind::RescaleOverflow`]), and
    /// invalid settings (`tol` not finite and > 0; `max_iters` above [`Lsuv::MAX_ITERS`];
    /// `orthonormal` without the `orthogonal` feature).
    ///
    /// All or nothing: on any error the chosen weights are exactly, bit for bit, what they were
    /// before the call (the orthonormal start and every rescaling undone). The chosen weights
    /// are copied before anything is written (memory: one more copy of them) and written back
    /// on error; should the framework refuse that write, its error is returned instead. A panic
    /// in `forward` is not caught: it unwinds with the weights as they were at that moment.
    pub fn run<M, F>(
        &self,
        model: &mut M,
        layers: &[&str],
        seed: u64,
        forward: F,
    ) -> Result<LsuvReport, InitError>
    where
        M: Initialize + ?Sized,
        F: FnMut(&M) -> LayerOutputs,
    {
        let tol_ok = self.tol.is_finite() && self.tol > 0.0;
        InitError::require(tol_ok, "lsuv", "tol", self.tol, "finite and > 0")?;
        InitError::require(
            self.max_iters <= Self::MAX_ITERS,
            "lsuv",
            "max_iters",
            self.max_iters as f64,
            "<= 1000 (Lsuv::MAX_ITERS)",
        )?;
        let params = params(model)?;
        for layer in layers {
            if !params.iter().any(|p| p.path == *layer) {
                return Err(err(layer, ErrorKind::UnknownPath));
            }
        }
        if self.orthonormal && !layers.is_empty() {
            // before anything is written: a framework tensor would be overwritten by a failed fill
            #[cfg(not(feature = "orthogonal"))]
            return Err(missing_orthogonal(seed));
        }
        // all or nothing: the chosen weights are copied out before anything is written, and
        // written back on any error
        let mut saved = Vec::with_capacity(layers.len());
        for layer in layers {
            saved.push(at(model, layer, Action::Save(None))?);
        }
        match self.rescale(model, layers, seed, forward) {
            Ok(report) => Ok(report),
            Err(e) => {
                // in reverse, so that a path chosen twice gets its first (original) copy back
                for (layer, save) in layers.iter().zip(saved).rev() {
                    if let Action::Save(values) = save {
                        at(model, layer, Action::Restore(values))?;
                    }
                }
                Err(e)
            }
        }
    }

    /// LSUV's steps on checked settings and paths; on error the caller restores the weights.
    fn rescale<M, F>(
        &self,
        model: &mut M,
        layers: &[&str],
        #[cfg_attr(not(feature = "orthogonal"), allow(unused_variables))] seed: u64,
        mut forward: F,
    ) -> Result<LsuvReport, InitError>
    where
        M: Initialize + ?Sized,
        F: FnMut(&M) -> LayerOutputs,
    {
        #[cfg(feature = "orthogonal")]
        if self.orthonormal {
            for layer in layers {
                at(model, layer, Action::Orthonormal(seed))?;
            }
        }
        let mut report = LsuvReport::default();
        for layer in layers {
            let mut iterations = 0;
            // the last rescaling and the variance it started from
            let mut last: Option<(f64, f64)> = None;
            let var = loop {
                let outputs = forward(model);
                let out = outputs
                    .get(*layer)
                    .ok_or_else(|| err(layer, ErrorKind::MissingOutput))?;
                let var = variance(layer, out)?;
                if let Some((scale, before)) = last {
                    check_response(layer, scale, before, var)?;
                }
                if (var - 1.0).abs() < self.tol || iterations == self.max_iters {
                    break var;
                }
                let scale = 1.0 / var.sqrt();
                at(model, layer, Action::Scale(scale))?;
                last = Some((scale, var));
                iterations += 1;
            };
            report.layers.push(LsuvLayer {
                path: (*layer).to_string(),
                iterations,
                variance: var,
            });
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::path::Segment;
    use crate::model::visit::Visit;

    /// One linear layer, written by hand.
    struct Linear {
        w: ndarray::Array2<f64>,
    }

    impl Initialize for Linear {
        fn walk<V: Visit + ?Sized>(&self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
            p.with(Segment::Field("w"), |p| {
                v.param(p, &self.w, &Init::normal(0.0, 5.0))
            })
        }
        fn walk_mut<V: VisitMut + ?Sized>(
            &mut self,
            p: &mut ParamPath,
            v: &mut V,
        ) -> Result<(), InitError> {
            p.with(Segment::Field("w"), |p| {
                v.param(p, &mut self.w, &Init::normal(0.0, 5.0))
            })
        }
    }

    /// A layer linear in its weight responds fully; one scaled by a normalisation after it
    /// (variance moved by rounding only) does not; steps too small to judge are let through.
    #[test]
    fn the_response_is_judged_against_a_linear_layer() {
        // a linear layer: Var 4 → 1 after a rescaling by 1/2
        assert!(check_response("w", 0.5, 4.0, 1.0).is_ok());
        // half a per mille of the linear response is not enough, two per mille is
        let linear = (0.25f64).ln();
        assert!(check_response("w", 0.5, 4.0, 4.0 * (5e-4 * linear).exp()).is_err());
        assert!(check_response("w", 0.5, 4.0, 4.0 * (2e-3 * linear).exp()).is_ok());
        let e = check_response("w", 0.5, 4.0, 4.0 * (1.0 + 1e-7)).unwrap_err();
        assert_eq!(e.path(), Some("w"));
        assert!(matches!(
            e.kind(),
            ErrorKind::UnresponsiveLayer { scale: 0.5, .. }
        ));
        // a step of 2·ln s = 2e-7: not judged, even with no response
        assert!(check_response("w", (1e-7f64).exp(), 1.0 + 1e-7 * 2.0, 1.0 + 1e-7 * 2.0).is_ok());
        // extreme but finite variances: no NaN, still judged
        assert!(check_response("w", 1e150, 1e-300, 1e-300).is_err());
        assert!(check_response("w", 1e150, 1e-300, 1.0).is_ok());
    }

    /// Without the QR schemes the orthonormal start is an error, before anything changes;
    /// with them it runs.
    #[test]
    fn the_orthonormal_start_needs_the_orthogonal_feature() {
        let w = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f64 - 11.5);
        let mut m = Linear { w: w.clone() };
        let x = ndarray::Array2::from_shape_fn((6, 64), |(i, j)| ((i * 7 + j * 13) % 17) as f64);
        let forward =
            |m: &Linear| LayerOutputs::from([("w".to_string(), m.w.dot(&x).into_iter().collect())]);
        let got = Lsuv::default().run(&mut m, &["w"], 1, forward);
        if cfg!(feature = "orthogonal") {
            assert!(got.is_ok(), "{got:?}");
        } else {
            let err = got.unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::MissingFeature {
                        feature: "orthogonal",
                        ..
                    }
                ),
                "{err}"
            );
            assert_eq!(m.w, w, "nothing changed");
        }
        // without the orthonormal start, LSUV needs no QR
        let mut m = Linear { w: w.clone() };
        let plain = Lsuv {
            orthonormal: false,
            ..Lsuv::default()
        };
        assert!(plain.run(&mut m, &["w"], 1, forward).is_ok());
    }
}
