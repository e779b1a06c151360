//! safetensors files (feature `safetensors`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors};

use super::atomic::write_atomic;
use super::sidecar::json_string;
use super::tensors::{
    Found, HostTensor, Source, collect, format_error, io_error, load_from, no_values,
};
use crate::error::InitError;
use crate::model::initialize::Initialize;
use crate::param::dtype::Dtype as Elem;
use crate::param::dtype::Values;

/// The element types a safetensors file holds, in errors.
#[cfg(not(feature = "half"))]
const HOLDS: &str = "f32 or f64";
#[cfg(feature = "half")]
const HOLDS: &str = "f32, f64, f16 or bf16";

fn dtype(elem: Elem) -> Dtype {
    match elem {
        Elem::F32 => Dtype::F32,
        Elem::F64 => Dtype::F64,
        Elem::F16 => Dtype::F16,
        Elem::Bf16 => Dtype::BF16,
    }
}

fn elem(dtype: Dtype) -> Option<Elem> {
    match dtype {
        Dtype::F32 => Some(Elem::F32),
        Dtype::F64 => Some(Elem::F64),
        #[cfg(feature = "half")]
        Dtype::F16 => Some(Elem::F16),
        #[cfg(feature = "half")]
        Dtype::BF16 => Some(Elem::Bf16),
        _ => None,
    }
}

/// The values' little-endian bytes.
fn le_bytes(values: &Values) -> Vec<u8> {
    fn flat<const N: usize, T: Copy>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
        v.iter().flat_map(|&x| f(x)).collect()
    }
    match values {
        Values::F32(v) => flat(v, f32::to_le_bytes),
        Values::F64(v) => flat(v, f64::to_le_bytes),
        #[cfg(feature = "half")]
        Values::F16(v) => flat(v, half::f16::to_le_bytes),
        #[cfg(feature = "half")]
        Values::Bf16(v) => flat(v, half::bf16::to_le_bytes),
    }
}

/// Values of type `elem` from little-endian bytes (`None` when the length is not a multiple of
/// the element size, or for a type this build does not hold).
fn from_le_bytes(bytes: &[u8], elem: Elem) -> Option<Values> {
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
        #[allow(unreachable_patterns)] // the half types, without the `half` feature
        _ => return None,
    })
}

/// The header key of the metadata, which no tensor can be named.
const METADATA: &str = "__metadata__";

