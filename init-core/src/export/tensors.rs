//! What every format shares: a model's parameters checked for a file going out
//! ([`described`]), a file's tensors coming in by name, strictly ([`Source`], [`load_from`]),
//! and the file errors.

use std::collections::{HashMap, HashSet};

use crate::error::{ErrorKind, InitError};
use crate::model::initialize::{Initialize, params};
use crate::model::params::{CHUNK, ParamInfo};
use crate::model::path::ParamPath;
use crate::model::visit::VisitMut;
use crate::param::dtype::{Dtype, Values};
use crate::param::element::Float;
use crate::param::parameter::{CopyValues, HostMut, Parameter};
use crate::param::shape::element_count;
use crate::param::target::Target;
use crate::scheme::init::Init;

/// Every parameter of `model` (declaration order), checked for a file: `holds(dtype)` says
/// whether the format can store an element type (`formats` names those it can, in errors), and
/// no two parameters may share a state-dict name. Reads no values.
pub(crate) fn described<M: Initialize + ?Sized>(
    model: &M,
    context: &'static str,
    holds: fn(Dtype) -> bool,
    formats: &'static str,
) -> Result<Vec<ParamInfo>, InitError> {
    let mut seen = HashSet::new();
    let list = params(model)?;
    for info in &list {
        let err = |kind| InitError::new(context, kind).with_path(info.path.clone());
        if !holds(info.dtype) {
            return Err(err(ErrorKind::DtypeMismatch {
                name: info.name.clone(),
                expected: formats.to_string(),
                got: info.dtype.name().to_string(),
            }));
        }
        if !seen.insert(info.name.as_str()) {
            return Err(err(ErrorKind::DuplicateTensor {
                name: info.name.clone(),
            }));
        }
    }
    Ok(list)
}

/// What a file holds under one name.
pub(crate) struct Found {
    pub(crate) shape: Vec<usize>,
    /// The data, or the file's name of an element type we do not load. When `shape` is not
    /// the one asked for, the values are not read: empty, of the file's type.
    pub(crate) values: Result<Data, String>,
}

/// A tensor's data, as a [`Source`] gives it.
pub(crate) enum Data {
    /// Read already (and converted to logical order).
    Values(Values),
    /// Still in the file, of element type `dtype`, little-endian unless `big_endian`:
    /// [`Source::stream`] reads it into the parameter once every check has passed, with no
    /// copy of the whole.
    #[cfg_attr(not(any(feature = "safetensors", feature = "npy")), allow(dead_code))]
    Stored { dtype: Dtype, big_endian: bool },
}

impl Data {
    /// The element type.
    pub(crate) fn dtype(&self) -> Dtype {
        match self {
            Data::Values(v) => v.dtype(),
            Data::Stored { dtype, .. } => *dtype,
        }
    }
}

impl From<Values> for Data {
    fn from(values: Values) -> Self {
        Data::Values(values)
    }
}

/// No values, of type `dtype`: what a [`Source`] gives for a tensor of another shape than the
/// parameter's, whose data it does not read.
pub(crate) fn no_values(dtype: Dtype) -> Values {
    match dtype {
        Dtype::F32 => Values::F32(Vec::new()),
        Dtype::F64 => Values::F64(Vec::new()),
        #[cfg(feature = "half")]
        Dtype::F16 => Values::F16(Vec::new()),
        #[cfg(feature = "half")]
        Dtype::Bf16 => Values::Bf16(Vec::new()),
        #[cfg(not(feature = "half"))]
        Dtype::F16 | Dtype::Bf16 => Values::F32(Vec::new()),
    }
}

/// A file being loaded.
pub(crate) trait Source {
    /// The tensor called `name`, `None` if there is none. Its data is read (and memory
    /// allocated for it) only when its shape is `shape`, the parameter's, and after the file is
    /// checked to hold that many bytes: a hostile size in a file costs nothing.
    fn get(&mut self, name: &str, shape: &[usize]) -> Result<Option<Found>, InitError>;
    /// Every name in the file.
    fn names(&mut self) -> Result<Vec<String>, InitError>;
    /// A reader of the data of `name`, which [`get`](Source::get) found [`Data::Stored`] and
    /// checked: its bytes in logical order (of the byte order `get` gave), exactly as many as
    /// its shape and element type take.
    fn stream(&mut self, name: &str) -> Result<Box<dyn std::io::Read + '_>, InitError> {
        let _ = name;
        Err(InitError::new(
            "load",
            ErrorKind::Format {
                message: "this format gives its values whole".to_string(),
            },
        ))
    }
}

