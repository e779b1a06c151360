//! He et al. (2015, §2.2, Figure 3): a 30-layer ReLU network initialised with Xavier/Glorot
//! stalls where the same network initialised with He's scheme converges. Reproduced on the CPU:
//! a 30-layer ReLU MLP (width 64, PyTorch layout, biases zero) trained with hand-written
//! backpropagation and plain SGD on a synthetic 8-class task, `he_normal` against
//! `glorot_normal` with the same seed, the same data, the same batches and the same learning rate.
//!
//! Why Glorot stalls: a hidden layer of width 64 gets Var(W) = 2/(64 + 64) = 1/64, so
//! Var(z_l) = 64 · Var(W) · E[relu(z_{l-1})²] = Var(z_{l-1}) / 2: the ReLU discards half of the
//! second moment and nothing gives it back. After 30 layers the logits are ~2⁻¹⁵ of their He size
//! (He: Var(W) = 2/fan_in, exactly compensating). In keyed mode both schemes draw the same standard
//! normals for a layer, and a ReLU network without biases is positively homogeneous, so at
//! initialisation the Glorot network computes *exactly* the He network's function times the
//! product of the per-layer std ratios (printed below). Every weight gradient carries the product
//! of the other 29 layers' scales, so backpropagation hands each layer ~10⁻⁵ of what He's network
//! gets, and SGD with the learning rate that trains He's network leaves Glorot's at the chance
//! loss ln 8. (The biases, zero at first and trained like the weights, are the way out: those of
//! the top layers get gradients without that product, and on some seeds Glorot's network leaves the plateau
//! after a few thousand steps. With this seed it has not left it after 8000: `-- 8000`.)
//!
//! Writes `target/training/deep_relu_training.csv` and `.svg`; the default run (3000 steps) also
//! copies the SVG to `docs/deep_relu_training.svg`, the README's figure.
//!
//! Run: `cargo run --release --example deep_relu_training -- [steps]` (default 3000; 10–15 s on 2
//! cores).

#[path = "common/training.rs"]
#[allow(dead_code)]
mod training;

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use plotters::prelude::*;
use training::{Dataset, Mlp, Schedule, Task, train};
use weight_init::Init;

/// The seed of the data, the weights and the batches.
const SEED: u64 = 2015;
/// Weight layers; every one but the last is followed by a ReLU.
const DEPTH: usize = 30;
const WIDTH: usize = 64;
const TASK: Task = Task {
    dim: 16,
    n_classes: 8,
    clusters_per_class: 4,
    spread: 0.8,
};
const N_POINTS: usize = 2048;
const STEPS: usize = 3000;
const BATCH: usize = 64;
const LR: f32 = 0.01;
const EVAL_EVERY: usize = 20;

