//! candle tensors and `Var`s as parameters (feature `candle`).
//!
//! candle's element type is a run-time value (`Tensor::dtype`), so both types have
//! `Elem = f32`: values are generated in f32, exactly as for an `ndarray` array of `f32`, and
//! converted once to the tensor's dtype on upload (`to_dtype`). Integer dtypes are refused with
//! an error. The host copy is made on the CPU and uploaded to the tensor's own device.
//!
//! candle's random generators are never used: candle pins another `rand` than ours, and its CPU
//! generator cannot be seeded.

use std::fmt::Display;

use candle_core::{DType, Device, Shape, Tensor, Var};

use crate::error::{ErrorKind, InitError};
use crate::param::construct::Construct;
use crate::param::parameter::{HostMut, HostRef, Parameter, inspect_on_host, update_on_host};
use crate::param::rank::{AllowsConv, AllowsFans, AllowsMatrix};
use crate::param::shape::element_count;

/// A candle error as [`ErrorKind::Backend`].
fn backend(op: &'static str, e: impl Display) -> InitError {
    InitError::new(
        op,
        ErrorKind::Backend {
            message: e.to_string(),
        },
    )
}

/// Refuses tensors of integer dtype: they hold no parameter that a scheme could fill.
fn check_float(t: &Tensor, op: &'static str) -> Result<(), InitError> {
    if t.dtype().is_int() {
        return Err(backend(
            op,
            format_args!(
                "the candle tensor has the integer dtype {}; weight-init fills floating-point \
                 tensors only (f32, f64, f16, bf16)",
                t.dtype().as_str()
            ),
        ));
    }
    Ok(())
}

/// The values of `t` as f32, in logical row-major order (a download from its device).
fn download(t: &Tensor, op: &'static str) -> Result<Vec<f32>, InitError> {
    t.to_dtype(DType::F32)
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1::<f32>())
        .map_err(|e| backend(op, e))
}

/// A new tensor with the shape, dtype and device of `like` holding `values` (logical
/// row-major order), converted from f32 to its dtype.
fn upload(values: Vec<f32>, like: &Tensor, op: &'static str) -> Result<Tensor, InitError> {
    Tensor::from_vec(values, like.shape().clone(), like.device())
        .and_then(|t| t.to_dtype(like.dtype()))
        .map_err(|e| backend(op, e))
}

/// The tensor's new contents after `work`, as a tensor like `t`.
fn run_update<W: HostMut<f32>>(t: &Tensor, work: W) -> Result<(Tensor, W::Output), InitError> {
    check_float(t, "update")?;
    let values = if W::READS {
        Some(download(t, "update")?)
    } else {
        None
    };
    let (values, out) = update_on_host(t.dims(), values, work)?;
    Ok((upload(values, t, "update")?, out))
}

fn run_inspect<W: HostRef<f32>>(t: &Tensor, work: W) -> Result<W::Output, InitError> {
    check_float(t, "inspect")?;
    inspect_on_host(t.dims(), download(t, "inspect")?, work)
}

/// A candle tensor of any float dtype, on any device.
///
/// Values are generated in f32 (bit-identical to those of an `ArrayD<f32>` of the same shape,
/// path and seed) and converted on upload: `F32` keeps them; `F64` holds them widened, exactly;
/// `F16` and `BF16` hold them rounded to nearest; candle's 8-, 6- and 4-bit float dtypes are
/// converted where candle's device supports the conversion, else the update fails with
/// [`ErrorKind::Backend`]. Integer dtypes (`U8`, `U32`, `I16`, `I32`, `I64`) are refused with
/// [`ErrorKind::Backend`]. Work that reads the values (LSUV's rescaling) reads them converted to
/// f32, so an `F64` tensor holds f32-precision values after any update.
///
/// A candle `Tensor` is immutable and shared: [`update`](Parameter::update) replaces the field
/// with a new tensor of the same shape, dtype and device. Clones taken before (another
/// handle to the old storage) keep the old values, and a tensor that was a variable's
/// (`Var::as_tensor().clone()`) is no longer linked to it: hold a [`Var`] in the field when
/// others must see the new values.
impl Parameter for Tensor {
    type Elem = f32;

    fn dims(&self) -> Vec<usize> {
        Tensor::dims(self).to_vec()
    }

    fn update<W: HostMut<f32>>(&mut self, work: W) -> Result<W::Output, InitError> {
        let (new, out) = run_update(self, work)?;
        *self = new;
        Ok(out)
    }

    fn inspect<W: HostRef<f32>>(&self, work: W) -> Result<W::Output, InitError> {
        run_inspect(self, work)
    }
}

/// A candle variable of any float dtype, on any device: as for [`Tensor`], but
/// [`update`](Parameter::update) writes in place (`Var::set`), so every clone of the `Var`
/// sees the new values.
impl Parameter for Var {
    type Elem = f32;

    fn dims(&self) -> Vec<usize> {
        self.as_tensor().dims().to_vec()
    }

    fn update<W: HostMut<f32>>(&mut self, work: W) -> Result<W::Output, InitError> {
        let (new, out) = run_update(self.as_tensor(), work)?;
        self.set(&new).map_err(|e| backend("update", e))?;
        Ok(out)
    }

    fn inspect<W: HostRef<f32>>(&self, work: W) -> Result<W::Output, InitError> {
        run_inspect(self.as_tensor(), work)
    }
}

/// A zero `F32` tensor of the shape, any rank, on the device (`to_dtype` it afterwards for
/// another dtype; the values a scheme writes later are converted to that dtype).
impl Construct<Device> for Tensor {
    fn zeros(shape: &[usize], device: &Device) -> Result<Self, InitError> {
        element_count(shape, "build")?;
        Tensor::zeros(Shape::from_dims(shape), DType::F32, device).map_err(|e| backend("build", e))
    }
}

/// A zero `F32` variable of the shape, any rank, on the device.
impl Construct<Device> for Var {
    fn zeros(shape: &[usize], device: &Device) -> Result<Self, InitError> {
        element_count(shape, "build")?;
        Var::zeros(Shape::from_dims(shape), DType::F32, device).map_err(|e| backend("build", e))
    }
}

// The rank of a candle tensor is not in its type: every scheme is allowed at compile time and
// the rank is checked when the scheme resolves the shape.
impl AllowsFans for Tensor {}
impl AllowsMatrix for Tensor {}
impl AllowsConv for Tensor {}
impl AllowsFans for Var {}
impl AllowsMatrix for Var {}
impl AllowsConv for Var {}
