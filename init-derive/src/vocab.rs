//! The closed vocabulary of `#[init(...)]`: one table of names, and "did you mean".

/// A scheme's canonical name and what its arguments are.
pub(crate) struct SchemeDef {
    /// The name users write (aliases have their own entry).
    pub name: &'static str,
    /// The `Init` constructor it maps to.
    pub canonical: &'static str,
    /// Parameters, in positional order.
    pub params: &'static [&'static str],
    /// Whether the scheme derives its scale from fans (rank ≥ 2 or explicit fans).
    pub needs: Needs,
}

/// What a scheme needs of the parameter's shape.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    Nothing,
    Fans,
    Matrix,
    Conv,
}

macro_rules! schemes {
    ($($name:literal => $canonical:literal ($($p:literal),*) $needs:ident;)*) => {
        pub(crate) const SCHEMES: &[SchemeDef] = &[$(SchemeDef {
            name: $name,
            canonical: $canonical,
            params: &[$($p),*],
            needs: Needs::$needs,
        }),*];
    };
}

schemes! {
    "zeros" => "zeros" () Nothing;
    "ones" => "ones" () Nothing;
    "constant" => "constant" ("value") Nothing;
    "uniform" => "uniform" ("low", "high") Nothing;
    "normal" => "normal" ("mean", "std") Nothing;
    "truncated_normal" => "truncated_normal" ("mean", "std", "low", "high", "sigmas") Nothing;
    "glorot_uniform" => "glorot_uniform" () Fans;
    "xavier_uniform" => "glorot_uniform" () Fans;
    "glorot_normal" => "glorot_normal" () Fans;
    "xavier_normal" => "glorot_normal" () Fans;
    "he_uniform" => "he_uniform" () Fans;
    "kaiming_uniform" => "he_uniform" () Fans;
    "he_normal" => "he_normal" () Fans;
    "kaiming_normal" => "he_normal" () Fans;
    "lecun_uniform" => "lecun_uniform" () Fans;
    "lecun_normal" => "lecun_normal" () Fans;
    "variance_scaling" => "variance_scaling" ("scale", "mode", "distribution") Fans;
    "torch_default" => "torch_default" () Fans;
    "orthogonal" => "orthogonal" () Fans;
    "eye" => "eye" () Matrix;
    "identity" => "eye" () Matrix;
    "dirac" => "dirac" ("groups") Conv;
    "delta_orthogonal" => "delta_orthogonal" () Conv;
    "sparse" => "sparse" ("sparsity", "std") Matrix;
}

/// Modifiers: allowed at the top level of a field's attribute and inside a scheme's parentheses.
pub(crate) const MODIFIERS: &[&str] = &[
    "gain",
    "mode",
    "truncated",
    "scale",
    "layout",
    "fans_of",
    "fan_in",
    "fan_out",
];

/// Names of the field-level attribute that are neither schemes nor modifiers.
pub(crate) const FIELD_WORDS: &[&str] = &["skip", "shape", "config", "len"];

/// Container-level names.
pub(crate) const CONTAINER_WORDS: &[&str] = &["crate", "layout", "config"];

/// Named gains (`gain = tanh`); `leaky_relu(slope)` takes a slope.
pub(crate) const GAINS: &[(&str, &str)] = &[
    ("linear", "Linear"),
    ("sigmoid", "Sigmoid"),
    ("tanh", "Tanh"),
    ("relu", "Relu"),
    ("selu", "Selu"),
    ("leaky_relu", "LeakyRelu"),
];

/// Fan modes (`mode = fan_out`).
pub(crate) const MODES: &[(&str, &str)] = &[
    ("fan_in", "FanIn"),
    ("fan_out", "FanOut"),
    ("fan_avg", "FanAvg"),
    ("fan_geo_avg", "FanGeoAvg"),
];

/// Distributions of `variance_scaling`.
pub(crate) const DISTRIBUTIONS: &[(&str, &str)] = &[
    ("uniform", "Uniform"),
    ("normal", "Normal"),
    ("truncated_normal", "TruncatedNormal"),
];

/// Named layouts (`layout = in_out`); anything else is a `Layout` expression.
pub(crate) const LAYOUTS: &[(&str, &str)] = &[("out_in", "OutIn"), ("in_out", "InOut")];

pub(crate) fn scheme(name: &str) -> Option<&'static SchemeDef> {
    SCHEMES.iter().find(|s| s.name == name)
}

pub(crate) fn lookup(table: &'static [(&str, &str)], name: &str) -> Option<&'static str> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The Optimal String Alignment distance (edits, with adjacent transpositions).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// "did you mean `x`?" when a candidate is close, else "expected one of: …".
pub(crate) fn suggest<'a>(got: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let best = candidates
        .iter()
        .map(|c| (distance(got, c), *c))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, c)) if d <= (got.chars().count() / 3).max(1) => format!("did you mean `{c}`?"),
        _ => format!(
            "expected one of: {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("he_normal", "he_normal"), 0);
        assert_eq!(distance("he_nromal", "he_normal"), 1);
        assert_eq!(distance("glorot", "glorot_uniform"), 8);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn suggestions() {
        let names = SCHEMES.iter().map(|s| s.name);
        assert_eq!(
            suggest("he_normall", names.clone()),
            "did you mean `he_normal`?"
        );
        assert_eq!(
            suggest("xavier_unifrom", names.clone()),
            "did you mean `xavier_uniform`?"
        );
        assert!(suggest("banana", names).starts_with("expected one of: `zeros`, `ones`"));
    }

    #[test]
    fn every_alias_maps_to_a_canonical_entry() {
        for s in SCHEMES {
            let canonical = scheme(s.canonical).expect("canonical name in the table");
            assert_eq!(canonical.params, s.params, "{}", s.name);
            assert!(canonical.needs == s.needs, "{}", s.name);
        }
    }
}