fn main() -> Result<(), Box<dyn Error>> {
    let steps: usize = match std::env::args().nth(1) {
        Some(s) => s.parse()?,
        None => STEPS,
    };
    let data = Dataset::generate(&TASK, N_POINTS, SEED)?;
    let mut sizes = vec![TASK.dim];
    sizes.extend(std::iter::repeat_n(WIDTH, DEPTH - 1));
    sizes.push(TASK.n_classes);
    let schedule = Schedule {
        steps,
        batch: BATCH,
        lr: LR,
        eval_every: EVAL_EVERY,
    };
    println!(
        "{DEPTH}-layer ReLU MLP {} → {WIDTH} (×{}) → {}, biases zero; {N_POINTS} points, \
         {} classes ({} Gaussian blobs each, spread {}); plain SGD, lr {LR}, batch {BATCH}, \
         {steps} steps; seed {SEED}",
        TASK.dim,
        DEPTH - 1,
        TASK.n_classes,
        TASK.n_classes,
        TASK.clusters_per_class,
        TASK.spread,
    );

    let mut he = Mlp::new(&sizes, &Init::he_normal(), SEED)?;
    let mut glorot = Mlp::new(&sizes, &Init::glorot_normal(), SEED)?;

    // At initialisation the Glorot network is the He network scaled by ∏ std_glorot / std_he.
    let mut predicted = 1.0f64;
    for pair in sizes.windows(2) {
        let shape = [pair[1], pair[0]];
        let (he_std, glorot_std) = (
            Init::he_normal().resolve(&shape)?.std,
            Init::glorot_normal().resolve(&shape)?.std,
        );
        predicted *= glorot_std / he_std;
    }
    let (x, y) = data.batch(&(0..512).collect::<Vec<_>>());
    let at_init = |m: &Mlp| {
        let g = m.gradients(&x, &y);
        [
            rms(&m.logits(&x)),
            rms(&g.weights[0]),
            rms(&g.weights[DEPTH - 1]),
        ]
    };
    let (a, b) = (at_init(&he), at_init(&glorot));
    println!("\nat initialisation, 512 points        he_normal  glorot_normal      ratio");
    let rows = [
        "logits".to_string(),
        "∂loss/∂W, layer 1".into(),
        format!("∂loss/∂W, layer {DEPTH}"),
    ];
    for (i, what) in rows.iter().enumerate() {
        println!(
            "rms of {what:<20} {:>14.4e} {:>14.4e} {:>10.3e}",
            a[i],
            b[i],
            b[i] / a[i]
        );
    }
    println!("∏ over the layers of std_glorot / std_he: {predicted:.4e}");

    let t = Instant::now();
    let (he_curve, glorot_curve) = rayon::join(
        || train(&mut he, &data, &schedule, SEED),
        || train(&mut glorot, &data, &schedule, SEED),
    );
    let secs = t.elapsed().as_secs_f64();

    println!(
        "\nloss on the {N_POINTS} training points (chance: ln {} = {:.4})",
        TASK.n_classes,
        (TASK.n_classes as f64).ln()
    );
    println!(
        "{:>6}  {:>10}  {:>13}",
        "step", "he_normal", "glorot_normal"
    );
    let print_every = (steps / 15).max(EVAL_EVERY).next_multiple_of(EVAL_EVERY);
    for (&(step, h), &(_, g)) in he_curve.iter().zip(&glorot_curve) {
        if step % print_every == 0 || step == steps {
            println!("{step:>6}  {h:>10.4}  {g:>13.4}");
        }
    }
    let (h0, h1) = (he_curve[0].1, he_curve.last().map_or(f32::NAN, |p| p.1));
    let (g0, g1) = (
        glorot_curve[0].1,
        glorot_curve.last().map_or(f32::NAN, |p| p.1),
    );
    println!(
        "\nhe_normal:     {h0:.4} → {h1:.4} ({:.1}% of initial)",
        100.0 * h1 / h0
    );
    println!(
        "glorot_normal: {g0:.4} → {g1:.4} ({:.1}% of initial)",
        100.0 * g1 / g0
    );
    println!("({secs:.1} s of training, the two networks in parallel)");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/training");
    std::fs::create_dir_all(&out)?;
    let mut csv = String::from("step,he_normal,glorot_normal\n");
    for (&(step, h), &(_, g)) in he_curve.iter().zip(&glorot_curve) {
        writeln!(csv, "{step},{h:.6},{g:.6}")?;
    }
    let csv_path = out.join("deep_relu_training.csv");
    std::fs::write(&csv_path, csv)?;
    let svg_path = out.join("deep_relu_training.svg");
    plot(&svg_path, &he_curve, &glorot_curve, steps)?;
    println!("wrote {} and {}", csv_path.display(), svg_path.display());
    if steps == STEPS {
        // the README's figure: the default run only
        let docs = root.join("docs");
        std::fs::create_dir_all(&docs)?;
        std::fs::copy(&svg_path, docs.join("deep_relu_training.svg"))?;
        println!("copied the SVG to docs/deep_relu_training.svg");
    }
    Ok(())
}

/// The root mean square of the elements.
fn rms(a: &ndarray::Array2<f32>) -> f64 {
    let sum: f64 = a.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    (sum / a.len() as f64).sqrt()
}

/// Both loss curves against the step, with the chance level, as an SVG.
fn plot(
    path: &Path,
    he: &[(usize, f32)],
    glorot: &[(usize, f32)],
    steps: usize,
) -> Result<(), Box<dyn Error>> {
    let he_colour = RGBColor(31, 119, 180);
    let glorot_colour = RGBColor(214, 39, 40);
    let chance = (TASK.n_classes as f32).ln();
    let top = he
        .iter()
        .chain(glorot)
        .map(|p| p.1)
        .fold(chance, f32::max)
        .min(2.0 * chance)
        * 1.08;

    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{DEPTH}-layer ReLU MLP, width {WIDTH}, same seed: plain SGD, lr {LR}, batch {BATCH}"
            ),
            ("sans-serif", 24),
        )
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0..steps, 0f32..top)?;
    chart
        .configure_mesh()
        .x_desc("SGD step")
        .y_desc(format!("training loss (cross-entropy, {N_POINTS} points)"))
        .light_line_style(WHITE.mix(0.0))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            glorot.iter().map(|&(s, l)| (s, l.min(top))),
            glorot_colour.stroke_width(2),
        ))?
        .label("glorot_normal (Xavier)")
        .legend(move |(x, y)| {
            PathElement::new([(x, y), (x + 24, y)], glorot_colour.stroke_width(2))
        });
    chart
        .draw_series(LineSeries::new(
            he.iter().map(|&(s, l)| (s, l.min(top))),
            he_colour.stroke_width(2),
        ))?
        .label("he_normal (Kaiming)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], he_colour.stroke_width(2)));
    // on top: the Glorot curve lies on it
    chart
        .draw_series(DashedLineSeries::new(
            [(0, chance), (steps, chance)],
            6,
            6,
            BLACK.stroke_width(1),
        ))?
        .label(format!("chance: ln {}", TASK.n_classes))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], BLACK.stroke_width(1)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::MiddleRight)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    root.present()?;
    Ok(())
}
