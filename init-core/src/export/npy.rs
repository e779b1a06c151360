//! NumPy `.npy` and `.npz` files (feature `npy`).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use ndarray::{ArrayD, IxDyn};

use super::SaveOptions;
use super::atomic::write_atomic;
use super::tensors::{
    Data, Found, ReadLe, Source, described, format_error, io_error, load_from, no_values, typed,
};
use crate::error::{ErrorKind, InitError};
use crate::model::initialize::{Initialize, each};
use crate::model::params::{CHUNK, WriteLe, bytes_of};
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

/// Our name of a NumPy type descriptor (`'<f8'` → `f64`), or the descriptor itself.
fn descr_name(descr: &str) -> String {
    match descr.trim_matches('\'') {
        "<f4" => "f32".to_string(),
        "<f8" => "f64".to_string(),
        "<f2" => "f16".to_string(),
        d => d.to_string(),
    }
}

/// The descriptor `.npy` writes for an element type this module holds (little-endian).
fn descr(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::F32 => "<f4",
        Dtype::F64 => "<f8",
        // bf16 is refused by `holds` before anything is written
        Dtype::F16 | Dtype::Bf16 => "<f2",
    }
}

/// The `.npy` header of a C-order array of `shape` and `dtype`, as NumPy writes it: the magic
/// string, version 1.0 (2.0 when the dictionary does not fit in 65,535 bytes), the
/// dictionary `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, padded with
/// spaces and a newline to a multiple of 64 bytes.
fn npy_header(shape: &[usize], dtype: Dtype) -> Vec<u8> {
    let dims = match shape {
        [d] => format!("{d},"),
        _ => shape
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': ({dims}), }}",
        descr(dtype)
    );
    // magic (6) + version (2) + length (2 or 4), the dictionary, a newline
    let fits_v1 = (10 + dict.len() + 1).next_multiple_of(64) - 10 <= u16::MAX as usize;
    let (version, len_bytes) = if fits_v1 { (1u8, 2) } else { (2u8, 4) };
    let unpadded = 6 + 2 + len_bytes + dict.len() + 1;
    let total = unpadded.next_multiple_of(64);
    let header_len = total - (6 + 2 + len_bytes);
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"\x93NUMPY");
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(header_len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header_len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(total - 1, b' ');
    out.push(b'\n');
    out
}

/// Writes every parameter of `model` to a `.npz` file at `path`, one uncompressed array per
/// parameter named by [`state_dict_name`](super::state_dict_name), as `numpy.savez(path,
/// **state_dict)` does; `numpy.load(path)["blocks.0.attn.w_q"]` reads one back. Elements `f32`
/// and `f64` (`'<f4'`, `'<f8'`), and with the `half` feature `f16` (`'<f2'`, NumPy's
/// `float16`); NumPy has no bf16, so a bf16 parameter is an [`ErrorKind::DtypeMismatch`]
/// naming it (save it as safetensors). The save is atomic (see the [module](super)
/// documentation). The file is streamed: each array's header, then its bytes straight from the
/// parameter, so a save holds no copy of the model.
pub fn save_npz<M: Initialize + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    save_npz_with_options(model, path, SaveOptions::default())
}

/// [`save_npz`] with [`SaveOptions`]: `SaveOptions::new().with_durable(true)` also fsyncs the
/// file and its directory. The bytes written are the same whatever the options.
pub fn save_npz_with_options<M: Initialize + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
    options: SaveOptions,
) -> Result<(), InitError> {
    const CONTEXT: &str = "save_npz";
    let path = path.as_ref();
    let params = described(model, CONTEXT, holds, HOLDS)?;
    let io = |e: std::io::Error| io_error(CONTEXT, path, e);
    let zip_err = |e: zip::result::ZipError| match e {
        zip::result::ZipError::Io(e) => io_error(CONTEXT, path, e),
        e => format_error(CONTEXT, e),
    };
    write_atomic(path, CONTEXT, options, |out| {
        let mut zip = zip::ZipWriter::new(out);
        let mut at = 0;
        each(model, |info, read| {
            // the first walk's list: a model whose walk changed gets an error
            let same = params
                .get(at)
                .is_some_and(|p| p.name == info.name && p.shape == info.shape);
            if !same {
                return Err(format_error(
                    CONTEXT,
                    format!("`{}` was not in the model's first walk", info.name),
                ));
            }
            at += 1;
            let header = npy_header(&info.shape, info.dtype);
            let bytes = bytes_of(&info.shape, info.dtype).saturating_add(header.len() as u64);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(bytes >= u32::MAX as u64);
            let named = |e: InitError| e.with_path(info.path.clone());
            zip.start_file(format!("{}.npy", info.name), options)
                .map_err(|e| named(zip_err(e)))?;
            zip.write_all(&header).map_err(|e| named(io(e)))?;
            read.write_le(&mut zip)
                .map_err(named)?
                .map_err(|e| named(io(e)))
        })?;
        zip.finish().map_err(zip_err)?;
        Ok(())
    })
}

