//! [`Progress`]: how far a long initialisation has got, reported after each parameter.

use super::params::{ParamInfo, bytes_of};
use super::path::ParamPath;
use super::visit::VisitMut;
use crate::error::InitError;
use crate::param::element::Float;
use crate::param::parameter::Parameter;
use crate::scheme::init::Init;

/// How far a long initialisation has got: what the callback of
/// [`init_seeded_with_progress`](crate::Initialize::init_seeded_with_progress) receives after
/// each parameter.
///
/// Bytes count the values generated: elements × the size of the element type they are
/// generated in ([`Parameter::Elem`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress<'a> {
    /// The parameter just written.
    pub path: &'a str,
    /// Parameters written so far, this one included.
    pub params_done: usize,
    /// Parameters in the model.
    pub params_total: usize,
    /// Bytes written so far.
    pub bytes_done: u64,
    /// Bytes of all parameters.
    pub bytes_total: u64,
}

/// A parameter count and its bytes.
#[derive(Clone, Copy, Default)]
pub(crate) struct Totals {
    params: usize,
    bytes: u64,
}

impl Totals {
    /// The totals of a model's parameters.
    pub(crate) fn of(params: &[ParamInfo]) -> Self {
        params
            .iter()
            .fold(Totals::default(), |t, p| t.add(p.bytes()))
    }

    fn add(self, bytes: u64) -> Self {
        Totals {
            params: self.params + 1,
            bytes: self.bytes.saturating_add(bytes),
        }
    }
}

/// A visitor that reports progress after each parameter the inner one writes.
pub(crate) struct WithProgress<V, F> {
    inner: V,
    totals: Totals,
    done: Totals,
    progress: F,
}

impl<V, F> WithProgress<V, F> {
    pub(crate) fn new(inner: V, totals: Totals, progress: F) -> Self {
        WithProgress {
            inner,
            totals,
            done: Totals::default(),
            progress,
        }
    }
}

impl<V: VisitMut, F: FnMut(&Progress<'_>)> VisitMut for WithProgress<V, F> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        self.inner.param(path, target, init)?;
        self.done = self.done.add(bytes_of(&target.dims(), T::Elem::DTYPE));
        let path = path.to_string();
        (self.progress)(&Progress {
            path: &path,
            params_done: self.done.params,
            params_total: self.totals.params,
            bytes_done: self.done.bytes,
            bytes_total: self.totals.bytes,
        });
        Ok(())
    }
}
