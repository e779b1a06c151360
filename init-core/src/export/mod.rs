//! A model's parameters out to files and back: safetensors (feature `safetensors`) and NumPy
//! `.npy` / `.npz` (feature `npy`), named as PyTorch names them in a state dict.
//!
//! **Names.** A parameter at [`ParamPath`] `blocks[3].attn.w_q` is the tensor
//! `blocks.3.attn.w_q`: container indices and tuple fields become dotted segments, which is
//! what `nn.Module.state_dict()` writes for an `nn.ModuleList` of blocks with an `attn`
//! submodule. [`ParamPath::state_dict_name`] is the one place the conversion is made.
//!
//! **Values.** Every parameter is read through [`Parameter::values`] and written through
//! [`Parameter::update`], in logical row-major ("C") order, so framework tensors (Burn,
//! candle) are saved and loaded exactly like ndarray arrays. Elements are stored in their own
//! type (`f32` → `F32` / `'<f4'`, `f64` → `F64` / `'<f8'`, little-endian) and loaded back
//! bit for bit; nothing is converted.
//!
//! **Loading is strict**, like PyTorch's `load_state_dict(strict=True)`: every parameter must
//! have a tensor of its name, shape and element type, and the file must have no other tensor.
//! Unlike PyTorch, which casts a tensor of another dtype into the parameter, a dtype mismatch
//! is an error; and everything is checked before anything is written, so on error the model is
//! unchanged. Errors name the parameter's path ([`InitError::path`]):
//! [`ErrorKind::MissingTensor`], [`ErrorKind::ShapeMismatch`], [`ErrorKind::DtypeMismatch`],
//! [`ErrorKind::UnexpectedTensors`] (no path: they are no parameter), and
//! [`ErrorKind::Io`] / [`ErrorKind::Format`] for the file itself. The first problem in
//! declaration order is reported; tensors that are no parameter are reported together.
//!
//! **Memory and speed.** Files are streamed both ways, with no copy of the model: a save
//! writes the header, then each parameter's bytes straight from its memory (one write per
//! contiguous parameter on a little-endian machine, else converted through a 1 MiB buffer); a
//! load reads each tensor's bytes straight into its parameter the same way. A file's declared
//! sizes are checked against its actual size, and its shapes and element types against the
//! parameters', before any of its data is read or copied: a hostile header (a 152-byte `.npy`
//! declaring 4 TiB, a deflate bomb in a `.npz`) is an error, not an allocation.
//!
//! **Saving is atomic.** Every save writes a temporary file next to the target (named uniquely
//! per call) and renames it over the target, keeping the target's permissions and writing
//! through a symbolic link; on error the temporary is removed and the old file is intact. A
//! reader never sees a partial file, and a crash of the saving process leaves the old file.
//! Like `torch.save`, `safetensors.torch.save_file` and `numpy.savez`, a save does not wait for
//! the disk; [`SaveOptions::durable`] (the `*_with_options` functions) also fsyncs the file
//! before the rename and its directory after it, so that the new file survives a power cut.
//!
//! **Half precision.** With the `half` feature, `f16` / `bf16` parameters are stored as
//! safetensors `F16` / `BF16`; `.npy` / `.npz` hold `f32`, `f64` and `f16` (NumPy's `float16`),
//! and a `bf16` parameter, which NumPy has no type for, is an [`ErrorKind::DtypeMismatch`].
//!
//! **Sidecar.** [`sidecar_json`] describes every tensor (name, shape, dtype, scheme, what the
//! scheme promises for its shape, a few values) for checkers in other languages;
//! `python/roundtrip.py` in the repository reads it.
//!
//! The files: what every format shares in `tensors.rs`, atomic saves in `atomic.rs`, one file
//! per format, the sidecar in `sidecar.rs`.
//!
//! [`Parameter::values`]: crate::Parameter::values
//! [`Parameter::update`]: crate::Parameter::update
//! [`ErrorKind::MissingTensor`]: crate::ErrorKind::MissingTensor
//! [`ErrorKind::ShapeMismatch`]: crate::ErrorKind::ShapeMismatch
//! [`ErrorKind::DtypeMismatch`]: crate::ErrorKind::DtypeMismatch
//! [`ErrorKind::UnexpectedTensors`]: crate::ErrorKind::UnexpectedTensors
//! [`ErrorKind::Io`]: crate::ErrorKind::Io
//! [`ErrorKind::Format`]: crate::ErrorKind::Format

use crate::error::InitError;
use crate::model::initialize::{Initialize, params};
use crate::model::path::ParamPath;

#[cfg(any(feature = "safetensors", feature = "npy"))]
mod atomic;
#[cfg(feature = "npy")]
mod npy;
#[cfg(feature = "safetensors")]
mod safetensors;
mod sidecar;
mod tensors;

#[cfg(feature = "npy")]
pub use npy::{
    load_npy, load_npz, save_npy, save_npy_with_options, save_npz, save_npz_with_options,
};
#[cfg(feature = "safetensors")]
pub use safetensors::{
    from_safetensors_bytes, load_safetensors, save_safetensors, save_safetensors_with,
    save_safetensors_with_options, to_safetensors_bytes, to_safetensors_bytes_with,
};
pub use sidecar::sidecar_json;

/// How a file is saved, for the `*_with_options` functions ([`save_safetensors_with_options`],
/// [`save_npz_with_options`], [`save_npy_with_options`]); the plain functions use the default.
///
/// Every save is atomic (the [module](self) documentation): what this chooses is whether it
/// also waits for the disk.
///
/// ```
/// use init_core::export::SaveOptions;
/// assert!(!SaveOptions::default().durable);
/// assert!(SaveOptions::new().with_durable(true).durable);
/// ```
#[cfg(any(feature = "safetensors", feature = "npy"))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SaveOptions {
    /// Fsync the file before it is renamed over the target, and (on unix) the directory after
    /// the rename: when the save returns, the new file is on the disk and survives a power cut
    /// or a kernel crash. Off by default, as in `torch.save`, `safetensors.torch.save_file` and
    /// `numpy.savez`: it waits for the disk to write the whole file, which on GPT-2 small
    /// (474.7 MiB) doubles the time of a save to a new file. A checkpoint that must survive a
    /// crash of the machine, not only of the process, wants it.
    pub durable: bool,
}

#[cfg(any(feature = "safetensors", feature = "npy"))]
impl SaveOptions {
    /// The default: atomic, not durable.
    pub const fn new() -> Self {
        SaveOptions { durable: false }
    }

    /// These options, durable or not ([`durable`](SaveOptions::durable)).
    pub const fn with_durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }
}

/// The state-dict name of the parameter at `path` ([`ParamPath::state_dict_name`]): segments
/// joined by `.`, indices and tuple fields written as numbers.
///
/// ```
/// use init_core::{ParamPath, Segment};
/// use init_core::export::state_dict_name;
/// let mut path = ParamPath::new();
/// for s in [Segment::Field("blocks"), Segment::Index(3), Segment::Field("attn"), Segment::Field("w_q")] {
///     path.push(s);
/// }
/// assert_eq!(path.to_string(), "blocks[3].attn.w_q");
/// assert_eq!(state_dict_name(&path), "blocks.3.attn.w_q");
/// ```
pub fn state_dict_name(path: &ParamPath) -> String {
    path.state_dict_name()
}

/// The state-dict names of every parameter of `model`, in declaration order: the keys of the
/// files this module writes.
pub fn state_dict_names<M: Initialize + ?Sized>(model: &M) -> Result<Vec<String>, InitError> {
    Ok(params(model)?.into_iter().map(|p| p.name).collect())
}