/// Loads every parameter of `model` from the `.npz` file at `path` (as `numpy.savez` or
/// `numpy.savez_compressed` writes it: stored or deflated), by state-dict name, strictly (see
/// the [module](super) documentation). Arrays in Fortran order are read in logical order.
///
/// Nothing in the file is trusted, and everything is checked before anything is written: each
/// array's header against its parameter, then its data read through once (inflated, for a
/// compressed entry) to check its length and its CRC-32, into a buffer of 1 MiB; no more than
/// its header (at most 1 MiB) and the parameter's bytes, plus one, are read from an entry,
/// whatever sizes the file declares. Then each array is read again, straight into its
/// parameter (in place when it is contiguous; a big-endian array is converted there): no copy
/// of an array is held, except of one in Fortran order, which is read whole and reordered.
/// A compressed entry is thus inflated twice, a stored one read twice (the second time raw).
pub fn load_npz<M: Initialize + ?Sized>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    const CONTEXT: &str = "load_npz";
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| io_error(CONTEXT, path, e))?;
    let zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format_error(CONTEXT, format!("{}: {e}", path.display())))?;
    let mut names = HashSet::new();
    for entry in zip.file_names() {
        // `numpy.savez` names each entry `{key}.npy`
        let name = entry.strip_suffix(".npy").unwrap_or(entry);
        names.insert(name.to_string());
    }
    let mut source = Npz {
        zip,
        names,
        checked: HashMap::new(),
    };
    load_from(model, &mut source, CONTEXT)
}

struct Npz {
    zip: zip::ZipArchive<std::io::BufReader<File>>,
    names: HashSet<String>,
    /// The entries [`Source::get`] checked whole and left to stream, by tensor name.
    checked: HashMap<String, Entry>,
}

/// A checked entry of a `.npz`, whose data [`Source::stream`] reads.
struct Entry {
    index: usize,
    /// Stored (not compressed): read raw, its CRC-32 checked already.
    stored: bool,
    /// The `.npy` header's bytes, skipped.
    header_len: u64,
    /// The data's bytes.
    bytes: u64,
}

impl Source for Npz {
    fn get(&mut self, name: &str, shape: &[usize]) -> Result<Option<Found>, InitError> {
        const CONTEXT: &str = "load_npz";
        if !self.names.contains(name) {
            return Ok(None);
        }
        let entry = if self.zip.index_for_name(&format!("{name}.npy")).is_some() {
            format!("{name}.npy")
        } else {
            name.to_string()
        };
        let err = |e: &dyn std::fmt::Display| format_error(CONTEXT, format!("`{name}`: {e}"));
        let index = self
            .zip
            .index_for_name(&entry)
            .ok_or_else(|| err(&"no such entry"))?;
        let mut file = self.zip.by_index(index).map_err(|e| err(&e))?;
        let stored = file.compression() == zip::CompressionMethod::Stored;
        // What the entry declares is only a limit: the reads below stop at the parameter's
        // bytes, so a deflate bomb inflates no further than that.
        let declared = file.size();
        let npy = match check_npy(&mut file, Some(declared), shape, name, CONTEXT)? {
            Npy::Other(found) => return Ok(Some(found)),
            Npy::Data(npy) => npy,
        };
        if npy.fortran {
            return read_values(&mut file, npy, name, CONTEXT).map(Some);
        }
        // The whole data, once, through a small buffer: its length, then (at the end of the
        // entry) its CRC-32, checked before anything is written.
        let read = skip(&mut file, npy.bytes).map_err(|e| err(&e))?;
        if read != npy.bytes {
            return Err(err(&format!(
                "the data is cut short: {read} bytes of {}",
                npy.bytes
            )));
        }
        let mut extra = [0u8; 1];
        if file.read(&mut extra).map_err(|e| err(&e))? != 0 {
            return Err(err(&"more data than the shape holds"));
        }
        let (dtype, big_endian) = (npy.dtype, npy.big);
        self.checked.insert(
            name.to_string(),
            Entry {
                index,
                stored,
                header_len: npy.header_len,
                bytes: npy.bytes,
            },
        );
        Ok(Some(Found {
            shape: npy.shape,
            values: Ok(Data::Stored { dtype, big_endian }),
        }))
    }

