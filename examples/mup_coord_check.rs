//! mup's coordinate check (Yang et al. 2021, "Tensor Programs V", §6 and Appendix D.1;
//! `mup/coord_check.py`), on this machine: an MLP `32 → w → w → w → 10` with ReLU, widths 128 to
//! 4096, trained with Adam on one fixed batch, in the standard parametrization (PyTorch's
//! `nn.Linear` defaults, one learning rate) and in μP against the base width 128
//! (`weight_init::mup`: the rules it gives, its Adam learning-rate multipliers and the readout's
//! output multiplier). For every step t (the t-th forward pass, after t − 1 Adam steps, as
//! mup's `get_coord_data` records it) and every layer, the mean |coordinate| of the layer's
//! output, averaged over seeds. Under μP it should not change with width; under SP it grows.
//!
//! Writes `target/mup/coord_check.json` (rows `{"param", "width", "step", "layer",
//! "mean_abs"}`) and `target/mup/coord_check.svg`, copies the SVG to `docs/mup_coord_check.svg`,
//! and prints the table.
//!
//! ```text
//! cargo run --release --example mup_coord_check
//! ```

#[path = "common/mup.rs"]
#[allow(dead_code)]
mod mup;

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Instant;

use mup::{Data, LAYERS, Param, Run, coord_check};
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

const WIDTHS: [usize; 6] = [128, 256, 512, 1024, 2048, 4096];
const BASE_WIDTH: usize = 128;
const SEEDS: [u64; 3] = [1, 2, 3];
const STEPS: usize = 5;
const BATCH: usize = 32;
/// Large, as mup's README advises for a coordinate check: it shows blow-ups early.
const LR: f32 = 1e-2;

