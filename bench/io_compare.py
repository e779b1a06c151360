#!/usr/bin/env python3
"""Saving and loading GPT-2 small (474.7 MiB of f32) as safetensors, .npz and .npy: weight-init
against `safetensors.torch` and NumPy, in one run, alternating, each in a fresh process.

    python3 bench/io_compare.py [--reps N] [--only safetensors,npz,npy]

Uses target/py-venv (python/setup-venv.sh: numpy, safetensors, torch). Builds
`cargo build --release --features safetensors,npy --example bench_io`. Each process allocates
the model and initialises it (ours keyed; torch's with normal_, NumPy's with its generator),
then times one operation and reports its peak RSS before and after:

- safetensors save, to a new file and over an existing one: `save_safetensors` against
  `safetensors.torch.save_file`; also our durable save (`SaveOptions::durable`: fsync of the file
  and of its directory) against the same `save_file`, to a new file;
- safetensors load of the file just saved into the existing parameters: `load_safetensors`
  against `load_file` then `copy_` into each tensor (what `load_state_dict` does);
- .npz save (new file): `save_npz` against `numpy.savez(path, **state_dict)`; load:
  `load_npz` against `numpy.load(path)` then `numpy.copyto` into each existing array;
- .npy save (new file) and load of the largest tensor, `wte` (50257x768, 147 MiB): `save_npy` /
  `load_npy` against `numpy.save` / `numpy.load` then `copyto`.

Conditions: before each process the harness removes the target (a "new file" save) or keeps it
(an "overwrite" save), then calls sync(), so that no write-back of an earlier run lands in this
one; the two sides of one operation run back to back under `flock /tmp/bench.lock`, who goes
first alternating by rep. A load reads the file its own side has just saved: it is in the page
cache (a warm load; nothing here drops caches). Prints medians over the reps and the median of
the per-rep ratios (ours / peer); writes target/io_compare.json.
"""
import argparse
import fcntl
import json
import os
import platform
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target")
PY = os.path.join(TARGET, "py-venv", "bin", "python")
LOCK = "/tmp/bench.lock"

PEER = r'''
import json, resource, sys, time
op, fmt, path = sys.argv[1], sys.argv[2], sys.argv[3]
L, D, V, C = 12, 768, 50257, 1024
shapes = {"wte.weight": (V, D), "wpe.weight": (C, D), "ln_f.weight": (D,), "ln_f.bias": (D,)}
for l in range(L):
    h = f"h.{l}."
    shapes.update({h + "ln_1.weight": (D,), h + "ln_1.bias": (D,), h + "attn.c_attn.weight": (3 * D, D),
                   h + "attn.c_attn.bias": (3 * D,), h + "attn.c_proj.weight": (D, D), h + "attn.c_proj.bias": (D,),
                   h + "ln_2.weight": (D,), h + "ln_2.bias": (D,), h + "mlp.c_fc.weight": (4 * D, D),
                   h + "mlp.c_fc.bias": (4 * D,), h + "mlp.c_proj.weight": (D, 4 * D), h + "mlp.c_proj.bias": (D,)})
if fmt == "npy":
    shapes = {"wte.weight": shapes["wte.weight"]}
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
if fmt == "safetensors":
    import torch
    from safetensors.torch import save_file, load_file
    torch.set_num_threads(1)
    lib = "safetensors.torch"
    sd = {k: torch.empty(*s).normal_(0.0, 0.02) for k, s in shapes.items()}
    n = sum(x.numel() for x in sd.values())
else:
    import numpy as np
    lib = "numpy"
    rng = np.random.default_rng(1)
    sd = {}
    for k, s in shapes.items():
        a = rng.standard_normal(s, dtype=np.float32)
        a *= np.float32(0.02)
        sd[k] = a
    n = sum(x.size for x in sd.values())
before = peak()
t = time.perf_counter()
if fmt == "safetensors" and op == "save":
    save_file(sd, path, metadata={"format": "pt"})
elif fmt == "safetensors":
    # into the existing parameters, as load_state_dict does (load_file alone maps the file
    # and reads nothing)
    for k, v in load_file(path).items():
        sd[k].copy_(v)
elif fmt == "npz" and op == "save":
    np.savez(path, **sd)
elif fmt == "npz":
    with np.load(path) as z:
        for k in z.files:
            np.copyto(sd[k], z[k])
elif op == "save":
    np.save(path, sd["wte.weight"])
else:
    np.copyto(sd["wte.weight"], np.load(path))
secs = time.perf_counter() - t
print(json.dumps({"lib": lib, "op": op, "format": fmt, "seconds": secs, "peak_before_mib": before,
                  "peak_rss_mib": peak(), "params_mib": n * 4 / 2**20}))
'''