    fn names(&mut self) -> Result<Vec<String>, InitError> {
        Ok(self.names.iter().cloned().collect())
    }

    fn stream(&mut self, name: &str) -> Result<Box<dyn Read + '_>, InitError> {
        const CONTEXT: &str = "load_npz";
        let err = |e: &dyn std::fmt::Display| format_error(CONTEXT, format!("`{name}`: {e}"));
        let entry = self
            .checked
            .get(name)
            .ok_or_else(|| err(&"no checked entry"))?;
        let (header_len, bytes) = (entry.header_len, entry.bytes);
        // a stored entry's bytes are the data, their CRC-32 checked by `get`: read raw
        let mut file = if entry.stored {
            self.zip.by_index_raw(entry.index)
        } else {
            self.zip.by_index(entry.index)
        }
        .map_err(|e| err(&e))?;
        let skipped = std::io::copy(&mut (&mut file).take(header_len), &mut std::io::sink())
            .map_err(|e| err(&e))?;
        if skipped != header_len {
            return Err(err(&"the entry changed since it was checked"));
        }
        Ok(Box::new(file.take(bytes)))
    }
}

/// Reads and drops up to `n` bytes of `r`, through a buffer of [`CHUNK`] bytes (few reads);
/// returns how many there were.
fn skip(r: &mut impl Read, n: u64) -> std::io::Result<u64> {
    let mut buf = vec![0u8; CHUNK.min(usize::try_from(n).unwrap_or(CHUNK))];
    let mut left = n;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        match r.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(k) => left -= k as u64,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n - left)
}

/// The largest `.npy` header read (NumPy itself refuses more than 10 000 bytes by default).
const MAX_NPY_HEADER: usize = 1 << 20;

/// How deep brackets may nest in a `.npy` header.
const MAX_NPY_NESTING: usize = 8;

/// The error of `.npy` data called `what`.
fn bad(context: &'static str, what: &str, message: impl std::fmt::Display) -> InitError {
    format_error(context, format!("`{what}`: {message}"))
}

/// An element type `.npy` holds here, and whether it is big-endian.
fn descr_dtype(descr: &str) -> Option<(Dtype, bool)> {
    let (order, code) = descr.split_at_checked(1)?;
    let big = match order {
        "<" | "=" => false,
        ">" => true,
        _ => return None,
    };
    let dtype = match code {
        "f4" => Dtype::F32,
        "f8" => Dtype::F64,
        "f2" if cfg!(feature = "half") => Dtype::F16,
        _ => return None,
    };
    Some((dtype, big))
}

/// The parsed header of a `.npy` file: element descriptor, Fortran order, shape.
struct NpyHeader {
    descr: String,
    fortran: bool,
    shape: Vec<usize>,
}

