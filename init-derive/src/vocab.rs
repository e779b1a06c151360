//! The closed vocabulary of `#[init(...)]`, as typed tables: every scheme word (aliases
//! included) with the `Init` constructors it maps to, its arguments, the modifiers it takes and
//! what it needs of the parameter's rank; the modifiers; gains, fan modes, distributions and
//! layouts; the other words of a field and of the struct. [`find`] looks up what the user wrote:
//! the one place where the derive compares a word with the vocabulary. Also "did you mean".

/// An entry of a table, found by the word users write.
pub(crate) trait Named {
    fn name(&self) -> &'static str;
}

/// The entry of `table` that users write as `name`.
pub(crate) fn find<T: Named>(table: &'static [T], name: &str) -> Option<&'static T> {
    table.iter().find(|e| e.name() == name)
}

/// The words of `table`, in order (for "did you mean" and "expected one of").
pub(crate) fn names<T: Named>(table: &'static [T]) -> impl Iterator<Item = &'static str> + Clone {
    table.iter().map(Named::name)
}

macro_rules! named {
    ($($t:ty),*) => {$(
        impl Named for $t {
            fn name(&self) -> &'static str {
                self.name
            }
        }
    )*};
}

named!(
    SchemeDef,
    ModifierDef,
    GainDef,
    ModeDef,
    DistributionDef,
    LayoutDef
);

// ---------------------------------------------------------------------------------------------
// Values

/// The values the runtime accepts for a number, where a literal can be checked at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Domain {
    /// Any number (the bounds of a truncated normal may even be infinite).
    Any,
    /// A finite number.
    Finite,
    /// Finite and >= 0 (a std, a variance scale).
    NonNegative,
    /// Finite and > 0 (`sigmas`).
    Positive,
    /// In [0, 1] (`sparsity`).
    UnitInterval,
    /// A count, at least 1 (`groups`, `fan_in`, `fan_out`, `blocks`).
    AtLeastOne,
}

impl Domain {
    pub(crate) fn admits(self, v: f64) -> bool {
        match self {
            Domain::Any => !v.is_nan(),
            Domain::Finite => v.is_finite(),
            Domain::NonNegative => v.is_finite() && v >= 0.0,
            Domain::Positive => v.is_finite() && v > 0.0,
            Domain::UnitInterval => (0.0..=1.0).contains(&v),
            Domain::AtLeastOne => v >= 1.0,
        }
    }

    /// What a value must be, after "must be".
    pub(crate) fn requirement(self) -> &'static str {
        match self {
            Domain::Any => "a number",
            Domain::Finite => "finite",
            Domain::NonNegative => ">= 0",
            Domain::Positive => "> 0",
            Domain::UnitInterval => "in [0, 1]",
            Domain::AtLeastOne => "at least 1",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Schemes

/// The arguments schemes take, by name ([`P::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum P {
    Value,
    Low,
    High,
    Mean,
    Std,
    Sigmas,
    Scale,
    Distribution,
    Groups,
    Sparsity,
}

impl P {
    pub(crate) fn name(self) -> &'static str {
        match self {
            P::Value => "value",
            P::Low => "low",
            P::High => "high",
            P::Mean => "mean",
            P::Std => "std",
            P::Sigmas => "sigmas",
            P::Scale => "scale",
            P::Distribution => "distribution",
            P::Groups => "groups",
            P::Sparsity => "sparsity",
        }
    }
}

/// What an argument is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    /// An `f64` (an integer literal is written as a float: `sigmas = 3` is 3.0).
    Float(Domain),
    /// A `usize`, emitted as written.
    Count(Domain),
    /// A word of [`DISTRIBUTIONS`].
    Distribution,
}

impl Kind {
    pub(crate) fn domain(self) -> Option<Domain> {
        match self {
            Kind::Float(d) | Kind::Count(d) => Some(d),
            Kind::Distribution => None,
        }
    }
}

/// What an argument that is not given means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum IfOmitted {
    /// It must be given (by the forms that take it; see [`Form::requires`]).
    Required,
    Float(f64),
    Count(usize),
    Distribution(&'static DistributionDef),
}

/// One argument of a scheme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Param {
    pub id: P,
    /// Whether it may be given by position (in the order of [`SchemeDef::params`]), or only
    /// by name.
    pub positional: bool,
    pub kind: Kind,
    pub omitted: IfOmitted,
}

