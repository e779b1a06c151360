//! Models: structs whose parameters carry schemes. [`Initialize`] is what
//! `#[derive(Initialize)]` implements: two walks over a model's parameters (`visit.rs`), each
//! with its [`ParamPath`] (`path.rs`). Everything that acts on a whole model is driven by a
//! walk: the fills (`seeded.rs`: from an rng, keyed, sharded; `progress.rs`), the one listing
//! of its parameters ([`params`], `params.rs`), the [`report`] (`report.rs`), and building it
//! from a configuration ([`Build`], `build.rs`). A field with a scheme is one parameter or a
//! framework's layer holding several ([`FieldWalk`], `field.rs`). Models whose parameters carry no scheme (a
//! framework's own layers) get theirs by state-dict name from [`Rules`] (`rules.rs`); a derived
//! model's attributes can be overridden by rules the same way (`by_rules.rs`).

pub(crate) mod build;
pub(crate) mod by_rules;
pub(crate) mod field;
pub(crate) mod initialize;
pub(crate) mod params;
pub(crate) mod path;
pub(crate) mod progress;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod seeded;
pub(crate) mod visit;

pub use build::{Build, Configured, CreateLayer, LayerConfig};
pub use field::{FieldInit, FieldWalk, HasBias, HasForgetGate};
pub use initialize::{Initialize, params};
pub use params::ParamInfo;
pub use path::{ParamPath, Segment};
pub use progress::Progress;
pub use report::{Report, ReportRow, SYMMETRIC, report};
pub use rules::{
    Assignment, Assignments, Choice, Defaults, Layer, Role, Rule, Rules, Site, Source,
};
pub use seeded::{ShardPlan, rows_of};
pub use visit::{Visit, VisitMut};
