//! The one error type of weight-init.

use std::fmt;

/// Why a scheme could not be applied to a parameter, or a parameter built, read or written.
///
/// Every error names its context — the scheme (`he_normal`, `truncated_normal`, …) or the
/// operation (`build`, `update`, `lsuv`, `safetensors`, …) that failed — the offending value,
/// and, once the error has passed through a model walk, the parameter's path
/// (`blocks[3].attn.w_q`). Nothing in weight-init panics on user input: bad parameters and
/// shapes come back as an `InitError`.
///
/// ```
/// use init_core::Init;
/// let err = Init::normal(0.0, -1.0).resolve(&[4, 4]).unwrap_err();
/// assert_eq!(err.context(), "normal");
/// assert_eq!(err.to_string(), "normal: std must be finite and >= 0, got -1");
/// let err = err.with_path("encoder.w");
/// assert_eq!(err.to_string(), "encoder.w: normal: std must be finite and >= 0, got -1");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct InitError {
    path: Option<String>,
    context: &'static str,
    kind: ErrorKind,
}

/// What exactly went wrong; see [`InitError::kind`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A numeric parameter is NaN, infinite or outside its domain (std < 0, sparsity ∉ [0, 1],
    /// an explicit fan of 0, …).
    InvalidParameter {
        /// The parameter's name (`std`, `sparsity`, `gain`, …).
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is accepted, in words (`finite and >= 0`).
        expected: &'static str,
    },
    /// An interval with `low >= high` (uniform bounds, truncation bounds).
    EmptyRange {
        /// Lower bound given.
        low: f64,
        /// Upper bound given.
        high: f64,
    },
    /// A truncated normal with `std = 0` whose mean lies outside `[low, high]`: the conditional
    /// distribution does not exist.
    DegenerateTruncation {
        /// The mean.
        mean: f64,
        /// Lower truncation bound.
        low: f64,
        /// Upper truncation bound.
        high: f64,
    },
    /// The parameter's rank does not fit the scheme (a fan-based scheme on a rank-1 tensor
    /// without explicit fans, `eye` on a rank-3 tensor, …).
    UnsupportedRank {
        /// Rank of the parameter.
        rank: usize,
        /// What the scheme needs, in words (`at least 2`).
        expected: &'static str,
    },
    /// An explicit axis (layout `in_axes`, `out_axes`, `batch_axes`) is outside the shape.
    AxisOutOfRange {
        /// The axis as given (negative counts from the end).
        axis: isize,
        /// Rank of the parameter.
        rank: usize,
    },
    /// An axis is named twice in an explicit layout.
    RepeatedAxis {
        /// The axis, normalised to `0..rank`.
        axis: usize,
    },
    /// An explicit layout names no input axis or no output axis.
    MissingAxes {
        /// `in_axes` or `out_axes`.
        which: &'static str,
    },
    /// The number of elements of the shape overflows `usize`.
    ShapeOverflow {
        /// The shape.
        shape: Vec<usize>,
    },
    /// `dirac(groups)` where `groups` does not divide the output channels.
    GroupsMismatch {
        /// Groups given.
        groups: usize,
        /// Output channels of the kernel.
        out_channels: usize,
    },
    /// [`Init::blocks`](crate::Init::blocks)`(k)` where `k` does not divide the length of the
    /// axis the blocks split (the layout's output axis).
    BlocksMismatch {
        /// Blocks asked for.
        blocks: usize,
        /// The axis split, in `0..rank`.
        axis: usize,
        /// Its length.
        len: usize,
    },
    /// `delta_orthogonal` on a kernel with more input than output channels.
    InExceedsOut {
        /// Input channels.
        in_channels: usize,
        /// Output channels.
        out_channels: usize,
    },
    /// A modifier that has no meaning for this scheme (`mode` on `normal`, `truncated` on
    /// `uniform`, …).
    ModifierNotApplicable {
        /// The modifier.
        modifier: &'static str,
    },
    /// A shard's region lies outside the parameter.
    RegionOutOfRange {
        /// Start of the region (rows or elements).
        start: usize,
        /// End of the region (exclusive).
        end: usize,
        /// Rows or elements the parameter has.
        len: usize,
    },
    /// A shard does not hold as many elements as its region.
    ShardMismatch {
        /// Elements in the region.
        expected: usize,
        /// Elements in the shard.
        got: usize,
    },
    /// LSUV: a chosen layer's output has zero variance (a dead layer), so no rescaling can
    /// give it unit variance.
    DeadLayer {
        /// The variance found.
        variance: f64,
    },
    /// LSUV: a chosen path names no parameter of the model.
    UnknownPath,
    /// LSUV: the forward pass returned no output for a chosen layer.
    MissingOutput,
    /// A value derived from valid parameters (a std, a bound) is not representable in the
    /// element type: it would produce infinities.
    NotRepresentable {
        /// What was derived (`std`, `bound`, …).
        what: &'static str,
        /// Its value in f64.
        value: f64,
        /// The element type (`f32`, `f64`).
        dtype: &'static str,
    },
    /// A shape given to build a parameter does not fit its type (a rank-3 shape for an
    /// `Array2`, a shape other than the one a fixed-size type has).
    WrongShape {
        /// The shape given.
        shape: Vec<usize>,
        /// What the type holds, in words (`rank 2`, `shape [4, 3]`).
        expected: String,
    },
    /// A tensor framework refused an operation (an allocation or a transfer on a device);
    /// its own message.
    Backend {
        /// The framework's message.
        message: String,
    },
    /// Reading or writing a file failed (features `safetensors`, `npy`).
    Io {
        /// The file.
        file: String,
        /// The operating system's message.
        message: String,
    },
    /// A file is not a valid safetensors / `.npy` / `.npz` file; the parser's message.
    Format {
        /// The parser's message.
        message: String,
    },
    /// Loading: the file has no tensor for a parameter of the model. The error's path is the
    /// parameter's.
    MissingTensor {
        /// The state-dict name looked for (`blocks.3.attn.w_q`).
        name: String,
    },
    /// Loading: the file has tensors that are no parameter of the model (PyTorch's
    /// "unexpected keys" of `load_state_dict(strict=True)`).
    UnexpectedTensors {
        /// Their names, sorted.
        names: Vec<String>,
    },
    /// Loading: a tensor's shape differs from its parameter's.
    ShapeMismatch {
        /// The state-dict name.
        name: String,
        /// The parameter's shape.
        expected: Vec<usize>,
        /// The tensor's shape in the file.
        got: Vec<usize>,
    },
    /// Loading: a tensor's element type differs from its parameter's (no conversion is made),
    /// or an element type the format cannot hold.
    DtypeMismatch {
        /// The state-dict name.
        name: String,
        /// The parameter's element type (`f32`, `f64`, …).
        expected: String,
        /// The tensor's element type in the file (`f32`, `f64`, or the file's own name for
        /// others: `I64`, `'<i8'`).
        got: String,
    },
    /// Saving: two parameters of the model have the same state-dict name.
    DuplicateTensor {
        /// The name.
        name: String,
    },
    /// What was asked needs a cargo feature this build does not have (LSUV's orthonormal
    /// start without `orthogonal`).
    MissingFeature {
        /// What was asked, in words.
        what: &'static str,
        /// The cargo feature of `weight-init` that brings it.
        feature: &'static str,
    },
    /// A rule of [`Rules`](crate::Rules) matched no parameter of the model (a misspelt pattern
    /// would otherwise do nothing, silently).
    UnmatchedRule {
        /// The rule's pattern.
        pattern: String,
    },
    /// LSUV: a chosen layer's output variance did not respond when its weight was rescaled
    /// (the output does not depend on that weight, or hardly): no rescaling can give it unit
    /// variance, and repeating it would only drive the weight towards 0 or infinity.
    UnresponsiveLayer {
        /// The factor the weight was multiplied by.
        scale: f64,
        /// The output's variance before the rescaling.
        before: f64,
        /// The output's variance after it.
        after: f64,
    },
    /// LSUV: rescaling a weight would give a value that is not finite in its element type
    /// (nothing is written).
    RescaleOverflow {
        /// The factor the weight would be multiplied by.
        scale: f64,
        /// The first rescaled value that is not finite, in f64.
        value: f64,
        /// The element type (`f32`, `f64`, …).
        dtype: &'static str,
    },
    /// Memory for a parameter (or a `Vec` of models, or a structured scheme's work) could not
    /// be allocated: more bytes than an allocation can hold, or than the system gives. Reported
    /// instead of the abort an infallible allocation would be.
    OutOfMemory {
        /// How many items were asked for (elements, or models).
        items: usize,
        /// The bytes of one item: `items × item_bytes` bytes were asked for, a product that
        /// may exceed `usize` (the message prints it exactly).
        item_bytes: usize,
    },
    /// A recipe (`weight_init::recipe`) needs a transformer layer's index for a parameter
    /// whose name, or naming pattern, has none (no `{l}` segment).
    MissingLayerIndex {
        /// The parameter's name, or the naming pattern.
        name: String,
    },
    /// A recipe met a layer index beyond the model's layers (`n_layers` of its dimensions).
    LayerOutOfRange {
        /// The parameter's name.
        name: String,
        /// The layer index the name gives.
        layer: usize,
        /// The model's number of layers.
        n_layers: usize,
    },
    /// A recipe's naming scheme matched none of the model's parameters, or, having layer
    /// patterns (`{l}`), none of its layers' (the wrong preset, or a prefix it does not
    /// expect).
    NamingMatchedNothing {
        /// The naming scheme's name.
        naming: String,
    },
    /// μP: the base and the target model differ in structure: a parameter of one has no
    /// parameter of the same name in the other (`None`), or the two shapes differ in rank.
    StructureMismatch {
        /// The parameter's shape in the base model, `None` where it has none.
        base: Option<Vec<usize>>,
        /// The parameter's shape in the target model, `None` where it has none.
        target: Option<Vec<usize>>,
    },
    /// μP: a dimension of the target is smaller than the base's (μP scales widths up from
    /// the base), or the base's is 0 where the target's is not.
    ShrinkingWidth {
        /// The axis.
        axis: usize,
        /// Its size in the base model.
        base: usize,
        /// Its size in the target model.
        target: usize,
    },
    /// μP: an axis that is neither an input nor an output axis of the layout (a kernel or batch
    /// axis) differs between base and target: only fans can be widths.
    FixedAxisChanges {
        /// The axis.
        axis: usize,
        /// Its size in the base model.
        base: usize,
        /// Its size in the target model.
        target: usize,
    },
    /// μP: a weight's dimensions do not fit its place: an output (readout) weight whose fan_out
    /// grows, or a weight whose fan_in grows and fan_out does not that is not named as the
    /// readout (mup's `assert_hidden_size_inf`).
    ReadoutShape {
        /// What was expected, in words.
        expected: &'static str,
    },
    /// μP: the parameter's base scheme cannot be carried to another width (a structured scheme
    /// on a parameter that grows, a non-zero mean on a hidden matrix), or it has none.
    NoWidthRule {
        /// Why, in words.
        reason: &'static str,
    },
}

