//! Where a Burn parameter sits, shared by [`reinit`](super::reinit) (which finds it from the
//! container types Burn's walks pass) and the derived walks over burn-nn layer fields
//! (`layers.rs`, which know it from the field's type): the layer kind, the parameter's role,
//! the layout its shape is read under and PyTorch's fans for it; the shape values are
//! generated in; and how a new value is installed (`Param::transform_for_load`, so a lazy
//! `Param` gets it as its initialisation and Burn's initialiser never runs).

use burn_core::module::Param;
use burn_tensor::{DType, Tensor, TensorData};

use super::backend;
use crate::error::InitError;
use crate::model::rules::{Layer, Role};
use crate::scheme::fans::{Fans, Layout};

/// How a parameter sits in its layer.
pub(crate) struct Placed {
    pub layer: Layer,
    pub role: Role,
    pub layout: Layout,
    pub fans: Option<Fans>,
}

/// The layer, role, layout and fans of a parameter of `shape`: `field` is its field name in
/// the burn-nn struct `kind` (`"weight"` in `"Linear"`), `parent` the field name and struct
/// type one level up (`("query", "MultiHeadAttention")`), `transposed` whether Burn stores it
/// transposed (`LinearLayout::Col`), and `weight_fans` the fans of the layer's weight, which a
/// bias takes.
pub(crate) fn place(
    kind: &str,
    field: &str,
    parent: Option<(&str, &str)>,
    shape: &[usize],
    transposed: bool,
    weight_fans: Option<Fans>,
) -> Placed {
    let role = match field {
        "weight" | "gamma" => Role::Weight,
        "bias" | "beta" => Role::Bias,
        _ => Role::Other,
    };
    let layout = match kind {
        "Linear" if !transposed => Layout::InOut,
        _ => Layout::OutIn,
    };
    let layer = match kind {
        "Linear" => match parent {
            Some((p, "MultiHeadAttention" | "CrossAttention")) => match p {
                "output" => Layer::AttentionOutput,
                _ => Layer::AttentionInput,
            },
            Some((_, "GateController")) => Layer::Recurrent { hidden: 0 },
            _ => Layer::Linear,
        },
        "Conv1d" | "Conv2d" | "Conv3d" | "DeformConv2d" => Layer::Conv,
        "ConvTranspose1d" | "ConvTranspose2d" | "ConvTranspose3d" => Layer::ConvTranspose,
        "Embedding" => Layer::Embedding,
        "LayerNorm" | "BatchNorm" | "GroupNorm" | "InstanceNorm" | "RmsNorm" => Layer::Norm,
        _ => Layer::Other,
    };
    let fans = match (layer, role) {
        (Layer::Norm, _) => None,
        (_, Role::Weight) if shape.len() >= 2 => Fans::from_shape(shape, &layout).ok(),
        (_, Role::Bias) => weight_fans,
        _ => None,
    };
    // a gate's hidden size is its transform's output size
    let layer = match (layer, fans) {
        (Layer::Recurrent { .. }, Some(f)) => Layer::Recurrent { hidden: f.fan_out },
        (Layer::Recurrent { .. }, None) => Layer::Other,
        (l, _) => l,
    };
    Placed {
        layer,
        role,
        layout,
        fans,
    }
}

/// Whether Burn stores `param` transposed from the shape its initialiser builds: a `Linear`
/// with `LinearLayout::Col` builds `(out, in)` and its load mapper transposes it to the
/// `(in, out)` it computes with. Found by loading a 1×2 probe through a clone (nothing of the
/// parameter itself is read or materialised).
pub(crate) fn stores_transposed<const D: usize>(param: &Param<Tensor<D>>) -> bool {
    if D != 2 {
        return false;
    }
    let device = param.lazy_device();
    let probe = Tensor::<D>::from_data(TensorData::new(vec![0.0f32; 2], vec![1, 2]), &device);
    let loaded = param.clone().transform_for_load(probe, param.id);
    loaded.shape().to_vec() == [2, 1]
}

/// The shape values are generated in: a lazy parameter's own (its initialiser's), an
/// initialised one's in the order of Burn's initialiser (reversed when Burn stores it
/// transposed).
pub(crate) fn generated_shape<const D: usize>(
    param: &Param<Tensor<D>>,
    transposed: bool,
) -> Vec<usize> {
    if !param.is_initialized() {
        return param.lazy_shape().to_vec();
    }
    let mut shape = param.shape().to_vec();
    if transposed {
        shape.reverse();
    }
    shape
}

/// A new value for `param` from `values` (f32, row-major in `shape`, the generated shape), on
/// the parameter's device, in its dtype (a lazy one's: the device's default float dtype).
pub(crate) fn new_value<const D: usize>(
    param: &Param<Tensor<D>>,
    values: Vec<f32>,
    shape: &[usize],
    op: &'static str,
) -> Result<Tensor<D>, InitError> {
    let data = TensorData::new(values, shape.to_vec());
    let device = param.lazy_device();
    if param.is_initialized() {
        let dtype: DType = param.dtype();
        super::refuse_quantized(dtype, op)?;
        let data = data.try_cast(dtype).map_err(|e| backend(op, e))?;
        Ok(Tensor::<D>::from_data(data, (&device, dtype)))
    } else {
        Ok(Tensor::<D>::from_data(data, &device))
    }
}

/// `param` with `tensor` installed as its value through its load path: a lazy `Param` gets it
/// as its initialisation (Burn's initialiser never runs); the id, device, load/save mappers
/// and `require_grad` are kept, and a transposing mapper (`LinearLayout::Col`) applies.
pub(crate) fn install<const D: usize>(
    param: Param<Tensor<D>>,
    tensor: Tensor<D>,
) -> Param<Tensor<D>> {
    let id = param.id;
    param.transform_for_load(tensor, id)
}
