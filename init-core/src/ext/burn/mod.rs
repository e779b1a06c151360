//! Burn tensors and parameters (feature `burn`): `Tensor<D>` and `Param<Tensor<D>>` as
//! [`Parameter`]s with `Elem = f32`, [`Construct`] on a `burn_tensor::Device`, and the rank
//! markers. Values go through a host copy (generated in f32, uploaded in the tensor's dtype on
//! its own device); the impls' docs say what each dtype ends up holding.

mod layers;
pub(crate) mod reinit;
mod site;

use std::fmt::Display;

use burn_core::module::{Module, ModuleMapper, Param};
use burn_tensor::{DType, Device, Shape, Tensor, TensorData};

use crate::error::{ErrorKind, InitError};
use crate::param::construct::{Construct, wrong_shape};
use crate::param::parameter::{HostMut, HostRef, Parameter, inspect_on_host, update_on_host};
use crate::param::rank::{AllowsConv, AllowsFans, AllowsMatrix};
use crate::param::shape::element_count;

/// [`ErrorKind::Backend`] for an operation.
fn backend(op: &'static str, message: impl Display) -> InitError {
    InitError::new(
        op,
        ErrorKind::Backend {
            message: message.to_string(),
        },
    )
}

/// Refuses quantized dtypes: their values are not a float per element.
fn refuse_quantized(dtype: DType, op: &'static str) -> Result<(), InitError> {
    if matches!(dtype, DType::QFloat(_)) {
        return Err(backend(
            op,
            format!(
                "a quantized Burn tensor ({dtype:?}) cannot be initialised: \
                 initialise the float tensor, then quantize it"
            ),
        ));
    }
    Ok(())
}

/// Host data (in the tensor's dtype) as f32 values in row-major order.
fn host_values(data: TensorData, op: &'static str) -> Result<Vec<f32>, InitError> {
    refuse_quantized(data.dtype(), op)?;
    data.try_into_vec_as::<f32>().map_err(|e| backend(op, e))
}

/// The values of `tensor`, downloaded and converted to f32.
fn download<const D: usize>(tensor: &Tensor<D>, op: &'static str) -> Result<Vec<f32>, InitError> {
    refuse_quantized(tensor.dtype(), op)?;
    let data = tensor.try_to_data().map_err(|e| backend(op, e))?;
    host_values(data, op)
}

/// f32 values of `shape` as host data in `dtype`, ready to upload.
fn host_data(values: Vec<f32>, shape: &[usize], dtype: DType) -> Result<TensorData, InitError> {
    refuse_quantized(dtype, "update")?;
    let len = element_count(shape, "update")?;
    if values.len() != len {
        return Err(backend(
            "update",
            format!("{} values for shape {shape:?}", values.len()),
        ));
    }
    TensorData::new(values, shape.to_vec())
        .try_cast(dtype)
        .map_err(|e| backend("update", e))
}

/// A new tensor holding `data` (already in `old`'s dtype) on `old`'s device, with `old`'s
/// autodiff context (the device carries it) and `require_grad`.
fn replacement<const D: usize>(old: &Tensor<D>, data: TensorData) -> Tensor<D> {
    let device = old.device();
    let new = Tensor::<D>::from_data(data, (&device, old.dtype()));
    if old.is_require_grad() && new.is_autodiff() {
        new.set_require_grad(true)
    } else {
        new
    }
}

/// Errors for a shape Burn's `Tensor<D>` cannot hold, before Burn would panic on it.
fn check_build_shape<const D: usize>(shape: &[usize]) -> Result<(), InitError> {
    if D == 0 {
        return Err(wrong_shape(shape, "rank >= 1 (Burn has no rank-0 tensors)"));
    }
    if shape.len() != D {
        return Err(wrong_shape(shape, format!("rank {D}")));
    }
    let len = element_count(shape, "build")?;
    // Room for the widest float dtype (f64), so that the allocation cannot overflow.
    if len
        .checked_mul(8)
        .is_none_or(|bytes| isize::try_from(bytes).is_err())
    {
        return Err(InitError::new(
            "build",
            ErrorKind::ShapeOverflow {
                shape: shape.to_vec(),
            },
        ));
    }
    Ok(())
}

