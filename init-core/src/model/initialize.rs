//! [`Initialize`]: a model whose parameters know their schemes — what `#[derive(Initialize)]`
//! implements — with every whole-model fill provided on top of its two walks, and
//! [`params`], the one listing of a model's parameters.

use rand::Rng;

use super::by_rules::{Chosen, decide};
use super::params::{Each, ParamInfo, Read};
use super::path::{ParamPath, Segment};
use super::progress::{Progress, Totals, WithProgress};
use super::rules::{Assignments, Rules};
use super::seeded::{Ahead, Filler, Seeded, ShardPlan, Sharded};
use super::visit::{Visit, VisitMut};
use crate::error::InitError;

/// A model whose parameters know their schemes: what `#[derive(Initialize)]` implements.
///
/// The derive generates the two walks (over shared and over mutable references); everything
/// else is provided: [`initialize`](Initialize::initialize), [`report`](crate::report),
/// [`params`], and whatever a [`Visit`] or [`VisitMut`] of your own does (count, export, …).
///
/// Containers of models are models: `Vec<T>`, `[T; N]`, `Option<T>` and `Box<T>` walk their
/// elements with paths `layers[2].w`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a parameter with a scheme nor a model",
    label = "this field has no `#[init(...)]` attribute, so it must be a model (`#[derive(Initialize)]`)",
    note = "give a parameter a scheme, `#[init(he_normal)]`, or leave the field alone with `#[init(skip)]`"
)]
pub trait Initialize {
    /// Visits every parameter, in declaration order, each with its path under `path`.
    fn walk<V: Visit + ?Sized>(
        &self,
        path: &mut ParamPath,
        visitor: &mut V,
    ) -> Result<(), InitError>;

    /// Visits every parameter mutably, in declaration order, each with its path under `path`.
    fn walk_mut<V: VisitMut + ?Sized>(
        &mut self,
        path: &mut ParamPath,
        visitor: &mut V,
    ) -> Result<(), InitError>;

    /// Fills every parameter from `rng`, in declaration order, each in logical row-major
    /// order: the same rng state gives the same model. Stops at the first error, which names
    /// the parameter's path.
    fn initialize<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Result<(), InitError> {
        self.walk_mut(&mut ParamPath::new(), &mut Filler { rng })
    }

    /// Keyed initialisation: every parameter's values are a pure function of (`seed`, its
    /// state-dict name `layers.3.w`, the element's logical index) — see
    /// [`Init::fill_seeded`](crate::Init::fill_seeded) and
    /// [`KEYED_CONTRACT`](crate::KEYED_CONTRACT).
    /// Adding, removing or reordering other fields changes nothing else; the result is
    /// bit-identical for any number of threads.
    fn init_seeded(&mut self, seed: u64) -> Result<(), InitError> {
        let ahead = Ahead::compute(&params(self)?, seed)?;
        self.walk_mut(&mut ParamPath::new(), &mut Seeded { seed, ahead })
    }

    /// Initialises the shards this worker holds with exactly the values
    /// [`init_seeded`](Initialize::init_seeded) gives the whole model: `plan` says, for each
    /// parameter (by path and the shape of the shard held), the full shape and the region.
    /// See [`rows_of`](crate::rows_of) for the usual row split.
    fn init_sharded<P: ShardPlan + ?Sized>(
        &mut self,
        seed: u64,
        plan: &P,
    ) -> Result<(), InitError> {
        self.walk_mut(&mut ParamPath::new(), &mut Sharded { seed, plan })
    }

