//! NumPy `.npy` and `.npz` files (feature `npy`).

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use ndarray_npy::{NpzReader, NpzWriter, ReadNpyError, ReadNpzError, WriteNpyError};

use super::tensors::{
    Found, HostTensor, Source, collect, format_error, io_error, load_from, typed,
};
use crate::error::{ErrorKind, InitError};
use crate::model::initialize::Initialize;
use crate::param::dtype::{Dtype, Values};
use crate::param::element::Float;
use crate::param::parameter::{CopyValues, Parameter};

/// The element types `.npy` holds here.
#[cfg(not(feature = "half"))]
const HOLDS: &str = "f32 or f64";
/// The element types `.npy` holds here (NumPy has no bf16).
#[cfg(feature = "half")]
const HOLDS: &str = "f32, f64 or f16";

fn holds(dtype: Dtype) -> bool {
    match dtype {
        Dtype::F32 | Dtype::F64 => true,
        Dtype::F16 => cfg!(feature = "half"),
        Dtype::Bf16 => false,
    }
}

/// NumPy's `float16` (`'<f2'`) as an element of ndarray-npy's arrays, which know no `f16` of
/// their own.
#[cfg(feature = "half")]
#[derive(Clone, Copy)]
struct NpF16(half::f16);

#[cfg(feature = "half")]
impl ndarray_npy::WritableElement for NpF16 {
    fn type_descriptor() -> py_literal::Value {
        py_literal::Value::String("<f2".to_string())
    }

    fn write<W: std::io::Write>(&self, mut writer: W) -> Result<(), ndarray_npy::WriteDataError> {
        writer
            .write_all(&self.0.to_le_bytes())
            .map_err(ndarray_npy::WriteDataError::Io)
    }

    fn write_slice<W: std::io::Write>(
        slice: &[Self],
        mut writer: W,
    ) -> Result<(), ndarray_npy::WriteDataError> {
        let bytes: Vec<u8> = slice.iter().flat_map(|x| x.0.to_le_bytes()).collect();
        writer
            .write_all(&bytes)
            .map_err(ndarray_npy::WriteDataError::Io)
    }
}

#[cfg(feature = "half")]
impl ndarray_npy::ReadableElement for NpF16 {
    fn read_to_end_exact_vec<R: std::io::Read>(
        mut reader: R,
        type_desc: &py_literal::Value,
        len: usize,
    ) -> Result<Vec<Self>, ndarray_npy::ReadDataError> {
        use ndarray_npy::ReadDataError;
        let from_bytes: fn([u8; 2]) -> half::f16 = match type_desc {
            py_literal::Value::String(s) if s == "<f2" => half::f16::from_le_bytes,
            py_literal::Value::String(s) if s == ">f2" => half::f16::from_be_bytes,
            other => return Err(ReadDataError::WrongDescriptor(other.clone())),
        };
        let n = len.checked_mul(2).ok_or_else(|| {
            ReadDataError::ParseData(format!("{len} f16 values overflow a byte count").into())
        })?;
        let mut bytes = vec![0u8; n];
        reader.read_exact(&mut bytes)?;
        let extra = reader.read_to_end(&mut Vec::new())?;
        if extra != 0 {
            return Err(ReadDataError::ExtraBytes(extra));
        }
        Ok(bytes
            .chunks_exact(2)
            .map(|b| NpF16(from_bytes([b[0], b[1]])))
            .collect())
    }
}

/// Our name of a NumPy type descriptor (`'<f8'` → `f64`), or the descriptor itself.
fn descr_name(descr: &str) -> String {
    match descr.trim_matches('\'') {
        "<f4" => "f32".to_string(),
        "<f8" => "f64".to_string(),
        "<f2" => "f16".to_string(),
        d => d.to_string(),
    }
}

fn array<T>(shape: &[usize], v: Vec<T>, context: &'static str) -> Result<ArrayD<T>, InitError> {
    ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| format_error(context, e))
}

/// An array `.npy` holds.
enum NpArray {
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
    #[cfg(feature = "half")]
    F16(ArrayD<NpF16>),
}

impl NpArray {
    /// Adds the array to `npz` under `name`.
    fn add_to(
        &self,
        npz: &mut NpzWriter<File>,
        name: String,
    ) -> Result<(), ndarray_npy::WriteNpzError> {
        match self {
            NpArray::F32(a) => npz.add_array(name, a),
            NpArray::F64(a) => npz.add_array(name, a),
            #[cfg(feature = "half")]
            NpArray::F16(a) => npz.add_array(name, a),
        }
    }

