//! Parameters of a model: in-memory [`Target`]s, and tensors of a framework that keeps its
//! values elsewhere (a Burn or candle device), reached through a host copy.
//!
//! Schemes fill [`Target`]s: memory this process can write element by element. A model's field
//! is a [`Parameter`]: every `Target` is one, and a framework tensor is one by handing the
//! visitor a host buffer of its shape ([`Parameter::update`]) and uploading what was written.
//! [`Construct`] builds a zero parameter of a given shape on a device; it is what the derive's
//! generated [`Build`](crate::Build) constructor calls.

use ndarray::{Array, ArrayD, Dimension, IxDyn};

use crate::element::Float;
use crate::error::{ErrorKind, InitError};
use crate::target::{Nested, Target};

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
        None => vec![E::ZERO; len],
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

/// The number of elements of `shape`, or [`ErrorKind::ShapeOverflow`] when it does not fit in
/// memory's address range (`isize::MAX` elements).
pub fn element_count(shape: &[usize], scheme: &'static str) -> Result<usize, InitError> {
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| isize::try_from(n).is_ok())
        .ok_or_else(|| {
            InitError::new(
                scheme,
                ErrorKind::ShapeOverflow {
                    shape: shape.to_vec(),
                },
            )
        })
}

/// A parameter type that can be created, zero-filled, from a shape on a device: what a
/// derived [`Build`](crate::Build) constructor calls for each field with a `shape = ...`.
///
/// `Dev` is the device type of the framework (`burn_tensor::Device`,
/// `candle_core::Device`); host-memory types (ndarray arrays, `Vec`, fixed-size arrays,
/// nalgebra matrices) are built for any device and ignore it, so a model can mix them with
/// framework tensors.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from a shape on a `{Dev}`",
    label = "cannot be built from a shape",
    note = "owned ndarray arrays, `Vec`, fixed-size arrays and, with their features, Burn and candle tensors (on their own device type) and nalgebra matrices can be built; views and slices cannot"
)]
pub trait Construct<Dev: ?Sized>: Parameter + Sized {
    /// A zero parameter of `shape` on `device`. Errors: a shape the type cannot hold
    /// ([`ErrorKind::WrongShape`]), too many elements ([`ErrorKind::ShapeOverflow`]), a
    /// framework's refusal ([`ErrorKind::Backend`]).
    fn zeros(shape: &[usize], device: &Dev) -> Result<Self, InitError>;
}

/// A parameter type whose shape is part of the type (`[[f32; 64]; 128]`, nalgebra's
/// `SMatrix<f32, 128, 64>`): a derived constructor builds it without a `shape = ...`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no shape in its type: building it needs `shape = ...`",
    label = "give this field `shape = (rows, cols)` in its `#[init(...)]`",
    note = "the shape is any expression of `usize`s: `shape = (cfg.hidden, cfg.input)`, `shape = [3, 3]`, `shape = dims` (a `Vec<usize>` or slice)"
)]
pub trait FixedShape {
    /// The shape the type has.
    fn fixed_shape() -> Vec<usize>;
}

/// A shape written in an attribute: a `usize`, a tuple of up to six `usize`s, an array, a
/// slice or a `Vec` of them. What `shape = ...` accepts.
pub trait IntoShape {
    /// The dimensions, outermost first.
    fn into_shape(self) -> Vec<usize>;
}

impl IntoShape for usize {
    fn into_shape(self) -> Vec<usize> {
        vec![self]
    }
}

impl<const N: usize> IntoShape for [usize; N] {
    fn into_shape(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl IntoShape for &[usize] {
    fn into_shape(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl<const N: usize> IntoShape for &[usize; N] {
    fn into_shape(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl IntoShape for Vec<usize> {
    fn into_shape(self) -> Vec<usize> {
        self
    }
}

impl IntoShape for &Vec<usize> {
    fn into_shape(self) -> Vec<usize> {
        self.clone()
    }
}

macro_rules! tuple_shape {
    ($($n:ident)*) => {
        impl IntoShape for ($($n,)*) {
            #[allow(non_snake_case)]
            fn into_shape(self) -> Vec<usize> {
                let ($($n,)*) = self;
                vec![$($n),*]
            }
        }
    };
}

type A = usize;
type B = usize;
type C = usize;
type D = usize;
type E = usize;
type G = usize;
tuple_shape!(A);
tuple_shape!(A B);
tuple_shape!(A B C);
tuple_shape!(A B C D);
tuple_shape!(A B C D E);
tuple_shape!(A B C D E G);

/// [`ErrorKind::WrongShape`] for `shape` against what the type holds.
pub fn wrong_shape(shape: &[usize], expected: impl Into<String>) -> InitError {
    InitError::new(
        "build",
        ErrorKind::WrongShape {
            shape: shape.to_vec(),
            expected: expected.into(),
        },
    )
}

impl<F: Float, D: Dimension, Dev: ?Sized> Construct<Dev> for Array<F, D> {
    fn zeros(shape: &[usize], _: &Dev) -> Result<Self, InitError> {
        if let Some(rank) = D::NDIM
            && rank != shape.len()
        {
            return Err(wrong_shape(shape, format!("rank {rank}")));
        }
        let len = element_count(shape, "build")?;
        ArrayD::from_shape_vec(IxDyn(shape), vec![F::ZERO; len])
            .and_then(|a| a.into_dimensionality::<D>())
            .map_err(|_| wrong_shape(shape, format!("rank {}", D::NDIM.unwrap_or(shape.len()))))
    }
}

impl<F: Float, Dev: ?Sized> Construct<Dev> for Vec<F> {
    fn zeros(shape: &[usize], _: &Dev) -> Result<Self, InitError> {
        match shape {
            [n] => {
                element_count(shape, "build")?;
                Ok(vec![F::ZERO; *n])
            }
            _ => Err(wrong_shape(shape, "rank 1")),
        }
    }
}

impl<T: Nested, const N: usize> FixedShape for [T; N] {
    fn fixed_shape() -> Vec<usize> {
        let mut dims = Vec::new();
        <Self as Nested>::push_dims(&mut dims);
        dims
    }
}

impl<T: Nested, const N: usize, Dev: ?Sized> Construct<Dev> for [T; N] {
    fn zeros(shape: &[usize], _: &Dev) -> Result<Self, InitError> {
        let fixed = <Self as FixedShape>::fixed_shape();
        if shape != fixed.as_slice() {
            return Err(wrong_shape(shape, format!("shape {fixed:?}")));
        }
        Ok(Self::zeroed())
    }
}