/// Strict load of every parameter of `model` from `source`: all checks first, then the
/// writes.
pub(crate) fn load_from<M: Initialize + ?Sized, S: Source>(
    model: &mut M,
    source: &mut S,
    context: &'static str,
) -> Result<(), InitError> {
    let mut loaded: HashMap<String, Data> = HashMap::new();
    for spec in params(model)? {
        let err = |kind| InitError::new(context, kind).with_path(spec.path.clone());
        if loaded.contains_key(&spec.name) {
            return Err(err(ErrorKind::DuplicateTensor { name: spec.name }));
        }
        let elem = spec.dtype;
        let found = source
            .get(&spec.name, &spec.shape)
            .map_err(|e| e.with_path(spec.path.clone()))?
            .ok_or_else(|| {
                err(ErrorKind::MissingTensor {
                    name: spec.name.clone(),
                })
            })?;
        let values = match found.values {
            Ok(v) if v.dtype() == elem => v,
            Ok(v) => {
                return Err(err(ErrorKind::DtypeMismatch {
                    name: spec.name,
                    expected: elem.name().to_string(),
                    got: v.dtype().name().to_string(),
                }));
            }
            Err(got) => {
                return Err(err(ErrorKind::DtypeMismatch {
                    name: spec.name,
                    expected: elem.name().to_string(),
                    got,
                }));
            }
        };
        if found.shape != spec.shape {
            return Err(err(ErrorKind::ShapeMismatch {
                name: spec.name,
                expected: spec.shape,
                got: found.shape,
            }));
        }
        loaded.insert(spec.name, values);
    }
    let mut unexpected: Vec<String> = source
        .names()?
        .into_iter()
        .filter(|n| !loaded.contains_key(n))
        .collect();
    if !unexpected.is_empty() {
        unexpected.sort();
        return Err(InitError::new(
            context,
            ErrorKind::UnexpectedTensors { names: unexpected },
        ));
    }
    model.walk_mut(
        &mut ParamPath::new(),
        &mut WriteBack {
            context,
            loaded,
            source,
        },
    )
}

/// Writes loaded values into each parameter, streaming those still in the file.
struct WriteBack<'s, S> {
    context: &'static str,
    loaded: HashMap<String, Data>,
    source: &'s mut S,
}

impl<S: Source> VisitMut for WriteBack<'_, S> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        _: &Init,
    ) -> Result<(), InitError> {
        let name = path.state_dict_name();
        let err = |kind| InitError::new(self.context, kind).with_path(path.to_string());
        // The model was checked against the file by the walk before; a model whose walk
        // changes between two calls still gets an error, not a panic.
        let data = self
            .loaded
            .remove(&name)
            .ok_or_else(|| err(ErrorKind::MissingTensor { name: name.clone() }))?;
        let shape = target.dims();
        let count = element_count(&shape, self.context)?;
        let values = match data {
            Data::Values(values) => values,
            Data::Stored { dtype, big_endian } => {
                if dtype != T::Elem::DTYPE {
                    return Err(err(ErrorKind::DtypeMismatch {
                        name,
                        expected: T::Elem::NAME.to_string(),
                        got: dtype.name().to_string(),
                    }));
                }
                let reader = self
                    .source
                    .stream(&name)
                    .map_err(|e| e.with_path(path.to_string()))?;
                let bytes = count as u64 * dtype.size() as u64;
                return target
                    .update(ReadLe {
                        reader,
                        bytes,
                        swap: big_endian,
                    })
                    .map_err(|e| e.with_path(path.to_string()))?
                    .map_err(|e| {
                        err(ErrorKind::Format {
                            message: format!("`{name}`: {e}"),
                        })
                    });
            }
        };
        if count != values.len() {
            return Err(err(ErrorKind::ShapeMismatch {
                name,
                expected: shape,
                got: vec![values.len()],
            }));
        }
        let values = typed::<T::Elem>(values, &name, self.context)?;
        target
            .update(CopyValues(values))
            .map_err(|e| e.with_path(path.to_string()))
    }
}

