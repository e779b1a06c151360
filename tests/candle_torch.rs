//! A candle-nn model built through `weight_init::candle::var_builder` with
//! `Rules::torch_defaults()`, saved with `varmap.save`, loads into the equivalent PyTorch module
//! with `load_state_dict(strict=True)`: the names are PyTorch's state-dict names, the shapes
//! PyTorch's, and every value lies where PyTorch's own defaults put it (U(±1/√fan_in) for the
//! linear and convolution weights and biases with the fans PyTorch computes, U(±1/√hidden) for
//! the LSTM, N(0, 1) for the embedding, 1 and 0 for the norm), checked in Python against
//! PyTorch's `_calculate_fan_in_and_fan_out`. The module then runs.
//!
//! Python as for `tests/python_roundtrip.rs` (`target/py-venv`, `python/setup-venv.sh`); without
//! it the test says why and passes, unless `WEIGHT_INIT_REQUIRE_PYTHON` is set (as in CI).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::python_or_skip;
use weight_init::Rules;
use weight_init::candle::var_builder;
use weight_init::candle_core::{DType, Device};
use weight_init::candle_nn::{self, VarMap};

const CHECK: &str = r#"
import math, sys
import torch
from torch import nn
from safetensors.torch import load_file

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.conv = nn.Conv2d(3, 4, 3)
        self.conv1 = nn.Conv1d(4, 6, 5, groups=2)
        self.fc = nn.Linear(6, 5)
        self.ln = nn.LayerNorm(5)
        self.lstm = nn.LSTM(5, 7, batch_first=True)

state = load_file(sys.argv[1])
m = M()
m.load_state_dict(state, strict=True)
for name in ["conv.weight", "conv1.weight", "fc.weight"]:
    w = state[name]
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(w)
    bound = 1 / math.sqrt(fan_in)
    for t in [w, state[name.replace("weight", "bias")]]:
        assert t.abs().max().item() <= bound, (name, t.abs().max().item(), bound)
        assert t.abs().max().item() > 0.8 * bound, (name, "the bound is approached")
for name in ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0"]:
    assert state[name].abs().max().item() <= 1 / math.sqrt(7), name
e = state["emb.weight"]
assert abs(e.mean().item()) < 0.5 and 0.7 < e.std().item() < 1.3, (e.mean(), e.std())
assert torch.equal(state["ln.weight"], torch.ones(5)) and torch.equal(state["ln.bias"], torch.zeros(5))
x = m.emb(torch.tensor([[1, 2, 3]]))
y, _ = m.lstm(m.ln(m.fc(x)))
assert y.shape == (1, 3, 7) and torch.isfinite(y).all()
print("ok", len(state), "tensors")
"#;

#[test]
fn pytorch_loads_a_candle_model_built_with_torch_defaults() {
    let Some(py) = python_or_skip() else {
        return;
    };
    let varmap = VarMap::new();
    let vb = var_builder(
        &varmap,
        &Rules::torch_defaults(),
        2024,
        DType::F32,
        &Device::Cpu,
    );
    candle_nn::embedding(10, 6, vb.pp("emb")).unwrap();
    candle_nn::conv2d(3, 4, 3, Default::default(), vb.pp("conv")).unwrap();
    let grouped = candle_nn::Conv1dConfig {
        groups: 2,
        ..Default::default()
    };
    candle_nn::conv1d(4, 6, 5, grouped, vb.pp("conv1")).unwrap();
    candle_nn::linear(6, 5, vb.pp("fc")).unwrap();
    candle_nn::layer_norm(5, 1e-5, vb.pp("ln")).unwrap();
    candle_nn::lstm(5, 7, Default::default(), vb.pp("lstm")).unwrap();

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("candle_torch");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("model.safetensors");
    varmap.save(&file).unwrap();

    let out = Command::new(&py)
        .args(["-c", CHECK])
        .arg(&file)
        .output()
        .expect("run python");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "python failed:\n{stdout}\n{stderr}");
    // emb 1, conv 2, conv1 2, fc 2, ln 2, lstm 4
    assert!(stdout.contains("ok 13 tensors"), "{stdout}");
}
