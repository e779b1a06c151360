//! What a parameter is, the floor the schemes stand on: element types ([`Float`]), memory a
//! scheme writes element by element ([`Target`]), a model's field ([`Parameter`], which
//! framework tensors are through a host copy), building one from a shape ([`Construct`]), the
//! rank markers the derive bounds fields by, and the one element-count rule. Nothing here knows
//! a scheme.

pub(crate) mod construct;
pub(crate) mod dtype;
pub(crate) mod element;
pub(crate) mod parameter;
pub(crate) mod rank;
pub(crate) mod shape;
pub(crate) mod target;

pub use construct::{Construct, FixedShape, wrong_shape};
pub use dtype::Dtype;
pub use element::Float;
pub use parameter::{HostMut, HostRef, Parameter, inspect_on_host, update_on_host};
pub use rank::{AllowsConv, AllowsFans, AllowsMatrix};
pub use shape::{IntoShape, element_count, try_with_capacity};
pub use target::{Nested, Target};