    /// Keyed initialisation with the schemes of `rules` overriding the attributes': a parameter
    /// whose state-dict name a rule matches gets the last matching rule's scheme, read under
    /// the layout its attribute gives; the others keep their attribute's. Values are keyed
    /// exactly as in [`init_seeded`](Initialize::init_seeded) (a parameter no rule matches
    /// gets the same values as there). How a preset — a μP set-up, an LLM recipe, gate
    /// conventions — reaches a derived model.
    ///
    /// Every scheme is chosen and checked against its parameter's shape and element type
    /// before anything is written; a rule that decides no parameter is an error
    /// ([`ErrorKind::UnmatchedRule`](crate::ErrorKind::UnmatchedRule)). Returns what every
    /// parameter got ([`Assignments`]; [`Source::Attribute`](crate::Source::Attribute) where
    /// no rule matched). A derived model's fields name no layer, so
    /// [`Rules::torch_defaults`] adds nothing here.
    ///
    /// ```
    /// # use init_core::{Initialize, Init, ParamPath, Visit, VisitMut, InitError, Segment, Rules, Source};
    /// # struct M { w: Vec<f32>, b: Vec<f32> }
    /// # impl Initialize for M {
    /// #   fn walk<V: Visit + ?Sized>(&self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
    /// #     p.with(Segment::Field("w"), |p| v.param(p, &self.w, &Init::normal(0.0, 1.0)))?;
    /// #     p.with(Segment::Field("b"), |p| v.param(p, &self.b, &Init::zeros()))
    /// #   }
    /// #   fn walk_mut<V: VisitMut + ?Sized>(&mut self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
    /// #     p.with(Segment::Field("w"), |p| v.param(p, &mut self.w, &Init::normal(0.0, 1.0)))?;
    /// #     p.with(Segment::Field("b"), |p| v.param(p, &mut self.b, &Init::zeros()))
    /// #   }
    /// # }
    /// let mut m = M { w: vec![0.0; 64], b: vec![0.0; 8] };
    /// let got = m.init_with_rules(&Rules::new().rule("b", Init::constant(0.5)), 7)?;
    /// assert!(m.b.iter().all(|&x| x == 0.5));
    /// assert_eq!(got.get("w").unwrap().source, Source::Attribute);
    ///
    /// let mut plain = M { w: vec![0.0; 64], b: vec![0.0; 8] };
    /// plain.init_seeded(7)?;
    /// assert_eq!(m.w, plain.w); // the same keyed values where no rule matched
    /// # Ok::<(), InitError>(())
    /// ```
    fn init_with_rules(&mut self, rules: &Rules, seed: u64) -> Result<Assignments, InitError> {
        let decided = decide(params(self)?, rules, true)?;
        let ahead = Ahead::compute(&decided.params, seed)?;
        self.walk_mut(
            &mut ParamPath::new(),
            &mut Chosen {
                inner: Seeded { seed, ahead },
                chosen: &decided.chosen,
            },
        )?;
        Ok(decided.report)
    }

    /// [`init_with_rules`](Initialize::init_with_rules) for the shards this worker holds: the
    /// same values that gives the whole model, as [`init_sharded`](Initialize::init_sharded)
    /// is to [`init_seeded`](Initialize::init_seeded). `plan` locates each shard in the whole.
    /// The schemes are checked shard by shard, as they are written (a shard's shape is not
    /// the one they are planned for).
    fn init_sharded_with_rules<P: ShardPlan + ?Sized>(
        &mut self,
        rules: &Rules,
        seed: u64,
        plan: &P,
    ) -> Result<Assignments, InitError> {
        let decided = decide(params(self)?, rules, false)?;
        self.walk_mut(
            &mut ParamPath::new(),
            &mut Chosen {
                inner: Sharded { seed, plan },
                chosen: &decided.chosen,
            },
        )?;
        Ok(decided.report)
    }

