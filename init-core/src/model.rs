//! Models: structs whose parameters carry schemes. [`Initialize`] is what
//! `#[derive(Initialize)]` implements; everything that acts on a whole model (initialising it,
//! reporting it, and visitors of your own) is driven by its parameter walk.

use std::fmt;

use rand::Rng;

use crate::element::Float;
use crate::error::InitError;
use crate::init::Init;
use crate::keyed::Region;
use crate::param::{HostMut, HostRef, Parameter};
use crate::target::Target;

/// The path of a parameter inside a model: `blocks[3].attn.w_q`.
///
/// Fields are joined with `.`, container indices are written `[i]`, tuple-struct fields by
/// their number (`layers[0].0`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamPath {
    segments: Vec<Segment>,
}

/// One step of a [`ParamPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A named field.
    Field(&'static str),
    /// A tuple-struct field.
    Tuple(usize),
    /// An element of a container (`Vec`, array).
    Index(usize),
}

impl ParamPath {
    /// The empty path (the model itself).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a segment.
    pub fn push(&mut self, segment: Segment) {
        self.segments.push(segment);
    }

    /// Removes the last segment.
    pub fn pop(&mut self) {
        self.segments.pop();
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Runs `f` with `segment` appended, and removes it afterwards whatever `f` returns.
    pub fn with<T>(&mut self, segment: Segment, f: impl FnOnce(&mut Self) -> T) -> T {
        self.push(segment);
        let out = f(self);
        self.pop();
        out
    }
}

impl fmt::Display for ParamPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, s) in self.segments.iter().enumerate() {
            match s {
                Segment::Field(name) if k == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Tuple(i) if k == 0 => write!(f, "{i}")?,
                Segment::Tuple(i) => write!(f, ".{i}")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Reads every parameter of a model ([`Initialize::walk`]).
pub trait Visit {
    /// Called once per parameter, in declaration order.
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError>;
}

/// Writes every parameter of a model ([`Initialize::walk_mut`]).
pub trait VisitMut {
    /// Called once per parameter, in declaration order.
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError>;
}

/// A model whose parameters know their schemes: what `#[derive(Initialize)]` implements.
///
/// The derive generates the two walks (over shared and over mutable references); everything
/// else is provided: [`initialize`](Initialize::initialize), [`report`](crate::report), and
/// whatever a [`Visit`] or [`VisitMut`] of your own does (count, export, …).
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
    /// path, the element's logical index) — see [`Init::fill_seeded`]. Adding, removing or
    /// reordering other fields changes nothing else; the result is bit-identical for any
    /// number of threads.
    fn init_seeded(&mut self, seed: u64) -> Result<(), InitError> {
        let ahead = crate::keyed::Ahead::compute(self, seed)?;
        self.walk_mut(&mut ParamPath::new(), &mut Seeded { seed, ahead })
    }

    /// Initialises the shards this worker holds with exactly the values
    /// [`init_seeded`](Initialize::init_seeded) gives the whole model: `plan` says, for each
    /// parameter (by path and the shape of the shard held), the full shape and the region.
    /// See [`rows_of`] for the usual row split.
    fn init_sharded<P: ShardPlan + ?Sized>(
        &mut self,
        seed: u64,
        plan: &P,
    ) -> Result<(), InitError> {
        self.walk_mut(&mut ParamPath::new(), &mut Sharded { seed, plan })
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
        let ahead = crate::keyed::Ahead::compute(self, seed)?;
        let totals = Totals::of(self)?;
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
        let totals = Totals::of(self)?;
        self.walk_mut(
            &mut ParamPath::new(),
            &mut WithProgress::new(Sharded { seed, plan }, totals, progress),
        )
    }
}

/// How far a long initialisation has got: what the callback of
/// [`Initialize::init_seeded_with_progress`] receives after each parameter.
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

/// The parameter count and bytes of a model.
#[derive(Clone, Copy, Default)]
struct Totals {
    params: usize,
    bytes: u64,
}

impl Totals {
    fn of<M: Initialize + ?Sized>(model: &M) -> Result<Self, InitError> {
        let mut t = Totals::default();
        model.walk(&mut ParamPath::new(), &mut t)?;
        Ok(t)
    }