/// A Burn float tensor (feature `burn`). Values are generated in f32 on the host, exactly as
/// for an `ndarray::ArrayD<f32>` of the same shape and path, and uploaded to the tensor's own
/// device in its own dtype:
///
/// - `F32` (and Burn's `Flex32`): the f32 values, bit for bit.
/// - `F64`: the f32 values widened, exactly. An f64 tensor thus holds the values an f32 array
///   gets, not those an `ArrayD<f64>` gets (keyed values depend on the element type).
/// - `F16`, `BF16`: the f32 values rounded once, to nearest.
/// - quantized (`QFloat`): refused with [`ErrorKind::Backend`]; initialise the float tensor,
///   then quantize it.
///
/// Work that reads the current values (`values()`, reports, LSUV's rescaling) downloads them
/// and converts them to f32: exact for f32, f16 and bf16, rounded for f64.
///
/// The new tensor keeps the old one's device, dtype and autodiff context, and gets
/// `require_grad` when the old one had it. Burn's transfer errors become
/// [`ErrorKind::Backend`]. On a platform without synchronous readback (wasm) Burn panics when
/// values are read; filling with a scheme never reads them.
impl<const D: usize> Parameter for Tensor<D> {
    type Elem = f32;

    fn dims(&self) -> Vec<usize> {
        self.shape().to_vec()
    }

    fn update<W: HostMut<f32>>(&mut self, work: W) -> Result<W::Output, InitError> {
        let dtype = self.dtype();
        refuse_quantized(dtype, "update")?;
        let shape = self.shape().to_vec();
        let current = if W::READS {
            Some(download(self, "update")?)
        } else {
            None
        };
        let (values, out) = update_on_host(&shape, current, work)?;
        let data = host_data(values, &shape, dtype)?;
        *self = replacement(self, data);
        Ok(out)
    }

    fn inspect<W: HostRef<f32>>(&self, work: W) -> Result<W::Output, InitError> {
        let values = download(self, "inspect")?;
        inspect_on_host(&self.shape().to_vec(), values, work)
    }
}

/// Zeros of `shape` on `device`, in the device's default float dtype. The rank must be `D`.
impl<const D: usize> Construct<Device> for Tensor<D> {
    fn zeros(shape: &[usize], device: &Device) -> Result<Self, InitError> {
        check_build_shape::<D>(shape)?;
        Ok(Tensor::<D>::zeros(Shape::from(shape.to_vec()), device))
    }
}

/// Replaces the stored base value of the `Param` the walk starts on, and leaves any
/// reparameterization's own parameters (a LoRA adapter's factors) alone.
struct ReplaceBase {
    data: Option<TensorData>,
    depth: usize,
}

impl ModuleMapper for ReplaceBase {
    fn enter_module(&mut self, _name: &str, _container_type: &str) {
        self.depth += 1;
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if self.depth > 0 || self.data.as_ref().is_none_or(|d| d.rank() != D) {
            return param;
        }
        match self.data.take() {
            Some(data) => param.map(|old| replacement(&old, data)),
            None => param,
        }
    }
}

/// A Burn parameter (feature `burn`): its stored base value is replaced by a new tensor on the
/// same device, in the same dtype, with values as for `Tensor<D>` (f32 bit for bit, f64
/// widened, f16/bf16 rounded once, quantized refused).
///
/// The `Param` keeps its [`ParamId`](burn_core::module::ParamId) (optimiser state stays
/// attached), its load/save mappers, its configured training state, and any
/// reparameterization (a LoRA adapter is kept, and its factors are not touched); the new
/// tensor gets `require_grad` when the old one had it. A lazy (not yet initialised) `Param`
/// is materialised by Burn first, then overwritten. Clones made before the update keep the old
/// value, as with any Burn transformation of a `Param`. Reading (`values()`, reports) reads the
/// stored base, without a reparameterization's delta. [`Parameter::dims`] does not
/// materialise a lazy `Param`.
impl<const D: usize> Parameter for Param<Tensor<D>> {
    type Elem = f32;

    fn dims(&self) -> Vec<usize> {
        self.lazy_shape().to_vec()
    }

