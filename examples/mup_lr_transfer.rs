//! Tensor Programs V's Figure 1 in small (Yang et al. 2021): the training loss after a fixed
//! budget as a function of log₂ of Adam's learning rate, for several widths, in the standard
//! parametrization (PyTorch's `nn.Linear` defaults, one learning rate) and in μP
//! (`weight_init::mup` against the smallest width: its rules, its Adam learning-rate multipliers
//! and the readout's output multiplier). The network is an MLP `32 → w → w → w → 10` with
//! ReLU; the task, generated here, labels `x ~ N(0, I₃₂)` by the arg-max of a random teacher
//! network. Under μP the best learning rate should stay where it is as the width grows.
//!
//! Writes `target/mup/lr_transfer.json` (rows `{"param", "width", "log2_lr", "final_loss"}`,
//! the loss on the whole training set after the budget, mean over seeds; `null` where a run
//! diverged) and `target/mup/lr_transfer.svg`, copies the SVG to `docs/mup_lr_transfer.svg`,
//! and prints the best learning rate per width.
//!
//! ```text
//! cargo run --release --example mup_lr_transfer
//! ```

#[path = "common/mup.rs"]
#[allow(dead_code)]
mod mup;

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Instant;

use mup::{Data, Param, Run, train};
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

const WIDTHS: [usize; 4] = [64, 128, 256, 512];
const BASE_WIDTH: usize = 64;
/// log₂ of the learning rates: one grid for every width and both parametrizations.
const LOG2_LR: [i32; 12] = [-15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4];
const SEEDS: [u64; 2] = [1, 2];
const STEPS: usize = 300;
const BATCH: usize = 32;
const POINTS: usize = 4096;

