#[cfg(feature = "burn")]
pub(crate) mod burn;