impl InitError {
    /// A new error in `context` (a scheme's name, or the operation: `build`, `update`, …),
    /// without a path.
    pub fn new(context: &'static str, kind: ErrorKind) -> Self {
        Self {
            path: None,
            context,
            kind,
        }
    }

    /// `Ok` when `ok`, else [`ErrorKind::InvalidParameter`] in `context`: the one check of a
    /// number against its domain (`expected`, in words).
    pub(crate) fn require(
        ok: bool,
        context: &'static str,
        name: &'static str,
        value: f64,
        expected: &'static str,
    ) -> Result<(), InitError> {
        if ok {
            Ok(())
        } else {
            Err(InitError::new(
                context,
                ErrorKind::InvalidParameter {
                    name,
                    value,
                    expected,
                },
            ))
        }
    }

    /// The same error, attributed to the parameter at `path`.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The parameter's path, when the error came through a model walk.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// Where the error arose: the scheme's name (`he_normal`, `orthogonal`, …) when a scheme
    /// met a parameter, else the operation (`fans`, `build`, `update`, `inspect`, `lsuv`,
    /// `safetensors`, `npy`, …).
    pub fn context(&self) -> &'static str {
        self.context
    }

    /// The old name of [`context`](InitError::context), which was not always a scheme.
    #[deprecated(
        since = "0.1.0",
        note = "renamed `context`: it is a scheme or an operation"
    )]
    pub fn scheme(&self) -> &'static str {
        self.context
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}: {}", self.context, self.kind)
    }
}

