//! The one way to list a model's parameters: [`ParamInfo`] (path, state-dict name, shape,
//! element type, scheme), what every read-only pass over a model needs, and the summary
//! ([`ParamInfo::resolve`]) that the report, the JSON sidecar and the exporters share.

use super::path::ParamPath;
use super::visit::Visit;
use crate::error::InitError;
use crate::param::dtype::Dtype;
use crate::param::element::Float;
use crate::param::parameter::Parameter;
use crate::param::shape::count;
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

/// The visitor behind [`params`](crate::params).
#[derive(Default)]
pub(crate) struct ParamList(pub(crate) Vec<ParamInfo>);

impl Visit for ParamList {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError> {
        self.0.push(ParamInfo::of(path, target, init));
        Ok(())
    }
}
