//! The JSON sidecar: every parameter described (name, shape, dtype, scheme, what the scheme
//! promises for its shape, a few values) for checkers in other languages.

use std::fmt::Write as _;

use crate::error::InitError;
use crate::model::initialize::{Initialize, each};
use crate::model::params::{ParamInfo, Read};
use crate::plan::law::ElementDistribution;

/// A JSON description of every parameter of `model`, for checkers outside Rust (what
/// `python/roundtrip.py` reads next to a `.safetensors` file).
///
/// ```json
/// {"tensors": [
///   {"name": "blocks.0.attn.w_q", "path": "blocks[0].attn.w_q", "shape": [64, 64],
///    "dtype": "f32", "scheme": "glorot_uniform", "init": "glorot_uniform",
///    "fan_in": 64, "fan_out": 64, "mean": 0.0, "std": 0.125,
///    "distribution": {"kind": "uniform", "low": -0.2165, "high": 0.2165},
///    "head": [0.0123, -0.1010, 0.0456, 0.1999], "tail": [-0.0042]}
/// ]}
/// ```
///
/// One entry per parameter in declaration order: `mean` and `std` are what the scheme
/// promises for the shape ([`Init::resolve`](crate::Init::resolve)); `distribution` is the law
/// of one element for
/// element-wise schemes (`constant` with `value`, `uniform` with `low`/`high`, `normal` with
/// `mean`/`std`, `truncated_normal` with `mean`/`std` before truncation and `low`/`high`),
/// `null` for structured ones (orthogonal, eye, …); `head` and `tail` are the first four and
/// the last value in logical row-major order, as JSON numbers that are exactly the stored
/// values. Infinite numbers are written `null`.
pub fn sidecar_json<M: Initialize + ?Sized>(model: &M) -> Result<String, InitError> {
    let mut entries = Vec::new();
    each(model, |info, param| {
        entries.push(entry(&info, param)?);
        Ok(())
    })?;
    Ok(format!(
        "{{\"tensors\": [\n  {}\n]}}\n",
        entries.join(",\n  ")
    ))
}

/// The JSON object of one parameter.
fn entry(info: &ParamInfo, param: &dyn Read) -> Result<String, InitError> {
    let r = info.resolve()?;
    // the first four values and the last, read in one pass
    let (mut head, mut last, mut n) = (Vec::with_capacity(4), None, 0usize);
    param
        .each_value(&mut |x| {
            if n < 4 {
                head.push(x);
            }
            last = Some(x);
            n += 1;
        })
        .map_err(|e| e.with_path(info.path.clone()))?;
    let nums = |v: &[f64]| v.iter().map(|&x| num(x)).collect::<Vec<_>>().join(", ");
    let tail: Vec<f64> = last.into_iter().collect();
    let fan = |f: Option<usize>| f.map_or("null".to_string(), |n| n.to_string());
    let distribution = match r.distribution {
        None => "null".to_string(),
        Some(ElementDistribution::Constant(v)) => {
            format!(r#"{{"kind": "constant", "value": {}}}"#, num(v))
        }
        Some(ElementDistribution::Uniform { low, high }) => format!(
            r#"{{"kind": "uniform", "low": {}, "high": {}}}"#,
            num(low),
            num(high)
        ),
        Some(ElementDistribution::Normal { mean, std }) => format!(
            r#"{{"kind": "normal", "mean": {}, "std": {}}}"#,
            num(mean),
            num(std)
        ),
        Some(ElementDistribution::TruncatedNormal {
            mean,
            std,
            low,
            high,
        }) => format!(
            r#"{{"kind": "truncated_normal", "mean": {}, "std": {}, "low": {}, "high": {}}}"#,
            num(mean),
            num(std),
            num(low),
            num(high)
        ),
    };
    Ok(format!(
        r#"{{"name": {}, "path": {}, "shape": [{}], "dtype": {}, "scheme": {}, "init": {}, "fan_in": {}, "fan_out": {}, "mean": {}, "std": {}, "distribution": {}, "head": [{}], "tail": [{}]}}"#,
        json_string(&info.name),
        json_string(&info.path),
        info.shape
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        json_string(info.dtype.name()),
        json_string(r.scheme),
        json_string(&info.init.to_string()),
        fan(r.fans.map(|f| f.fan_in)),
        fan(r.fans.map(|f| f.fan_out)),
        num(r.mean),
        num(r.std),
        distribution,
        nums(&head),
        nums(&tail),
    ))
}

/// A JSON number that reads back as exactly `x` (`null` when not finite).
fn num(x: f64) -> String {
    if x.is_finite() {
        // `{:?}` is the shortest representation that round-trips, and is valid JSON
        // (`0.5`, `-3.0`, `1e-7`).
        format!("{x:?}")
    } else {
        "null".to_string()
    }
}

/// A JSON string.
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_and_strings() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-3.0), "-3.0");
        assert_eq!(num(1e-7), "1e-7");
        assert_eq!(num(f64::INFINITY), "null");
        assert_eq!(num(f64::from(0.1f32)), "0.10000000149011612");
        assert_eq!(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
