//! The exported files read from Python: `python/roundtrip.py` loads the safetensors file with
//! `safetensors.torch` and `safetensors.numpy`, checks shapes, dtypes and every tensor's
//! statistics against the theory the sidecar states, compares the `.npz` bit for bit, and
//! loads the state dict into the same model in PyTorch (`load_state_dict(strict=True)`) and
//! runs it. Then a file whose values were scaled after initialisation must fail the check.
//! With `half`, a model of f16 parameters goes through the same checks (no module to run).
//!
//! Python: `$WEIGHT_INIT_PYTHON`, else `target/py-venv/bin/python` (`python/setup-venv.sh`),
//! else `python3`; it needs numpy, safetensors and torch. Without them the test says why and
//! passes, unless `WEIGHT_INIT_REQUIRE_PYTHON` is set (as in CI), where it fails.

mod common;

#[path = "../examples/common/tiny_transformer.rs"]
mod tiny_transformer;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::python_or_skip;

use tiny_transformer::{CONFIG, TinyTransformer};
use weight_init::Initialize;
use weight_init::export::{save_npz, save_safetensors_with, sidecar_json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(py: &Path, args: &[&OsStr]) -> Output {
    let out = Command::new(py)
        .arg(Path::new(ROOT).join("python/roundtrip.py"))
        .args(args)
        .output()
        .expect("run python");
    println!("$ roundtrip.py {args:?}");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The three files `roundtrip.py` reads, written for `model` under `CARGO_TARGET_TMPDIR/sub`:
/// the safetensors file (with `meta`), the `.npz`, the sidecar.
fn write_files<M: Initialize>(
    model: &M,
    sub: &str,
    meta: &[(&str, &str)],
) -> (PathBuf, PathBuf, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(sub);
    std::fs::create_dir_all(&dir).unwrap();
    let (st, npz, json) = (
        dir.join("model.safetensors"),
        dir.join("model.npz"),
        dir.join("model.json"),
    );
    save_safetensors_with(model, &st, meta).unwrap();
    save_npz(model, &npz).unwrap();
    std::fs::write(&json, sidecar_json(model).unwrap()).unwrap();
    (st, npz, json)
}

#[test]
fn python_reads_what_rust_writes() {
    let Some(py) = python_or_skip() else {
        return;
    };
    let mut model = TinyTransformer::seeded(&CONFIG, 2024).unwrap();
    let (st, npz, json) = write_files(&model, "python_roundtrip", &[("weight_init.seed", "2024")]);

    let out = run(
        &py,
        &[
            st.as_os_str(),
            json.as_os_str(),
            "--npz".as_ref(),
            npz.as_os_str(),
            "--module".as_ref(),
            "tiny_transformer".as_ref(),
        ],
    );
    assert!(out.status.success(), "roundtrip.py failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("all checks passed"));
    assert!(stdout.contains("30/30 arrays bit-identical"));

    // The checker can fail: scale one weight by 1.5 except its first four and last values
    // (which the sidecar records), so that only the statistics can tell.
    let w = &mut model.blocks[1].mlp.fc_w;
    let n = w.len();
    for (i, x) in w.iter_mut().enumerate() {
        if (4..n - 1).contains(&i) {
            *x *= 1.5;
        }
    }
    let bad = st.with_file_name("scaled.safetensors");
    save_safetensors_with(&model, &bad, &[]).unwrap();
    let out = run(&py, &[bad.as_os_str(), json.as_os_str()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a scaled weight passed the check"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failures: Vec<&str> = stdout
        .split("failure(s):")
        .nth(1)
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // its std (and the support of its truncated law), and nothing else
    assert!(
        failures
            .iter()
            .any(|l| l.starts_with("blocks.1.mlp.fc_w: std")),
        "the std check missed the scaled weight"
    );
    assert!(
        failures
            .iter()
            .all(|l| l.starts_with("blocks.1.mlp.fc_w: ")),
        "a weight that was not scaled failed: {failures:?}"
    );
}

/// With the `half` feature: f16 parameters read from Python as `torch.float16` and NumPy
/// `float16`, the `.npz` bit-identical to the safetensors file, the statistics of the rounded
/// values against the scheme's theory.
#[cfg(feature = "half")]
#[test]
fn python_reads_f16_from_rust() {
    use ndarray::{Array1, Array2};
    use weight_init::Build;
    use weight_init::half::f16;

    #[derive(Initialize)]
    #[init(config = ())]
    struct HalfNet {
        #[init(he_normal, shape = (128, 96))]
        w1: Array2<f16>,
        #[init(truncated_normal(std = 0.02, sigmas = 2), shape = 128)]
        b1: Array1<f16>,
        #[init(glorot_uniform, shape = (10, 128))]
        w2: Array2<f16>,
    }

    let Some(py) = python_or_skip() else {
        return;
    };
    let model = HalfNet::build(&(), &(), 16).unwrap();
    let (st, npz, json) = write_files(&model, "python_roundtrip_f16", &[]);
    let out = run(
        &py,
        &[
            st.as_os_str(),
            json.as_os_str(),
            "--npz".as_ref(),
            npz.as_os_str(),
        ],
    );
    assert!(out.status.success(), "roundtrip.py failed on f16");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3/3 arrays bit-identical"), "{stdout}");
    assert_eq!(stdout.matches(" f16 ").count(), 3, "{stdout}");
}