/// One tensor ready to be written.
struct Owned {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

fn tensors<M: Initialize + ?Sized>(
    model: &M,
    context: &'static str,
) -> Result<Vec<Owned>, InitError> {
    let tensors = collect(model, context, |_| true, HOLDS)?;
    if let Some(t) = tensors.iter().find(|t| t.name == METADATA) {
        return Err(format_error(
            context,
            format!(
                "a tensor cannot be named `{METADATA}`, the key of the safetensors header's \
                 metadata: the file could not be loaded"
            ),
        )
        .with_path(t.path.clone()));
    }
    Ok(tensors
        .into_iter()
        .map(
            |HostTensor {
                 name,
                 shape,
                 values,
                 ..
             }| Owned {
                name,
                dtype: dtype(values.dtype()),
                shape,
                data: le_bytes(&values),
            },
        )
        .collect())
}

/// The safetensors file of `tensors` with `__metadata__` `{"format": "pt", ...pairs}`.
///
/// Written here rather than by `safetensors::serialize`, whose metadata is a `HashMap`: with
/// two keys or more its order, hence the file's bytes, would change from run to run. The
/// layout is the crate's (a unit test checks the bytes are identical): an 8-byte
/// little-endian header length, the compact JSON header padded with spaces to a multiple of
/// 8 bytes, then the data of each tensor, ordered by decreasing alignment then by name so that
/// every tensor is aligned to its element size; metadata keys are sorted.
fn serialize(
    mut tensors: Vec<Owned>,
    pairs: &[(&str, &str)],
    context: &'static str,
) -> Result<Vec<u8>, InitError> {
    let mut metadata = BTreeMap::from([("format", "pt")]);
    metadata.extend(pairs.iter().copied());
    tensors.sort_by(|l, r| r.dtype.cmp(&l.dtype).then_with(|| l.name.cmp(&r.name)));

    let mut header = String::from("{\"__metadata__\":{");
    for (k, (key, value)) in metadata.iter().enumerate() {
        if k > 0 {
            header.push(',');
        }
        let _ = write!(header, "{}:{}", json_string(key), json_string(value));
    }
    header.push('}');
    let mut offset = 0usize;
    for t in &tensors {
        let end = offset + t.data.len();
        let shape: Vec<String> = t.shape.iter().map(ToString::to_string).collect();
        let _ = write!(
            header,
            ",{}:{{\"dtype\":\"{:?}\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
            json_string(&t.name),
            t.dtype,
            shape.join(",")
        );
        offset = end;
    }
    header.push('}');
    let mut header = header.into_bytes();
    header.resize(header.len().next_multiple_of(8), b' ');
    if header.len() > MAX_HEADER {
        return Err(format_error(
            context,
            format!(
                "the header would be {} bytes, more than safetensors reads ({MAX_HEADER})",
                header.len()
            ),
        ));
    }

    let mut out = Vec::with_capacity(8 + header.len() + offset);
    out.extend((header.len() as u64).to_le_bytes());
    out.extend(header);
    for t in &tensors {
        out.extend(&t.data);
    }
    Ok(out)
}

/// The largest header safetensors readers accept.
const MAX_HEADER: usize = 100_000_000;

/// Writes every parameter of `model` to a safetensors file at `path`, named by
/// [`state_dict_name`](super::state_dict_name), in its own element type, with the metadata
/// `{"format": "pt"}` (what Hugging Face `transformers` looks for in PyTorch weights). The
/// bytes are a function of the model's names, shapes and values only. The save is atomic (see
/// the [module](super) documentation): an existing file is replaced whole or not at all, keeps
/// its permissions, and a symbolic link is written through. A parameter whose state-dict name
/// is `__metadata__` (the header's metadata key) is an [`ErrorKind::Format`] error naming it.
///
/// [`ErrorKind::Format`]: crate::ErrorKind::Format
///
/// ```no_run
/// # fn run<M: init_core::Initialize>(model: &M) -> Result<(), init_core::InitError> {
/// init_core::export::save_safetensors(model, "model.safetensors")?;
/// # Ok(()) }
/// ```
///
/// In Python: `safetensors.torch.load_file("model.safetensors")` gives the state dict, for
/// `module.load_state_dict(sd, strict=True)`.
pub fn save_safetensors<M: Initialize + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    save_safetensors_with(model, path, &[])
}

/// [`save_safetensors`] with more `__metadata__` pairs (string to string, as the format has
/// it), for instance `[("weight_init.seed", "42")]`. A `format` key replaces `"pt"`; a key
/// given twice keeps its last value.
pub fn save_safetensors_with<M: Initialize + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
    metadata_pairs: &[(&str, &str)],
) -> Result<(), InitError> {
    const CONTEXT: &str = "save_safetensors";
    let path = path.as_ref();
    let bytes = serialize(tensors(model, CONTEXT)?, metadata_pairs, CONTEXT)?;
    write_atomic(path, CONTEXT, |out| {
        out.write_all(&bytes)
            .map_err(|e| io_error(CONTEXT, path, e))
    })
}

/// The safetensors file [`save_safetensors`] writes, in memory.
pub fn to_safetensors_bytes<M: Initialize + ?Sized>(model: &M) -> Result<Vec<u8>, InitError> {
    to_safetensors_bytes_with(model, &[])
}

/// [`to_safetensors_bytes`] with more `__metadata__` pairs, as [`save_safetensors_with`].
pub fn to_safetensors_bytes_with<M: Initialize + ?Sized>(
    model: &M,
    metadata_pairs: &[(&str, &str)],
) -> Result<Vec<u8>, InitError> {
    const CONTEXT: &str = "save_safetensors";
    serialize(tensors(model, CONTEXT)?, metadata_pairs, CONTEXT)
}