# (case name, format, our op, our extra argument, target kept from the last case or removed)
CASES = [
    ("safetensors save, new file", "safetensors", "save", None, "new"),
    ("safetensors save, overwrite", "safetensors", "save", None, "overwrite"),
    ("safetensors save durable (ours), new file", "safetensors", "save", "durable", "new"),
    ("safetensors load (warm)", "safetensors", "load", None, "load"),
    ("npz save, new file", "npz", "save", None, "new"),
    ("npz load (warm)", "npz", "load", None, "load"),
    ("npy save (wte), new file", "npy", "save", None, "new"),
    ("npy load (wte, warm)", "npy", "load", None, "load"),
]


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads([l for l in out.splitlines() if l.startswith("{")][-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default="safetensors,npz,npy",
                    help="formats to run, comma-separated")
    args = ap.parse_args()
    formats = args.only.split(",")
    if not os.path.exists(PY):
        subprocess.check_call(["bash", "python/setup-venv.sh"], cwd=ROOT)
    subprocess.check_call(["cargo", "build", "-q", "--release", "--features", "safetensors,npy",
                           "--example", "bench_io"], cwd=ROOT)
    rust = os.path.join(TARGET, "release", "examples", "bench_io")
    files = {(side, fmt): os.path.join(TARGET, f"io-bench-{side}.{fmt}")
             for side in ("ours", "peer") for fmt in ("safetensors", "npz", "npy")}
    cases = [c for c in CASES if c[1] in formats]
    rows = []
    for rep in range(args.reps):
        for name, fmt, op, extra, kind in cases:
            ours_cmd = [rust, op, fmt, files["ours", fmt]] + ([extra] if extra else [])
            peer_cmd = [PY, "-c", PEER, op, fmt, files["peer", fmt]]
            order = [("ours", ours_cmd), ("peer", peer_cmd)]
            if rep % 2:
                order.reverse()
            got = {}
            with open(LOCK, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                for side, cmd in order:
                    f = files[side, fmt]
                    if kind == "new" and os.path.exists(f):
                        os.remove(f)
                    os.sync()
                    got[side] = run(cmd)
            rows.append({"rep": rep, "case": name, "ours": got["ours"], "peer": got["peer"]})
            print(f"rep {rep} {name}: ours {got['ours']['seconds']:.3f} s, "
                  f"{got['peer']['lib']} {got['peer']['seconds']:.3f} s", flush=True)
    summary = {}
    for name, *_ in cases:
        rs = [r for r in rows if r["case"] == name]
        ours = statistics.median(r["ours"]["seconds"] for r in rs)
        peer = statistics.median(r["peer"]["seconds"] for r in rs)
        ratio = statistics.median(r["ours"]["seconds"] / r["peer"]["seconds"] for r in rs)
        peak = max(r["ours"]["peak_rss_mib"] for r in rs)
        ppeak = max(r["peer"]["peak_rss_mib"] for r in rs)
        params = rs[0]["ours"]["params_mib"]
        lib = rs[0]["peer"]["lib"]
        growth = max(r["ours"]["peak_rss_mib"] - r["ours"]["peak_before_mib"] for r in rs)
        pgrowth = max(r["peer"]["peak_rss_mib"] - r["peer"]["peak_before_mib"] for r in rs)
        # `params_mib` is every parameter the process holds (the whole model, for every case:
        # bench/compare.py divides the peak by it); `file_mib` the tensors in the file
        summary[name] = {"label": name, "ours_s": ours, "peer": lib, "peer_s": peer,
                         "median_ratio": ratio, "ours_peak_mib": peak, "peer_peak_mib": ppeak,
                         "params_mib": rs[0]["ours"]["model_mib"], "file_mib": params,
                         "ours_growth_mib": growth, "peer_growth_mib": pgrowth}
    print()
    for name, s in summary.items():
        print(f"{name}: weight-init {s['ours_s']:.3f} s, {s['peer']} {s['peer_s']:.3f} s, median "
              f"ratio {s['median_ratio']:.2f}; peak RSS weight-init {s['ours_peak_mib']:.0f} MiB "
              f"({s['ours_peak_mib'] / s['params_mib']:.3f}x the model's {s['params_mib']:.1f} "
              f"MiB, +{s['ours_growth_mib']:.1f} MiB during the operation; the file's tensors "
              f"{s['file_mib']:.1f} MiB), "
              f"{s['peer']} {s['peer_peak_mib']:.0f} MiB (+{s['peer_growth_mib']:.1f})")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores; file system of target/: "
          f"{fs_type(TARGET)}")
    with open(os.path.join(TARGET, "io_compare.json"), "w") as f:
        json.dump({"machine": cpu, "platform": platform.platform(), "fs": fs_type(TARGET),
                   "rows": rows, "summary": summary}, f, indent=1)
    for p in files.values():
        if os.path.exists(p):
            os.remove(p)


def fs_type(path):
    """The type of the file system holding `path`, from /proc/mounts (longest mount point)."""
    best, kind = "", "?"
    path = os.path.realpath(path)
    try:
        for line in open("/proc/mounts"):
            parts = line.split()
            if len(parts) >= 3 and (path == parts[1] or path.startswith(parts[1].rstrip("/") + "/")):
                if len(parts[1]) > len(best):
                    best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


if __name__ == "__main__":
    main()
