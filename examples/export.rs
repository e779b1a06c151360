//! Writes a small transformer's initial weights for PyTorch and NumPy: a safetensors file, a
//! `.npz` with the same arrays, and a JSON sidecar describing every tensor (shape, dtype,
//! scheme, the mean and std the scheme promises), then loads the safetensors file back and
//! checks it is bit-identical.
//!
//! Run: `cargo run --example export --features safetensors,npy`, then check the files from
//! Python (`python/setup-venv.sh` makes a venv with numpy, safetensors and torch):
//!
//! ```text
//! target/py-venv/bin/python python/roundtrip.py target/export/model.safetensors \
//!     target/export/model.json --npz target/export/model.npz --module tiny_transformer
//! ```

#[path = "common/tiny_transformer.rs"]
mod tiny_transformer;

use std::path::PathBuf;

use tiny_transformer::{CONFIG, TinyTransformer};
use weight_init::export::{
    load_safetensors, save_npz, save_safetensors_with, sidecar_json, state_dict_names,
};
use weight_init::report;

const SEED: u64 = 42;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = TinyTransformer::seeded(&CONFIG, SEED)?;
    print!("{}", report(&model)?);

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/export");
    std::fs::create_dir_all(&dir)?;
    let (st, npz, json) = (
        dir.join("model.safetensors"),
        dir.join("model.npz"),
        dir.join("model.json"),
    );
    save_safetensors_with(&model, &st, &[("weight_init.seed", &SEED.to_string())])?;
    save_npz(&model, &npz)?;
    std::fs::write(&json, sidecar_json(&model)?)?;

    // Back in: a zero model loaded from the file holds exactly the same values.
    let mut back = TinyTransformer::zeros(&CONFIG)?;
    load_safetensors(&mut back, &st)?;
    assert_eq!(model.tok_emb, back.tok_emb);
    assert_eq!(model.blocks[1].mlp.fc_w, back.blocks[1].mlp.fc_w);
    assert_eq!(model.head_b, back.head_b);

    let names = state_dict_names(&model)?;
    println!(
        "\n{} tensors ({} … {})",
        names.len(),
        names[0],
        names[names.len() - 1]
    );
    for f in [&st, &npz, &json] {
        println!(
            "wrote {} ({} bytes)",
            f.display(),
            std::fs::metadata(f)?.len()
        );
    }
    println!(
        "check: target/py-venv/bin/python python/roundtrip.py {} {} --npz {} --module tiny_transformer",
        st.display(),
        json.display(),
        npz.display()
    );
    Ok(())
}
