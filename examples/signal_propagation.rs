//! Signal propagation at initialisation: a fully connected network of 50 square layers of 256
//! units, a batch of 1024 N(0, 1) inputs, 10 seeds; for the schemes uniform(±0.05) ("small
//! random"), glorot_uniform, he_normal, lecun_normal, lecun_normal(gain = lecun_tanh),
//! orthogonal and LSUV, and the nonlinearities linear, tanh, relu, selu and LeCun's scaled tanh
//! 1.7159·tanh(2h/3), the std of every layer's pre-activations on the way forward and of the
//! gradient on the way back (from a unit-variance gradient at the last layer's output), against
//! the mean-field prediction. For LeCun's tanh, the variance after one layer from unit-variance
//! input (the article's claim) and at depth 50, against the mean-field fixed point computed here
//! (not by the library), and the library's `Gain::LecunTanh` against this file's own quadrature.
//! Then Hanin & Rolnick's second failure
//! mode: for relu + he_normal at depth 50, the spread over networks of log(‖z_L‖²/‖z_0‖²)
//! grows with Σ 1/width (widths 16 to 256, 1000 networks each), against its exact law.
//!
//! Writes `target/signal/signal_propagation.{csv,json,svg}`, `target/signal/width_sweep.csv`
//! and `target/signal/width_sweep.svg`, and copies the main figure to
//! `docs/signal_propagation.svg`.
//!
//! Run: `cargo run --release --example signal_propagation`.

#[path = "common/signal.rs"]
#[allow(dead_code)]
mod signal;

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Instant;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;
use signal::{Config, MeanField, Nonlinearity, RunStats, Scheme, Spread};
use weight_init::Gain;

const CFG: Config = Config {
    width: 256,
    depth: 50,
    batch: 1024,
};
const SEEDS: u64 = 10;
const SWEEP_WIDTHS: [usize; 5] = [16, 32, 64, 128, 256];
const SWEEP_SEEDS: u64 = 1000;

/// One scheme × nonlinearity, over the seeds.
struct Curve {
    scheme: Scheme,
    nl: Nonlinearity,
    runs: Vec<RunStats>,
    theory: MeanField,
    /// Per layer: √(mean over seeds of Var h_l), and the std over seeds of std h_l.
    forward: Vec<(f64, f64)>,
    /// Per layer: √(mean over seeds of Var ∂L/∂h_l), and the std over seeds of its std.
    backward: Vec<(f64, f64)>,
}

impl Curve {
    fn new(scheme: Scheme, nl: Nonlinearity, runs: Vec<RunStats>) -> Curve {
        let rms = |f: &dyn Fn(&signal::LayerStats) -> f64| {
            let mean_var = signal::over_seeds(&runs, |s| f(s));
            let std = signal::over_seeds(&runs, |s| f(s).sqrt());
            mean_var
                .iter()
                .zip(&std)
                .map(|(v, s)| (v.0.sqrt(), s.1))
                .collect::<Vec<_>>()
        };
        let forward = rms(&|s| s.pre.var);
        let backward = rms(&|s| s.grad.var);
        Curve {
            scheme,
            nl,
            theory: signal::mean_field(scheme, nl, CFG.width, CFG.depth),
            runs,
            forward,
            backward,
        }
    }

    /// log2 of the mean over seeds of q_L/q_1 (forward) and of G_1/G_L (backward).
    fn log2_ratios(&self) -> (f64, f64) {
        let n = self.runs.len() as f64;
        let f = self.runs.iter().map(|r| r.m2_ratio(CFG.depth)).sum::<f64>() / n;
        let b = self.runs.iter().map(|r| r.grad_m2_ratio(1)).sum::<f64>() / n;
        (f.log2(), b.log2())
    }