/// A number in a message: in full between 1e-4 and 1e6 (and 0, ±inf, NaN), in scientific
/// notation beyond (`1e200`, not two hundred digits; `1e-300`, not three hundred zeros).
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.abs();
        if a == 0.0 || !a.is_finite() || (1e-4..1e6).contains(&a) {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:e}", self.0)
        }
    }
}

/// The largest finite value of an element type, by its name (f64's for others).
fn dtype_max(dtype: &str) -> f64 {
    match dtype {
        "f16" => 65504.0,
        "bf16" => 3.389_531_389_251_535_5e38,
        "f32" => f64::from(f32::MAX),
        _ => f64::MAX,
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::InvalidParameter {
                name,
                value,
                expected,
            } => write!(f, "{name} must be {expected}, got {}", Num(*value)),
            ErrorKind::EmptyRange { low, high } => write!(
                f,
                "empty range: low ({}) must be < high ({})",
                Num(*low),
                Num(*high)
            ),
            ErrorKind::DegenerateTruncation { mean, low, high } => write!(
                f,
                "std is 0 and the mean {} lies outside [{}, {}]: nothing to sample",
                Num(*mean),
                Num(*low),
                Num(*high)
            ),
            ErrorKind::UnsupportedRank { rank, expected } => write!(
                f,
                "needs a parameter of rank {expected}, got rank {rank} (give explicit fans or axes for other ranks)"
            ),
            ErrorKind::AxisOutOfRange { axis, rank } => {
                write!(f, "axis {axis} is out of range for rank {rank}")
            }
            ErrorKind::RepeatedAxis { axis } => {
                write!(f, "axis {axis} appears more than once in the layout")
            }
            ErrorKind::MissingAxes { which } => {
                write!(f, "the layout's {which} is empty")
            }
            ErrorKind::ShapeOverflow { shape } => {
                write!(f, "the element count of shape {shape:?} overflows usize")
            }
            ErrorKind::GroupsMismatch {
                groups,
                out_channels,
            } => write!(
                f,
                "groups ({groups}) must be > 0 and divide the output channels ({out_channels})"
            ),
            ErrorKind::BlocksMismatch { blocks, axis, len } => write!(
                f,
                "{blocks} blocks do not divide the output axis (axis {axis}, of length {len}) into equal blocks"
            ),
            ErrorKind::InExceedsOut {
                in_channels,
                out_channels,
            } => write!(
                f,
                "needs in_channels <= out_channels, got {in_channels} > {out_channels}"
            ),
            ErrorKind::ModifierNotApplicable { modifier } => {
                write!(f, "the modifier `{modifier}` does not apply to this scheme")
            }
            ErrorKind::RegionOutOfRange { start, end, len } => write!(
                f,
                "the shard's region {start}..{end} is not within 0..{len}"
            ),
            ErrorKind::ShardMismatch { expected, got } => write!(
                f,
                "the shard holds {got} elements but its region has {expected}"
            ),
            ErrorKind::DeadLayer { variance } => write!(
                f,
                "the layer's output has variance {}: a dead layer cannot be scaled to unit variance",
                Num(*variance)
            ),
            ErrorKind::UnknownPath => write!(f, "no parameter of the model has this path"),
            ErrorKind::MissingOutput => {
                write!(f, "the forward pass returned no output for this layer")
            }
            ErrorKind::NotRepresentable { what, value, dtype } => {
                let value_text = Num(*value);
                if value.is_nan() || value.abs() > dtype_max(dtype) {
                    write!(
                        f,
                        "the derived {what} {value_text} is not representable in {dtype} without overflow"
                    )
                } else {
                    // within the type's range: too small or too fine for it, not too large
                    write!(
                        f,
                        "the derived {what} {value_text} is not representable in {dtype}: it underflows (rounds to zero or to an empty range)"
                    )
                }
            }
            ErrorKind::WrongShape { shape, expected } => {
                write!(f, "shape {shape:?} does not fit a parameter of {expected}")
            }
            ErrorKind::Backend { message } => write!(f, "the tensor framework failed: {message}"),
            ErrorKind::Io { file, message } => write!(f, "{file}: {message}"),
            ErrorKind::Format { message } => write!(f, "malformed file: {message}"),
            ErrorKind::MissingTensor { name } => {
                write!(f, "the file has no tensor `{name}`")
            }
            ErrorKind::UnexpectedTensors { names } => write!(
                f,
                "the file has tensors that are no parameter of the model: {}",
                names.join(", ")
            ),
            ErrorKind::ShapeMismatch {
                name,
                expected,
                got,
            } => write!(
                f,
                "the tensor `{name}` has shape {got:?}, the parameter {expected:?}"
            ),
            ErrorKind::DtypeMismatch {
                name,
                expected,
                got,
            } => write!(
                f,
                "the tensor `{name}` holds {got}, the parameter {expected} (no conversion is made)"
            ),
            ErrorKind::DuplicateTensor { name } => {
                write!(f, "two parameters have the state-dict name `{name}`")
            }
            ErrorKind::MissingFeature { what, feature } => write!(
                f,
                "{what} needs the cargo feature `{feature}`, which this build does not have"
            ),
            ErrorKind::UnmatchedRule { pattern } => {
                write!(f, "the rule `{pattern}` matches no parameter of the model")
            }
            ErrorKind::UnresponsiveLayer {
                scale,
                before,
                after,
            } => write!(
                f,
                "the layer's output variance went from {before:e} to {after:e} when its weight was scaled by {scale:e}: the output does not respond to this weight, so LSUV cannot give it unit variance"
            ),
            ErrorKind::RescaleOverflow {
                scale,
                value,
                dtype,
            } => write!(
                f,
                "scaling the weight by {scale:e} would give {value:e}, which is not finite in {dtype}"
            ),
            ErrorKind::OutOfMemory { items, item_bytes } => write!(
                f,
                "could not allocate {} bytes ({items} × {item_bytes})",
                *items as u128 * *item_bytes as u128
            ),
            ErrorKind::MissingLayerIndex { name } => write!(
                f,
                "`{name}` gives no layer index (a `{{l}}` segment), and the recipe needs one"
            ),
            ErrorKind::LayerOutOfRange {
                name,
                layer,
                n_layers,
            } => write!(
                f,
                "`{name}` is in layer {layer}, beyond the model's {n_layers} layers"
            ),
            ErrorKind::NamingMatchedNothing { naming } => {
                write!(f, "the naming `{naming}` matches no parameter of the model")
            }
            ErrorKind::StructureMismatch { base, target } => match (base, target) {
                (None, Some(t)) => write!(
                    f,
                    "the target has it (shape {t:?}), the base model has no parameter of this name"
                ),
                (Some(b), None) => write!(
                    f,
                    "the base model has it (shape {b:?}), the target has no parameter of this name"
                ),
                (b, t) => write!(f, "base shape {b:?} and target shape {t:?} differ in rank"),
            },
            ErrorKind::ShrinkingWidth { axis, base, target } => write!(
                f,
                "axis {axis} has {target} in the target and {base} in the base: a width must be at least the base's, and the base's must not be 0"
            ),
            ErrorKind::FixedAxisChanges { axis, base, target } => write!(
                f,
                "axis {axis} is neither an input nor an output axis of the layout and has {base} in the base, {target} in the target: only fans can be widths"
            ),
            ErrorKind::ReadoutShape { expected } => write!(f, "{expected}"),
            ErrorKind::NoWidthRule { reason } => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for InitError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_what_scheme_used_to_say() {
        let e = InitError::new("build", ErrorKind::UnknownPath);
        assert_eq!(e.context(), "build");
        #[allow(deprecated)]
        let old = e.scheme();
        assert_eq!(old, "build");
        assert_eq!(
            InitError::require(false, "lsuv", "tol", -1.0, "finite and > 0")
                .unwrap_err()
                .to_string(),
            "lsuv: tol must be finite and > 0, got -1"
        );
        assert!(InitError::require(true, "lsuv", "tol", 0.1, "finite and > 0").is_ok());
    }

    #[test]
    fn huge_and_tiny_numbers_print_compactly() {
        let k = |value| ErrorKind::InvalidParameter {
            name: "std",
            value,
            expected: "finite",
        };
        assert_eq!(k(1e200).to_string(), "std must be finite, got 1e200");
        assert_eq!(k(-1e-300).to_string(), "std must be finite, got -1e-300");
        assert_eq!(k(2.5e6).to_string(), "std must be finite, got 2.5e6");
        assert_eq!(k(123456.5).to_string(), "std must be finite, got 123456.5");
        assert_eq!(k(0.001).to_string(), "std must be finite, got 0.001");
        assert_eq!(k(0.0).to_string(), "std must be finite, got 0");
        assert_eq!(k(f64::NAN).to_string(), "std must be finite, got NaN");
        assert_eq!(k(f64::INFINITY).to_string(), "std must be finite, got inf");
        assert_eq!(
            ErrorKind::EmptyRange {
                low: 1e300,
                high: -1e300
            }
            .to_string(),
            "empty range: low (1e300) must be < high (-1e300)"
        );
    }

    #[test]
    fn an_underflow_is_not_called_an_overflow() {
        let k = |value, dtype| ErrorKind::NotRepresentable {
            what: "uniform range",
            value,
            dtype,
        };
        assert_eq!(
            k(4e38, "f32").to_string(),
            "the derived uniform range 4e38 is not representable in f32 without overflow"
        );
        assert_eq!(
            k(f64::INFINITY, "f64").to_string(),
            "the derived uniform range inf is not representable in f64 without overflow"
        );
        assert_eq!(
            k(1e5, "f16").to_string(),
            "the derived uniform range 100000 is not representable in f16 without overflow"
        );
        assert_eq!(
            k(1e-50, "f32").to_string(),
            "the derived uniform range 1e-50 is not representable in f32: it underflows (rounds to zero or to an empty range)"
        );
    }
}