    /// Writes the array to a `.npy` file at `path`.
    fn write_npy(&self, path: &Path) -> Result<(), WriteNpyError> {
        match self {
            NpArray::F32(a) => ndarray_npy::write_npy(path, a),
            NpArray::F64(a) => ndarray_npy::write_npy(path, a),
            #[cfg(feature = "half")]
            NpArray::F16(a) => ndarray_npy::write_npy(path, a),
        }
    }
}

/// `values` as an array of `shape`; other element types are a [`ErrorKind::DtypeMismatch`]
/// naming `name`.
fn np_array(
    shape: &[usize],
    values: Values,
    context: &'static str,
    name: &str,
) -> Result<NpArray, InitError> {
    #[cfg(not(feature = "half"))]
    let _ = name;
    match values {
        Values::F32(v) => array(shape, v, context).map(NpArray::F32),
        Values::F64(v) => array(shape, v, context).map(NpArray::F64),
        #[cfg(feature = "half")]
        Values::F16(v) => {
            array(shape, v.into_iter().map(NpF16).collect(), context).map(NpArray::F16)
        }
        #[cfg(feature = "half")]
        other => Err(InitError::new(
            context,
            ErrorKind::DtypeMismatch {
                name: name.to_string(),
                expected: HOLDS.to_string(),
                got: other.dtype().name().to_string(),
            },
        )),
    }
}

/// Writes every parameter of `model` to a `.npz` file at `path`, one uncompressed array per
/// parameter named by [`state_dict_name`](super::state_dict_name), as `numpy.savez(path,
/// **state_dict)` does; `numpy.load(path)["blocks.0.attn.w_q"]` reads one back. Elements `f32`
/// and `f64` (`'<f4'`, `'<f8'`), and with the `half` feature `f16` (`'<f2'`, NumPy's
/// `float16`); NumPy has no bf16, so a bf16 parameter is an [`ErrorKind::DtypeMismatch`]
/// naming it (save it as safetensors).
pub fn save_npz<M: Initialize + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    const CONTEXT: &str = "save_npz";
    let path = path.as_ref();
    let tensors = collect(model, CONTEXT, holds, HOLDS)?;
    let file = File::create(path).map_err(|e| io_error(CONTEXT, path, e))?;
    let mut npz = NpzWriter::new(file);
    let write_err = |e: ndarray_npy::WriteNpzError| match e {
        ndarray_npy::WriteNpzError::Npy(WriteNpyError::Io(e)) => io_error(CONTEXT, path, e),
        e => format_error(CONTEXT, e),
    };
    for HostTensor {
        name,
        shape,
        values,
        path: param,
    } in tensors
    {
        np_array(&shape, values, CONTEXT, &name)
            .map_err(|e| e.with_path(&param))?
            .add_to(&mut npz, name)
            .map_err(|e| write_err(e).with_path(param))?;
    }
    npz.finish().map_err(write_err)?;
    Ok(())
}

/// Loads every parameter of `model` from the `.npz` file at `path` (as `numpy.savez` writes
/// it, compressed or not), by state-dict name, strictly (see the [module](super)
/// documentation). Arrays in Fortran order are read in logical order.
pub fn load_npz<M: Initialize + ?Sized>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    const CONTEXT: &str = "load_npz";
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| io_error(CONTEXT, path, e))?;
    let mut reader = NpzReader::new(file).map_err(|e| format_error(CONTEXT, e))?;
    let names = reader.names().map_err(|e| format_error(CONTEXT, e))?;
    let mut source = Npz {
        reader,
        names: names.into_iter().collect(),
    };
    load_from(model, &mut source, CONTEXT)
}

struct Npz {
    reader: NpzReader<File>,
    names: HashSet<String>,
}

/// `Found` from reading an array as `T`: a wrong descriptor becomes `Err(its name)`.
fn found<T>(
    read: Result<ArrayD<T>, ReadNpzError>,
    wrap: fn(Vec<T>) -> Values,
) -> Result<Found, InitError> {
    match read {
        Ok(a) => Ok(Found {
            shape: a.shape().to_vec(),
            values: Ok(wrap(a.into_iter().collect())),
        }),
        Err(ReadNpzError::Npy(ReadNpyError::WrongDescriptor(d))) => Ok(Found {
            shape: Vec::new(),
            values: Err(descr_name(&d.to_string())),
        }),
        Err(e) => Err(format_error("load_npz", e)),
    }
}

