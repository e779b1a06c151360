//! safetensors files (feature `safetensors`), streamed both ways.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;

use safetensors::tensor::{Dtype, Metadata};

use super::SaveOptions;
use super::atomic::write_atomic;
use super::sidecar::json_string;
use super::tensors::{
    Data, Found, Source, described, format_error, io_error, load_from, no_values,
};
use crate::error::InitError;
use crate::model::initialize::{Initialize, each};
use crate::model::params::ParamInfo;
use crate::param::dtype::Dtype as Elem;
use crate::param::shape::element_count;

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

/// The header key of the metadata, which no tensor can be named.
const METADATA: &str = "__metadata__";

/// The parameters of `model` a safetensors file will hold, checked: none may be named
/// `__metadata__`, no two may share a name.
fn described_for_file<M: Initialize + ?Sized>(
    model: &M,
    context: &'static str,
) -> Result<Vec<ParamInfo>, InitError> {
    let params = described(model, context, |_| true, HOLDS)?;
    if let Some(p) = params.iter().find(|p| p.name == METADATA) {
        return Err(format_error(
            context,
            format!(
                "a tensor cannot be named `{METADATA}`, the key of the safetensors header's \
                 metadata: the file could not be loaded"
            ),
        )
        .with_path(p.path.clone()));
    }
    Ok(params)
}

