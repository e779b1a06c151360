#!/usr/bin/env python3
"""Times weight-init, PyTorch and NumPy on the same work, in one run, on this machine.

    python3 bench/compare.py [--reps N] [--quick]

On first run it uses target/py-venv (python/setup-venv.sh) if it exists, else creates
target/bench-venv with numpy and torch from PyPI. It builds the
Rust side (`cargo build --release --example bench_compare`), runs every case at 1 and 2
threads, prints a table with medians and ratios, and writes target/compare.json.

Cases: fill of a 4096x4096 f32 array with uniform, normal (he_normal) and truncated normal
(std 0.02, +-2 sigma); GPT-2 small allocation plus initialisation in a fresh process (wall time
inside the process, and the process's peak RSS); orthogonal 1024^2 and 4096^2 f32.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target")
VENV = os.path.join(TARGET, "bench-venv")
PY = os.path.join(VENV, "bin", "python")

PY_CASES = r'''
import json, os, sys, time
threads, case, lib, reps = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
import numpy as np
import torch
torch.set_num_threads(threads)
os.environ["OMP_NUM_THREADS"] = str(threads)

def median(v):
    v = sorted(v)
    return v[len(v) // 2]

def timeit(f, reps):
    f()
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return median(out)

n = 1024 if case == "orthogonal_1024" else 4096
if case == "gpt2":
    L, D, V, C = 12, 768, 50257, 1024
    t = time.perf_counter()
    if lib == "torch":
        ps = []
        def p(*shape, std=None, fill=None, scale=1.0):
            x = torch.empty(*shape)
            if fill is not None:
                x.fill_(fill)
            else:
                x.normal_(0.0, std * scale)
            ps.append(x)
        p(V, D, std=0.02); p(C, D, std=0.01)
        for _ in range(L):
            p(D, fill=1.0); p(D, fill=0.0)
            p(3 * D, D, std=0.02); p(3 * D, fill=0.0)
            p(D, D, std=0.02, scale=(2 * L) ** -0.5); p(D, fill=0.0)
            p(D, fill=1.0); p(D, fill=0.0)
            p(4 * D, D, std=0.02); p(4 * D, fill=0.0)
            p(D, 4 * D, std=0.02, scale=(2 * L) ** -0.5); p(D, fill=0.0)
        p(D, fill=1.0); p(D, fill=0.0)
        items = sum(x.numel() for x in ps)
    else:
        raise SystemExit(0)  # NumPy has no GPT-2 init to compare with
    print(json.dumps({"lib": lib, "case": case, "threads": threads,
                      "seconds": time.perf_counter() - t, "items": items}))
    raise SystemExit(0)

if lib == "torch":
    w = torch.empty(n, n)
    fs = {
        "uniform": lambda: w.uniform_(-1.0, 1.0),
        "he_normal": lambda: torch.nn.init.kaiming_normal_(w),
        "trunc_normal": lambda: torch.nn.init.trunc_normal_(w, std=0.02, a=-0.04, b=0.04),
        "orthogonal_1024": lambda: torch.nn.init.orthogonal_(w),
        "orthogonal_4096": lambda: torch.nn.init.orthogonal_(w),
    }
else:
    rng = np.random.default_rng(0)
    w = np.empty((n, n), dtype=np.float32)
    def orth():
        q, r = np.linalg.qr(rng.standard_normal((n, n), dtype=np.float32))
        return q * np.sign(np.diag(r))
    fs = {
        "uniform": lambda: rng.random(out=w, dtype=np.float32),
        "he_normal": lambda: rng.standard_normal(out=w, dtype=np.float32),
        "orthogonal_1024": orth,
        "orthogonal_4096": orth,
    }
if case not in fs:
    raise SystemExit(0)
r = reps if not case.startswith("orthogonal") else max(1, reps // 3)
print(json.dumps({"lib": lib, "case": case, "threads": threads,
                  "seconds": timeit(fs[case], r), "items": n * n}))
'''


def ensure_venv():
    global PY
    if os.path.exists(PY):
        return
    # the test suite's venv (python/setup-venv.sh) has numpy and torch too
    shared = os.path.join(TARGET, "py-venv", "bin", "python")
    if os.path.exists(shared):
        PY = shared
        return
    print("creating", VENV, "with numpy and torch (first run only)", flush=True)
    venv.create(VENV, with_pip=True)
    subprocess.check_call([PY, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    subprocess.check_call([PY, "-m", "pip", "install", "-q", "numpy", "torch"])


def run(cmd, env=None):
    """Runs cmd in a fresh process; returns its last JSON line and its peak RSS in MiB."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status
    if status != 0:
        raise SystemExit("failed: " + " ".join(cmd))
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if not lines:
        return None
    rec = json.loads(lines[-1])
    rec["peak_rss_mib"] = usage.ru_maxrss / 1024.0
    return rec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="skip orthogonal 4096")
    args = ap.parse_args()
    ensure_venv()
    subprocess.check_call(["cargo", "build", "-q", "--release", "--example", "bench_compare"], cwd=ROOT)
    rust = os.path.join(TARGET, "release", "examples", "bench_compare")
    cases = ["uniform", "he_normal", "trunc_normal", "gpt2", "orthogonal_1024"]
    if not args.quick:
        cases.append("orthogonal_4096")
    results = []
    for case in cases:
        for threads in (1, 2):
            env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                       OPENBLAS_NUM_THREADS=str(threads))
            cmds = [("weight-init", [rust, case, str(threads), str(args.reps)])]
            cmds += [(lib, [PY, "-c", PY_CASES, str(threads), case, lib, str(args.reps)])
                     for lib in ("torch", "numpy")]
            for lib, cmd in cmds:
                # GPT-2 is one allocation + initialisation per fresh process: median of 3
                runs = [run(cmd, env) for _ in range(3 if case == "gpt2" else 1)]
                runs = sorted((r for r in runs if r), key=lambda r: r["seconds"])
                if runs:
                    rec = runs[len(runs) // 2]
                    rec["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
                    results.append(rec)
    # bare processes, for the RSS of GPT-2 runs
    torch_bare = run([PY, "-c", "import json, torch; print(json.dumps({'lib': 'torch'}))"])
    by = {(r["lib"], r["case"], r["threads"]): r for r in results}
    print()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"torch {subprocess.check_output([PY, '-c', 'import torch; print(torch.__version__)'], text=True).strip()}")
    print(f"{'case':<16} {'threads':>7} {'weight-init':>14} {'torch':>14} {'numpy':>14} {'ratio vs torch':>15}")
    table = []
    for case in cases:
        for threads in (1, 2):
            row = {"case": case, "threads": threads}
            cells = []
            for lib in ("weight-init", "torch", "numpy"):
                r = by.get((lib, case, threads))
                row[lib] = r
                if r is None:
                    cells.append("-")
                elif case.startswith("orthogonal") or case == "gpt2":
                    cells.append(f"{r['seconds']:.3f} s")
                else:
                    cells.append(f"{r['items'] / r['seconds'] / 1e6:.0f} M/s")
            ours, theirs = row["weight-init"], row["torch"]
            ratio = theirs["seconds"] / ours["seconds"] if ours and theirs else None
            row["speedup_vs_torch"] = ratio
            table.append(row)
            print(f"{case:<16} {threads:>7} {cells[0]:>14} {cells[1]:>14} {cells[2]:>14} "
                  f"{(f'{ratio:.2f}x' if ratio else '-'):>15}")
    for threads in (1, 2):
        ours, theirs = by.get(("weight-init", "gpt2", threads)), by.get(("torch", "gpt2", threads))
        if ours and theirs:
            print(f"gpt2 peak RSS at {threads} thread(s): weight-init {ours['peak_rss_mib']:.0f} MiB, "
                  f"torch {theirs['peak_rss_mib']:.0f} MiB (torch's bare process "
                  f"{torch_bare['peak_rss_mib']:.0f} MiB); parameters 474.7 MiB")
    out = os.path.join(TARGET, "compare.json")
    with open(out, "w") as f:
        json.dump({"machine": platform.platform(), "cpus": os.cpu_count(), "rows": table,
                   "torch_bare_rss_mib": torch_bare["peak_rss_mib"]}, f, indent=1)
    print("written", out)


if __name__ == "__main__":
    main()