    /// [`init_seeded`](Initialize::init_seeded), calling `progress` after each parameter with
    /// the parameters and bytes done out of the totals (counted by a first walk). The values
    /// are the same as without it.
    ///
    /// ```
    /// # use init_core::{Initialize, Init, ParamPath, Visit, VisitMut, InitError, Segment};
    /// # struct M { a: Vec<f32>, b: Vec<f32> }
    /// # impl Initialize for M {
    /// #   fn walk<V: Visit + ?Sized>(&self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
    /// #     p.with(Segment::Field("a"), |p| v.param(p, &self.a, &Init::normal(0.0, 1.0)))?;
    /// #     p.with(Segment::Field("b"), |p| v.param(p, &self.b, &Init::normal(0.0, 1.0)))
    /// #   }
    /// #   fn walk_mut<V: VisitMut + ?Sized>(&mut self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
    /// #     p.with(Segment::Field("a"), |p| v.param(p, &mut self.a, &Init::normal(0.0, 1.0)))?;
    /// #     p.with(Segment::Field("b"), |p| v.param(p, &mut self.b, &Init::normal(0.0, 1.0)))
    /// #   }
    /// # }
    /// let mut m = M { a: vec![0.0; 300], b: vec![0.0; 100] };
    /// let mut seen = Vec::new();
    /// m.init_seeded_with_progress(7, |p| seen.push((p.path.to_string(), p.bytes_done, p.bytes_total)))?;
    /// assert_eq!(seen, [("a".to_string(), 1200, 1600), ("b".to_string(), 1600, 1600)]);
    /// # Ok::<(), InitError>(())
    /// ```
    fn init_seeded_with_progress(
        &mut self,
        seed: u64,
        progress: impl FnMut(&Progress<'_>),
    ) -> Result<(), InitError> {
        let params = params(self)?;
        let ahead = Ahead::compute(&params, seed)?;
        let totals = Totals::of(&params);
        self.walk_mut(
            &mut ParamPath::new(),
            &mut WithProgress::new(Seeded { seed, ahead }, totals, progress),
        )
    }

    /// [`init_sharded`](Initialize::init_sharded), calling `progress` after each parameter
    /// (sizes are those of the shards this worker holds).
    fn init_sharded_with_progress<P: ShardPlan + ?Sized>(
        &mut self,
        seed: u64,
        plan: &P,
        progress: impl FnMut(&Progress<'_>),
    ) -> Result<(), InitError> {
        let totals = Totals::of(&params(self)?);
        self.walk_mut(
            &mut ParamPath::new(),
            &mut WithProgress::new(Sharded { seed, plan }, totals, progress),
        )
    }
}

/// Every parameter of `model`, in declaration order: path, state-dict name, shape, element
/// type and scheme. What a pass over a model that reads no values needs (names for a file,
/// paths to check, totals); [`ParamInfo::resolve`] adds what the scheme promises.
///
/// ```
/// # use init_core::{Initialize, Init, ParamPath, Visit, VisitMut, InitError, Segment, Dtype};
/// # struct M { w: ndarray::Array2<f32> }
/// # impl Initialize for M {
/// #   fn walk<V: Visit + ?Sized>(&self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
/// #     p.with(Segment::Field("w"), |p| v.param(p, &self.w, &Init::he_normal()))
/// #   }
/// #   fn walk_mut<V: VisitMut + ?Sized>(&mut self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
/// #     p.with(Segment::Field("w"), |p| v.param(p, &mut self.w, &Init::he_normal()))
/// #   }
/// # }
/// let m = M { w: ndarray::Array2::zeros((4, 3)) };
/// let params = init_core::params(&m)?;
/// assert_eq!((params[0].name.as_str(), params[0].shape.as_slice()), ("w", &[4, 3][..]));
/// assert_eq!(params[0].dtype, Dtype::F32);
/// assert_eq!(params[0].resolve()?.fans.unwrap().fan_in, 3);
/// # Ok::<(), InitError>(())
/// ```
pub fn params<M: Initialize + ?Sized>(model: &M) -> Result<Vec<ParamInfo>, InitError> {
    let mut list = Vec::new();
    each(model, |info, _| {
        list.push(info);
        Ok(())
    })?;
    Ok(list)
}

/// Walks `model` once, handing `f` every parameter's [`ParamInfo`] and a [`Read`]er of its
/// values, in declaration order; stops at the first error.
pub(crate) fn each<M: Initialize + ?Sized>(
    model: &M,
    f: impl FnMut(ParamInfo, &dyn Read) -> Result<(), InitError>,
) -> Result<(), InitError> {
    model.walk(&mut ParamPath::new(), &mut Each(f))
}

/// Containers of models walk their elements, with paths `layers[2].w`.
macro_rules! forward {
    ($([$($generics:tt)*] $ty:ty => |$s:ident, $p:ident, $v:ident| $shared:expr, $mutable:expr;)*) => {$(
        impl<T: Initialize, $($generics)*> Initialize for $ty {
            fn walk<V: Visit + ?Sized>(&self, $p: &mut ParamPath, $v: &mut V) -> Result<(), InitError> {
                let $s = self;
                $shared
            }
            fn walk_mut<V: VisitMut + ?Sized>(&mut self, $p: &mut ParamPath, $v: &mut V) -> Result<(), InitError> {
                let $s = self;
                $mutable
            }
        }
    )*};
}

forward! {
    [] Box<T> => |s, p, v| (**s).walk(p, v), (**s).walk_mut(p, v);
    [] Option<T> => |s, p, v|
        s.as_ref().map_or(Ok(()), |m| m.walk(p, v)),
        s.as_mut().map_or(Ok(()), |m| m.walk_mut(p, v));
    [] Vec<T> => |s, p, v|
        s.iter().enumerate().try_for_each(|(i, m)| p.with(Segment::Index(i), |p| m.walk(p, v))),
        s.iter_mut().enumerate().try_for_each(|(i, m)| p.with(Segment::Index(i), |p| m.walk_mut(p, v)));
    [const N: usize] [T; N] => |s, p, v|
        s.iter().enumerate().try_for_each(|(i, m)| p.with(Segment::Index(i), |p| m.walk(p, v))),
        s.iter_mut().enumerate().try_for_each(|(i, m)| p.with(Segment::Index(i), |p| m.walk_mut(p, v)));
}
