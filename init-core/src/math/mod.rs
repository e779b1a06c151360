//! Pure numbers, the floor of the crate: the standard normal's special functions, expectations
//! under it by quadrature, and the truncated standard normal (its moments, its CDF, its exact
//! sampler). Nothing here knows a parameter, a scheme or a model; every layer above may use it.

pub(crate) mod gauss;
pub(crate) mod special;
pub(crate) mod truncnorm;
