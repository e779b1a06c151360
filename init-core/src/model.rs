//! Models: structs whose parameters carry schemes. [`Initialize`] is what
//! `#[derive(Initialize)]` implements; everything that acts on a whole model (initialising it,
//! reporting it, and visitors of your own) is driven by its parameter walk.

use std::fmt;

use rand::Rng;

use crate::error::InitError;
use crate::init::Init;
use crate::keyed::Region;
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
    fn param<T: Target + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError>;
}

/// Writes every parameter of a model ([`Initialize::walk_mut`]).
pub trait VisitMut {
    /// Called once per parameter, in declaration order.
    fn param<T: Target + ?Sized>(
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
    fn param<T: Target + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        let path = path.to_string();
        if self.ahead.take(&path, target) {
            return Ok(());
        }
        init.fill_seeded(target, self.seed, &path)
            .map_err(|e| e.with_path(path))
    }
}

/// The visitor behind [`Initialize::init_sharded`].
struct Sharded<'p, P: ?Sized> {
    seed: u64,
    plan: &'p P,
}

impl<P: ShardPlan + ?Sized> VisitMut for Sharded<'_, P> {
    fn param<T: Target + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        let p = path.to_string();
        let (full, region) = self.plan.locate(path, &target.shape())?;
        init.fill_shard(target, &full, region, self.seed, &p)
            .map_err(|e| e.with_path(p))
    }
}

/// The visitor behind [`Initialize::initialize`].
struct Filler<'r, R: ?Sized> {
    rng: &'r mut R,
}

impl<R: Rng + ?Sized> VisitMut for Filler<'_, R> {
    fn param<T: Target + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &mut T,
        init: &Init,
    ) -> Result<(), InitError> {
        init.fill(target, self.rng)
            .map_err(|e| e.with_path(path.to_string()))
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
    fn param<T: Target + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError> {
        let shape = target.shape();
        let resolved = init
            .resolve(&shape)
            .map_err(|e| e.with_path(path.to_string()))?;
        let (mut n, mut sum, mut sq) = (0usize, 0.0f64, 0.0f64);
        target.for_each(|x| {
            let x = crate::Float::to_f64(x);
            n += 1;
            sum += x;
            sq += x * x;
        });
        let measured_std = if n == 0 {
            0.0
        } else {
            let mean = sum / n as f64;
            (sq / n as f64 - mean * mean).max(0.0).sqrt()
        };
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