    fn theory_log2_ratios(&self) -> (f64, f64) {
        let q = &self.theory.forward_m2;
        let g = &self.theory.backward_m2;
        (
            (q[q.len() - 1] / q[0]).log2(),
            (g[0] / g[g.len() - 1]).log2(),
        )
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target").join("signal");
    fs::create_dir_all(&out)?;
    fs::create_dir_all(root.join("docs"))?;

    let start = Instant::now();
    // one task per scheme and seed; the weights are drawn once for the five nonlinearities
    // (LSUV's are fitted for each)
    let tasks: Vec<(Scheme, u64)> = Scheme::ALL
        .iter()
        .flat_map(|&s| (0..SEEDS).map(move |seed| (s, seed)))
        .collect();
    let results: Vec<Vec<RunStats>> = tasks
        .par_iter()
        .map(|&(s, seed)| signal::study(s, &Nonlinearity::ALL, CFG, seed, true))
        .collect::<Result<_, _>>()?;
    let mut curves = Vec::new();
    for (i, &nl) in Nonlinearity::ALL.iter().enumerate() {
        for &s in &Scheme::ALL {
            let runs: Vec<RunStats> = tasks
                .iter()
                .zip(&results)
                .filter(|((scheme, _), _)| *scheme == s)
                .map(|(_, r)| r[i].clone())
                .collect();
            curves.push(Curve::new(s, nl, runs));
        }
    }
    let study_time = start.elapsed();

    print_tables(&curves);
    let lecun = lecun_tanh_rows(&curves);
    print_lecun_tanh(&lecun);

    let start = Instant::now();
    let spreads: Vec<Spread> = SWEEP_WIDTHS
        .iter()
        .map(|&w| signal::spread(w, CFG.depth, 0..SWEEP_SEEDS))
        .collect::<Result<_, _>>()?;
    let sweep_time = start.elapsed();
    print_sweep(&spreads);

    fs::write(out.join("signal_propagation.csv"), csv(&curves))?;
    fs::write(out.join("width_sweep.csv"), sweep_csv(&spreads))?;
    fs::write(
        out.join("signal_propagation.json"),
        json(&curves, &lecun, &spreads),
    )?;
    let svg = out.join("signal_propagation.svg");
    plot_curves(&svg, &curves)?;
    plot_sweep(&out.join("width_sweep.svg"), &spreads)?;
    fs::copy(&svg, root.join("docs").join("signal_propagation.svg"))?;
    println!(
        "\nstudy {:.1} s ({} networks), width sweep {:.1} s ({} networks); wrote {}/{{signal_propagation.csv,.json,.svg, width_sweep.csv,.svg}} and docs/signal_propagation.svg",
        study_time.as_secs_f64(),
        tasks.len() * Nonlinearity::ALL.len(),
        sweep_time.as_secs_f64(),
        SWEEP_WIDTHS.len() as u64 * SWEEP_SEEDS,
        out.display()
    );
    Ok(())
}

fn print_tables(curves: &[Curve]) {
    let (w, l, b) = (CFG.width, CFG.depth, CFG.batch);
    println!(
        "Forward: std of the pre-activations h_l = W_l x_(l-1), width {w}, depth {l}, batch {b}, \
         √(mean over {SEEDS} seeds of the variance); mean-field prediction in brackets;\n\
         log2 q{l}/q1: log2 of the mean over seeds of the ratio of second moments of h_{l} and h_1.\n"
    );
    println!(
        "{:<10} {:<31} {:>10} {:>10} {:>10} {:>10} {:>11}  {:>12} {:>9}",
        "", "scheme", "h1", "h10", "h25", "h50", "[h50]", "log2 q50/q1", "[theory]"
    );
    for c in curves {
        let f = &c.forward;
        let q = &c.theory.forward_m2;
        let (r, _) = c.log2_ratios();
        let (t, _) = c.theory_log2_ratios();
        println!(
            "{:<10} {:<31} {:>10.3e} {:>10.3e} {:>10.3e} {:>10.3e} {:>11}  {:>12.2} {:>9}",
            c.nl.name(),
            c.scheme.name(),
            f[0].0,
            f[9].0,
            f[24].0,
            f[l - 1].0,
            format!("[{:.3e}]", q[l - 1].sqrt()),
            r,
            format!("[{t:.2}]"),
        );
        if c.scheme == Scheme::Lsuv && c.nl == Nonlinearity::LecunTanh {
            println!();
        } else if c.scheme == Scheme::Lsuv {
            println!("{:-<122}", "");
        }
    }
    println!(
        "\nBackward: std of ∂L/∂h_l for a N(0, 1) gradient ∂L/∂h_{l}; g_l short for ∂L/∂h_l; \
         log2 G1/G{l}: log2 of the mean over seeds of the ratio of second moments.\n"
    );
    println!(
        "{:<10} {:<31} {:>10} {:>10} {:>10} {:>10} {:>11}  {:>12} {:>9}",
        "", "scheme", "g50", "g25", "g10", "g1", "[g1]", "log2 G1/G50", "[theory]"
    );
    for c in curves {
        let g = &c.backward;
        let (_, r) = c.log2_ratios();
        let (_, t) = c.theory_log2_ratios();
        println!(
            "{:<10} {:<31} {:>10.3e} {:>10.3e} {:>10.3e} {:>10.3e} {:>11}  {:>12.2} {:>9}",
            c.nl.name(),
            c.scheme.name(),
            g[l - 1].0,
            g[24].0,
            g[9].0,
            g[0].0,
            format!("[{:.3e}]", c.theory.backward_m2[0].sqrt()),
            r,
            format!("[{t:.2}]"),
        );
        if c.scheme == Scheme::Lsuv && c.nl != Nonlinearity::LecunTanh {
            println!("{:-<122}", "");
        }
    }

    println!("\nSELU at layer {l} (mean and variance of x_{l} = selu(h_{l}), mean over seeds):");
    for c in curves.iter().filter(|c| c.nl == Nonlinearity::Selu) {
        let n = c.runs.len() as f64;
        let mean = c
            .runs
            .iter()
            .map(|r| r.layers[l - 1].post.mean)
            .sum::<f64>()
            / n;
        let var = c.runs.iter().map(|r| r.layers[l - 1].post.var).sum::<f64>() / n;
        println!(
            "  {:<31} mean {:>10.3e}  variance {:>10.3e}",
            c.scheme.name(),
            mean,
            var
        );
    }

    println!(
        "\nLSUV (tol 0.1, 10 iterations, orthonormal start; fitted on its own batch, measured on \
         the input batch):"
    );
    for c in curves.iter().filter(|c| c.scheme == Scheme::Lsuv) {
        let mut its = 0;
        let mut worst_fit: f64 = 0.0;
        let mut worst_measured: f64 = 0.0;
        for r in &c.runs {
            for layer in &r.lsuv.as_ref().expect("lsuv report").layers {
                its += layer.iterations;
                worst_fit = worst_fit.max((layer.variance - 1.0).abs());
            }
            for layer in &r.layers {
                worst_measured = worst_measured.max((layer.pre.var - 1.0).abs());
            }
        }
        println!(
            "  {:<10} rescalings per layer {:.2}, max |Var h_l - 1|: {:.1e} on its batch, {:.1e} on the input batch",
            c.nl.name(),
            its as f64 / (c.runs.len() * l) as f64,
            worst_fit,
            worst_measured
        );
    }
}

/// One row of the LeCun-tanh table: variances measured after layer 1 and layer 50 (mean over
/// seeds), and what mean field predicts.
struct LecunRow {
    scheme: Scheme,
    nl: Nonlinearity,
    /// Var h_1, Var x_1 = Var φ(h_1), Var h_50, Var x_50: measured.
    measured: [f64; 4],
    /// The same from the mean-field recursion at depth 1 and 50.
    mean_field: [f64; 4],
    /// The recursion's fixed point (q*, E[φ(√q*·Z)²]); `None` for LSUV.
    fixed_point: Option<(f64, f64)>,
}

/// The rows of the LeCun-tanh table: under LeCun's tanh, lecun_normal with and without the
/// gain, and glorot_uniform, he_normal, orthogonal and LSUV for comparison; under plain tanh,
/// the two LeCun schemes (LeCun's gain is not meant for it).
fn lecun_tanh_rows(curves: &[Curve]) -> Vec<LecunRow> {
    let wanted = [
        (Scheme::LecunNormal, Nonlinearity::LecunTanh),
        (Scheme::LecunNormalLecunTanh, Nonlinearity::LecunTanh),
        (Scheme::GlorotUniform, Nonlinearity::LecunTanh),
        (Scheme::HeNormal, Nonlinearity::LecunTanh),
        (Scheme::Orthogonal, Nonlinearity::LecunTanh),
        (Scheme::Lsuv, Nonlinearity::LecunTanh),
        (Scheme::LecunNormal, Nonlinearity::Tanh),
        (Scheme::LecunNormalLecunTanh, Nonlinearity::Tanh),
    ];
    let l = CFG.depth;
    wanted
        .iter()
        .filter_map(|&(scheme, nl)| {
            let c = curves.iter().find(|c| c.scheme == scheme && c.nl == nl)?;
            let n = c.runs.len() as f64;
            let avg = |f: &dyn Fn(&RunStats) -> f64| c.runs.iter().map(f).sum::<f64>() / n;
            let q = &c.theory.forward_m2;
            let post = |q: f64| signal::gauss_expect(q, |h| nl.apply(h).powi(2));
            Some(LecunRow {
                scheme,
                nl,
                measured: [
                    avg(&|r| r.layers[0].pre.var),
                    avg(&|r| r.layers[0].post.var),
                    avg(&|r| r.layers[l - 1].pre.var),
                    avg(&|r| r.layers[l - 1].post.var),
                ],
                mean_field: [q[0], post(q[0]), q[l - 1], post(q[l - 1])],
                fixed_point: signal::fixed_point(scheme, nl, CFG.width),
            })
        })
        .collect()
}

fn print_lecun_tanh(rows: &[LecunRow]) {
    let ours = Gain::LecunTanh.value();
    let theirs = signal::lecun_tanh_gain2().sqrt();
    println!(
        "\nLeCun's tanh f(h) = 1.7159·tanh(2h/3): the article says unit-variance input gives output \
         of variance roughly 1.\n  E[f(Z)²] for Z ~ N(0, 1): {:.6}; Gain::LecunTanh = {ours:.13} \
         (library, trapezoid rule), {theirs:.13} here (Simpson), difference {:.1e}.\n  \
         Variances (mean over {SEEDS} seeds, width {}) after layer 1 from N(0, 1) input and at \
         layer {}; mean field in brackets; q* the fixed point of q = g²·E[φ(√q·Z)²], and \
         E[φ(√q*·Z)²] the activations' variance there.\n",
        1.0 / theirs.powi(2),
        (ours - theirs).abs(),
        CFG.width,
        CFG.depth
    );
    println!(
        "{:<10} {:<31} {:>16} {:>16} {:>16} {:>16} {:>10} {:>10}",
        "", "scheme", "Var h1", "Var f(h1)", "Var h50", "Var f(h50)", "q*", "f at q*"
    );
    let cell = |m: f64, t: f64| format!("{m:.4} [{t:.4}]");
    for r in rows {
        let (q, p) = r.fixed_point.map_or(("-".into(), "-".into()), |(q, p)| {
            (format!("{q:.4}"), format!("{p:.4}"))
        });
        println!(
            "{:<10} {:<31} {:>16} {:>16} {:>16} {:>16} {:>10} {:>10}",
            r.nl.name(),
            r.scheme.name(),
            cell(r.measured[0], r.mean_field[0]),
            cell(r.measured[1], r.mean_field[1]),
            cell(r.measured[2], r.mean_field[2]),
            cell(r.measured[3], r.mean_field[3]),
            q,
            p
        );
    }
}

fn print_sweep(spreads: &[Spread]) {
    println!(
        "\nHanin & Rolnick: relu + he_normal, depth {}, one fixed input, {} networks per width; \
         log(‖z_L‖²/‖z_0‖²) over networks, against its exact law (χ²_K, K ~ Binomial(n, 1/2), per \
         layer) and the first-order 5·Σ 1/n:\n",
        CFG.depth, SWEEP_SEEDS
    );
    println!(
        "{:>6} {:>8} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "width", "Σ 1/n", "dead", "mean", "[exact]", "std", "[exact]", "[√(5Σ1/n)]"
    );
    for s in spreads {
        let (mean, var) = signal::log_ratio_theory(s.width, s.depth);
        println!(
            "{:>6} {:>8.4} {:>6} {:>10.3} {:>10} {:>10.3} {:>10} {:>10}",
            s.width,
            s.beta(),
            s.dead,
            s.mean,
            format!("[{mean:.3}]"),
            s.std,
            format!("[{:.3}]", var.sqrt()),
            format!("[{:.3}]", (5.0 * s.beta()).sqrt()),
        );
    }
}

fn csv(curves: &[Curve]) -> String {
    let mut s = String::from(
        "scheme,nonlinearity,layer,forward_std,forward_std_sd_over_seeds,forward_std_mean_field,\
         forward_m2_ratio_to_layer1,post_mean,post_std,backward_std,backward_std_sd_over_seeds,\
         backward_std_mean_field\n",
    );
    for c in curves {
        let n = c.runs.len() as f64;
        for l in 0..CFG.depth {
            let avg = |f: &dyn Fn(&RunStats) -> f64| c.runs.iter().map(f).sum::<f64>() / n;
            let _ = writeln!(
                s,
                "{},{},{},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e}",
                c.scheme.name(),
                c.nl.name(),
                l + 1,
                c.forward[l].0,
                c.forward[l].1,
                c.theory.forward_m2[l].sqrt(),
                avg(&|r| r.m2_ratio(l + 1)),
                avg(&|r| r.layers[l].post.mean),
                avg(&|r| r.layers[l].post.var).sqrt(),
                c.backward[l].0,
                c.backward[l].1,
                c.theory.backward_m2[l].sqrt(),
            );
        }
    }
    s
}

fn sweep_csv(spreads: &[Spread]) -> String {
    let mut s = String::from(
        "width,depth,sum_inv_width,networks,dead,mean_log_ratio,exact_mean,std_log_ratio,exact_std,first_order_std\n",
    );
    for p in spreads {
        let (mean, var) = signal::log_ratio_theory(p.width, p.depth);
        let _ = writeln!(
            s,
            "{},{},{},{},{},{:.6},{:.6},{:.6},{:.6},{:.6}",
            p.width,
            p.depth,
            p.beta(),
            p.seeds,
            p.dead,
            p.mean,
            mean,
            p.std,
            var.sqrt(),
            (5.0 * p.beta()).sqrt()
        );
    }
    s
}

/// A JSON number (`null` when not finite).
fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:e}")
    } else {
        "null".to_string()
    }
}