/// Loads every parameter of `model` from the safetensors file at `path`, by state-dict name,
/// strictly (see the [module](super) documentation): a missing tensor, a tensor of another
/// shape or element type, or a tensor that is no parameter is an error, and then nothing has
/// been written.
pub fn load_safetensors<M: Initialize + ?Sized>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    const CONTEXT: &str = "load_safetensors";
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| io_error(CONTEXT, path, e))?;
    load_bytes(model, &bytes, CONTEXT)
}

/// [`load_safetensors`] from the bytes of a file.
pub fn from_safetensors_bytes<M: Initialize + ?Sized>(
    model: &mut M,
    bytes: &[u8],
) -> Result<(), InitError> {
    load_bytes(model, bytes, "load_safetensors")
}

fn load_bytes<M: Initialize + ?Sized>(
    model: &mut M,
    bytes: &[u8],
    context: &'static str,
) -> Result<(), InitError> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| format_error(context, e))?;
    load_from(model, &mut File { file, context }, context)
}

struct File<'a> {
    file: SafeTensors<'a>,
    context: &'static str,
}

impl Source for File<'_> {
    fn get(&mut self, name: &str, shape: &[usize]) -> Result<Option<Found>, InitError> {
        let Ok(view) = self.file.tensor(name) else {
            return Ok(None);
        };
        let values = match elem(view.dtype()) {
            // another shape: the data is not copied, the caller reports the shape
            Some(e) if view.shape() != shape => Ok(no_values(e)),
            Some(e) => Ok(from_le_bytes(view.data(), e).ok_or_else(|| {
                format_error(
                    self.context,
                    format!("the data of `{name}` is not a whole number of elements"),
                )
            })?),
            None => Err(format!("{:?}", view.dtype())),
        };
        Ok(Some(Found {
            shape: view.shape().to_vec(),
            values,
        }))
    }

    fn names(&mut self) -> Result<Vec<String>, InitError> {
        Ok(self.file.names().into_iter().map(String::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::HashMap;

    use safetensors::tensor::View;

    use super::*;
    use crate::model::path::{ParamPath, Segment};
    use crate::model::visit::{Visit, VisitMut};
    use crate::scheme::init::Init;

    /// `w: [[f32; 3]; 2]`, `layers[i].b: Vec<f64>`, `z: Vec<f32>` (empty).
    struct M {
        w: ndarray::Array2<f32>,
        layers: Vec<Vec<f64>>,
        z: Vec<f32>,
    }

    impl Initialize for M {
        fn walk<V: Visit + ?Sized>(&self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
            let init = Init::normal(0.0, 1.0);
            p.with(Segment::Field("w"), |p| v.param(p, &self.w, &init))?;
            p.with(Segment::Field("layers"), |p| {
                self.layers.iter().enumerate().try_for_each(|(i, b)| {
                    p.with(Segment::Index(i), |p| {
                        p.with(Segment::Field("b"), |p| v.param(p, b, &init))
                    })
                })
            })?;
            p.with(Segment::Field("z"), |p| v.param(p, &self.z, &init))
        }
        fn walk_mut<V: VisitMut + ?Sized>(
            &mut self,
            p: &mut ParamPath,
            v: &mut V,
        ) -> Result<(), InitError> {
            let init = Init::normal(0.0, 1.0);
            p.with(Segment::Field("w"), |p| v.param(p, &mut self.w, &init))?;
            p.with(Segment::Field("layers"), |p| {
                self.layers.iter_mut().enumerate().try_for_each(|(i, b)| {
                    p.with(Segment::Index(i), |p| {
                        p.with(Segment::Field("b"), |p| v.param(p, b, &init))
                    })
                })
            })?;
            p.with(Segment::Field("z"), |p| v.param(p, &mut self.z, &init))
        }
    }

    fn model() -> M {
        M {
            w: ndarray::arr2(&[[1.0, -2.0, 0.5], [0.25, -0.0, 3.0e-40]]),
            layers: vec![vec![1.0, 2.0], vec![-1.5]],
            z: Vec::new(),
        }
    }

    struct Raw<'a>(Dtype, Vec<usize>, &'a [u8]);

    impl View for &Raw<'_> {
        fn dtype(&self) -> Dtype {
            self.0
        }
        fn shape(&self) -> &[usize] {
            &self.1
        }
        fn data(&self) -> Cow<'_, [u8]> {
            Cow::Borrowed(self.2)
        }
        fn data_len(&self) -> usize {
            self.2.len()
        }
    }

    #[test]
    fn bytes_are_those_of_the_safetensors_crate() {
        let m = model();
        let ours = to_safetensors_bytes(&m).unwrap();
        let le32: Vec<u8> = m.w.iter().flat_map(|x| x.to_le_bytes()).collect();
        let le64 = |v: &[f64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let (b0, b1) = (le64(&m.layers[0]), le64(&m.layers[1]));
        let raws = [
            ("w", Raw(Dtype::F32, vec![2, 3], &le32)),
            ("layers.0.b", Raw(Dtype::F64, vec![2], &b0)),
            ("layers.1.b", Raw(Dtype::F64, vec![1], &b1)),
            ("z", Raw(Dtype::F32, vec![0], &[])),
        ];
        let theirs = safetensors::serialize(
            raws.iter().map(|(n, r)| (*n, r)),
            Some(HashMap::from([("format".to_string(), "pt".to_string())])),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours[..ours.len().min(400)]),
            String::from_utf8_lossy(&theirs[..theirs.len().min(400)])
        );
        assert_eq!(ours, theirs);
    }

    #[test]
    fn the_crate_reads_dtype_shape_offsets_and_metadata() {
        let m = model();
        let bytes =
            to_safetensors_bytes_with(&m, &[("weight_init.seed", "9"), ("a", "\"q\"")]).unwrap();
        let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
        let kv = meta.metadata().as_ref().unwrap();
        assert_eq!(kv["format"], "pt");
        assert_eq!(kv["weight_init.seed"], "9");
        assert_eq!(kv["a"], "\"q\"");
        let info = |n: &str| meta.info(n).unwrap().clone();
        // decreasing alignment, then names: f64 tensors first
        assert_eq!(info("layers.0.b").data_offsets, (0, 16));
        assert_eq!(info("layers.1.b").data_offsets, (16, 24));
        assert_eq!(info("w").data_offsets, (24, 48));
        assert_eq!(info("z").data_offsets, (48, 48));
        assert_eq!(info("w").shape, [2, 3]);
        assert_eq!(info("w").dtype, Dtype::F32);
        assert_eq!(info("layers.0.b").dtype, Dtype::F64);
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let w = st.tensor("w").unwrap();
        let vals: Vec<f32> = w
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(
            vals.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            m.w.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        // the same model, the same bytes, whatever the order of the metadata pairs
        let again =
            to_safetensors_bytes_with(&m, &[("a", "\"q\""), ("weight_init.seed", "9")]).unwrap();
        assert_eq!(bytes, again);
    }

    #[test]
    fn round_trip_and_other_dtypes_in_the_file() {
        let m = model();
        let mut back = M {
            w: ndarray::Array2::zeros((2, 3)),
            layers: vec![vec![0.0; 2], vec![0.0]],
            z: Vec::new(),
        };
        from_safetensors_bytes(&mut back, &to_safetensors_bytes(&m).unwrap()).unwrap();
        assert_eq!(
            back.w.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            m.w.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(back.layers, m.layers);

        // a file whose `w` holds i32: refused, naming what the file has
        let le = [0u8; 24];
        let b0 = [0u8; 16];
        let raws = [
            ("w", Raw(Dtype::I32, vec![2, 3], &le)),
            ("layers.0.b", Raw(Dtype::F64, vec![2], &b0)),
        ];
        let bytes = safetensors::serialize(raws.iter().map(|(n, r)| (*n, r)), None).unwrap();
        let e = from_safetensors_bytes(&mut back, &bytes).unwrap_err();
        assert_eq!(
            e.kind(),
            &crate::ErrorKind::DtypeMismatch {
                name: "w".into(),
                expected: "f32".into(),
                got: "I32".into()
            }
        );
        assert_eq!(e.path(), Some("w"));
    }
}
