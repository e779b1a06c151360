//! Fills as work on a [`Parameter`]'s host values ([`HostMut`]), so that framework tensors are
//! filled exactly like ndarray arrays: [`Init::fill_param`], [`Init::fill_param_seeded`], and
//! what a model's walk hands each parameter.

use rand::Rng;

use super::keyed::Region;
use crate::error::InitError;
use crate::param::element::Float;
use crate::param::parameter::{HostMut, Parameter};
use crate::param::target::Target;
use crate::scheme::init::Init;

/// A fill from an rng stream ([`Init::fill`]).
pub(crate) struct FillRng<'a, R: ?Sized> {
    pub(crate) init: &'a Init,
    pub(crate) rng: &'a mut R,
}

impl<E: Float, R: Rng + ?Sized> HostMut<E> for FillRng<'_, R> {
    type Output = Result<(), InitError>;
    const READS: bool = false;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) -> Self::Output {
        self.init.fill(target, self.rng)
    }
}

/// A keyed fill of a whole parameter ([`Init::fill_seeded`]), or of the shard of it that
/// `shard` locates ([`Init::fill_shard`]: the full shape and the region).
pub(crate) struct FillKeyed<'a> {
    pub(crate) init: &'a Init,
    pub(crate) seed: u64,
    /// The key: the parameter's state-dict name in a model's walk (keyed contract 2).
    pub(crate) name: &'a str,
    pub(crate) shard: Option<(&'a [usize], Region)>,
}

impl<E: Float> HostMut<E> for FillKeyed<'_> {
    type Output = Result<(), InitError>;
    const READS: bool = false;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) -> Self::Output {
        match self.shard {
            None => self.init.fill_seeded(target, self.seed, self.name),
            Some((full, region)) => self
                .init
                .fill_shard(target, full, region, self.seed, self.name),
        }
    }
}

impl Init {
    /// [`fill`](Init::fill) for any [`Parameter`]: framework tensors (Burn, candle) included,
    /// through their host copy. The values are those `fill` gives an ndarray of the same shape
    /// and element type from the same rng state.
    pub fn fill_param<P: Parameter + ?Sized, R: Rng + ?Sized>(
        &self,
        param: &mut P,
        rng: &mut R,
    ) -> Result<(), InitError> {
        param.update(FillRng { init: self, rng }).and_then(|r| r)
    }

    /// [`fill_seeded`](Init::fill_seeded) for any [`Parameter`], framework tensors included.
    pub fn fill_param_seeded<P: Parameter + ?Sized>(
        &self,
        param: &mut P,
        seed: u64,
        path: &str,
    ) -> Result<(), InitError> {
        param
            .update(FillKeyed {
                init: self,
                seed,
                name: path,
                shard: None,
            })
            .and_then(|r| r)
    }
}