fn nums(v: impl IntoIterator<Item = f64>) -> String {
    let v: Vec<String> = v.into_iter().map(num).collect();
    format!("[{}]", v.join(","))
}

fn json(curves: &[Curve], lecun: &[LecunRow], spreads: &[Spread]) -> String {
    let lsuv = weight_init::Lsuv::default();
    let mut s = String::new();
    let _ = write!(
        s,
        "{{\n  \"config\": {{\"width\": {}, \"depth\": {}, \"batch\": {}, \"seeds\": {}, \
         \"selu_lambda\": {}, \"selu_alpha\": {}, \"small_uniform\": {}, \
         \"lsuv\": {{\"tol\": {}, \"max_iters\": {}, \"orthonormal\": {}}}, \
         \"layout\": \"(out, in), h_l = W_l x_(l-1), x_l = phi(h_l)\", \
         \"forward_std\": \"sqrt of the mean over seeds of Var h_l\", \
         \"backward_std\": \"sqrt of the mean over seeds of Var dL/dh_l, dL/dh_L ~ N(0, 1)\"}},\n  \"curves\": [\n",
        CFG.width,
        CFG.depth,
        CFG.batch,
        SEEDS,
        num(signal::SELU_LAMBDA),
        num(signal::SELU_ALPHA),
        num(signal::SMALL_UNIFORM),
        num(lsuv.tol),
        lsuv.max_iters,
        lsuv.orthonormal,
    );
    for (i, c) in curves.iter().enumerate() {
        let n = c.runs.len() as f64;
        let avg = |f: &dyn Fn(&RunStats, usize) -> f64| {
            nums((0..CFG.depth).map(|l| c.runs.iter().map(|r| f(r, l)).sum::<f64>() / n))
        };
        let (fr, br) = c.log2_ratios();
        let (ft, bt) = c.theory_log2_ratios();
        let _ = writeln!(
            s,
            "    {{\"scheme\": \"{}\", \"nonlinearity\": \"{}\", \
             \"forward_std\": {}, \"forward_std_sd_over_seeds\": {}, \"forward_std_mean_field\": {}, \
             \"forward_m2_ratio_to_layer1\": {}, \"post_mean\": {}, \"post_var\": {}, \
             \"backward_std\": {}, \"backward_std_sd_over_seeds\": {}, \"backward_std_mean_field\": {}, \
             \"log2_forward_ratio\": {}, \"log2_forward_ratio_mean_field\": {}, \
             \"log2_backward_ratio\": {}, \"log2_backward_ratio_mean_field\": {}}}{}",
            c.scheme.name(),
            c.nl.name(),
            nums(c.forward.iter().map(|v| v.0)),
            nums(c.forward.iter().map(|v| v.1)),
            nums(c.theory.forward_m2.iter().map(|q| q.sqrt())),
            avg(&|r, l| r.m2_ratio(l + 1)),
            avg(&|r, l| r.layers[l].post.mean),
            avg(&|r, l| r.layers[l].post.var),
            nums(c.backward.iter().map(|v| v.0)),
            nums(c.backward.iter().map(|v| v.1)),
            nums(c.theory.backward_m2.iter().map(|q| q.sqrt())),
            num(fr),
            num(ft),
            num(br),
            num(bt),
            if i + 1 < curves.len() { "," } else { "" }
        );
    }
    let _ = write!(
        s,
        "  ],\n  \"lecun_tanh\": {{\"f\": \"1.7159*tanh(2h/3)\", \"second_moment\": {}, \
         \"gain_library\": {}, \"gain_mean_field\": {}, \"depth\": {}, \"rows\": [\n",
        num(1.0 / signal::lecun_tanh_gain2()),
        num(Gain::LecunTanh.value()),
        num(signal::lecun_tanh_gain2().sqrt()),
        CFG.depth
    );
    for (i, r) in lecun.iter().enumerate() {
        let (q, p) = r.fixed_point.unzip();
        let _ = writeln!(
            s,
            "    {{\"scheme\": \"{}\", \"nonlinearity\": \"{}\", \
             \"var_pre_layer1\": {}, \"var_post_layer1\": {}, \"var_pre_last\": {}, \
             \"var_post_last\": {}, \"mean_field_pre_layer1\": {}, \"mean_field_post_layer1\": {}, \
             \"mean_field_pre_last\": {}, \"mean_field_post_last\": {}, \
             \"fixed_point_pre\": {}, \"fixed_point_post\": {}}}{}",
            r.scheme.name(),
            r.nl.name(),
            num(r.measured[0]),
            num(r.measured[1]),
            num(r.measured[2]),
            num(r.measured[3]),
            num(r.mean_field[0]),
            num(r.mean_field[1]),
            num(r.mean_field[2]),
            num(r.mean_field[3]),
            q.map_or("null".into(), num),
            p.map_or("null".into(), num),
            if i + 1 < lecun.len() { "," } else { "" }
        );
    }
    s.push_str("  ]},\n  \"width_sweep\": [\n");
    for (i, p) in spreads.iter().enumerate() {
        let (mean, var) = signal::log_ratio_theory(p.width, p.depth);
        let _ = writeln!(
            s,
            "    {{\"width\": {}, \"depth\": {}, \"sum_inv_width\": {}, \"networks\": {}, \"dead\": {}, \
             \"mean_log_ratio\": {}, \"exact_mean\": {}, \"std_log_ratio\": {}, \"exact_std\": {}, \
             \"first_order_std\": {}}}{}",
            p.width,
            p.depth,
            num(p.beta()),
            p.seeds,
            p.dead,
            num(p.mean),
            num(mean),
            num(p.std),
            num(var.sqrt()),
            num((5.0 * p.beta()).sqrt()),
            if i + 1 < spreads.len() { "," } else { "" }
        );
    }
    s.push_str("  ]\n}\n");
    s
}

