#![doc = include_str!("../README.md")]

pub use init_core::*;
pub use init_derive::Initialize;

/// What `#[derive(Initialize)]` expands to reaches the runtime only through here, so that
/// generated code never depends on what the user has in scope. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use core::marker::Sized;
    pub use core::result::Result::{self, Err, Ok};
    pub use init_core::{
        AllowsConv, AllowsFans, AllowsMatrix, Build, Construct, Distribution, FanMode, Fans,
        FixedShape, Gain, Init, InitError, Initialize, IntoShape, Layout, ParamPath, Parameter,
        Segment, Visit, VisitMut,
    };

    /// The fans of the sibling parameter `target` (`fans_of = sibling`), under its own scheme's
    /// layout and explicit fans; an error names the sibling's path.
    pub fn fans_of<T: Parameter + ?Sized>(
        target: &T,
        init: &Init,
        path: &mut ParamPath,
        sibling: Segment,
    ) -> Result<Fans, InitError> {
        init.fans_for(&target.dims())
            .map_err(|e| path.with(sibling, |p| e.with_path(p.to_string())))
    }
}