/// An argument of an `Init` constructor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum CtorArg {
    /// The scheme's argument (or what it means when omitted).
    Param(P),
    /// A fixed fan mode (`variance_scaling`'s own; `mode = ...` is then applied as a modifier).
    Mode(&'static ModeDef),
}

/// Which form of a scheme the given arguments select.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum When {
    Always,
    /// The argument is given.
    Given(P),
    /// The argument, and only it, is given.
    Only(P),
}

/// Arguments that must be given together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Require {
    pub params: &'static [P],
    /// What the scheme needs, after "`<scheme>` needs", when none is given…
    pub missing: &'static str,
    /// …and when some but not all are (`None`: the same).
    pub partly: Option<&'static str>,
}

/// A relation between literal arguments that the runtime checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// The first is below the second (else the range is empty).
    Below(P, P),
    /// U(-a, a): `a` is > 0.
    HalfWidth(P),
    /// With a zero `std` every value is the `mean`, which must lie within [`low`, `high`].
    MeanWithinBounds,
}

/// One `Init` constructor a scheme maps to, and when.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Form {
    /// The `Init` constructor.
    pub ctor: &'static str,
    pub when: When,
    pub args: &'static [CtorArg],
    pub requires: &'static [Require],
    /// Arguments that contradict this form.
    pub excludes: &'static [P],
    pub rules: &'static [Rule],
}

/// What a scheme needs of the parameter's shape, as a bound on the field's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Needs {
    Nothing,
    /// Rank >= 2, unless the fans are given (`AllowsFans`).
    Fans,
    /// Rank 2 (`AllowsMatrix`).
    Matrix,
    /// A convolution kernel (`AllowsConv`).
    Conv,
}

/// A scheme word.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SchemeDef {
    /// The word users write (aliases have their own entry).
    pub name: &'static str,
    /// The scheme as the runtime names it (`Init::name()`): aliases share it, and `zeros`
    /// and `ones` are `constant`s.
    pub canonical: &'static str,
    /// Its arguments, in positional order.
    pub params: &'static [Param],
    /// The constructors it maps to: the first whose [`When`] holds; the last always does.
    pub forms: &'static [Form],
    /// The modifiers it takes (`truncated` further needs a normal [`DistributionDef`] where
    /// the scheme has a distribution).
    pub modifiers: &'static [Modifier],
    pub needs: Needs,
}

impl SchemeDef {
    pub(crate) fn param(&self, id: P) -> Option<&'static Param> {
        self.params.iter().find(|p| p.id == id)
    }

    /// The form that the given arguments select.
    pub(crate) fn form(&self, given: &[P]) -> &'static Form {
        let last = &self.forms[self.forms.len() - 1];
        self.forms
            .iter()
            .find(|f| match f.when {
                When::Always => true,
                When::Given(p) => given.contains(&p),
                When::Only(p) => given == [p],
            })
            .unwrap_or(last)
    }

    pub(crate) fn takes(&self, m: Modifier) -> bool {
        self.modifiers.contains(&m)
    }
}

use Modifier::{Blocks, FanIn, FanOut, FansOf, Gain, Layout, Mode, Scale, Truncated};

/// Every scheme takes these.
const ANY: &[Modifier] = &[Gain, Scale, Layout, FansOf, FanIn, FanOut, Blocks];
/// The normal schemes add `truncated`.
const NORMAL: &[Modifier] = &[
    Gain, Truncated, Scale, Layout, FansOf, FanIn, FanOut, Blocks,
];
/// The fan-based schemes add `mode`.
const FAN: &[Modifier] = &[Gain, Mode, Scale, Layout, FansOf, FanIn, FanOut, Blocks];
const FAN_NORMAL: &[Modifier] = &[
    Gain, Mode, Truncated, Scale, Layout, FansOf, FanIn, FanOut, Blocks,
];

impl SchemeDef {
    /// A scheme whose `Init` constructor takes `params` in order.
    const fn new(
        name: &'static str,
        params: &'static [Param],
        forms: &'static [Form],
        modifiers: &'static [Modifier],
        needs: Needs,
    ) -> Self {
        SchemeDef {
            name,
            canonical: name,
            params,
            forms,
            modifiers,
            needs,
        }
    }

    /// The same scheme under another name.
    const fn alias(self, name: &'static str) -> Self {
        SchemeDef { name, ..self }
    }

