//! Fixup (Zhang, Dauphin & Ma 2019) on a small residual network without normalisation:
//! x ← x + W₂·relu(W₁·x) for L branches of m = 2 layers. With plain He initialisation every
//! branch adds about as much variance as it receives, so the signal grows like 2^L; Fixup
//! scales the branch's inner layer by L^(−1/(2m−2)) and zeroes its last layer, so the network
//! starts as the identity and stays trainable. Also Hanin & Rolnick's criterion: the sum of
//! the branch scales.
//!
//! Run: `cargo run --example fixup`

use ndarray::Array2;
use weight_init::depth::{fixup_scale, residual_scale_sum};
use weight_init::{Init, InitError, Initialize};

const L: usize = 32;
const WIDTH: usize = 64;

/// One residual branch: x + W₂ relu(W₁ x).
#[derive(Initialize)]
struct Branch {
    #[init(he_normal)]
    w1: Array2<f64>,
    #[init(he_normal)]
    w2: Array2<f64>,
}

#[derive(Initialize)]
struct ResNet {
    branches: Vec<Branch>,
}

/// The same network, Fixup-initialised.
#[derive(Initialize)]
struct FixupBranch {
    #[init(he_normal, scale = fixup_scale(L, 2).unwrap_or(1.0))]
    w1: Array2<f64>,
    #[init(zeros)]
    w2: Array2<f64>,
}

#[derive(Initialize)]
struct FixupNet {
    branches: Vec<FixupBranch>,
}

fn second_moment(x: &Array2<f64>) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64
}

/// The second moment of the activations after each branch.
fn run(ws: &[(&Array2<f64>, &Array2<f64>)], x: &Array2<f64>) -> Vec<f64> {
    let mut h = x.clone();
    ws.iter()
        .map(|(w1, w2)| {
            h = &h + &w2.dot(&w1.dot(&h).mapv(|v| v.max(0.0)));
            second_moment(&h)
        })
        .collect()
}

fn main() -> Result<(), InitError> {
    let square = || Array2::zeros((WIDTH, WIDTH));
    let mut plain = ResNet {
        branches: (0..L)
            .map(|_| Branch {
                w1: square(),
                w2: square(),
            })
            .collect(),
    };
    let mut fixup = FixupNet {
        branches: (0..L)
            .map(|_| FixupBranch {
                w1: square(),
                w2: square(),
            })
            .collect(),
    };
    plain.init_seeded(5)?;
    fixup.init_seeded(5)?;
    // with w2 = 0 the network is the identity; perturb w2 slightly, as one SGD step would
    for b in &mut fixup.branches {
        Init::normal(0.0, 0.01).fill_seeded(&mut b.w2, 6, "perturb")?;
    }
    let mut x = Array2::<f64>::zeros((WIDTH, 256));
    Init::normal(0.0, 1.0).fill_seeded(&mut x, 7, "batch")?;

    let p: Vec<_> = plain.branches.iter().map(|b| (&b.w1, &b.w2)).collect();
    let f: Vec<_> = fixup.branches.iter().map(|b| (&b.w1, &b.w2)).collect();
    let (mp, mf) = (run(&p, &x), run(&f, &x));
    println!(
        "Fixup scale for L = {L} branches of m = 2 layers: {:.4}",
        fixup_scale(L, 2)?
    );
    println!(
        "{:>8} {:>18} {:>18}",
        "branch", "E[x²] plain He", "E[x²] Fixup"
    );
    for l in [0, 1, 3, 7, 15, 31] {
        println!("{:>8} {:>18.4e} {:>18.4}", l + 1, mp[l], mf[l]);
    }
    // Hanin & Rolnick: activations stay bounded when the sum of the branch scales does
    let constant = vec![1.0; L];
    let decaying: Vec<f64> = (1..=L).map(|l| 1.0 / (l * l) as f64).collect();
    println!(
        "sum of branch scales: constant 1 → {:.1} (grows with depth), 1/l² → {:.3} (bounded by π²/6)",
        residual_scale_sum(&constant)?,
        residual_scale_sum(&decaying)?
    );
    Ok(())
}
