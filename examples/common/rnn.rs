//! An RNN's 64 recurrent gates of 256×256, each orthogonal: as 64 separate parameters
//! ([`Separate`]) or as one (64·256, 256) parameter initialised block by block ([`Fused`]).
//! The many-small-matrices case of the benchmarks (`bench_compare`, `benches/fill.rs`).

use ndarray::Array2;
use weight_init::Initialize;

/// Gates per model.
pub const GATES: usize = 64;
/// Each gate's side.
pub const SIDE: usize = 256;

/// One recurrent gate's weight.
#[derive(Initialize)]
pub struct Gate {
    #[init(orthogonal)]
    pub w: Array2<f32>,
}

/// 64 separate (256, 256) orthogonal parameters.
#[derive(Initialize)]
pub struct Separate {
    pub gates: Vec<Gate>,
}

/// One (64·256, 256) parameter, each (256, 256) block orthogonal.
#[derive(Initialize)]
pub struct Fused {
    #[init(orthogonal, blocks = 64)]
    pub w: Array2<f32>,
}

impl Separate {
    /// The model, zeroed.
    pub fn zeroed() -> Self {
        Separate {
            gates: (0..GATES)
                .map(|_| Gate {
                    w: Array2::zeros((SIDE, SIDE)),
                })
                .collect(),
        }
    }
}

impl Fused {
    /// The model, zeroed.
    pub fn zeroed() -> Self {
        Fused {
            w: Array2::zeros((GATES * SIDE, SIDE)),
        }
    }
}