    /// Reported by the runtime under another name.
    const fn reported_as(self, canonical: &'static str) -> Self {
        SchemeDef { canonical, ..self }
    }
}

impl Form {
    /// `Init::<ctor>(args)`, always.
    const fn new(ctor: &'static str, args: &'static [CtorArg]) -> Self {
        Form {
            ctor,
            when: When::Always,
            args,
            requires: &[],
            excludes: &[],
            rules: &[],
        }
    }

    const fn when(self, when: When) -> Self {
        Form { when, ..self }
    }

    const fn requires(self, requires: &'static [Require]) -> Self {
        Form { requires, ..self }
    }

    const fn excludes(self, excludes: &'static [P]) -> Self {
        Form { excludes, ..self }
    }

    const fn rules(self, rules: &'static [Rule]) -> Self {
        Form { rules, ..self }
    }
}

impl Require {
    const fn all(params: &'static [P], missing: &'static str) -> Self {
        Require {
            params,
            missing,
            partly: None,
        }
    }
}

impl Param {
    /// Given by position or by name.
    const fn new(id: P, kind: Kind, omitted: IfOmitted) -> Self {
        Param {
            id,
            positional: true,
            kind,
            omitted,
        }
    }

    /// A number that must be given.
    const fn required(id: P, domain: Domain) -> Self {
        Param::new(id, Kind::Float(domain), IfOmitted::Required)
    }

    /// A number with a default.
    const fn float(id: P, domain: Domain, default: f64) -> Self {
        Param::new(id, Kind::Float(domain), IfOmitted::Float(default))
    }

    const fn named_only(self) -> Self {
        Param {
            positional: false,
            ..self
        }
    }
}

/// A scheme without arguments: `Init::<name>()`.
macro_rules! plain {
    ($name:literal, $modifiers:expr, $needs:ident) => {
        SchemeDef::new(
            $name,
            &[],
            &[Form::new($name, &[])],
            $modifiers,
            Needs::$needs,
        )
    };
}

use CtorArg::Param as A;

const MEAN: Param = Param::float(P::Mean, Domain::Finite, 0.0);
const STD: Param = Param::required(P::Std, Domain::NonNegative);
const STD_NEEDED: Require = Require::all(
    &[P::Std],
    "a std: `truncated_normal(std = 0.02, low = -0.04, high = 0.04)`",
);

const CONSTANT_FORMS: &[Form] = &[Form::new("constant", &[A(P::Value)])
    .requires(&[Require::all(&[P::Value], "a value: `constant(0.1)`")])];

const UNIFORM_FORMS: &[Form] = &[
    Form::new("uniform_symmetric", &[A(P::Low)])
        .when(When::Only(P::Low))
        .rules(&[Rule::HalfWidth(P::Low)]),
    Form::new("uniform", &[A(P::Low), A(P::High)])
        .requires(&[Require::all(
            &[P::Low, P::High],
            "its bounds: `uniform(-0.1, 0.1)`, `uniform(low = -0.1, high = 0.1)` or `uniform(0.1)` for U(-0.1, 0.1)",
        )])
        .rules(&[Rule::Below(P::Low, P::High)]),
];

const NORMAL_FORMS: &[Form] = &[Form::new("normal", &[A(P::Mean), A(P::Std)])
    .requires(&[Require::all(&[P::Std], "a std: `normal(std = 0.02)`")])];

const TRUNCATED_NORMAL_FORMS: &[Form] = &[
    Form::new(
        "truncated_normal_sigmas",
        &[A(P::Mean), A(P::Std), A(P::Sigmas)],
    )
    .when(When::Given(P::Sigmas))
    .requires(&[STD_NEEDED])
    .excludes(&[P::Low, P::High]),
    Form::new(
        "truncated_normal",
        &[A(P::Mean), A(P::Std), A(P::Low), A(P::High)],
    )
    .requires(&[
        STD_NEEDED,
        Require {
            params: &[P::Low, P::High],
            missing: "bounds: `low = ..., high = ...` (absolute) or `sigmas = 2` (relative)",
            partly: Some("both `low` and `high`"),
        },
    ])
    .rules(&[Rule::Below(P::Low, P::High), Rule::MeanWithinBounds]),
];

const VARIANCE_SCALING_FORMS: &[Form] = &[Form::new(
    "variance_scaling",
    &[A(P::Scale), CtorArg::Mode(&FAN_IN), A(P::Distribution)],
)];

