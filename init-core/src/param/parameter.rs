//! [`Parameter`]: what a model's field holds. Every in-memory [`Target`] is one; a tensor of a
//! framework that keeps its values elsewhere (a Burn or candle device) is one by handing the
//! work a host buffer of its shape ([`Parameter::update`]) and uploading what was written.

use ndarray::{ArrayD, IxDyn};

use super::element::Float;
use super::shape::element_count;
use super::target::Target;
use crate::error::{ErrorKind, InitError};

/// Work done on a parameter's values in host memory, writing them ([`Parameter::update`]).
///
/// A trait rather than a closure because it is generic over the target type: the same work
/// runs on an ndarray view in place and on the host copy of a framework tensor.
pub trait HostMut<E: Float> {
    /// What the work returns.
    type Output;
    /// Whether the work reads the current values. When false it overwrites every element, so a
    /// framework tensor need not download its values first.
    const READS: bool;
    /// Does the work on `target`.
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) -> Self::Output;
}

/// Work done on a parameter's values in host memory, reading them ([`Parameter::inspect`]).
pub trait HostRef<E: Float> {
    /// What the work returns.
    type Output;
    /// Does the work on `target`.
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &T) -> Self::Output;
}

/// A parameter of a model: what a field with `#[init(...)]` holds.
///
/// Every [`Target`] (ndarray arrays and views, `Vec`, slices, fixed-size arrays) is a
/// `Parameter` whose work runs in place. Framework tensors (features `burn`, `candle`) are
/// parameters through a host copy: [`update`](Parameter::update) downloads the values if the
/// work reads them, runs it on an ndarray of the tensor's shape, and uploads the result to the
/// tensor's device, so a fill gives the tensor exactly the values it gives an ndarray of the
/// same shape and element type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a parameter",
    label = "not an initialisable parameter",
    note = "parameters are ndarray arrays and views, `Vec`, slices and fixed-size arrays of `f32` or `f64` (integers are refused), and, with their features, Burn, candle and nalgebra tensors and f16/bf16 arrays"
)]
pub trait Parameter {
    /// The element type values are generated in.
    type Elem: Float;

    /// The logical shape (named `dims` so that it never competes with [`Target::shape`] or a
    /// framework's own `shape` method).
    fn dims(&self) -> Vec<usize>;

    /// Runs `work` on the values and keeps what it wrote. Errors come from a framework
    /// refusing a transfer ([`ErrorKind::Backend`]).
    fn update<W: HostMut<Self::Elem>>(&mut self, work: W) -> Result<W::Output, InitError>;

    /// Runs `work` on the values.
    fn inspect<W: HostRef<Self::Elem>>(&self, work: W) -> Result<W::Output, InitError>;

    /// The values, in logical row-major order (a download for framework tensors).
    fn values(&self) -> Result<Vec<Self::Elem>, InitError> {
        self.inspect(CollectValues)
    }
}

/// [`Parameter::values`]' work.
struct CollectValues;

impl<E: Float> HostRef<E> for CollectValues {
    type Output = Vec<E>;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &T) -> Vec<E> {
        let mut v = Vec::new();
        target.for_each(|x| v.push(x));
        v
    }
}

impl<T: Target + ?Sized> Parameter for T {
    type Elem = T::Elem;

    fn dims(&self) -> Vec<usize> {
        Target::shape(self)
    }

    fn update<W: HostMut<Self::Elem>>(&mut self, work: W) -> Result<W::Output, InitError> {
        Ok(work.call(self))
    }

    fn inspect<W: HostRef<Self::Elem>>(&self, work: W) -> Result<W::Output, InitError> {
        Ok(work.call(self))
    }
}

/// The host side of a framework tensor's [`Parameter::update`]: `values` (downloaded, or
/// `None` when the work does not read them) become an ndarray of `shape`, the work runs on it,
/// and the values come back in logical row-major order with what the work returned.
///
/// For implementers of [`Parameter`] on tensor types of other frameworks.
pub fn update_on_host<E: Float, W: HostMut<E>>(
    shape: &[usize],
    values: Option<Vec<E>>,
    work: W,
) -> Result<(Vec<E>, W::Output), InitError> {
    let len = element_count(shape, "update")?;
    let values = match values {
        Some(v) if v.len() == len => v,
        Some(v) => {
            return Err(InitError::new(
                "update",
                ErrorKind::Backend {
                    message: format!(
                        "the tensor of shape {shape:?} gave {} values, expected {len}",
                        v.len()
                    ),
                },
            ));
        }
        None => super::shape::try_filled(len, E::ZERO, "update")?,
    };
    let mut host = ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| {
        InitError::new(
            "update",
            ErrorKind::Backend {
                message: e.to_string(),
            },
        )
    })?;
    let out = work.call(&mut host);
    Ok((host.into_raw_vec_and_offset().0, out))
}

/// The host side of a framework tensor's [`Parameter::inspect`]: runs `work` on `values`
/// viewed with `shape`.
pub fn inspect_on_host<E: Float, W: HostRef<E>>(
    shape: &[usize],
    values: Vec<E>,
    work: W,
) -> Result<W::Output, InitError> {
    let host = ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| {
        InitError::new(
            "inspect",
            ErrorKind::Backend {
                message: e.to_string(),
            },
        )
    })?;
    Ok(work.call(&host))
}

/// Copies values (logical row-major order) into a parameter, overwriting all of it: values
/// computed elsewhere (ahead of a walk, or read from a file) coming in.
pub(crate) struct CopyValues<E>(pub(crate) Vec<E>);

impl<E: Float> HostMut<E> for CopyValues<E> {
    type Output = ();
    const READS: bool = false;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) {
        let mut values = self.0.into_iter();
        target.for_each_mut(|x| {
            if let Some(v) = values.next() {
                *x = v;
            }
        });
    }
}
