//! The visitors behind [`Initialize`](super::initialize::Initialize)'s fills: from an rng
//! stream ([`Filler`]), keyed by seed and path ([`Seeded`], with the small structured
//! parameters computed [`Ahead`] in parallel), and shard by shard ([`Sharded`], where a
//! [`ShardPlan`] says what each worker holds).

use std::collections::HashMap;

use rand::Rng;

use super::params::ParamInfo;
use super::path::ParamPath;
use super::visit::VisitMut;
use crate::error::InitError;
use crate::param::dtype::{Dtype, Values};
use crate::param::element::Float;
use crate::param::parameter::{CopyValues, Parameter};
use crate::param::shape::count;
use crate::sample::keyed::Region;
use crate::sample::work::{FillKeyed, FillRng};
use crate::scheme::init::Init;

/// Where a worker's shard of each parameter lies in the whole (for
/// [`Initialize::init_sharded`](super::initialize::Initialize::init_sharded)). Implemented for
/// closures `Fn(&ParamPath, &[usize]) -> Result<(Vec<usize>, Region), InitError>`.
pub trait ShardPlan {
    /// The full shape of the parameter at `path`, and the region of it that the shard of shape
    /// `shard_shape` holds.
    fn locate(
        &self,
        path: &ParamPath,
        shard_shape: &[usize],
    ) -> Result<(Vec<usize>, Region), InitError>;
}

impl<F> ShardPlan for F
where
    F: Fn(&ParamPath, &[usize]) -> Result<(Vec<usize>, Region), InitError>,
{
    fn locate(
        &self,
        path: &ParamPath,
        shard_shape: &[usize],
    ) -> Result<(Vec<usize>, Region), InitError> {
        self(path, shard_shape)
    }
}

/// The rows worker `worker` of `workers` holds when `rows` rows are split as evenly as
/// possible, in order: `worker·rows/workers .. (worker+1)·rows/workers`.
///
/// ```
/// use init_core::rows_of;
/// assert_eq!(rows_of(0, 3, 10), 0..3);
/// assert_eq!(rows_of(1, 3, 10), 3..6);
/// assert_eq!(rows_of(2, 3, 10), 6..10);
/// ```
pub fn rows_of(worker: usize, workers: usize, rows: usize) -> std::ops::Range<usize> {
    let at = |w: usize| {
        let n = workers.max(1) as u128;
        (w.min(workers) as u128 * rows as u128 / n) as usize
    };
    at(worker)..at(worker + 1)
}

/// The visitor behind `initialize`: every parameter from one rng stream, in walk order.
pub(crate) struct Filler<'r, R: ?Sized> {
    pub(crate) rng: &'r mut R,
}

impl<R: Rng + ?Sized> VisitMut for Filler<'_, R> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        let work = FillRng {
            init,
            rng: &mut *self.rng,
        };
        target
            .update(work)
            .and_then(|r| r)
            .map_err(|e| e.with_path(path.to_string()))
    }
}

/// The visitor behind `init_seeded`: every parameter keyed by seed and its state-dict name
/// (keyed contract 4; see [`KEYED_CONTRACT`](crate::KEYED_CONTRACT)).
pub(crate) struct Seeded {
    pub(crate) seed: u64,
    pub(crate) ahead: Ahead,
}

impl VisitMut for Seeded {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        let name = path.state_dict_name();
        let done = match self.ahead.take::<T::Elem>(&name) {
            Some(values) => target.update(CopyValues(values)).map(Ok),
            None => target.update(FillKeyed {
                init,
                seed: self.seed,
                name: &name,
                shard: None,
            }),
        };
        done.and_then(|r| r)
            .map_err(|e| e.with_path(path.to_string()))
    }
}

/// The visitor behind `init_sharded`: each shard keyed as its region of the whole.
pub(crate) struct Sharded<'p, P: ?Sized> {
    pub(crate) seed: u64,
    pub(crate) plan: &'p P,
}

impl<P: ShardPlan + ?Sized> VisitMut for Sharded<'_, P> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        let name = path.state_dict_name();
        let (full, region) = self.plan.locate(path, &target.dims())?;
        let work = FillKeyed {
            init,
            seed: self.seed,
            name: &name,
            shard: Some((&full, region)),
        };
        target
            .update(work)
            .and_then(|r| r)
            .map_err(|e| e.with_path(path.to_string()))
    }
}

/// Structured parameters (orthogonal, delta-orthogonal, sparse) of a model, computed before
/// the model is written, in parallel with each other: their QR factorisations are sequential
/// each, so many small ones are where threads help. Values are the same as computed one by one
/// (each is a pure function of seed, state-dict name and shape). Large ones (above
/// [`AHEAD_MAX_ELEMENTS`]) are left to be computed in place, to keep memory at one copy.
#[derive(Default)]
pub(crate) struct Ahead {
    values: HashMap<String, Values>,
}

/// The largest structured parameter computed ahead by [`Ahead`].
pub(crate) const AHEAD_MAX_ELEMENTS: usize = 1 << 20;

