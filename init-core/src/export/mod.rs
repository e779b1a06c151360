//! A model's parameters out to files and back: safetensors (feature `safetensors`) and NumPy
//! `.npy` / `.npz` (feature `npy`), named as PyTorch names them in a state dict.
//!
//! **Names.** A parameter at [`ParamPath`] `blocks[3].attn.w_q` is the tensor
//! `blocks.3.attn.w_q`: container indices and tuple fields become dotted segments, which is
//! what `nn.Module.state_dict()` writes for an `nn.ModuleList` of blocks with an `attn`
//! submodule. [`state_dict_name`] is the one place the conversion is made.
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
//! **Memory.** A file is built, or read, whole in memory: a model's size once more.
//!
//! **Half precision.** With the `half` feature, `f16` / `bf16` parameters are stored as
//! safetensors `F16` / `BF16`; `.npy` / `.npz` hold `f32`, `f64` and `f16` (NumPy's `float16`),
//! and a `bf16` parameter, which NumPy has no type for, is an [`ErrorKind::DtypeMismatch`].
//!
//! **Sidecar.** [`sidecar_json`] describes every tensor (name, shape, dtype, scheme, what the
//! scheme promises for its shape, a few values) for checkers in other languages;
//! `python/roundtrip.py` in the repository reads it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::element::Float;
use crate::error::{ErrorKind, InitError};
use crate::init::Init;
use crate::model::{Initialize, ParamPath, Segment, Visit, VisitMut};
use crate::param::{HostMut, Parameter};
use crate::resolve::ElementDistribution;
use crate::target::Target;

#[cfg(feature = "npy")]
mod npy;
#[cfg(feature = "safetensors")]
mod safetensors;

#[cfg(feature = "npy")]
pub use npy::{load_npy, load_npz, save_npy, save_npz};
#[cfg(feature = "safetensors")]
pub use safetensors::{
    from_safetensors_bytes, load_safetensors, save_safetensors, save_safetensors_with,
    to_safetensors_bytes, to_safetensors_bytes_with,
};

/// The state-dict name of the parameter at `path`: segments joined by `.`, indices and tuple
/// fields written as numbers.
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
    let mut name = String::new();
    for (k, s) in path.segments().iter().enumerate() {
        if k > 0 {
            name.push('.');
        }
        match s {
            Segment::Field(f) => name.push_str(f),
            Segment::Tuple(i) | Segment::Index(i) => {
                let _ = write!(name, "{i}");
            }
        }
    }
    name
}

/// The state-dict names of every parameter of `model`, in declaration order: the keys of the
/// files this module writes.
pub fn state_dict_names<M: Initialize + ?Sized>(model: &M) -> Result<Vec<String>, InitError> {
    struct Names(Vec<String>);
    impl Visit for Names {
        fn param<T: Parameter + ?Sized>(
            &mut self,
            path: &ParamPath,
            _: &T,
            _: &Init,
        ) -> Result<(), InitError> {
            self.0.push(state_dict_name(path));
            Ok(())
        }
    }
    let mut names = Names(Vec::new());
    model.walk(&mut ParamPath::new(), &mut names)?;
    Ok(names.0)
}

/// An element type a file can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Elem {
    F32,
    F64,
    #[cfg(feature = "half")]
    F16,
    #[cfg(feature = "half")]
    Bf16,
}

impl Elem {
    /// The file element type of `E`, by its name.
    fn of<E: Float>() -> Option<Elem> {
        match E::NAME {
            "f32" => Some(Elem::F32),
            "f64" => Some(Elem::F64),
            #[cfg(feature = "half")]
            "f16" => Some(Elem::F16),
            #[cfg(feature = "half")]
            "bf16" => Some(Elem::Bf16),
            _ => None,
        }
    }

    /// The name, as [`Float::NAME`] spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Elem::F32 => "f32",
            Elem::F64 => "f64",
            #[cfg(feature = "half")]
            Elem::F16 => "f16",
            #[cfg(feature = "half")]
            Elem::Bf16 => "bf16",
        }
    }
}