    fn bytes_of<T: Parameter + ?Sized>(target: &T) -> u64 {
        let n: u64 = target.dims().iter().map(|&d| d as u64).product();
        n.saturating_mul(std::mem::size_of::<T::Elem>() as u64)
    }
}

impl Visit for Totals {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        _: &ParamPath,
        target: &T,
        _: &Init,
    ) -> Result<(), InitError> {
        self.params += 1;
        self.bytes = self.bytes.saturating_add(Self::bytes_of(target));
        Ok(())
    }
}

/// A visitor that reports progress after each parameter the inner one writes.
struct WithProgress<V, F> {
    inner: V,
    totals: Totals,
    done: Totals,
    progress: F,
}

impl<V, F> WithProgress<V, F> {
    fn new(inner: V, totals: Totals, progress: F) -> Self {
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
        self.done.params += 1;
        self.done.bytes = self.done.bytes.saturating_add(Totals::bytes_of(target));
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

/// The configuration a model is built from ([`Build`]): what `#[init(config = Cfg)]` names.
///
/// A trait of its own, without the device type, so that the configuration type of a model
/// nested in another is known through its impl whatever the device.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not built from a configuration",
    label = "this nested model has no `#[init(config = ...)]`",
    note = "derive `Initialize` on it with `#[init(config = ...)]` on the struct and `shape = ...` on its parameters, or `#[init(skip)]` this field"
)]
pub trait Configured {
    /// What the shapes are computed from.
    type Config: ?Sized;
}

/// A model that can be built from a configuration: every parameter created zero with the
/// shape its `shape = ...` gives (or its type has), on a device, then initialised. What
/// `#[derive(Initialize)]` also implements when the struct says `#[init(config = Cfg)]`.
///
/// `Dev` is the framework's device type; models of host-memory types (ndarray, `Vec`,
/// fixed-size arrays, nalgebra) are built for any device, `&()` included.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from a configuration on a `{Dev}`",
    label = "no `Build` for this device",
    note = "derive it with `#[derive(Initialize)]` and `#[init(config = YourConfig)]` on the struct, and give each parameter a `shape = ...`"
)]
pub trait Build<Dev: ?Sized>: Initialize + Configured + Sized {
    /// The model with every parameter zero. Errors name the parameter's path.
    fn zeroed(config: &<Self as Configured>::Config, device: &Dev) -> Result<Self, InitError> {
        Self::zeroed_at(config, device, &mut ParamPath::new())
    }

    /// [`zeroed`](Build::zeroed) for a model that sits at `path` inside another; errors name
    /// the full path. What derived code calls for nested models.
    fn zeroed_at(
        config: &<Self as Configured>::Config,
        device: &Dev,
        path: &mut ParamPath,
    ) -> Result<Self, InitError>;

    /// The model, keyed by `seed`: [`zeroed`](Build::zeroed) then
    /// [`init_seeded`](Initialize::init_seeded).
    fn build(
        config: &<Self as Configured>::Config,
        device: &Dev,
        seed: u64,
    ) -> Result<Self, InitError> {
        let mut model = Self::zeroed(config, device)?;
        model.init_seeded(seed)?;
        Ok(model)
    }

    /// The model, filled from `rng`: [`zeroed`](Build::zeroed) then
    /// [`initialize`](Initialize::initialize).
    fn build_with_rng<R: Rng + ?Sized>(
        config: &<Self as Configured>::Config,
        device: &Dev,
        rng: &mut R,
    ) -> Result<Self, InitError> {
        let mut model = Self::zeroed(config, device)?;
        model.initialize(rng)?;
        Ok(model)
    }
}

impl<T: Configured> Configured for Box<T> {
    type Config = T::Config;
}

impl<Dev: ?Sized, T: Build<Dev>> Build<Dev> for Box<T> {
    fn zeroed_at(
        config: &<Self as Configured>::Config,
        device: &Dev,
        path: &mut ParamPath,
    ) -> Result<Self, InitError> {
        T::zeroed_at(config, device, path).map(Box::new)
    }
}

/// Where a worker's shard of each parameter lies in the whole (for
/// [`Initialize::init_sharded`]). Implemented for closures
/// `Fn(&ParamPath, &[usize]) -> Result<(Vec<usize>, Region), InitError>`.
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