impl Ahead {
    /// Computes the small structured parameters among `params`, in parallel (feature `rayon`).
    pub(crate) fn compute(params: &[ParamInfo], seed: u64) -> Result<Self, InitError> {
        let jobs: Vec<&ParamInfo> = params
            .iter()
            .filter(|p| {
                p.init.draws_whole() && count(&p.shape).is_ok_and(|n| n <= AHEAD_MAX_ELEMENTS)
            })
            .collect();
        if jobs.len() < 2 {
            return Ok(Ahead::default());
        }
        let job = |p: &ParamInfo| -> Option<Result<(String, Values), InitError>> {
            let values = match p.dtype {
                Dtype::F32 => keyed::<f32>(p, seed),
                Dtype::F64 => keyed::<f64>(p, seed),
                #[cfg(feature = "half")]
                Dtype::F16 => keyed::<half::f16>(p, seed),
                #[cfg(feature = "half")]
                Dtype::Bf16 => keyed::<half::bf16>(p, seed),
                #[allow(unreachable_patterns)] // the half types, without the `half` feature
                _ => return None,
            };
            Some(values.map(|v| (p.name.clone(), v)))
        };
        #[cfg(feature = "rayon")]
        let results: Vec<_> = {
            use rayon::prelude::*;
            jobs.into_par_iter().filter_map(job).collect()
        };
        #[cfg(not(feature = "rayon"))]
        let results: Vec<_> = jobs.into_iter().filter_map(job).collect();
        Ok(Ahead {
            values: results.into_iter().collect::<Result<_, _>>()?,
        })
    }

    /// The values computed ahead for the state-dict name `name` (logical order), if any.
    pub(crate) fn take<E: Float>(&mut self, name: &str) -> Option<Vec<E>> {
        self.values.remove(name)?.into_vec::<E>()
    }
}

/// The keyed values of one parameter, in logical order.
fn keyed<E: Float>(p: &ParamInfo, seed: u64) -> Result<Values, InitError> {
    let mut a = ndarray::ArrayD::<E>::from_elem(ndarray::IxDyn(&p.shape), E::ZERO);
    p.init
        .fill_seeded(&mut a, seed, &p.name)
        .map_err(|e| e.with_path(p.path.clone()))?;
    Ok(Values::from_vec(a.into_raw_vec_and_offset().0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::initialize::{Initialize, params};

    /// Two orthogonal parameters and one element-wise: a model written by hand.
    struct Two {
        a: ndarray::Array2<f64>,
        b: ndarray::Array2<f32>,
        c: ndarray::Array2<f32>,
    }

    impl Initialize for Two {
        fn walk<V: crate::model::visit::Visit + ?Sized>(
            &self,
            p: &mut ParamPath,
            v: &mut V,
        ) -> Result<(), InitError> {
            use crate::model::path::Segment::Field;
            p.with(Field("a"), |p| v.param(p, &self.a, &Init::sparse(0.3, 1.0)))?;
            p.with(Field("b"), |p| {
                v.param(p, &self.b, &Init::zeros().scale(2.0))
            })?;
            p.with(Field("c"), |p| v.param(p, &self.c, &Init::sparse(0.5, 1.0)))
        }
        fn walk_mut<V: VisitMut + ?Sized>(
            &mut self,
            p: &mut ParamPath,
            v: &mut V,
        ) -> Result<(), InitError> {
            use crate::model::path::Segment::Field;
            p.with(Field("a"), |p| {
                v.param(p, &mut self.a, &Init::sparse(0.3, 1.0))
            })?;
            p.with(Field("b"), |p| {
                v.param(p, &mut self.b, &Init::zeros().scale(2.0))
            })?;
            p.with(Field("c"), |p| {
                v.param(p, &mut self.c, &Init::sparse(0.5, 1.0))
            })
        }
    }

    #[test]
    fn structured_parameters_are_computed_ahead_with_the_same_values() {
        let mut m = Two {
            a: ndarray::Array2::zeros((6, 5)),
            b: ndarray::Array2::zeros((3, 3)),
            c: ndarray::Array2::zeros((4, 7)),
        };
        let ahead = Ahead::compute(&params(&m).unwrap(), 5).unwrap();
        let mut keys: Vec<&String> = ahead.values.keys().collect();
        keys.sort();
        assert_eq!(keys, ["a", "c"]);
        m.init_seeded(5).unwrap();
        let mut a = ndarray::Array2::<f64>::zeros((6, 5));
        Init::sparse(0.3, 1.0).fill_seeded(&mut a, 5, "a").unwrap();
        assert_eq!(m.a, a);
        let mut c = ndarray::Array2::<f32>::zeros((4, 7));
        Init::sparse(0.5, 1.0).fill_seeded(&mut c, 5, "c").unwrap();
        assert_eq!(m.c, c);
        assert!(m.b.iter().all(|&x| x == 0.0));
    }
}