/// A parameter's values in their own element type, logical row-major order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Values {
    F32(Vec<f32>),
    F64(Vec<f64>),
    #[cfg(feature = "half")]
    F16(Vec<half::f16>),
    #[cfg(feature = "half")]
    Bf16(Vec<half::bf16>),
}

impl Values {
    /// `values` in the file type `elem` (which is `E`'s: every conversion below is exact).
    fn from_elems<E: Float>(values: &[E], elem: Elem) -> Values {
        match elem {
            Elem::F32 => Values::F32(values.iter().map(|x| x.to_f64() as f32).collect()),
            Elem::F64 => Values::F64(values.iter().map(|x| x.to_f64()).collect()),
            #[cfg(feature = "half")]
            Elem::F16 => Values::F16(
                values
                    .iter()
                    .map(|x| half::f16::from_f64(x.to_f64()))
                    .collect(),
            ),
            #[cfg(feature = "half")]
            Elem::Bf16 => Values::Bf16(
                values
                    .iter()
                    .map(|x| half::bf16::from_f64(x.to_f64()))
                    .collect(),
            ),
        }
    }

    /// The values as `E` (exact when `E` is the file type).
    fn to_elems<E: Float>(&self) -> Vec<E> {
        match self {
            Values::F32(v) => v.iter().map(|&x| E::from_f64(f64::from(x))).collect(),
            Values::F64(v) => v.iter().map(|&x| E::from_f64(x)).collect(),
            #[cfg(feature = "half")]
            Values::F16(v) => v.iter().map(|x| E::from_f64(x.to_f64())).collect(),
            #[cfg(feature = "half")]
            Values::Bf16(v) => v.iter().map(|x| E::from_f64(x.to_f64())).collect(),
        }
    }

    pub(crate) fn elem(&self) -> Elem {
        match self {
            Values::F32(_) => Elem::F32,
            Values::F64(_) => Elem::F64,
            #[cfg(feature = "half")]
            Values::F16(_) => Elem::F16,
            #[cfg(feature = "half")]
            Values::Bf16(_) => Elem::Bf16,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            #[cfg(feature = "half")]
            Values::F16(v) => v.len(),
            #[cfg(feature = "half")]
            Values::Bf16(v) => v.len(),
        }
    }

    /// Little-endian bytes.
    #[cfg(feature = "safetensors")]
    pub(crate) fn to_le_bytes(&self) -> Vec<u8> {
        fn flat<const N: usize, T: Copy>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
            v.iter().flat_map(|&x| f(x)).collect()
        }
        match self {
            Values::F32(v) => flat(v, f32::to_le_bytes),
            Values::F64(v) => flat(v, f64::to_le_bytes),
            #[cfg(feature = "half")]
            Values::F16(v) => flat(v, half::f16::to_le_bytes),
            #[cfg(feature = "half")]
            Values::Bf16(v) => flat(v, half::bf16::to_le_bytes),
        }
    }

    /// Values of type `elem` from little-endian bytes (`None` when the length is not a
    /// multiple of the element size).
    #[cfg(feature = "safetensors")]
    pub(crate) fn from_le_bytes(bytes: &[u8], elem: Elem) -> Option<Values> {
        fn read<const N: usize, T>(b: &[u8], f: impl Fn([u8; N]) -> T) -> Option<Vec<T>> {
            let chunks = b.chunks_exact(N);
            if !chunks.remainder().is_empty() {
                return None;
            }
            chunks
                .map(|c| <[u8; N]>::try_from(c).ok().map(&f))
                .collect()
        }
        Some(match elem {
            Elem::F32 => Values::F32(read(bytes, f32::from_le_bytes)?),
            Elem::F64 => Values::F64(read(bytes, f64::from_le_bytes)?),
            #[cfg(feature = "half")]
            Elem::F16 => Values::F16(read(bytes, half::f16::from_le_bytes)?),
            #[cfg(feature = "half")]
            Elem::Bf16 => Values::Bf16(read(bytes, half::bf16::from_le_bytes)?),
        })
    }
}