/// Stroke widths, in `Scheme::ALL` order: glorot_uniform, lecun_normal, orthogonal and LSUV
/// give the same second moments on square layers, so their curves overlap and are drawn as
/// nested bands, widest first.
const WIDTHS: [u32; 7] = [2, 10, 2, 7, 2, 4, 2];

/// Tableau's ten colours, the first six and the ninth (olive) for lecun_normal with LeCun's
/// tanh gain, inserted after lecun_normal.
const COLORS: [RGBColor; 7] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(188, 189, 34),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// The decades (integer exponents of ten) around the positive values.
fn decades(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v.log10()), hi.max(v.log10()))
        });
    (lo.floor(), hi.ceil().max(lo.floor() + 1.0))
}

fn plot_curves(path: &Path, curves: &[Curve]) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (2250, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(100);
    head.draw(&Text::new(
        format!(
            "Signal propagation at initialisation: fully connected, width {}, depth {}, batch {} of N(0, 1), {} seeds (weight-init)",
            CFG.width, CFG.depth, CFG.batch, SEEDS
        ),
        (20, 12),
        ("sans-serif", 24).into_font(),
    ))?;
    head.draw(&Text::new(
        "coloured: measured (√ of the mean over seeds of the variance); dashed black: mean-field prediction; lsuv = orthogonal where LSUV rescales nothing (linear, selu)",
        (20, 44),
        ("sans-serif", 16).into_font(),
    ))?;
    for (i, s) in Scheme::ALL.iter().enumerate() {
        let x = 20 + 230 * i as i32;
        head.draw(&PathElement::new(
            vec![(x, 80), (x + 28, 80)],
            COLORS[i].stroke_width(WIDTHS[i].max(3)),
        ))?;
        head.draw(&Text::new(
            s.name(),
            (x + 34, 73),
            ("sans-serif", 15).into_font(),
        ))?;
    }
    let cols = Nonlinearity::ALL.len();
    let panels = body.split_evenly((2, cols));
    for (row, backward) in [false, true].into_iter().enumerate() {
        for (col, &nl) in Nonlinearity::ALL.iter().enumerate() {
            let ours: Vec<&Curve> = curves.iter().filter(|c| c.nl == nl).collect();
            panel(&panels[row * cols + col], nl, backward, &ours)?;
        }
    }
    root.present()?;
    Ok(())
}