/// Reads the magic string, version, length and dictionary of a `.npy` header from `r`;
/// returns the header and how many bytes it took.
fn read_header(
    r: &mut impl Read,
    what: &str,
    context: &'static str,
) -> Result<(NpyHeader, u64), InitError> {
    use py_literal::Value;
    let bad = |m: &dyn std::fmt::Display| bad(context, what, m);
    let mut pre = [0u8; 8];
    r.read_exact(&mut pre)
        .map_err(|e| bad(&format!("no .npy header ({e})")))?;
    if &pre[..6] != b"\x93NUMPY" {
        return Err(bad(&"not a .npy array (no magic string)"));
    }
    let (len, prefix) = match pre[6] {
        1 => {
            let mut l = [0u8; 2];
            r.read_exact(&mut l).map_err(|e| bad(&e))?;
            (usize::from(u16::from_le_bytes(l)), 10)
        }
        2 | 3 => {
            let mut l = [0u8; 4];
            r.read_exact(&mut l).map_err(|e| bad(&e))?;
            let len = u32::from_le_bytes(l);
            (usize::try_from(len).unwrap_or(usize::MAX), 12)
        }
        v => return Err(bad(&format!(".npy format version {v} is not 1, 2 or 3"))),
    };
    if len > MAX_NPY_HEADER {
        return Err(bad(&format!(
            "a .npy header of {len} bytes, more than {MAX_NPY_HEADER}"
        )));
    }
    let mut text = vec![0u8; len];
    r.read_exact(&mut text)
        .map_err(|e| bad(&format!("the .npy header is cut short ({e})")))?;
    let text = std::str::from_utf8(&text).map_err(|e| bad(&e))?;
    // The literal parser recurses on brackets: a header of nested brackets would overflow the
    // stack. A valid header nests two deep (the dictionary, the shape tuple).
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NPY_NESTING {
            return Err(bad(&format!(
                "the .npy header nests brackets more than {MAX_NPY_NESTING} deep"
            )));
        }
    }
    let dict: Value = text
        .trim()
        .parse()
        .map_err(|e| bad(&format!("the .npy header is no Python literal ({e})")))?;
    let Value::Dict(items) = dict else {
        return Err(bad(&"the .npy header is no dictionary"));
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (k, v) in items {
        match (k, v) {
            (Value::String(k), Value::String(d)) if k == "descr" => descr = Some(d),
            (Value::String(k), Value::Boolean(f)) if k == "fortran_order" => fortran = Some(f),
            (Value::String(k), Value::Tuple(dims)) if k == "shape" => {
                let dims = dims
                    .iter()
                    .map(|d| match d {
                        Value::Integer(i) => usize::try_from(i).ok(),
                        _ => None,
                    })
                    .collect::<Option<Vec<usize>>>()
                    .ok_or_else(|| bad(&"the shape is not a tuple of sizes"))?;
                shape = Some(dims);
            }
            (Value::String(k), _) if k == "descr" || k == "fortran_order" || k == "shape" => {
                return Err(bad(&format!(
                    "the .npy header's `{k}` is of the wrong type"
                )));
            }
            _ => {}
        }
    }
    match (descr, fortran, shape) {
        (Some(descr), Some(fortran), Some(shape)) => Ok((
            NpyHeader {
                descr,
                fortran,
                shape,
            },
            (prefix + len) as u64,
        )),
        _ => Err(bad(
            &"the .npy header lacks `descr`, `fortran_order` or `shape`",
        )),
    }
}

/// What [`check_npy`] found of a `.npy` array.
enum Npy {
    /// Not the parameter's shape, or of an element type not loaded here: what the caller
    /// reports. Its data is not read.
    Other(Found),
    /// The parameter's shape, of an element type loaded here; its data follows in the stream,
    /// which holds exactly that many bytes (when its size is known).
    Data(NpyData),
}

/// An array whose header [`check_npy`] accepted.
struct NpyData {
    shape: Vec<usize>,
    dtype: Dtype,
    /// Big-endian.
    big: bool,
    /// In Fortran (column-major) order, with more than one dimension.
    fortran: bool,
    /// The header's bytes.
    header_len: u64,
    /// The data's bytes.
    bytes: u64,
}

