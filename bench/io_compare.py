#!/usr/bin/env python3
"""Saving and loading GPT-2 small (474.7 MiB of f32) as safetensors: weight-init against
`safetensors.torch`, in one run, alternating, each in a fresh process.

    python3 bench/io_compare.py [--reps N]

Uses target/py-venv (python/setup-venv.sh: numpy, safetensors, torch). Builds
`cargo build --release --features safetensors --example bench_io`. Each process allocates the
model and initialises it (ours keyed, torch's with normal_), then times one save, or one load
of the file just saved into those parameters (torch: load_file, then copy_ into each) and reports its peak RSS before and after. Prints medians over the reps and the
median of the per-rep ratios; writes target/io_compare.json.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target")
PY = os.path.join(TARGET, "py-venv", "bin", "python")

TORCH = r'''
import json, resource, sys, time
import torch
from safetensors.torch import save_file, load_file
op, path = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)
L, D, V, C = 12, 768, 50257, 1024
shapes = {"wte.weight": (V, D), "wpe.weight": (C, D), "ln_f.weight": (D,), "ln_f.bias": (D,)}
for l in range(L):
    h = f"h.{l}."
    shapes.update({h + "ln_1.weight": (D,), h + "ln_1.bias": (D,), h + "attn.c_attn.weight": (3 * D, D),
                   h + "attn.c_attn.bias": (3 * D,), h + "attn.c_proj.weight": (D, D), h + "attn.c_proj.bias": (D,),
                   h + "ln_2.weight": (D,), h + "ln_2.bias": (D,), h + "mlp.c_fc.weight": (4 * D, D),
                   h + "mlp.c_fc.bias": (4 * D,), h + "mlp.c_proj.weight": (D, 4 * D), h + "mlp.c_proj.bias": (D,)})
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
sd = {k: torch.empty(*s).normal_(0.0, 0.02) for k, s in shapes.items()}
before = peak()
t = time.perf_counter()
if op == "save":
    save_file(sd, path, metadata={"format": "pt"})
else:
    # into the existing parameters, as load_state_dict does (load_file alone maps the file
    # and reads nothing)
    for k, v in load_file(path).items():
        sd[k].copy_(v)
secs = time.perf_counter() - t
n = sum(x.numel() for x in sd.values())
print(json.dumps({"lib": "torch", "op": op, "seconds": secs, "peak_before_mib": before,
                  "peak_rss_mib": peak(), "params_mib": n * 4 / 2**20}))
'''


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads([l for l in out.splitlines() if l.startswith("{")][-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    if not os.path.exists(PY):
        subprocess.check_call(["bash", "python/setup-venv.sh"], cwd=ROOT)
    subprocess.check_call(["cargo", "build", "-q", "--release", "--features", "safetensors",
                           "--example", "bench_io"], cwd=ROOT)
    rust = os.path.join(TARGET, "release", "examples", "bench_io")
    ours_file = os.path.join(TARGET, "io-bench-ours.safetensors")
    torch_file = os.path.join(TARGET, "io-bench-torch.safetensors")
    rows = []
    for rep in range(args.reps):
        for op in ("save", "load"):
            # alternate who goes first
            order = [("ours", [rust, op, ours_file]), ("torch", [PY, "-c", TORCH, op, torch_file])]
            if rep % 2:
                order.reverse()
            got = {name: run(cmd) for name, cmd in order}
            rows.append({"rep": rep, "op": op, "ours": got["ours"], "torch": got["torch"]})
    summary = {}
    for op in ("save", "load"):
        rs = [r for r in rows if r["op"] == op]
        ours = statistics.median(r["ours"]["seconds"] for r in rs)
        torch_s = statistics.median(r["torch"]["seconds"] for r in rs)
        ratio = statistics.median(r["ours"]["seconds"] / r["torch"]["seconds"] for r in rs)
        peak = max(r["ours"]["peak_rss_mib"] for r in rs)
        tpeak = max(r["torch"]["peak_rss_mib"] for r in rs)
        params = rs[0]["ours"]["params_mib"]
        summary[op] = {"ours_s": ours, "torch_s": torch_s, "median_ratio": ratio,
                       "ours_peak_mib": peak, "torch_peak_mib": tpeak, "params_mib": params}
        print(f"{op}: weight-init {ours:.3f} s, safetensors.torch {torch_s:.3f} s, median ratio "
              f"{ratio:.2f}; peak RSS weight-init {peak:.0f} MiB ({peak / params:.3f}x the "
              f"{params:.1f} MiB of parameters), torch {tpeak:.0f} MiB")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores")
    with open(os.path.join(TARGET, "io_compare.json"), "w") as f:
        json.dump({"machine": cpu, "platform": platform.platform(), "rows": rows, "summary": summary}, f, indent=1)
    for p in (ours_file, torch_file):
        if os.path.exists(p):
            os.remove(p)


if __name__ == "__main__":
    main()
