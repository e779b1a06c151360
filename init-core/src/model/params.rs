//! The one way to list a model's parameters: [`ParamInfo`] (path, state-dict name, shape,
//! element type, scheme), handed with a [`Read`]er of the values to every read-only pass over
//! a model ([`Each`]: the listing, the report, the JSON sidecar, the exporters), and the
//! summary they share ([`ParamInfo::resolve`]).

use super::path::ParamPath;
use super::visit::Visit;
use crate::error::InitError;
use crate::param::dtype::Dtype;
use crate::param::element::Float;
use crate::param::parameter::{HostRef, Parameter};
use crate::param::shape::count;
use crate::param::target::Target;
use crate::plan::resolve::Resolved;
use crate::scheme::init::Init;

/// One parameter of a model, as [`params`](crate::params) lists it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ParamInfo {
    /// Where it sits: `blocks[3].attn.w_q`.
    pub path: String,
    /// Its state-dict name: `blocks.3.attn.w_q` ([`ParamPath::state_dict_name`]).
    pub name: String,
    /// Its logical shape.
    pub shape: Vec<usize>,
    /// The element type its values are generated in ([`Parameter::Elem`]).
    pub dtype: Dtype,
    /// Its scheme, with modifiers.
    pub init: Init,
}

impl ParamInfo {
    /// The parameter at `path` with scheme `init`.
    pub(crate) fn of<T: Parameter + ?Sized>(path: &ParamPath, target: &T, init: &Init) -> Self {
        ParamInfo {
            path: path.to_string(),
            name: path.state_dict_name(),
            shape: target.dims(),
            dtype: T::Elem::DTYPE,
            init: init.clone(),
        }
    }

    /// What its scheme promises for its shape ([`Init::resolve`]); an error names the path.
    pub fn resolve(&self) -> Result<Resolved, InitError> {
        self.init
            .resolve(&self.shape)
            .map_err(|e| e.with_path(self.path.clone()))
    }

    /// The bytes its values take (saturating).
    pub fn bytes(&self) -> u64 {
        bytes_of(&self.shape, self.dtype)
    }
}

/// The bytes of `shape` elements of `dtype`, saturating (a shape whose count overflows
/// counts as `u64::MAX`).
pub(crate) fn bytes_of(shape: &[usize], dtype: Dtype) -> u64 {
    count(shape).map_or(u64::MAX, |n| (n as u64).saturating_mul(dtype.size() as u64))
}

/// What a read-only pass may do with a parameter without knowing its type.
pub(crate) trait Read {
    /// Calls `f` with every value, widened to f64 (exactly), in logical row-major order.
    fn each_value(&self, f: &mut dyn FnMut(f64)) -> Result<(), InitError>;
    /// Writes the values' little-endian bytes to `out` in logical row-major order, a chunk
    /// at a time: no copy of the whole parameter (a framework tensor is downloaded first).
    /// The outer error is the parameter's (a framework refusing the download), the inner
    /// one `out`'s.
    #[cfg_attr(not(any(feature = "safetensors", feature = "npy")), allow(dead_code))]
    fn write_le(&self, out: &mut dyn std::io::Write) -> Result<std::io::Result<()>, InitError>;
}

/// A parameter seen through [`Read`].
struct Reader<'a, T: ?Sized>(&'a T);

impl<T: Parameter + ?Sized> Read for Reader<'_, T> {
    fn each_value(&self, f: &mut dyn FnMut(f64)) -> Result<(), InitError> {
        self.0.inspect(EachValue(f))
    }

    fn write_le(&self, out: &mut dyn std::io::Write) -> Result<std::io::Result<()>, InitError> {
        self.0.inspect(WriteLe(out))
    }
}

/// [`Read::write_le`]'s work: a parameter's little-endian bytes written to a writer. A
/// contiguous parameter on a little-endian target is written in place, in one `write_all` of its
/// memory; any other (strided, or a big-endian target) is converted a chunk at a time.
#[cfg_attr(not(any(feature = "safetensors", feature = "npy")), allow(dead_code))]
pub(crate) struct WriteLe<'a>(pub(crate) &'a mut dyn std::io::Write);

/// The bytes [`WriteLe`] gathers before each write when it converts (1 MiB: few writes, and
/// still a small part of a model's memory).
#[cfg_attr(not(any(feature = "safetensors", feature = "npy")), allow(dead_code))]
pub(crate) const CHUNK: usize = 1 << 20;

impl<E: Float> HostRef<E> for WriteLe<'_> {
    type Output = std::io::Result<()>;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &T) -> std::io::Result<()> {
        let size = E::DTYPE.size();
        #[cfg(any(feature = "safetensors", feature = "npy"))]
        if let Some(bytes) = target.as_logical_slice().and_then(E::le_bytes) {
            return self.0.write_all(bytes);
        }
        let per_chunk = CHUNK / size;
        let mut buf = vec![0u8; per_chunk * size];
        if let Some(slice) = target.as_logical_slice() {
            for part in slice.chunks(per_chunk) {
                let bytes = &mut buf[..part.len() * size];
                for (b, &x) in bytes.chunks_exact_mut(size).zip(part) {
                    x.put_le(b);
                }
                self.0.write_all(bytes)?;
            }
            return Ok(());
        }
        let (mut at, mut result) = (0, Ok(()));
        target.for_each(|x| {
            x.put_le(&mut buf[at..at + size]);
            at += size;
            if at == buf.len() {
                if result.is_ok() {
                    result = self.0.write_all(&buf);
                }
                at = 0;
            }
        });
        result?;
        buf.truncate(at);
        self.0.write_all(&buf)
    }
}

/// [`Read::each_value`]'s work.
struct EachValue<'a>(&'a mut dyn FnMut(f64));

impl<E: Float> HostRef<E> for EachValue<'_> {
    type Output = ();
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &T) {
        target.for_each(|x| (self.0)(x.to_f64()));
    }
}

/// The one read-only visitor: hands `f` every parameter's [`ParamInfo`] and a [`Read`]er of
/// its values, in declaration order (what `initialize::each` walks with).
pub(crate) struct Each<F>(pub(crate) F);

impl<F: FnMut(ParamInfo, &dyn Read) -> Result<(), InitError>> Visit for Each<F> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError> {
        (self.0)(ParamInfo::of(path, target, init), &Reader(target))
    }
}