/// Reads and checks the header of the `.npy` array called `what` from `r`, which holds
/// `available` bytes (when known), for a parameter of shape `expected`: whether the array has
/// that shape and an element type held here, and the stream holds exactly its bytes. No data is
/// read.
fn check_npy(
    r: &mut impl Read,
    available: Option<u64>,
    expected: &[usize],
    what: &str,
    context: &'static str,
) -> Result<Npy, InitError> {
    let (header, header_len) = read_header(r, what, context)?;
    let NpyHeader {
        descr,
        fortran,
        shape,
    } = header;
    let Some((dtype, big)) = descr_dtype(&descr) else {
        return Ok(Npy::Other(Found {
            shape,
            values: Err(descr_name(&descr)),
        }));
    };
    if shape != expected {
        return Ok(Npy::Other(Found {
            shape,
            values: Ok(no_values(dtype).into()),
        }));
    }
    // The shape is the parameter's: its byte count is one a model already holds, but it is
    // checked anyway.
    let bytes = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .and_then(|n| n.checked_mul(dtype.size()))
        .ok_or_else(|| bad(context, what, "the shape's byte size overflows"))?;
    if let Some(available) = available {
        let data = available.saturating_sub(header_len);
        if data != bytes as u64 || available < header_len {
            return Err(bad(
                context,
                what,
                format!(
                    "the header declares {bytes} bytes of data ({} of shape {shape:?}), the \
                     file holds {data}",
                    dtype.name()
                ),
            ));
        }
    }
    let fortran = fortran && shape.len() > 1;
    Ok(Npy::Data(NpyData {
        shape,
        dtype,
        big,
        fortran,
        header_len,
        bytes: bytes as u64,
    }))
}

/// Reads the data of the array `npy` (checked by [`check_npy`]) whole from `r`, converted to
/// logical order and native values: no more than its bytes, and one more to see that there is
/// no more.
fn read_values(
    r: &mut impl Read,
    npy: NpyData,
    what: &str,
    context: &'static str,
) -> Result<Found, InitError> {
    let bytes = usize::try_from(npy.bytes)
        .map_err(|_| bad(context, what, "the shape's byte size overflows"))?;
    let mut data = Vec::new();
    data.try_reserve_exact(bytes).map_err(|_| {
        bad(
            context,
            what,
            format!("cannot allocate {bytes} bytes for the data"),
        )
    })?;
    let read = r
        .take(npy.bytes)
        .read_to_end(&mut data)
        .map_err(|e| bad(context, what, e))?;
    if read != bytes {
        return Err(bad(
            context,
            what,
            format!("the data is cut short: {read} bytes of {bytes}"),
        ));
    }
    let mut extra = [0u8; 1];
    if r.read(&mut extra).map_err(|e| bad(context, what, e))? != 0 {
        return Err(bad(context, what, "more data than the shape holds"));
    }
    let mut values = decode(&data, npy.dtype, npy.big);
    if npy.fortran {
        values = c_order(values, &npy.shape);
    }
    Ok(Found {
        shape: npy.shape,
        values: Ok(values.into()),
    })
}

/// Values of type `dtype` from their bytes, bit for bit.
fn decode(data: &[u8], dtype: Dtype, big: bool) -> Values {
    fn each<const N: usize, T>(
        data: &[u8],
        big: bool,
        le: fn([u8; N]) -> T,
        be: fn([u8; N]) -> T,
    ) -> Vec<T> {
        data.chunks_exact(N)
            .map(|c| {
                let mut b = [0u8; N];
                b.copy_from_slice(c);
                if big { be(b) } else { le(b) }
            })
            .collect()
    }
    match dtype {
        Dtype::F64 => Values::F64(each(data, big, f64::from_le_bytes, f64::from_be_bytes)),
        #[cfg(feature = "half")]
        Dtype::F16 => Values::F16(each(
            data,
            big,
            half::f16::from_le_bytes,
            half::f16::from_be_bytes,
        )),
        _ => Values::F32(each(data, big, f32::from_le_bytes, f32::from_be_bytes)),
    }
}

/// Values stored in Fortran (column-major) order, in logical (row-major) order.
fn c_order(values: Values, shape: &[usize]) -> Values {
    fn reorder<T: Clone>(v: Vec<T>, shape: &[usize]) -> Vec<T> {
        use ndarray::ShapeBuilder;
        match ArrayD::from_shape_vec(IxDyn(shape).f(), v) {
            Ok(a) => a.iter().cloned().collect(),
            // the length was checked against the shape: not reached
            Err(_) => Vec::new(),
        }
    }
    match values {
        Values::F32(v) => Values::F32(reorder(v, shape)),
        Values::F64(v) => Values::F64(reorder(v, shape)),
        #[cfg(feature = "half")]
        Values::F16(v) => Values::F16(reorder(v, shape)),
        #[cfg(feature = "half")]
        Values::Bf16(v) => Values::Bf16(reorder(v, shape)),
    }
}