/// `[param][width][lr]`: mean final loss over seeds (NaN if any seed diverged).
type Table = Vec<Vec<Vec<f64>>>;

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target").join("mup");
    fs::create_dir_all(&out)?;
    fs::create_dir_all(root.join("docs"))?;
    let start = Instant::now();
    let data = Data::teacher(POINTS, 0)?;
    let params = [Param::Sp, Param::Mup];
    let mut runs: Vec<(usize, usize, usize, u64)> = Vec::new();
    for p in 0..2 {
        for w in 0..WIDTHS.len() {
            for l in 0..LOG2_LR.len() {
                for s in SEEDS {
                    runs.push((p, w, l, s));
                }
            }
        }
    }
    runs.sort_by_key(|&(_, w, _, _)| std::cmp::Reverse(w));
    let results = runs
        .par_iter()
        .map(|&(p, w, l, seed)| {
            let run = Run {
                param: params[p],
                width: WIDTHS[w],
                base_width: BASE_WIDTH,
                seed,
                batch: BATCH,
                steps: STEPS,
                lr: 2f32.powi(LOG2_LR[l]),
            };
            train(&run, &data).map(|loss| (p, w, l, loss))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut table: Table = vec![vec![vec![0.0; LOG2_LR.len()]; WIDTHS.len()]; 2];
    for (p, w, l, loss) in results {
        table[p][w][l] += loss / SEEDS.len() as f64;
    }
    let secs = start.elapsed().as_secs_f64();

    let mut json = String::from("[\n");
    let mut first = true;
    for (p, param) in params.iter().enumerate() {
        for (w, width) in WIDTHS.iter().enumerate() {
            for (l, log2_lr) in LOG2_LR.iter().enumerate() {
                if !first {
                    json.push_str(",\n");
                }
                first = false;
                let loss = table[p][w][l];
                let loss = if loss.is_finite() {
                    format!("{loss:.6}")
                } else {
                    "null".to_string()
                };
                write!(
                    json,
                    "  {{\"param\": \"{}\", \"width\": {width}, \"log2_lr\": {log2_lr}, \"final_loss\": {loss}}}",
                    param.name()
                )?;
            }
        }
    }
    json.push_str("\n]\n");
    fs::write(out.join("lr_transfer.json"), json)?;

    println!(
        "training loss after {STEPS} Adam steps of batch {BATCH} ({POINTS} points), mean of {} seeds; μP base width {BASE_WIDTH}",
        SEEDS.len()
    );
    for (p, param) in params.iter().enumerate() {
        println!("\n{}", param.name());
        print!("{:>9}", "log2 lr");
        for w in WIDTHS {
            print!("{w:>9}");
        }
        println!();
        for (l, log2_lr) in LOG2_LR.iter().enumerate() {
            print!("{log2_lr:>9}");
            for row in &table[p] {
                let v = row[l];
                if v.is_finite() {
                    print!("{v:>9.4}");
                } else {
                    print!("{:>9}", "div");
                }
            }
            println!();
        }
    }
    println!("\nbest log2 lr per width (its loss):");
    for (p, param) in params.iter().enumerate() {
        let best: Vec<String> = (0..WIDTHS.len())
            .map(|w| {
                let (l, v) = best(&table[p][w]);
                format!("{}: {} ({v:.4})", WIDTHS[w], LOG2_LR[l])
            })
            .collect();
        println!("{:>4}  {}", param.name(), best.join(", "));
    }

    let svg = out.join("lr_transfer.svg");
    plot(&svg, &table)?;
    fs::copy(&svg, root.join("docs").join("mup_lr_transfer.svg"))?;
    println!(
        "\n{} runs in {secs:.1} s; wrote target/mup/lr_transfer.{{json,svg}} and docs/mup_lr_transfer.svg",
        runs.len()
    );
    Ok(())
}

/// The index and value of the smallest finite loss.
fn best(losses: &[f64]) -> (usize, f64) {
    losses
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .fold(
            (0, f64::INFINITY),
            |b, (i, &v)| if v < b.1 { (i, v) } else { b },
        )
}

const COLORS: [RGBColor; 4] = [
    RGBColor(68, 1, 84),
    RGBColor(49, 104, 142),
    RGBColor(53, 183, 121),
    RGBColor(230, 160, 0),
];

fn plot(path: &Path, table: &Table) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1300, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(80);
    head.draw(&Text::new(
        format!(
            "Learning-rate transfer: MLP 32 → w → w → w → 10, ReLU, Adam, {STEPS} steps of batch {BATCH}, {} seeds; μP base width {BASE_WIDTH} (weight-init)",
            SEEDS.len()
        ),
        (20, 10),
        ("sans-serif", 20).into_font(),
    ))?;
    for (i, w) in WIDTHS.iter().enumerate() {
        let x = 20 + 140 * i as i32;
        head.draw(&PathElement::new(
            vec![(x, 58), (x + 28, 58)],
            COLORS[i].stroke_width(3),
        ))?;
        head.draw(&Text::new(
            format!("width {w}"),
            (x + 34, 50),
            ("sans-serif", 15).into_font(),
        ))?;
    }
    let finite = table.iter().flatten().flatten().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    // the interesting part is near the minima: cap the axis at the loss of chance (ln 10)
    let hi = hi.min(10f64.ln() * 1.05);
    let panels = body.split_evenly((1, 2));
    for (p, name) in ["Standard parametrization (PyTorch default)", "μP"]
        .iter()
        .enumerate()
    {
        panel(&panels[p], name, &table[p], lo * 0.9, hi)?;
    }
    root.present()?;
    Ok(())
}

fn panel(
    area: &DrawingArea<SVGBackend, Shift>,
    caption: &str,
    rows: &[Vec<f64>],
    lo: f64,
    hi: f64,
) -> Result<(), Box<dyn Error>> {
    let x0 = f64::from(LOG2_LR[0]);
    let x1 = f64::from(LOG2_LR[LOG2_LR.len() - 1]);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(x0 - 0.3..x1 + 0.3, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("log2 learning rate")
        .y_desc("training loss")
        .x_labels(LOG2_LR.len())
        .x_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (w, row) in rows.iter().enumerate() {
        let points: Vec<(f64, f64)> = LOG2_LR
            .iter()
            .zip(row)
            .filter(|(_, v)| v.is_finite())
            .map(|(l, v)| (f64::from(*l), v.min(hi)))
            .collect();
        chart.draw_series(LineSeries::new(points.clone(), COLORS[w].stroke_width(2)))?;
        chart.draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, 3, COLORS[w].filled())),
        )?;
        let (l, v) = best(row);
        chart.draw_series(std::iter::once(Cross::new(
            (f64::from(LOG2_LR[l]), v),
            7,
            COLORS[w].stroke_width(3),
        )))?;
    }
    Ok(())
}