fn panel(
    area: &DrawingArea<SVGBackend, Shift>,
    nl: Nonlinearity,
    backward: bool,
    curves: &[&Curve],
) -> Result<(), Box<dyn Error>> {
    let series = |c: &Curve| -> (Vec<f64>, Vec<f64>) {
        if backward {
            (
                c.backward.iter().map(|v| v.0).collect(),
                c.theory.backward_m2.iter().map(|q| q.sqrt()).collect(),
            )
        } else {
            (
                c.forward.iter().map(|v| v.0).collect(),
                c.theory.forward_m2.iter().map(|q| q.sqrt()).collect(),
            )
        }
    };
    // log scale drawn as log10 on a linear axis labelled in powers of ten (plotters' own log
    // axis puts no ticks below 1e-15)
    let (lo, hi) = decades(curves.iter().flat_map(|c| {
        let (m, t) = series(c);
        m.into_iter().chain(t)
    }));
    let caption = if backward {
        format!("{}: backward, std of ∂L/∂h_l", nl.name())
    } else {
        format!("{}: forward, std of h_l", nl.name())
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(1f64..CFG.depth as f64, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("layer l")
        .y_labels(((hi - lo) as usize + 1).min(14))
        .y_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-9 {
                format!("1e{}", v.round())
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let points = |v: Vec<f64>| -> Vec<(f64, f64)> {
        v.into_iter()
            .enumerate()
            .filter(|(_, y)| y.is_finite() && *y > 0.0)
            .map(|(l, y)| ((l + 1) as f64, y.log10()))
            .collect()
    };
    // widest first, so that overlapping curves stay visible
    let mut order: Vec<usize> = (0..curves.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(WIDTHS[scheme_index(curves[i].scheme)]));
    for &i in &order {
        let k = scheme_index(curves[i].scheme);
        let (measured, _) = series(curves[i]);
        chart.draw_series(LineSeries::new(
            points(measured),
            COLORS[k]
                .mix(if WIDTHS[k] > 3 { 0.55 } else { 1.0 })
                .stroke_width(WIDTHS[k]),
        ))?;
    }
    for c in curves {
        let (_, theory) = series(c);
        chart.draw_series(DashedLineSeries::new(
            points(theory),
            7,
            5,
            BLACK.stroke_width(1),
        ))?;
    }
    Ok(())
}

fn scheme_index(s: Scheme) -> usize {
    Scheme::ALL.iter().position(|&t| t == s).unwrap_or(0)
}

fn plot_sweep(path: &Path, spreads: &[Spread]) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1200, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(50);
    head.draw(&Text::new(
        format!(
            "Hanin & Rolnick: relu + he_normal, depth {}, log(‖z_L‖²/‖z_0‖²) over {} networks per width (16…256)",
            CFG.depth, SWEEP_SEEDS
        ),
        (20, 15),
        ("sans-serif", 20).into_font(),
    ))?;
    let panels = body.split_evenly((1, 2));
    let beta_max = spreads.iter().map(|s| s.beta()).fold(0.0, f64::max) * 1.12;
    let fine: Vec<usize> = (16..=256).collect();
    for (i, std) in [true, false].into_iter().enumerate() {
        let theory: Vec<(f64, f64)> = fine
            .iter()
            .map(|&w| {
                let (m, v) = signal::log_ratio_theory(w, CFG.depth);
                (CFG.depth as f64 / w as f64, if std { v.sqrt() } else { m })
            })
            .collect();
        let measured: Vec<(f64, f64)> = spreads
            .iter()
            .map(|s| (s.beta(), if std { s.std } else { s.mean }))
            .collect();
        let ys = theory.iter().chain(&measured).map(|p| p.1);
        let (ylo, yhi) = ys.fold((0.0f64, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
        let pad = 0.08 * (yhi - ylo);
        let mut chart = ChartBuilder::on(&panels[i])
            .caption(
                if std {
                    "std over networks of the log ratio"
                } else {
                    "mean over networks of the log ratio"
                },
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..beta_max, (ylo - pad)..(yhi + pad))?;
        chart
            .configure_mesh()
            .x_desc("Σ 1/width = depth/width")
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart
            .draw_series(LineSeries::new(theory, COLORS[0].stroke_width(2)))?
            .label("exact law (χ²_K per layer)")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], COLORS[0].stroke_width(2))
            });
        let first: Vec<(f64, f64)> = fine
            .iter()
            .map(|&w| {
                let b = CFG.depth as f64 / w as f64;
                (b, if std { (5.0 * b).sqrt() } else { -2.5 * b })
            })
            .collect();
        chart
            .draw_series(DashedLineSeries::new(
                first,
                6,
                4,
                COLORS[2].stroke_width(2),
            ))?
            .label(if std {
                "first order √(5·Σ 1/width)"
            } else {
                "first order −(5/2)·Σ 1/width"
            })
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], COLORS[2].stroke_width(2))
            });
        chart
            .draw_series(
                measured
                    .iter()
                    .map(|&p| Circle::new(p, 5, COLORS[3].filled())),
            )?
            .label("measured")
            .legend(|(x, y)| Circle::new((x + 12, y), 5, COLORS[3].filled()));
        for s in spreads {
            let y = if std { s.std } else { s.mean };
            chart.draw_series(std::iter::once(Text::new(
                format!("n={}", s.width),
                (s.beta(), y),
                ("sans-serif", 13).into_font(),
            )))?;
        }
        chart
            .configure_series_labels()
            .position(if std {
                SeriesLabelPosition::UpperLeft
            } else {
                SeriesLabelPosition::LowerLeft
            })
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()?;
    }
    root.present()?;
    Ok(())
}