impl Source for Npz {
    fn get(&mut self, name: &str, want: Dtype) -> Result<Option<Found>, InitError> {
        if !self.names.contains(name) {
            return Ok(None);
        }
        match want {
            Dtype::F64 => found(self.reader.by_name(name), Values::F64),
            #[cfg(feature = "half")]
            Dtype::F16 => found(self.reader.by_name(name), |v: Vec<NpF16>| {
                Values::F16(v.into_iter().map(|x| x.0).collect())
            }),
            // f32, and types .npz does not hold here: read as f32, and a type mismatch names
            // what the file has.
            _ => found(self.reader.by_name(name), Values::F32),
        }
        .map(Some)
    }

    fn names(&mut self) -> Result<Vec<String>, InitError> {
        Ok(self.names.iter().cloned().collect())
    }
}

/// Writes one parameter to a `.npy` file at `path` (`numpy.save`): its shape, its element type
/// (`f32` or `f64`, and `f16` with the `half` feature), its values in row-major order.
pub fn save_npy<P: Parameter + ?Sized>(param: &P, path: impl AsRef<Path>) -> Result<(), InitError> {
    const CONTEXT: &str = "save_npy";
    let path = path.as_ref();
    let shape = param.dims();
    let err = |e: WriteNpyError| match e {
        WriteNpyError::Io(e) => io_error(CONTEXT, path, e),
        e => format_error(CONTEXT, e),
    };
    let name = || path.display().to_string();
    if !holds(P::Elem::DTYPE) {
        return Err(InitError::new(
            CONTEXT,
            ErrorKind::DtypeMismatch {
                name: name(),
                expected: HOLDS.to_string(),
                got: P::Elem::NAME.to_string(),
            },
        ));
    }
    let values = Values::from_vec(param.values()?);
    np_array(&shape, values, CONTEXT, &name())?
        .write_npy(path)
        .map_err(err)
}

/// Reads a `.npy` file at `path` into one parameter: the file must have the parameter's shape
/// and element type (errors [`ErrorKind::ShapeMismatch`], [`ErrorKind::DtypeMismatch`], named
/// by the file's path); on error the parameter is unchanged.
pub fn load_npy<P: Parameter + ?Sized>(
    param: &mut P,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    const CONTEXT: &str = "load_npy";
    let path = path.as_ref();
    let name = path.display().to_string();
    let dtype = Some(P::Elem::DTYPE).filter(|&d| holds(d));
    let read = |e: ReadNpyError| match e {
        ReadNpyError::Io(e) => io_error(CONTEXT, path, e),
        ReadNpyError::WrongDescriptor(d) => InitError::new(
            CONTEXT,
            ErrorKind::DtypeMismatch {
                name: name.clone(),
                expected: P::Elem::NAME.to_string(),
                got: descr_name(&d.to_string()),
            },
        ),
        e => format_error(CONTEXT, e),
    };
    let (shape, values) = match dtype {
        Some(Dtype::F64) => {
            let a: ArrayD<f64> = ndarray_npy::read_npy(path).map_err(read)?;
            (a.shape().to_vec(), Values::F64(a.iter().copied().collect()))
        }
        #[cfg(feature = "half")]
        Some(Dtype::F16) => {
            let a: ArrayD<NpF16> = ndarray_npy::read_npy(path).map_err(read)?;
            (
                a.shape().to_vec(),
                Values::F16(a.iter().map(|x| x.0).collect()),
            )
        }
        Some(_) => {
            let a: ArrayD<f32> = ndarray_npy::read_npy(path).map_err(read)?;
            (a.shape().to_vec(), Values::F32(a.iter().copied().collect()))
        }
        None => {
            return Err(InitError::new(
                CONTEXT,
                ErrorKind::DtypeMismatch {
                    name,
                    expected: HOLDS.to_string(),
                    got: P::Elem::NAME.to_string(),
                },
            ));
        }
    };
    let expected = param.dims();
    if shape != expected {
        return Err(InitError::new(
            CONTEXT,
            ErrorKind::ShapeMismatch {
                name,
                expected,
                got: shape,
            },
        ));
    }
    let values = typed::<P::Elem>(values, &name, CONTEXT)?;
    param.update(CopyValues(values))
}