const SPARSE_FORMS: &[Form] = &[
    Form::new("sparse", &[A(P::Sparsity), A(P::Std)]).requires(&[Require::all(
        &[P::Sparsity],
        "a sparsity: `sparse(sparsity = 0.9)`",
    )]),
];

const GLOROT_UNIFORM: SchemeDef = plain!("glorot_uniform", FAN, Fans);
const GLOROT_NORMAL: SchemeDef = plain!("glorot_normal", FAN_NORMAL, Fans);
const HE_UNIFORM: SchemeDef = plain!("he_uniform", FAN, Fans);
const HE_NORMAL: SchemeDef = plain!("he_normal", FAN_NORMAL, Fans);
const EYE: SchemeDef = plain!("eye", ANY, Matrix);

/// Every scheme word.
pub(crate) const SCHEMES: &[SchemeDef] = &[
    plain!("zeros", ANY, Nothing).reported_as("constant"),
    plain!("ones", ANY, Nothing).reported_as("constant"),
    SchemeDef::new(
        "constant",
        &[Param::required(P::Value, Domain::Finite)],
        CONSTANT_FORMS,
        ANY,
        Needs::Nothing,
    ),
    SchemeDef::new(
        "uniform",
        &[
            Param::required(P::Low, Domain::Finite),
            Param::required(P::High, Domain::Finite),
        ],
        UNIFORM_FORMS,
        ANY,
        Needs::Nothing,
    ),
    SchemeDef::new("normal", &[MEAN, STD], NORMAL_FORMS, NORMAL, Needs::Nothing),
    // `truncated` makes an untruncated normal its ±2σ form: not this one
    SchemeDef::new(
        "truncated_normal",
        &[
            MEAN,
            STD,
            Param::required(P::Low, Domain::Any),
            Param::required(P::High, Domain::Any),
            Param::required(P::Sigmas, Domain::Positive).named_only(),
        ],
        TRUNCATED_NORMAL_FORMS,
        ANY,
        Needs::Nothing,
    ),
    GLOROT_UNIFORM,
    GLOROT_UNIFORM.alias("xavier_uniform"),
    GLOROT_NORMAL,
    GLOROT_NORMAL.alias("xavier_normal"),
    HE_UNIFORM,
    HE_UNIFORM.alias("kaiming_uniform"),
    HE_NORMAL,
    HE_NORMAL.alias("kaiming_normal"),
    plain!("lecun_uniform", FAN, Fans),
    plain!("lecun_normal", FAN_NORMAL, Fans),
    SchemeDef::new(
        "variance_scaling",
        &[
            Param::float(P::Scale, Domain::NonNegative, 1.0),
            Param::new(
                P::Distribution,
                Kind::Distribution,
                IfOmitted::Distribution(&TRUNCATED_NORMAL),
            )
            .named_only(),
        ],
        VARIANCE_SCALING_FORMS,
        FAN_NORMAL,
        Needs::Fans,
    ),
    plain!("torch_default", FAN, Fans),
    // rank >= 2, but no fan divides it: no `mode`
    plain!("orthogonal", ANY, Fans),
    EYE,
    EYE.alias("identity"),
    SchemeDef::new(
        "dirac",
        &[Param::new(
            P::Groups,
            Kind::Count(Domain::AtLeastOne),
            IfOmitted::Count(1),
        )],
        &[Form::new("dirac", &[A(P::Groups)])],
        ANY,
        Needs::Conv,
    ),
    plain!("delta_orthogonal", ANY, Conv),
    SchemeDef::new(
        "sparse",
        &[
            Param::required(P::Sparsity, Domain::UnitInterval),
            Param::float(P::Std, Domain::NonNegative, 0.01),
        ],
        SPARSE_FORMS,
        ANY,
        Needs::Matrix,
    ),
];

// ---------------------------------------------------------------------------------------------
// Modifiers

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Modifier {
    Gain,
    Mode,
    Truncated,
    Scale,
    Layout,
    FansOf,
    FanIn,
    FanOut,
    /// `blocks = k`: the output axis split into `k` equal blocks, each initialised as a
    /// parameter of its own (`Init::blocks`).
    Blocks,
}

