//! The two visitor traits a model's walk drives: [`Visit`] reads every parameter, [`VisitMut`]
//! writes it.

use super::path::ParamPath;
use crate::error::InitError;
use crate::param::parameter::Parameter;
use crate::scheme::init::Init;

/// Reads every parameter of a model ([`Initialize::walk`](crate::Initialize::walk)).
pub trait Visit {
    /// Called once per parameter, in declaration order.
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError>;
}

/// Writes every parameter of a model ([`Initialize::walk_mut`](crate::Initialize::walk_mut)).
pub trait VisitMut {
    /// Called once per parameter, in declaration order.
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError>;
}