/// Reads a parameter's values from the bytes of `reader` (`bytes` of them, in logical order),
/// little-endian, or big-endian when `swap` is set (a big-endian `.npy`). A contiguous
/// parameter on a little-endian target is read into in place: one `read_exact` into its memory,
/// no buffer (then, for big-endian data, each element's bytes reversed where they lie); any
/// other (strided, or a big-endian target) through a buffer of [`CHUNK`] bytes, converted.
pub(crate) struct ReadLe<R> {
    pub(crate) reader: R,
    pub(crate) bytes: u64,
    pub(crate) swap: bool,
}

impl<E: Float, R: std::io::Read> HostMut<E> for ReadLe<R> {
    type Output = std::io::Result<()>;
    const READS: bool = false;
    fn call<T: Target<Elem = E> + ?Sized>(mut self, target: &mut T) -> std::io::Result<()> {
        let size = E::DTYPE.size();
        let swap = self.swap;
        // big-endian bytes, in place: each element's bytes reversed
        let to_le = |bytes: &mut [u8]| {
            if swap {
                bytes.chunks_exact_mut(size).for_each(<[u8]>::reverse);
            }
        };
        #[cfg(any(feature = "safetensors", feature = "npy"))]
        if let Some(bytes) = target.as_logical_slice_mut().and_then(E::le_bytes_mut) {
            self.reader.read_exact(bytes)?;
            to_le(bytes);
            return Ok(());
        }
        let chunk = CHUNK / size * size;
        let mut buf = vec![0u8; chunk];
        let (mut at, mut filled) = (0usize, 0usize);
        let mut left = self.bytes;
        if let Some(slice) = target.as_logical_slice_mut() {
            for part in slice.chunks_mut(chunk / size) {
                let bytes = &mut buf[..part.len() * size];
                self.reader.read_exact(bytes)?;
                to_le(bytes);
                for (x, b) in part.iter_mut().zip(bytes.chunks_exact(size)) {
                    *x = E::from_le(b);
                }
            }
            return Ok(());
        }
        let mut result = Ok(());
        target.for_each_mut(|x| {
            if result.is_err() {
                return;
            }
            if at == filled {
                let n = left.min(chunk as u64) as usize;
                if let Err(e) = self.reader.read_exact(&mut buf[..n]) {
                    result = Err(e);
                    return;
                }
                to_le(&mut buf[..n]);
                left -= n as u64;
                (at, filled) = (0, n);
            }
            if at + size <= filled {
                *x = E::from_le(&buf[at..at + size]);
                at += size;
            }
        });
        result
    }
}

/// `values` as `E`, or [`ErrorKind::DtypeMismatch`] naming `name` when they are of another
/// type.
pub(crate) fn typed<E: Float>(
    values: Values,
    name: &str,
    context: &'static str,
) -> Result<Vec<E>, InitError> {
    let got = values.dtype();
    values.into_vec::<E>().ok_or_else(|| {
        InitError::new(
            context,
            ErrorKind::DtypeMismatch {
                name: name.to_string(),
                expected: E::NAME.to_string(),
                got: got.name().to_string(),
            },
        )
    })
}

/// The `Io` error of `file`.
pub(crate) fn io_error(
    context: &'static str,
    file: &std::path::Path,
    e: impl ToString,
) -> InitError {
    InitError::new(
        context,
        ErrorKind::Io {
            file: file.display().to_string(),
            message: e.to_string(),
        },
    )
}

/// The `Format` error.
pub(crate) fn format_error(context: &'static str, e: impl ToString) -> InitError {
    InitError::new(
        context,
        ErrorKind::Format {
            message: e.to_string(),
        },
    )
}