/// Mean over seeds of mean |coordinate|: `[param][width][step][layer]`.
type Table = Vec<Vec<Vec<[f64; 4]>>>;

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target").join("mup");
    fs::create_dir_all(&out)?;
    fs::create_dir_all(root.join("docs"))?;
    let start = Instant::now();
    let data = Data::teacher(BATCH, 0)?;
    let params = [Param::Sp, Param::Mup];
    // widest first, so that the slow runs start first on rayon's pool
    let mut runs: Vec<(usize, usize, u64)> = (0..2)
        .flat_map(|p| (0..WIDTHS.len()).flat_map(move |w| SEEDS.map(|s| (p, w, s))))
        .collect();
    runs.sort_by_key(|&(_, w, _)| std::cmp::Reverse(w));
    let results = runs
        .par_iter()
        .map(|&(p, w, s)| {
            let run = Run {
                param: params[p],
                width: WIDTHS[w],
                base_width: BASE_WIDTH,
                seed: s,
                batch: BATCH,
                steps: STEPS,
                lr: LR,
            };
            coord_check(&run, &data).map(|rows| (p, w, rows))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut table: Table = vec![vec![vec![[0.0; 4]; STEPS]; WIDTHS.len()]; 2];
    for (p, w, rows) in results {
        for (t, row) in rows.iter().enumerate() {
            for l in 0..4 {
                table[p][w][t][l] += row[l] / SEEDS.len() as f64;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();

    let mut json = String::from("[\n");
    let mut first = true;
    for (p, param) in params.iter().enumerate() {
        for (w, width) in WIDTHS.iter().enumerate() {
            for (t, row) in table[p][w].iter().enumerate() {
                for (layer, value) in LAYERS.iter().zip(row) {
                    if !first {
                        json.push_str(",\n");
                    }
                    first = false;
                    write!(
                        json,
                        "  {{\"param\": \"{}\", \"width\": {width}, \"step\": {}, \"layer\": \"{layer}\", \"mean_abs\": {:.6e}}}",
                        param.name(),
                        t + 1,
                        value
                    )?;
                }
            }
        }
    }
    json.push_str("\n]\n");
    fs::write(out.join("coord_check.json"), json)?;

    println!(
        "mean |coordinate| of each layer's output, mean of {} seeds; Adam lr {LR}, batch {BATCH}; μP base width {BASE_WIDTH}",
        SEEDS.len()
    );
    for (p, param) in params.iter().enumerate() {
        for t in [0, STEPS - 1] {
            println!("\n{} t={}", param.name(), t + 1);
            print!("{:>6}", "width");
            for layer in LAYERS {
                print!("{layer:>10}");
            }
            println!();
            for (w, width) in WIDTHS.iter().enumerate() {
                print!("{width:>6}");
                for v in &table[p][w][t] {
                    print!("{v:>10.4}");
                }
                println!();
            }
        }
    }
    println!(
        "\nratio of mean |coordinate| at width 4096 to width 128, per step t (fc1 fc2 fc3 head):"
    );
    for (p, param) in params.iter().enumerate() {
        let (widest, narrowest) = (&table[p][WIDTHS.len() - 1], &table[p][0]);
        for (t, (wide, narrow)) in widest.iter().zip(narrowest).enumerate() {
            let r: Vec<String> = wide
                .iter()
                .zip(narrow)
                .map(|(a, b)| format!("{:8.2}", a / b))
                .collect();
            println!("{:>4} t={}: {}", param.name(), t + 1, r.join(" "));
        }
    }

    println!(
        "\nμP at width 4096 against base 128 (weight_init::mup's Parametrization):\n{}",
        mup::parametrization(4096, BASE_WIDTH)?
    );

    let svg = out.join("coord_check.svg");
    plot(&svg, &table)?;
    fs::copy(&svg, root.join("docs").join("mup_coord_check.svg"))?;
    println!(
        "\n{} runs in {secs:.1} s; wrote target/mup/coord_check.{{json,svg}} and docs/mup_coord_check.svg",
        runs.len()
    );
    Ok(())
}

const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
];

fn plot(path: &Path, table: &Table) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1900, 820)).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(80);
    head.draw(&Text::new(
        format!(
            "Coordinate check (mup's): MLP 32 → w → w → w → 10, ReLU, Adam lr {LR}, batch {BATCH}, {} seeds; μP base width {BASE_WIDTH} (weight-init)",
            SEEDS.len()
        ),
        (20, 10),
        ("sans-serif", 22).into_font(),
    ))?;
    for (i, layer) in LAYERS.iter().enumerate() {
        let x = 20 + 160 * i as i32;
        head.draw(&PathElement::new(
            vec![(x, 58), (x + 28, 58)],
            COLORS[i].stroke_width(3),
        ))?;
        let label = if *layer == "head" {
            "head (logits)".to_string()
        } else {
            layer.to_string()
        };
        head.draw(&Text::new(
            label,
            (x + 34, 50),
            ("sans-serif", 15).into_font(),
        ))?;
    }
    // one y range for every panel, in decades
    let (lo, hi) = table
        .iter()
        .flatten()
        .flatten()
        .flatten()
        .filter(|v| **v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v.log10()), hi.max(v.log10()))
        });
    let (lo, hi) = (lo.floor(), hi.ceil());
    let panels = body.split_evenly((2, STEPS));
    for (p, name) in ["SP (PyTorch default)", "μP"].iter().enumerate() {
        for t in 0..STEPS {
            panel(
                &panels[p * STEPS + t],
                &format!("{name}, t = {}", t + 1),
                &table[p],
                t,
                lo,
                hi,
            )?;
        }
    }
    root.present()?;
    Ok(())
}

fn panel(
    area: &DrawingArea<SVGBackend, Shift>,
    caption: &str,
    rows: &[Vec<[f64; 4]>],
    t: usize,
    lo: f64,
    hi: f64,
) -> Result<(), Box<dyn Error>> {
    let x0 = (WIDTHS[0] as f64).log2();
    let x1 = (WIDTHS[WIDTHS.len() - 1] as f64).log2();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 17))
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(x0 - 0.2..x1 + 0.2, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("width")
        .x_labels(WIDTHS.len())
        .x_label_formatter(&|v| format!("{}", 2f64.powf(v.round()) as usize))
        .y_labels(((hi - lo) as usize + 1).min(12))
        .y_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-9 {
                format!("1e{}", v.round())
            } else {
                String::new()
            }
        })
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for l in 0..4 {
        let points: Vec<(f64, f64)> = WIDTHS
            .iter()
            .zip(rows)
            .filter(|(_, r)| r[t][l] > 0.0)
            .map(|(w, r)| ((*w as f64).log2(), r[t][l].log10()))
            .collect();
        chart.draw_series(LineSeries::new(points.clone(), COLORS[l].stroke_width(2)))?;
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, COLORS[l].filled())),
        )?;
    }
    Ok(())
}
