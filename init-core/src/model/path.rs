//! [`ParamPath`]: where a parameter sits in a model (`blocks[3].attn.w_q`), and its PyTorch
//! state-dict name (`blocks.3.attn.w_q`), the key files and framework rules use.

use std::fmt;
use std::fmt::Write as _;

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

impl ParamPath {
    /// The state-dict name: segments joined by `.`, indices and tuple fields written as
    /// numbers (`blocks.3.attn.w_q`), as `nn.Module.state_dict()` names an `nn.ModuleList` of
    /// blocks with an `attn` submodule.
    ///
    /// ```
    /// use init_core::{ParamPath, Segment};
    /// let mut path = ParamPath::new();
    /// for s in [Segment::Field("blocks"), Segment::Index(3), Segment::Field("attn"), Segment::Field("w_q")] {
    ///     path.push(s);
    /// }
    /// assert_eq!(path.to_string(), "blocks[3].attn.w_q");
    /// assert_eq!(path.state_dict_name(), "blocks.3.attn.w_q");
    /// ```
    pub fn state_dict_name(&self) -> String {
        let mut name = String::new();
        for (k, s) in self.segments.iter().enumerate() {
            if k > 0 {
                name.push('.');
            }
            match s {
                Segment::Field(f) => name.push_str(f),
                Segment::Tuple(i) | Segment::Index(i) => {
                    let _ = write!(name, "{i}");
                }
            }
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_tuple_fields_and_indices() {
        let mut p = ParamPath::new();
        assert_eq!(p.state_dict_name(), "");
        p.push(Segment::Index(2));
        p.push(Segment::Tuple(0));
        p.push(Segment::Field("w"));
        assert_eq!(p.to_string(), "[2].0.w");
        assert_eq!(p.state_dict_name(), "2.0.w");
    }
}
