//! Sampling: a plan executed into memory. From any `rand::Rng` ([`Init::fill`], `rng.rs`;
//! structured patterns in `structured.rs`, their QR in `qr.rs`), or keyed by seed and path
//! ([`Init::fill_seeded`], [`Init::fill_shard`], `keyed.rs`) through the per-width kernels
//! (`kernel/`), the run-time SIMD dispatch (`simd.rs`) and Philox4x32-10 (`philox.rs`); and as
//! work on any [`Parameter`](crate::Parameter) (`work.rs`); parameters in blocks
//! ([`Init::blocks`]) through `blocks.rs`. Sampling knows plans, laws and
//! targets; it never knows a model.

mod blocks;
mod kernel;
pub(crate) mod keyed;
pub(crate) mod philox;
#[cfg(feature = "orthogonal")]
mod qr;
mod rng;
mod simd;
mod structured;
pub(crate) mod work;
