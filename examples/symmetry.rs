//! Zero and constant initialisation keep a layer's units identical; random initialisation does
//! not. A small MLP (8 inputs → 32 → 32 → 1, ReLU or tanh, biases 0) is trained by plain SGD on a
//! regression task it generates, from `zeros` weights, `constant(0.1)` weights and `he_normal`
//! weights; after every step the largest distance between the incoming weight vectors of two
//! units of the same hidden layer is recorded, with the training loss.
//!
//! Writes `target/symmetry/symmetry.json` (a list of {"init", "nonlinearity", "step",
//! "max_unit_difference", "min_unit_difference", "layer1", "layer2", "loss",
//! "max_abs_weight"}) and `target/symmetry/symmetry.svg`, copied to `docs/symmetry.svg`.
//!
//! Run: `cargo run --release --example symmetry`.

#[path = "common/symmetry.rs"]
#[allow(dead_code)]
mod symmetry;

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use plotters::prelude::*;
use symmetry::{Activation, Config, Record, Start, Task};

const CFG: Config = Config {
    hidden: 32,
    points: 512,
    batch: 32,
    steps: 2000,
    lr: 0.02,
};
const SEED: u64 = 0;

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target").join("symmetry");
    fs::create_dir_all(&out)?;
    fs::create_dir_all(root.join("docs"))?;

    let mut runs: Vec<Vec<Record>> = Vec::new();
    for act in Activation::ALL {
        for start in Start::ALL {
            runs.push(symmetry::train(start, act, CFG, SEED)?);
        }
    }
    let target_var = Task::generate(CFG.points, SEED)?.target_variance();

    println!(
        "MLP {} → {h} → {h} → 1, plain SGD, lr {}, batch {}, {} steps, seed {SEED}; \
         distances between two units' incoming weight vectors (hidden layers 1 and 2); \
         loss: mean squared error on the {} training points (target variance {target_var:.4}).\n",
        symmetry::INPUTS,
        CFG.lr,
        CFG.batch,
        CFG.steps,
        CFG.points,
        h = CFG.hidden,
    );
    println!(
        "{:<5} {:<10} {:>12} {:>12} {:>12} {:>12} {:>10} {:>10} {:>12}",
        "",
        "init",
        "max d, t=0",
        "max d, end",
        "min d, end",
        "max d ever",
        "loss t=0",
        "loss end",
        "max |w| end"
    );
    for run in &runs {
        let (first, last) = (run[0], run[run.len() - 1]);
        let ever = run
            .iter()
            .map(|r| r.max_unit_difference)
            .fold(0.0, f64::max);
        println!(
            "{:<5} {:<10} {:>12.4e} {:>12.4e} {:>12.4e} {:>12.4e} {:>10.4} {:>10.4} {:>12.4e}",
            last.act.name(),
            last.start.name(),
            first.max_unit_difference,
            last.max_unit_difference,
            last.min_unit_difference,
            ever,
            first.loss,
            last.loss,
            last.max_abs_weight,
        );
    }

    fs::write(out.join("symmetry.json"), json(&runs))?;
    let svg = out.join("symmetry.svg");
    plot(&svg, &runs, target_var)?;
    fs::copy(&svg, root.join("docs").join("symmetry.svg"))?;
    println!(
        "\nwrote {}/symmetry.{{json,svg}} and docs/symmetry.svg",
        out.display()
    );
    Ok(())
}

fn json(runs: &[Vec<Record>]) -> String {
    let num = |v: f64| {
        if v.is_finite() {
            format!("{v:e}")
        } else {
            "null".to_string()
        }
    };
    let mut s = String::from("[\n");
    let all: Vec<&Record> = runs.iter().flatten().collect();
    for (i, r) in all.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {{\"init\": \"{}\", \"nonlinearity\": \"{}\", \"step\": {}, \
             \"max_unit_difference\": {}, \"min_unit_difference\": {}, \"layer1\": {}, \
             \"layer2\": {}, \"loss\": {}, \"max_abs_weight\": {}}}{}",
            r.start.name(),
            r.act.name(),
            r.step,
            num(r.max_unit_difference),
            num(r.min_unit_difference),
            num(r.per_layer[0]),
            num(r.per_layer[1]),
            num(r.loss),
            num(r.max_abs_weight),
            if i + 1 < all.len() { "," } else { "" }
        );
    }
    s.push_str("]\n");
    s
}

/// Tableau colours for zeros, constant, he_normal.
const COLORS: [RGBColor; 3] = [
    RGBColor(214, 39, 40),
    RGBColor(255, 127, 14),
    RGBColor(31, 119, 180),
];

/// Two rows (relu, tanh) of two panels: the largest unit difference, and the loss.
fn plot(path: &Path, runs: &[Vec<Record>], target_var: f64) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1400, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(60);
    head.draw(&Text::new(
        format!(
            "Symmetry: MLP {} → {h} → {h} → 1 trained by plain SGD (lr {}, batch {}) from zeros, constant(0.1) and he_normal weights (weight-init)",
            symmetry::INPUTS,
            CFG.lr,
            CFG.batch,
            h = CFG.hidden
        ),
        (20, 20),
        ("sans-serif", 20).into_font(),
    ))?;
    let panels = body.split_evenly((2, 2));
    for (row, act) in Activation::ALL.into_iter().enumerate() {
        let ours: Vec<&Vec<Record>> = runs.iter().filter(|r| r[0].act == act).collect();
        for (col, loss) in [false, true].into_iter().enumerate() {
            let value = |r: &Record| if loss { r.loss } else { r.max_unit_difference };
            let top = ours
                .iter()
                .flat_map(|r| r.iter().map(value))
                .fold(if loss { target_var } else { 0.0 }, f64::max)
                * 1.08;
            let caption = if loss {
                format!("{}: training loss (mean squared error)", act.name())
            } else {
                format!(
                    "{}: largest distance between two units' incoming weights",
                    act.name()
                )
            };
            let mut chart = ChartBuilder::on(&panels[row * 2 + col])
                .caption(caption, ("sans-serif", 17))
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(56)
                .build_cartesian_2d(0..CFG.steps, 0f64..top.max(1e-9))?;
            chart
                .configure_mesh()
                .x_desc("SGD step")
                .light_line_style(WHITE.mix(0.0))
                .draw()?;
            // he_normal first, so that the two constant starts, on the axis, stay on top
            for run in ours.iter().rev() {
                let k = Start::ALL
                    .iter()
                    .position(|&s| s == run[0].start)
                    .unwrap_or(0);
                let colour = COLORS[k];
                let width = if k == 0 { 5 } else { 2 };
                chart
                    .draw_series(LineSeries::new(
                        run.iter().map(|r| (r.step, value(r))),
                        colour.stroke_width(width),
                    ))?
                    .label(run[0].start.name())
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(width))
                    });
            }
            if loss {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(0, target_var), (CFG.steps, target_var)],
                        6,
                        6,
                        BLACK.stroke_width(1),
                    ))?
                    .label("target variance")
                    .legend(|(x, y)| {
                        PathElement::new([(x, y), (x + 24, y)], BLACK.stroke_width(1))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.3))
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}