/// The start of the file — the 8-byte little-endian header length and the header, with
/// `__metadata__` `{"format": "pt", ...pairs}` — and where each tensor's data starts after it,
/// by name.
///
/// Written here rather than by `safetensors::serialize`, whose metadata is a `HashMap`: with
/// two keys or more its order, hence the file's bytes, would change from run to run. The
/// layout is the crate's (a unit test checks the bytes are identical): the compact JSON header
/// padded with spaces to a multiple of 8 bytes, then the data of each tensor, ordered by
/// decreasing alignment then by name so that every tensor is aligned to its element size;
/// metadata keys are sorted.
fn header(
    params: &[ParamInfo],
    pairs: &[(&str, &str)],
    context: &'static str,
) -> Result<(Vec<u8>, HashMap<String, u64>), InitError> {
    let mut metadata = BTreeMap::from([("format", "pt")]);
    metadata.extend(pairs.iter().copied());
    let mut order: Vec<(&ParamInfo, Dtype)> = params.iter().map(|p| (p, dtype(p.dtype))).collect();
    order.sort_by(|(l, ld), (r, rd)| rd.cmp(ld).then_with(|| l.name.cmp(&r.name)));

    let mut header = String::from("{\"__metadata__\":{");
    for (k, (key, value)) in metadata.iter().enumerate() {
        if k > 0 {
            header.push(',');
        }
        let _ = write!(header, "{}:{}", json_string(key), json_string(value));
    }
    header.push('}');
    let mut offsets = HashMap::with_capacity(order.len());
    let mut offset = 0u64;
    for (p, st) in &order {
        let count = element_count(&p.shape, context).map_err(|e| e.with_path(p.path.clone()))?;
        let end = offset + count as u64 * p.dtype.size() as u64;
        let shape: Vec<String> = p.shape.iter().map(ToString::to_string).collect();
        let _ = write!(
            header,
            ",{}:{{\"dtype\":\"{st:?}\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
            json_string(&p.name),
            shape.join(",")
        );
        offsets.insert(p.name.clone(), offset);
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
    let mut start = Vec::with_capacity(8 + header.len());
    start.extend((header.len() as u64).to_le_bytes());
    start.extend(header);
    Ok((start, offsets))
}

/// Writes the safetensors file of `model` to `out`, streaming: the header, then each
/// parameter's bytes at its offset, a chunk at a time, in the model's walk order (`out` seeks
/// to each). Nothing is assembled whole: what is held at once is one chunk (and, for a
/// framework tensor, its host copy). `io` turns `out`'s errors into ours.
fn write_model<M: Initialize + ?Sized, W: Write + Seek>(
    model: &M,
    out: &mut W,
    pairs: &[(&str, &str)],
    context: &'static str,
    io: &dyn Fn(std::io::Error) -> InitError,
) -> Result<(), InitError> {
    let params = described_for_file(model, context)?;
    let (start, offsets) = header(&params, pairs, context)?;
    out.write_all(&start).map_err(io)?;
    let base = start.len() as u64;
    each(model, |info, read| {
        // a model whose walk changed since the first one gets an error, not a wrong file
        let Some(&at) = offsets.get(&info.name) else {
            return Err(format_error(
                context,
                format!("`{}` was not in the model's first walk", info.name),
            )
            .with_path(info.path));
        };
        out.seek(SeekFrom::Start(base + at)).map_err(io)?;
        read.write_le(out)
            .map_err(|e| e.with_path(info.path.clone()))?
            .map_err(io)
    })
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
/// The file is streamed: the header first, then each parameter's bytes straight from the
/// parameter (one write of its memory when it is contiguous, on a little-endian machine; else a
/// chunk of 1 MiB at a time), so a save holds no copy of the model (a framework tensor is
/// downloaded one at a time). The save does not wait for the disk: see
/// [`save_safetensors_with_options`] for a durable one.
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
    save_safetensors_with_options(model, path, metadata_pairs, SaveOptions::default())
}

/// [`save_safetensors_with`] with [`SaveOptions`]: `SaveOptions::new().with_durable(true)`
/// also fsyncs the file and its directory, so that the new file survives a power cut. The
/// bytes written are the same whatever the options.
///
/// ```no_run
/// # fn run<M: init_core::Initialize>(model: &M) -> Result<(), init_core::InitError> {
/// use init_core::export::{SaveOptions, save_safetensors_with_options};
/// let durable = SaveOptions::new().with_durable(true);
/// save_safetensors_with_options(model, "model.safetensors", &[], durable)?;
/// # Ok(()) }
/// ```
pub fn save_safetensors_with_options<M: Initialize + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
    metadata_pairs: &[(&str, &str)],
    options: SaveOptions,
) -> Result<(), InitError> {
    const CONTEXT: &str = "save_safetensors";
    let path = path.as_ref();
    // checked before the temporary is created
    described_for_file(model, CONTEXT)?;
    write_atomic(path, CONTEXT, options, |out| {
        write_model(model, out, metadata_pairs, CONTEXT, &|e| {
            io_error(CONTEXT, path, e)
        })
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
    let mut out = Cursor::new(Vec::new());
    write_model(model, &mut out, metadata_pairs, CONTEXT, &|e| {
        format_error(CONTEXT, e)
    })?;
    Ok(out.into_inner())
}

/// Loads every parameter of `model` from the safetensors file at `path`, by state-dict name,
/// strictly (see the [module](super) documentation): a missing tensor, a tensor of another
/// shape or element type, or a tensor that is no parameter is an error, and then nothing has
/// been written.
///
/// The file is read as a stream: the header first (checked whole, and against the file's
/// size), then each tensor's bytes straight into its parameter (one read into its memory when
/// it is contiguous, on a little-endian machine; else through a buffer of 1 MiB), so the memory
/// a load takes is the header and at most that buffer, not a copy of the file. Only an I/O error after every
/// check has passed (a file cut short while it is read) can leave the parameters loaded so far
/// written; it is an error naming the tensor.
pub fn load_safetensors<M: Initialize + ?Sized>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    const CONTEXT: &str = "load_safetensors";
    let path = path.as_ref();
    let io = |e| io_error(CONTEXT, path, e);
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut source = Stream::open(BufReader::new(file), len, CONTEXT)?;
    load_from(model, &mut source, CONTEXT)
}

/// [`load_safetensors`] from the bytes of a file.
pub fn from_safetensors_bytes<M: Initialize + ?Sized>(
    model: &mut M,
    bytes: &[u8],
) -> Result<(), InitError> {
    const CONTEXT: &str = "load_safetensors";
    let mut source = Stream::open(Cursor::new(bytes), bytes.len() as u64, CONTEXT)?;
    load_from(model, &mut source, CONTEXT)
}

/// A safetensors file being read: its header parsed and checked, the data left in `reader`.
struct Stream<R> {
    reader: R,
    metadata: Metadata,
    /// Where the data starts.
    base: u64,
    context: &'static str,
}

impl<R: Read + Seek> Stream<R> {
    /// Reads and checks the header of the file `reader` holds, `len` bytes: its length within
    /// the file and [`MAX_HEADER`], UTF-8 JSON, the tensors' offsets contiguous and each
    /// holding its shape's bytes (the safetensors crate's own checks), and the data exactly
    /// filling the rest of the file. Allocates nothing a hostile size could inflate.
    fn open(mut reader: R, len: u64, context: &'static str) -> Result<Self, InitError> {
        let bad = |m: String| format_error(context, m);
        let mut n = [0u8; 8];
        if len < 8 {
            return Err(bad(format!(
                "{len} bytes: too short for a safetensors file"
            )));
        }
        reader.read_exact(&mut n).map_err(|e| bad(e.to_string()))?;
        let n = u64::from_le_bytes(n);
        if n > MAX_HEADER as u64 || n > len - 8 {
            return Err(bad(format!(
                "the header's length {n} is more than the file ({len} bytes) or safetensors \
                 ({MAX_HEADER}) allows"
            )));
        }
        let mut header = vec![0u8; n as usize];
        reader
            .read_exact(&mut header)
            .map_err(|e| bad(e.to_string()))?;
        let header = std::str::from_utf8(&header).map_err(|e| bad(e.to_string()))?;
        let metadata: Metadata =
            serde_json::from_str(header).map_err(|e| bad(format!("the header: {e}")))?;
        let data = len - 8 - n;
        if metadata.data_len() as u64 != data {
            return Err(bad(format!(
                "the header declares {} bytes of data, the file holds {data}",
                metadata.data_len()
            )));
        }
        Ok(Stream {
            reader,
            metadata,
            base: 8 + n,
            context,
        })
    }
}

impl<R: Read + Seek> Source for Stream<R> {
    fn get(&mut self, name: &str, shape: &[usize]) -> Result<Option<Found>, InitError> {
        let Some(info) = self.metadata.info(name) else {
            return Ok(None);
        };
        let values = match elem(info.dtype) {
            // another shape: the data is not read, the caller reports the shape
            Some(e) if info.shape != shape => Ok(no_values(e).into()),
            Some(e) => Ok(Data::Stored {
                dtype: e,
                big_endian: false,
            }),
            None => Err(format!("{:?}", info.dtype)),
        };
        Ok(Some(Found {
            shape: info.shape.clone(),
            values,
        }))
    }

    fn names(&mut self) -> Result<Vec<String>, InitError> {
        Ok(self.metadata.offset_keys())
    }

    fn stream(&mut self, name: &str) -> Result<Box<dyn Read + '_>, InitError> {
        let (start, end) = self
            .metadata
            .info(name)
            .ok_or_else(|| format_error(self.context, format!("no tensor `{name}`")))?
            .data_offsets;
        self.reader
            .seek(SeekFrom::Start(self.base + start as u64))
            .map_err(|e| format_error(self.context, format!("`{name}`: {e}")))?;
        Ok(Box::new((&mut self.reader).take((end - start) as u64)))
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::HashMap;

    use safetensors::tensor::{SafeTensors, View};

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