/// The visitor behind [`Initialize::init_seeded`].
struct Seeded {
    seed: u64,
    ahead: crate::keyed::Ahead,
}

impl VisitMut for Seeded {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        let path = path.to_string();
        let done = match self.ahead.take::<T::Elem>(&path) {
            Some(values) => target.update(CopyIn(values)),
            None => target.update(FillSeeded {
                init,
                seed: self.seed,
                path: &path,
            }),
        };
        done.and_then(|r| r).map_err(|e| e.with_path(path))
    }
}

/// Keyed fill of one parameter, on the host.
struct FillSeeded<'a> {
    init: &'a Init,
    seed: u64,
    path: &'a str,
}

impl<E: Float> HostMut<E> for FillSeeded<'_> {
    type Output = Result<(), InitError>;
    const READS: bool = false;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) -> Self::Output {
        self.init.fill_seeded(target, self.seed, self.path)
    }
}

/// Copies values computed ahead (logical order) into a parameter.
struct CopyIn<E>(ndarray::ArrayD<E>);

impl<E: Float> HostMut<E> for CopyIn<E> {
    type Output = Result<(), InitError>;
    const READS: bool = false;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) -> Self::Output {
        let mut values = self.0.iter();
        target.for_each_mut(|x| {
            if let Some(v) = values.next() {
                *x = *v;
            }
        });
        Ok(())
    }
}

/// The visitor behind [`Initialize::init_sharded`].
struct Sharded<'p, P: ?Sized> {
    seed: u64,
    plan: &'p P,
}

impl<P: ShardPlan + ?Sized> VisitMut for Sharded<'_, P> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        let p = path.to_string();
        let (full, region) = self.plan.locate(path, &target.dims())?;
        target
            .update(FillShard {
                init,
                full: &full,
                region,
                seed: self.seed,
                path: &p,
            })
            .and_then(|r| r)
            .map_err(|e| e.with_path(p))
    }
}

/// Keyed fill of one shard, on the host.
struct FillShard<'a> {
    init: &'a Init,
    full: &'a [usize],
    region: Region,
    seed: u64,
    path: &'a str,
}

impl<E: Float> HostMut<E> for FillShard<'_> {
    type Output = Result<(), InitError>;
    const READS: bool = false;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) -> Self::Output {
        self.init
            .fill_shard(target, self.full, self.region, self.seed, self.path)
    }
}

/// The visitor behind [`Initialize::initialize`].
struct Filler<'r, R: ?Sized> {
    rng: &'r mut R,
}

impl<R: Rng + ?Sized> VisitMut for Filler<'_, R> {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        target
            .update(FillRng {
                init,
                rng: &mut *self.rng,
            })
            .and_then(|r| r)
            .map_err(|e| e.with_path(path.to_string()))
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
            .update(FillSeeded {
                init: self,
                seed,
                path,
            })
            .and_then(|r| r)
    }
}

/// A fill from an rng stream, on the host.
struct FillRng<'a, R: ?Sized> {
    init: &'a Init,
    rng: &'a mut R,
}

impl<E: Float, R: Rng + ?Sized> HostMut<E> for FillRng<'_, R> {
    type Output = Result<(), InitError>;
    const READS: bool = false;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &mut T) -> Self::Output {
        self.init.fill(target, self.rng)
    }
}