/// One parameter, read out of a model.
pub(crate) struct HostTensor {
    /// Its path (`blocks[3].w`), for errors.
    #[cfg_attr(not(feature = "npy"), allow(dead_code))]
    pub(crate) path: String,
    /// Its state-dict name.
    pub(crate) name: String,
    pub(crate) shape: Vec<usize>,
    pub(crate) values: Values,
}

/// Reads every parameter of `model` (declaration order); `holds(elem)` says whether the
/// format can store an element type, `formats` names those it can in errors.
pub(crate) fn collect<M: Initialize + ?Sized>(
    model: &M,
    scheme: &'static str,
    holds: fn(Elem) -> bool,
    formats: &'static str,
) -> Result<Vec<HostTensor>, InitError> {
    struct Collect {
        scheme: &'static str,
        holds: fn(Elem) -> bool,
        formats: &'static str,
        seen: HashSet<String>,
        out: Vec<HostTensor>,
    }
    impl Visit for Collect {
        fn param<T: Parameter + ?Sized>(
            &mut self,
            path: &ParamPath,
            target: &T,
            _: &Init,
        ) -> Result<(), InitError> {
            let name = state_dict_name(path);
            let err = |kind| InitError::new(self.scheme, kind).with_path(path.to_string());
            let elem = Elem::of::<T::Elem>()
                .filter(|&e| (self.holds)(e))
                .ok_or_else(|| {
                    err(ErrorKind::DtypeMismatch {
                        name: name.clone(),
                        expected: self.formats.to_string(),
                        got: T::Elem::NAME.to_string(),
                    })
                })?;
            if !self.seen.insert(name.clone()) {
                return Err(err(ErrorKind::DuplicateTensor { name }));
            }
            let values = target.values().map_err(|e| e.with_path(path.to_string()))?;
            self.out.push(HostTensor {
                path: path.to_string(),
                name,
                shape: target.dims(),
                values: Values::from_elems(&values, elem),
            });
            Ok(())
        }
    }
    let mut c = Collect {
        scheme,
        holds,
        formats,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    model.walk(&mut ParamPath::new(), &mut c)?;
    Ok(c.out)
}

/// What a file holds under one name.
pub(crate) struct Found {
    pub(crate) shape: Vec<usize>,
    /// The values, or the file's name of an element type we do not load.
    pub(crate) values: Result<Values, String>,
}

/// A file being loaded.
pub(crate) trait Source {
    /// The tensor called `name`, read as `want` if it has that type; `None` if there is none.
    fn get(&mut self, name: &str, want: Elem) -> Result<Option<Found>, InitError>;
    /// Every name in the file.
    fn names(&mut self) -> Result<Vec<String>, InitError>;
}

/// Strict load of every parameter of `model` from `source`: all checks first, then the
/// writes.
pub(crate) fn load_from<M: Initialize + ?Sized, S: Source>(
    model: &mut M,
    source: &mut S,
    scheme: &'static str,
) -> Result<(), InitError> {
    struct Spec {
        path: String,
        name: String,
        shape: Vec<usize>,
        elem: Result<Elem, &'static str>,
    }
    struct Specs(Vec<Spec>);
    impl Visit for Specs {
        fn param<T: Parameter + ?Sized>(
            &mut self,
            path: &ParamPath,
            target: &T,
            _: &Init,
        ) -> Result<(), InitError> {
            self.0.push(Spec {
                path: path.to_string(),
                name: state_dict_name(path),
                shape: target.dims(),
                elem: Elem::of::<T::Elem>().ok_or(T::Elem::NAME),
            });
            Ok(())
        }
    }
    let mut specs = Specs(Vec::new());
    model.walk(&mut ParamPath::new(), &mut specs)?;

    let mut loaded: HashMap<String, Values> = HashMap::new();
    for spec in specs.0 {
        let err = |kind| InitError::new(scheme, kind).with_path(spec.path.clone());
        if loaded.contains_key(&spec.name) {
            return Err(err(ErrorKind::DuplicateTensor { name: spec.name }));
        }
        let elem = spec.elem.map_err(|got| {
            err(ErrorKind::DtypeMismatch {
                name: spec.name.clone(),
                expected: "f32 or f64".to_string(),
                got: got.to_string(),
            })
        })?;
        let found = source
            .get(&spec.name, elem)
            .map_err(|e| e.with_path(spec.path.clone()))?
            .ok_or_else(|| {
                err(ErrorKind::MissingTensor {
                    name: spec.name.clone(),
                })
            })?;
        let values = match found.values {
            Ok(v) if v.elem() == elem => v,
            Ok(v) => {
                return Err(err(ErrorKind::DtypeMismatch {
                    name: spec.name,
                    expected: elem.name().to_string(),
                    got: v.elem().name().to_string(),
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
            scheme,
            ErrorKind::UnexpectedTensors { names: unexpected },
        ));
    }
    model.walk_mut(&mut ParamPath::new(), &mut WriteBack { scheme, loaded })
}

/// Writes loaded values into each parameter.
struct WriteBack {
    scheme: &'static str,
    loaded: HashMap<String, Values>,
}

impl VisitMut for WriteBack {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        _: &Init,
    ) -> Result<(), InitError> {
        let name = state_dict_name(path);
        let err = |kind| InitError::new(self.scheme, kind).with_path(path.to_string());
        // The model was checked against the file by the walk before; a model whose walk
        // changes between two calls still gets an error, not a panic.
        let values = self
            .loaded
            .remove(&name)
            .ok_or_else(|| err(ErrorKind::MissingTensor { name: name.clone() }))?;
        let shape = target.dims();
        if crate::param::element_count(&shape, self.scheme)? != values.len() {
            return Err(err(ErrorKind::ShapeMismatch {
                name,
                expected: shape,
                got: vec![values.len()],
            }));
        }
        target
            .update(CopyValues(values.to_elems::<T::Elem>()))
            .map_err(|e| e.with_path(path.to_string()))
    }
}

/// Copies values (logical row-major order) into a parameter, overwriting all of it.
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

/// The `Io` error of `file`.
pub(crate) fn io_error(
    scheme: &'static str,
    file: &std::path::Path,
    e: impl ToString,
) -> InitError {
    InitError::new(
        scheme,
        ErrorKind::Io {
            file: file.display().to_string(),
            message: e.to_string(),
        },
    )
}

/// The `Format` error.
pub(crate) fn format_error(scheme: &'static str, e: impl ToString) -> InitError {
    InitError::new(
        scheme,
        ErrorKind::Format {
            message: e.to_string(),
        },
    )
}

/// A JSON description of every parameter of `model`, for checkers outside Rust (what
/// `python/roundtrip.py` reads next to a `.safetensors` file).
///
/// ```json
/// {"tensors": [
///   {"name": "blocks.0.attn.w_q", "path": "blocks[0].attn.w_q", "shape": [64, 64],
///    "dtype": "f32", "scheme": "glorot_uniform", "init": "glorot_uniform",
///    "fan_in": 64, "fan_out": 64, "mean": 0.0, "std": 0.125,
///    "distribution": {"kind": "uniform", "low": -0.2165, "high": 0.2165},
///    "head": [0.0123, -0.1010, 0.0456, 0.1999], "tail": [-0.0042]}
/// ]}
/// ```
///
/// One entry per parameter in declaration order: `mean` and `std` are what the scheme
/// promises for the shape ([`Init::resolve`]); `distribution` is the law of one element for
/// element-wise schemes (`constant` with `value`, `uniform` with `low`/`high`, `normal` with
/// `mean`/`std`, `truncated_normal` with `mean`/`std` before truncation and `low`/`high`),
/// `null` for structured ones (orthogonal, eye, …); `head` and `tail` are the first four and
/// the last value in logical row-major order, as JSON numbers that are exactly the stored
/// values. Infinite numbers are written `null`.
pub fn sidecar_json<M: Initialize + ?Sized>(model: &M) -> Result<String, InitError> {
    struct Sidecar(Vec<String>);
    impl Visit for Sidecar {
        fn param<T: Parameter + ?Sized>(
            &mut self,
            path: &ParamPath,
            target: &T,
            init: &Init,
        ) -> Result<(), InitError> {
            let shape = target.dims();
            let r = init
                .resolve(&shape)
                .map_err(|e| e.with_path(path.to_string()))?;
            let values = target.values().map_err(|e| e.with_path(path.to_string()))?;
            let nums = |v: &[T::Elem]| {
                v.iter()
                    .map(|x| num(x.to_f64()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let head = &values[..values.len().min(4)];
            let tail = &values[values.len().saturating_sub(1)..];
            let fan = |f: Option<usize>| f.map_or("null".to_string(), |n| n.to_string());
            let distribution = match r.distribution {
                None => "null".to_string(),
                Some(ElementDistribution::Constant(v)) => {
                    format!(r#"{{"kind": "constant", "value": {}}}"#, num(v))
                }
                Some(ElementDistribution::Uniform { low, high }) => format!(
                    r#"{{"kind": "uniform", "low": {}, "high": {}}}"#,
                    num(low),
                    num(high)
                ),
                Some(ElementDistribution::Normal { mean, std }) => format!(
                    r#"{{"kind": "normal", "mean": {}, "std": {}}}"#,
                    num(mean),
                    num(std)
                ),
                Some(ElementDistribution::TruncatedNormal {
                    mean,
                    std,
                    low,
                    high,
                }) => format!(
                    r#"{{"kind": "truncated_normal", "mean": {}, "std": {}, "low": {}, "high": {}}}"#,
                    num(mean),
                    num(std),
                    num(low),
                    num(high)
                ),
            };
            self.0.push(format!(
                r#"{{"name": {}, "path": {}, "shape": [{}], "dtype": {}, "scheme": {}, "init": {}, "fan_in": {}, "fan_out": {}, "mean": {}, "std": {}, "distribution": {}, "head": [{}], "tail": [{}]}}"#,
                json_string(&state_dict_name(path)),
                json_string(&path.to_string()),
                shape
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                json_string(T::Elem::NAME),
                json_string(r.scheme),
                json_string(&init.to_string()),
                fan(r.fans.map(|f| f.fan_in)),
                fan(r.fans.map(|f| f.fan_out)),
                num(r.mean),
                num(r.std),
                distribution,
                nums(head),
                nums(tail),
            ));
            Ok(())
        }
    }
    let mut s = Sidecar(Vec::new());
    model.walk(&mut ParamPath::new(), &mut s)?;
    Ok(format!("{{\"tensors\": [\n  {}\n]}}\n", s.0.join(",\n  ")))
}

/// A JSON number that reads back as exactly `x` (`null` when not finite).
fn num(x: f64) -> String {
    if x.is_finite() {
        // `{:?}` is the shortest representation that round-trips, and is valid JSON
        // (`0.5`, `-3.0`, `1e-7`).
        format!("{x:?}")
    } else {
        "null".to_string()
    }
}

/// A JSON string.
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_and_strings() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-3.0), "-3.0");
        assert_eq!(num(1e-7), "1e-7");
        assert_eq!(num(f64::INFINITY), "null");
        assert_eq!(num(f64::from(0.1f32)), "0.10000000149011612");
        assert_eq!(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }

    #[test]
    fn names_of_tuple_fields_and_indices() {
        let mut p = ParamPath::new();
        assert_eq!(state_dict_name(&p), "");
        p.push(Segment::Index(2));
        p.push(Segment::Tuple(0));
        p.push(Segment::Field("w"));
        assert_eq!(p.to_string(), "[2].0.w");
        assert_eq!(state_dict_name(&p), "2.0.w");
    }

    #[test]
    fn values_convert_exactly() {
        let v = [0.1f32, -3.5e-30, f32::MAX, f32::MIN_POSITIVE / 2.0];
        let vals = Values::from_elems(&v, Elem::F32);
        assert_eq!(vals.to_elems::<f32>(), v);
        let w = [0.1f64, -1e-300, f64::MAX];
        assert_eq!(Values::from_elems(&w, Elem::F64).to_elems::<f64>(), w);
    }
}