    fn update<W: HostMut<f32>>(&mut self, work: W) -> Result<W::Output, InitError> {
        let base = self.base();
        let dtype = base.dtype();
        refuse_quantized(dtype, "update")?;
        let shape = base.shape().to_vec();
        let current = if W::READS {
            Some(download(&base, "update")?)
        } else {
            None
        };
        drop(base);
        let (values, out) = update_on_host(&shape, current, work)?;
        let data = host_data(values, &shape, dtype)?;
        let mut mapper = ReplaceBase {
            data: Some(data),
            depth: 0,
        };
        let replaced = Module::map(self.clone(), &mut mapper);
        if mapper.data.is_some() {
            return Err(backend(
                "update",
                "Burn did not hand the parameter's base value to the mapper",
            ));
        }
        *self = replaced;
        Ok(out)
    }

    fn inspect<W: HostRef<f32>>(&self, work: W) -> Result<W::Output, InitError> {
        let base = self.base();
        let values = download(&base, "inspect")?;
        inspect_on_host(&base.shape().to_vec(), values, work)
    }
}

/// A trainable parameter (`Param::from_tensor`: a new id, `require_grad` on autodiff devices)
/// holding zeros of `shape` on `device`. The rank must be `D`.
impl<const D: usize> Construct<Device> for Param<Tensor<D>> {
    fn zeros(shape: &[usize], device: &Device) -> Result<Self, InitError> {
        let tensor = <Tensor<D> as Construct<Device>>::zeros(shape, device)?;
        Ok(Param::from_tensor(tensor))
    }
}

macro_rules! rank_markers {
    ($marker:ident: $($d:literal)*) => {
        $(
            impl $marker for Tensor<$d> {}
            impl $marker for Param<Tensor<$d>> {}
        )*
    };
}

rank_markers!(AllowsFans: 2 3 4 5 6);
rank_markers!(AllowsMatrix: 2);
rank_markers!(AllowsConv: 3 4 5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_converts_to_the_tensor_dtype() {
        let values = vec![0.1f32, -2.5, 1.0e-3, 3.0];
        let f32_data = host_data(values.clone(), &[2, 2], DType::F32).unwrap();
        assert_eq!(f32_data.try_to_vec::<f32>().unwrap(), values);
        let f64_data = host_data(values.clone(), &[2, 2], DType::F64).unwrap();
        let widened: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
        assert_eq!(f64_data.try_to_vec::<f64>().unwrap(), widened);
        let f16_data = host_data(values.clone(), &[4], DType::F16).unwrap();
        assert_eq!(f16_data.dtype(), DType::F16);
        let back = host_values(f16_data, "inspect").unwrap();
        for (b, v) in back.iter().zip(&values) {
            assert!((b - v).abs() <= v.abs() * 1e-3, "{b} vs {v}");
        }
        assert_eq!(back[3], 3.0);
    }

    #[test]
    fn reads_round_f64_to_f32() {
        let data = TensorData::new(vec![0.1f64, 1.0 / 3.0], [2]);
        let v = host_values(data, "inspect").unwrap();
        assert_eq!(v, vec![0.1f32, 1.0f32 / 3.0]);
    }

    #[test]
    fn wrong_length_is_a_backend_error() {
        let err = host_data(vec![0.0; 3], &[2, 2], DType::F32).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Backend { .. }), "{err}");
    }

    #[test]
    fn quantized_is_refused() {
        let q = DType::QFloat(burn_tensor::quantization::QuantScheme::default());
        let err = host_data(vec![0.0; 4], &[2, 2], q).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Backend { .. }), "{err}");
        assert!(err.to_string().contains("quantize"), "{err}");
    }

    #[test]
    fn build_shape_checks() {
        assert!(check_build_shape::<2>(&[3, 4]).is_ok());
        let err = check_build_shape::<2>(&[3, 4, 5]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::WrongShape { .. }), "{err}");
        let err = check_build_shape::<0>(&[]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::WrongShape { .. }), "{err}");
        let err = check_build_shape::<2>(&[usize::MAX, 2]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::ShapeOverflow { .. }),
            "{err}"
        );
        let err = check_build_shape::<1>(&[1 << 62]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::ShapeOverflow { .. }),
            "{err}"
        );
    }
}