/// Writes one parameter to a `.npy` file at `path` (`numpy.save`): its shape, its element type
/// (`f32` or `f64`, and `f16` with the `half` feature), its values in row-major order, bit
/// for bit. The save is atomic (see the [module](super) documentation).
pub fn save_npy<P: Parameter + ?Sized>(param: &P, path: impl AsRef<Path>) -> Result<(), InitError> {
    save_npy_with_options(param, path, SaveOptions::default())
}

/// [`save_npy`] with [`SaveOptions`]: `SaveOptions::new().with_durable(true)` also fsyncs the
/// file and its directory. The bytes written are the same whatever the options.
pub fn save_npy_with_options<P: Parameter + ?Sized>(
    param: &P,
    path: impl AsRef<Path>,
    options: SaveOptions,
) -> Result<(), InitError> {
    const CONTEXT: &str = "save_npy";
    let path = path.as_ref();
    if !holds(P::Elem::DTYPE) {
        return Err(InitError::new(
            CONTEXT,
            ErrorKind::DtypeMismatch {
                name: path.display().to_string(),
                expected: HOLDS.to_string(),
                got: P::Elem::NAME.to_string(),
            },
        ));
    }
    let header = npy_header(&param.dims(), P::Elem::DTYPE);
    let io = |e: std::io::Error| io_error(CONTEXT, path, e);
    write_atomic(path, CONTEXT, options, |out| {
        out.write_all(&header).map_err(io)?;
        param.inspect(WriteLe(out))?.map_err(io)
    })
}

/// Reads a `.npy` file at `path` into one parameter: the file must have the parameter's shape
/// and element type (errors [`ErrorKind::ShapeMismatch`], [`ErrorKind::DtypeMismatch`], named
/// by the file's path); on error the parameter is unchanged. The header is checked against the
/// parameter and the file's size before any data is read; then the data is read straight into
/// the parameter (in place when it is contiguous), with no copy of the whole (an array in
/// Fortran order is the exception: it is read whole and reordered). Only an I/O error after
/// those checks (a file cut short while it is read) can leave the parameter partly written.
pub fn load_npy<P: Parameter + ?Sized>(
    param: &mut P,
    path: impl AsRef<Path>,
) -> Result<(), InitError> {
    const CONTEXT: &str = "load_npy";
    let path = path.as_ref();
    let name = path.display().to_string();
    let dtype_error = |got: String| {
        InitError::new(
            CONTEXT,
            ErrorKind::DtypeMismatch {
                name: name.clone(),
                expected: P::Elem::NAME.to_string(),
                got,
            },
        )
    };
    if !holds(P::Elem::DTYPE) {
        return Err(InitError::new(
            CONTEXT,
            ErrorKind::DtypeMismatch {
                name,
                expected: HOLDS.to_string(),
                got: P::Elem::NAME.to_string(),
            },
        ));
    }
    let file = File::open(path).map_err(|e| io_error(CONTEXT, path, e))?;
    let size = file
        .metadata()
        .map_err(|e| io_error(CONTEXT, path, e))?
        .len();
    let expected = param.dims();
    let mut reader = std::io::BufReader::new(file);
    let npy = match check_npy(&mut reader, Some(size), &expected, &name, CONTEXT)? {
        Npy::Data(npy) if npy.dtype == P::Elem::DTYPE => npy,
        Npy::Data(npy) => return Err(dtype_error(npy.dtype.name().to_string())),
        Npy::Other(found) => {
            return match found.values {
                Ok(d) if d.dtype() == P::Elem::DTYPE => Err(InitError::new(
                    CONTEXT,
                    ErrorKind::ShapeMismatch {
                        name,
                        expected,
                        got: found.shape,
                    },
                )),
                Ok(d) => Err(dtype_error(d.dtype().name().to_string())),
                Err(d) => Err(dtype_error(d)),
            };
        }
    };
    if npy.fortran {
        let values = match read_values(&mut reader, npy, &name, CONTEXT)?.values {
            Ok(Data::Values(v)) => typed::<P::Elem>(v, &name, CONTEXT)?,
            _ => return Err(dtype_error(String::new())),
        };
        return param.update(CopyValues(values));
    }
    let bytes = npy.bytes;
    param
        .update(ReadLe {
            reader: reader.take(bytes),
            bytes,
            swap: npy.big,
        })?
        .map_err(|e| io_error(CONTEXT, path, e))
}