/// A modifier word: allowed at the top level of a field's attribute and inside a scheme's
/// parentheses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ModifierDef {
    pub name: &'static str,
    pub modifier: Modifier,
    /// The domain of a literal value, for modifiers that take a number.
    pub domain: Option<Domain>,
    /// Why a scheme that does not take it refuses it (`{scheme}`: the scheme's word).
    pub refusal: &'static str,
}

impl ModifierDef {
    pub(crate) fn of(m: Modifier) -> &'static ModifierDef {
        let i = MODIFIERS.iter().position(|d| d.modifier == m);
        &MODIFIERS[i.unwrap_or_default()]
    }
}

const fn modifier(name: &'static str, modifier: Modifier, domain: Option<Domain>) -> ModifierDef {
    ModifierDef {
        name,
        modifier,
        domain,
        refusal: "`{modifier}` does not apply to `{scheme}`",
    }
}

pub(crate) const MODIFIERS: &[ModifierDef] = &[
    modifier("gain", Gain, Some(Domain::Finite)),
    ModifierDef {
        refusal: "`mode` applies to fan-based schemes, not to `{scheme}`",
        ..modifier("mode", Mode, None)
    },
    ModifierDef {
        refusal: "`truncated` turns a normal into its ±2σ form; `{scheme}` is not a normal scheme",
        ..modifier("truncated", Truncated, None)
    },
    modifier("scale", Scale, Some(Domain::Finite)),
    modifier("layout", Layout, None),
    modifier("fans_of", FansOf, None),
    modifier("fan_in", FanIn, Some(Domain::AtLeastOne)),
    modifier("fan_out", FanOut, Some(Domain::AtLeastOne)),
    modifier("blocks", Blocks, Some(Domain::AtLeastOne)),
];

// ---------------------------------------------------------------------------------------------
// Named values

/// How a named gain is written in Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GainExpr {
    /// `Gain::<variant>`
    Variant(&'static str),
    /// `Gain::<function>()`
    Call(&'static str),
}

/// A named gain (`gain = tanh`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GainDef {
    pub name: &'static str,
    /// The gain the word alone means.
    pub bare: GainExpr,
    /// The `Gain` variant of `name(slope)`, for a gain that takes a slope.
    pub slope: Option<&'static str>,
}

const fn gain(name: &'static str, variant: &'static str) -> GainDef {
    GainDef {
        name,
        bare: GainExpr::Variant(variant),
        slope: None,
    }
}

pub(crate) const GAINS: &[GainDef] = &[
    gain("linear", "Linear"),
    gain("sigmoid", "Sigmoid"),
    gain("tanh", "Tanh"),
    gain("relu", "Relu"),
    gain("selu", "Selu"),
    gain("lecun_tanh", "LecunTanh"),
    // PyTorch's default slope, 0.01, or `leaky_relu(slope)`
    GainDef {
        name: "leaky_relu",
        bare: GainExpr::Call("leaky_relu_default"),
        slope: Some("LeakyRelu"),
    },
];

/// A fan mode (`mode = fan_out`): the `FanMode` variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ModeDef {
    pub name: &'static str,
    pub variant: &'static str,
}

const fn mode(name: &'static str, variant: &'static str) -> ModeDef {
    ModeDef { name, variant }
}

const FAN_IN: ModeDef = mode("fan_in", "FanIn");

pub(crate) const MODES: &[ModeDef] = &[
    FAN_IN,
    mode("fan_out", "FanOut"),
    mode("fan_avg", "FanAvg"),
    mode("fan_geo_avg", "FanGeoAvg"),
];

/// A distribution of `variance_scaling`: the `Distribution` variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DistributionDef {
    pub name: &'static str,
    pub variant: &'static str,
    /// A normal: `truncated` applies.
    pub normal: bool,
}

const fn distribution(name: &'static str, variant: &'static str, normal: bool) -> DistributionDef {
    DistributionDef {
        name,
        variant,
        normal,
    }
}

const TRUNCATED_NORMAL: DistributionDef = distribution("truncated_normal", "TruncatedNormal", true);

pub(crate) const DISTRIBUTIONS: &[DistributionDef] = &[
    distribution("uniform", "Uniform", false),
    distribution("normal", "Normal", true),
    TRUNCATED_NORMAL,
];

/// A named layout (`layout = in_out`; anything else is a `Layout` expression).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LayoutDef {
    pub name: &'static str,
    pub variant: &'static str,
}