macro_rules! forward {
    ($($ty:ty => |$s:ident, $p:ident, $v:ident| $shared:expr, $mutable:expr;)*) => {$(
        impl<T: Initialize> Initialize for $ty {
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
    Box<T> => |s, p, v| (**s).walk(p, v), (**s).walk_mut(p, v);
    Option<T> => |s, p, v|
        s.as_ref().map_or(Ok(()), |m| m.walk(p, v)),
        s.as_mut().map_or(Ok(()), |m| m.walk_mut(p, v));
    Vec<T> => |s, p, v|
        s.iter().enumerate().try_for_each(|(i, m)| p.with(Segment::Index(i), |p| m.walk(p, v))),
        s.iter_mut().enumerate().try_for_each(|(i, m)| p.with(Segment::Index(i), |p| m.walk_mut(p, v)));
}

impl<T: Initialize, const N: usize> Initialize for [T; N] {
    fn walk<V: Visit + ?Sized>(&self, p: &mut ParamPath, v: &mut V) -> Result<(), InitError> {
        self.iter()
            .enumerate()
            .try_for_each(|(i, m)| p.with(Segment::Index(i), |p| m.walk(p, v)))
    }
    fn walk_mut<V: VisitMut + ?Sized>(
        &mut self,
        p: &mut ParamPath,
        v: &mut V,
    ) -> Result<(), InitError> {
        self.iter_mut()
            .enumerate()
            .try_for_each(|(i, m)| p.with(Segment::Index(i), |p| m.walk_mut(p, v)))
    }
}

/// One row of a [`Report`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRow {
    /// The parameter's path.
    pub path: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its scheme with modifiers, as [`Init`]'s `Display` writes it.
    pub scheme: String,
    /// Fan-in used (or that the shape has), if any.
    pub fan_in: Option<usize>,
    /// Fan-out used (or that the shape has), if any.
    pub fan_out: Option<usize>,
    /// The std the scheme promises ([`Resolved::std`](crate::Resolved::std)).
    pub target_std: f64,
    /// The population std of the values the parameter holds.
    pub measured_std: f64,
}

/// A table of a model's parameters: path, shape, scheme, fans, target and measured std.
/// Made by [`report`]; its `Display` is the table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// One row per parameter, in declaration order.
    pub rows: Vec<ReportRow>,
}

/// Reports every parameter of `model`: what its scheme promises for its shape, and what its
/// values are now.
pub fn report<M: Initialize + ?Sized>(model: &M) -> Result<Report, InitError> {
    let mut r = Report::default();
    model.walk(&mut ParamPath::new(), &mut r)?;
    Ok(r)
}

impl Visit for Report {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError> {
        let shape = target.dims();
        let resolved = init
            .resolve(&shape)
            .map_err(|e| e.with_path(path.to_string()))?;
        let measured_std = target
            .inspect(Moments)
            .map_err(|e| e.with_path(path.to_string()))?;
        self.rows.push(ReportRow {
            path: path.to_string(),
            shape,
            scheme: init.to_string(),
            fan_in: resolved.fans.map(|f| f.fan_in),
            fan_out: resolved.fans.map(|f| f.fan_out),
            target_std: resolved.std,
            measured_std,
        });
        Ok(())
    }
}

/// The population std of a parameter's values (0 for none).
struct Moments;

impl<E: Float> HostRef<E> for Moments {
    type Output = f64;
    fn call<T: Target<Elem = E> + ?Sized>(self, target: &T) -> f64 {
        let (mut n, mut sum, mut sq) = (0usize, 0.0f64, 0.0f64);
        target.for_each(|x| {
            let x = x.to_f64();
            n += 1;
            sum += x;
            sq += x * x;
        });
        if n == 0 {
            return 0.0;
        }
        let mean = sum / n as f64;
        (sq / n as f64 - mean * mean).max(0.0).sqrt()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shape = |s: &[usize]| {
            s.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("x")
        };
        let fan = |n: Option<usize>| n.map_or("-".to_string(), |n| n.to_string());
        let w_path = self
            .rows
            .iter()
            .map(|r| r.path.len())
            .chain([9])
            .max()
            .unwrap_or(9);
        let w_shape = self
            .rows
            .iter()
            .map(|r| shape(&r.shape).len())
            .chain([5])
            .max()
            .unwrap_or(5);
        let w_scheme = self
            .rows
            .iter()
            .map(|r| r.scheme.len())
            .chain([6])
            .max()
            .unwrap_or(6);
        writeln!(
            f,
            "{:<w_path$}  {:>w_shape$}  {:<w_scheme$}  {:>7}  {:>7}  {:>10}  {:>10}",
            "parameter", "shape", "scheme", "fan_in", "fan_out", "target std", "measured"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<w_path$}  {:>w_shape$}  {:<w_scheme$}  {:>7}  {:>7}  {:>10.6}  {:>10.6}",
                r.path,
                shape(&r.shape),
                r.scheme,
                fan(r.fan_in),
                fan(r.fan_out),
                r.target_std,
                r.measured_std
            )?;
        }
        Ok(())
    }
}
