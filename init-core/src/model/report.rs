//! [`report`]: a table of a model's parameters — what each scheme promises for its shape
//! ([`ParamInfo::resolve`]) beside what the values are now.

use std::fmt;

use super::initialize::{Initialize, each};
use super::params::{Each, ParamInfo, Read};
use super::path::ParamPath;
use super::visit::Visit;
use crate::error::InitError;
use crate::param::parameter::Parameter;
use crate::scheme::init::Init;

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
    /// `Some(`[`SYMMETRIC`]`)` for a parameter of rank ≥ 2 whose scheme is a constant (`zeros`,
    /// `ones`, `constant(v)`; [`Init::is_constant`]): every unit of the layer starts with the
    /// same incoming weights. Still allowed: Fixup and ReZero zero some weights on purpose.
    pub symmetric: Option<&'static str>,
}

/// Why a [`ReportRow`] is marked symmetric, in one line.
pub const SYMMETRIC: &str = "constant weights give every unit the same incoming weights, and \
     gradient descent keeps them equal unless the layers after it tell the units apart \
     (fine for Fixup/ReZero-style zeros)";

/// A table of a model's parameters: path, shape, scheme, fans, target and measured std.
/// Made by [`report`]; its `Display` is the table, followed by a line per parameter marked
/// [`symmetric`](ReportRow::symmetric).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// One row per parameter, in declaration order.
    pub rows: Vec<ReportRow>,
}

/// Reports every parameter of `model`: what its scheme promises for its shape, and what its
/// values are now; a weight of rank ≥ 2 with a constant scheme is marked
/// [`symmetric`](ReportRow::symmetric) (zero or constant weights make every unit of a layer
/// the same, and plain training keeps them the same: `examples/symmetry.rs` measures it).
pub fn report<M: Initialize + ?Sized>(model: &M) -> Result<Report, InitError> {
    let mut r = Report::default();
    each(model, |info, param| r.push(info, param))?;
    Ok(r)
}

impl Report {
    /// Adds the row of one parameter.
    fn push(&mut self, info: ParamInfo, param: &dyn Read) -> Result<(), InitError> {
        let resolved = info.resolve()?;
        let measured_std = measured_std(param).map_err(|e| e.with_path(info.path.clone()))?;
        let symmetric = (info.shape.len() >= 2 && info.init.is_constant()).then_some(SYMMETRIC);
        self.rows.push(ReportRow {
            path: info.path,
            shape: info.shape,
            scheme: info.init.to_string(),
            fan_in: resolved.fans.map(|f| f.fan_in),
            fan_out: resolved.fans.map(|f| f.fan_out),
            target_std: resolved.std,
            measured_std,
            symmetric,
        });
        Ok(())
    }
}

/// A report is a visitor too: walking a model with it adds a row per parameter.
impl Visit for Report {
    fn param<T: Parameter + ?Sized>(
        &mut self,
        path: &ParamPath,
        target: &T,
        init: &Init,
    ) -> Result<(), InitError> {
        Each(|info, param: &dyn Read| self.push(info, param)).param(path, target, init)
    }
}

/// The population std of a parameter's values (0 for none; NaN when one is NaN, infinite when
/// one is infinite). Two passes, so that no square overflows: the largest magnitude, then
/// Welford's running mean and sum of squared deviations of the values divided by it (the std
/// of `normal(0, 1e200)` in f64 is measured, where squares of the values would be infinite).
fn measured_std(param: &dyn Read) -> Result<f64, InitError> {
    let (mut n, mut scale, mut nan) = (0usize, 0.0f64, false);
    param.each_value(&mut |x| {
        n += 1;
        nan |= x.is_nan();
        scale = scale.max(x.abs());
    })?;
    if nan {
        return Ok(f64::NAN);
    }
    if n == 0 || scale == 0.0 || scale.is_infinite() {
        return Ok(if n == 0 { 0.0 } else { scale });
    }
    let (mut k, mut mean, mut m2) = (0.0f64, 0.0f64, 0.0f64);
    param.each_value(&mut |x| {
        let y = x / scale;
        k += 1.0;
        let d = y - mean;
        mean += d / k;
        m2 += d * (y - mean);
    })?;
    Ok(scale * (m2 / k).max(0.0).sqrt())
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
        // a column is as wide as its widest cell, or its header
        let width = |header: &str, cell: &dyn Fn(&ReportRow) -> usize| {
            self.rows.iter().map(cell).fold(header.len(), usize::max)
        };
        let w_path = width("parameter", &|r| r.path.len());
        let w_shape = width("shape", &|r| shape(&r.shape).len());
        let w_scheme = width("scheme", &|r| r.scheme.len());
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
        for r in &self.rows {
            if let Some(why) = r.symmetric {
                writeln!(f, "{}: symmetric: {why}", r.path)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Slice<'a>(&'a [f64]);

    impl Read for Slice<'_> {
        fn each_value(&self, f: &mut dyn FnMut(f64)) -> Result<(), InitError> {
            self.0.iter().for_each(|&x| f(x));
            Ok(())
        }
        fn write_le(&self, out: &mut dyn std::io::Write) -> Result<std::io::Result<()>, InitError> {
            Ok(self
                .0
                .iter()
                .try_for_each(|x| out.write_all(&x.to_le_bytes())))
        }
    }

    fn std(v: &[f64]) -> f64 {
        measured_std(&Slice(v)).unwrap()
    }

    #[test]
    fn the_measured_std_of_huge_and_tiny_values() {
        // ±1e200: the squares overflow f64, the std is 1e200
        assert_eq!(std(&[1e200, -1e200, 1e200, -1e200]), 1e200);
        assert_eq!(std(&[1e-300, -1e-300]), 1e-300);
        assert_eq!(std(&[f64::MAX, -f64::MAX]), f64::MAX);
        assert_eq!(std(&[3.0, 3.0, 3.0]), 0.0);
        assert!((std(&[1.0, 2.0, 3.0, 4.0]) - 1.25f64.sqrt()).abs() < 1e-15);
        // a large mean does not cancel the spread
        assert!((std(&[1e9 + 1.0, 1e9 - 1.0]) - 1.0).abs() < 1e-6);
        assert_eq!(std(&[]), 0.0);
        assert_eq!(std(&[0.0, 0.0]), 0.0);
        assert!(std(&[1.0, f64::NAN]).is_nan());
        assert_eq!(std(&[1.0, f64::INFINITY]), f64::INFINITY);
    }

    #[test]
    fn a_report_measures_normal_1e200() {
        let mut w = ndarray::Array2::<f64>::zeros((64, 64));
        let init = Init::normal(0.0, 1e200);
        init.fill_seeded(&mut w, 3, "w").unwrap();
        let s = std(w.as_slice().unwrap());
        assert!((s / 1e200 - 1.0).abs() < 0.05, "{s:e}");
    }
}