pub(crate) const LAYOUTS: &[LayoutDef] = &[
    LayoutDef {
        name: "out_in",
        variant: "OutIn",
    },
    LayoutDef {
        name: "in_out",
        variant: "InOut",
    },
];

// ---------------------------------------------------------------------------------------------
// Other words

/// A word and what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Word<T> {
    pub name: &'static str,
    pub word: T,
}

impl<T> Named for Word<T> {
    fn name(&self) -> &'static str {
        self.name
    }
}

const fn word<T>(name: &'static str, word: T) -> Word<T> {
    Word { name, word }
}

/// The words of a field's attribute that are neither schemes nor modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldWord {
    /// `skip`: leave the field alone.
    Skip,
    /// `shape = ...`: a parameter's shape when the model is built.
    Shape,
    /// `config = ...`: a nested model's configuration (or, on a field with a scheme, a
    /// framework layer's) when the model is built.
    Config,
    /// `len = ...`: how many models a `Vec` of nested models holds when built.
    Len,
    /// `bias = <scheme>`: a framework layer's bias.
    Bias,
    /// `forget_bias = <number>`: an LSTM's forget-gate bias.
    ForgetBias,
}

pub(crate) const FIELD_WORDS: &[Word<FieldWord>] = &[
    word("skip", FieldWord::Skip),
    word("shape", FieldWord::Shape),
    word("config", FieldWord::Config),
    word("len", FieldWord::Len),
    word("bias", FieldWord::Bias),
    word("forget_bias", FieldWord::ForgetBias),
];

/// The words of the struct's attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContainerWord {
    /// `crate = path`: where the runtime is.
    Crate,
    /// `layout = ...`: every field's default layout.
    Layout,
    /// `config = Type`: the model is built from a `&Type`.
    Config,
}

pub(crate) const CONTAINER_WORDS: &[Word<ContainerWord>] = &[
    word("crate", ContainerWord::Crate),
    word("layout", ContainerWord::Layout),
    word("config", ContainerWord::Config),
];

// ---------------------------------------------------------------------------------------------
// Did you mean

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
        let names = names(SCHEMES);
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
    fn every_alias_is_its_scheme_under_another_name() {
        for s in SCHEMES {
            let Some(canonical) = find(SCHEMES, s.forms[0].ctor) else {
                continue;
            };
            assert_eq!(
                &SchemeDef {
                    name: canonical.name,
                    ..*s
                },
                canonical,
                "{}",
                s.name
            );
        }
    }

    #[test]
    fn the_table_holds_together() {
        let mut words: Vec<&str> = names(SCHEMES)
            .chain(names(MODIFIERS))
            .chain(names(FIELD_WORDS))
            .collect();
        words.sort_unstable();
        let n = words.len();
        words.dedup();
        assert_eq!(words.len(), n, "a word means two things");
        for s in SCHEMES {
            let last = s.forms.last().expect("a form");
            assert_eq!(
                last.when,
                When::Always,
                "{}: the last form always applies",
                s.name
            );
            for f in s.forms {
                let mut named: Vec<P> = f.excludes.to_vec();
                named.extend(f.requires.iter().flat_map(|r| r.params.iter().copied()));
                named.extend(f.args.iter().filter_map(|a| match a {
                    CtorArg::Param(p) => Some(*p),
                    CtorArg::Mode(_) => None,
                }));
                if let When::Given(p) | When::Only(p) = f.when {
                    named.push(p);
                }
                for p in named {
                    assert!(
                        s.param(p).is_some(),
                        "{}: `{}` is no parameter",
                        s.name,
                        p.name()
                    );
                }
            }
            // a form's required arguments are those without a meaning when omitted
            for p in s.params {
                let required = s.forms.iter().any(|f| {
                    f.requires.iter().any(|r| r.params.contains(&p.id))
                        || matches!(f.when, When::Given(q) | When::Only(q) if q == p.id)
                });
                assert_eq!(
                    required,
                    p.omitted == IfOmitted::Required,
                    "{}: `{}`",
                    s.name,
                    p.id.name()
                );
            }
        }
        for m in [
            Gain, Mode, Truncated, Scale, Layout, FansOf, FanIn, FanOut, Blocks,
        ] {
            assert_eq!(
                ModifierDef::of(m).modifier,
                m,
                "every modifier is in the table"
            );
        }
    }
}
