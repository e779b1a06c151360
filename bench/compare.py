#!/usr/bin/env python3
"""Times weight-init, PyTorch and NumPy on the same work, in one run, on this machine.

    python3 bench/compare.py [--reps N] [--rounds R] [--io-reps N] [--quick] [--readme]

On first run it uses target/py-venv (python/setup-venv.sh) if it exists, else creates
target/bench-venv with numpy and torch from PyPI. It builds the
Rust side (`cargo build --release --example bench_compare`), runs every case at 1 and 2
threads, prints a table with medians and ratios, and writes target/compare.json.

Cases: fill of a 4096x4096 f32 array with uniform, normal (he_normal) and truncated normal
(std 0.02, +-2 sigma); GPT-2 small allocation plus initialisation in a fresh process (wall time
inside the process, and the process's peak RSS); orthogonal 1024^2 and 4096^2 f32; 64 separate
256^2 orthogonal weights (an RNN's gates). Each case runs --rounds times per library in fresh
processes, who goes first rotating; the ratio is the median of the rounds' ratios. Then, unless
--quick, bench/io_compare.py (saving and loading GPT-2 small). The table goes to
target/speed_table.md, and with --readme into README.md between its speed-table markers: the
README's table comes from this one command.
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

n = {"orthogonal_1024": 1024, "rnn_orthogonal": 256}.get(case, 4096)
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
    if case == "rnn_orthogonal":
        gates = [torch.empty(n, n) for _ in range(64)]
        fs[case] = lambda: [torch.nn.init.orthogonal_(g) for g in gates]
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
        "rnn_orthogonal": lambda: [orth() for _ in range(64)],
    }
if case not in fs:
    raise SystemExit(0)
r = reps if not case.startswith("orthogonal") else max(1, reps // 3)
items = n * n * (64 if case == "rnn_orthogonal" else 1)
print(json.dumps({"lib": lib, "case": case, "threads": threads,
                  "seconds": timeit(fs[case], r), "items": items}))
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


LABELS = {
    "uniform": "uniform fill, 4096²",
    "he_normal": "he_normal fill, 4096²",
    "trunc_normal": "truncated normal (std 0.02, ±2σ), 4096²",
    "gpt2": "GPT-2 small alloc + init, fresh process",
    "orthogonal_1024": "orthogonal 1024²",
    "orthogonal_4096": "orthogonal 4096²",
    "rnn_orthogonal": "orthogonal, 64 separate 256² (an RNN's gates)",
}
LIBS = ("weight-init", "torch", "numpy")
BEGIN = "<!-- speed-table: begin (written by `python3 bench/compare.py --readme`) -->"
END = "<!-- speed-table: end -->"


def cpu():
    """The CPU's model name and whether it has AVX-512 (Linux)."""
    try:
        info = open("/proc/cpuinfo").read()
    except OSError:
        return platform.processor() or platform.machine(), None
    name = next((l.split(":", 1)[1].strip() for l in info.splitlines()
                 if l.startswith("model name")), platform.machine())
    flags = next((l for l in info.splitlines() if l.startswith("flags")), "")
    return name, "avx512f" in flags.split()


def cell(case, rec):
    if rec is None:
        return "–"
    if case.startswith("orthogonal") or case in ("gpt2", "rnn_orthogonal"):
        return f"{rec['seconds']:.3f} s"
    return f"{rec['items'] / rec['seconds'] / 1e6:.0f} M/s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7, help="timings inside each process")
    ap.add_argument("--rounds", type=int, default=3,
                    help="fresh processes per case, library and thread count, alternating")
    ap.add_argument("--io-reps", type=int, default=5, help="rounds of bench/io_compare.py")
    ap.add_argument("--quick", action="store_true", help="skip orthogonal 4096 and the file I/O")
    ap.add_argument("--readme", action="store_true",
                    help="write the table into README.md between its speed-table markers")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: write the table again from target/compare.json and "
                         "target/io_compare.json (the --reps, --rounds, --io-reps given must be the run's)")
    args = ap.parse_args()
    if args.render:
        with open(os.path.join(TARGET, "compare.json")) as f:
            saved = json.load(f)
        io = None
        if os.path.exists(os.path.join(TARGET, "io_compare.json")):
            with open(os.path.join(TARGET, "io_compare.json")) as f:
                io = json.load(f)
        md = markdown(saved["rows"], {"peak_rss_mib": saved["torch_bare_rss_mib"]}, saved["torch"],
                      saved["machine"], saved["avx512"], args, io)
        write(md, args.readme)
        return
    ensure_venv()
    subprocess.check_call(["cargo", "build", "-q", "--release", "--example", "bench_compare"], cwd=ROOT)
    rust = os.path.join(TARGET, "release", "examples", "bench_compare")
    cases = ["uniform", "he_normal", "trunc_normal", "gpt2", "orthogonal_1024"]
    if not args.quick:
        cases.append("orthogonal_4096")
    cases.append("rnn_orthogonal")
    table = []
    for case in cases:
        for threads in (1, 2):
            env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                       OPENBLAS_NUM_THREADS=str(threads))
            cmds = {"weight-init": [rust, case, str(threads), str(args.reps)]}
            cmds.update({lib: [PY, "-c", PY_CASES, str(threads), case, lib, str(args.reps)]
                         for lib in ("torch", "numpy")})
            rounds = []
            for k in range(args.rounds):
                # each round in a fresh process per library, who goes first rotating
                order = LIBS[k % 3:] + LIBS[:k % 3]
                rounds.append({lib: run(cmds[lib], env) for lib in order})
            row = {"case": case, "threads": threads, "rounds": rounds}
            for lib in LIBS:
                recs = sorted((r[lib] for r in rounds if r[lib]), key=lambda r: r["seconds"])
                if recs:
                    rec = dict(recs[len(recs) // 2])
                    rec["peak_rss_mib"] = max(r["peak_rss_mib"] for r in recs)
                    row[lib] = rec
                else:
                    row[lib] = None
            ratios = sorted(r["torch"]["seconds"] / r["weight-init"]["seconds"]
                            for r in rounds if r["torch"] and r["weight-init"])
            row["speedup_vs_torch"] = ratios[len(ratios) // 2] if ratios else None
            table.append(row)
            print(f"{case:<16} {threads} " + " ".join(f"{cell(case, row[l]):>12}" for l in LIBS)
                  + (f" {row['speedup_vs_torch']:.2f}x" if row["speedup_vs_torch"] else ""),
                  flush=True)
    # bare processes, for the RSS of GPT-2 runs
    torch_bare = run([PY, "-c", "import json, torch; print(json.dumps({'lib': 'torch'}))"])
    torch_version = subprocess.check_output([PY, "-c", "import torch; print(torch.__version__)"],
                                            text=True).strip()
    name, avx512 = cpu()
    io = None
    if not args.quick:
        subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "io_compare.py"),
                               "--reps", str(args.io_reps)], cwd=ROOT)
        with open(os.path.join(TARGET, "io_compare.json")) as f:
            io = json.load(f)
    md = markdown(table, torch_bare, torch_version, name, avx512, args, io)
    print()
    print(md)
    out = os.path.join(TARGET, "compare.json")
    with open(out, "w") as f:
        json.dump({"machine": name, "avx512": avx512, "platform": platform.platform(),
                   "reps": args.reps, "rounds": args.rounds, "io_reps": args.io_reps,
                   "cpus": os.cpu_count(), "torch": torch_version, "rows": table,
                   "torch_bare_rss_mib": torch_bare["peak_rss_mib"]}, f, indent=1)
    print("written", out)
    write(md, args.readme)


def write(md, readme):
    """Writes the table to target/speed_table.md, and into README.md if asked."""
    with open(os.path.join(TARGET, "speed_table.md"), "w") as f:
        f.write(md)
    print("written", os.path.join(TARGET, "speed_table.md"))
    if readme:
        readme = os.path.join(ROOT, "README.md")
        text = open(readme).read()
        if BEGIN not in text or END not in text:
            raise SystemExit("README.md has no speed-table markers")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(readme, "w") as f:
            f.write(head + BEGIN + "\n" + md + END + tail)
        print("README.md's speed table rewritten")


def markdown(table, torch_bare, torch_version, name, avx512, args, io):
    """The README's speed section body: the machine, the tables, the derived ratios."""
    by = {(r["case"], r["threads"]): r for r in table}
    simd = {True: "with AVX-512", False: "without AVX-512", None: "AVX-512 unknown"}[avx512]
    lines = [
        f"Measured by one run of `python3 bench/compare.py --reps {args.reps} --rounds "
        f"{args.rounds}` ({args.rounds} fresh processes per library and case, alternating; "
        f"each the median of {args.reps} timings): {os.cpu_count()} cores of an {name} "
        f"**{simd}**, PyTorch {torch_version}, NumPy from PyPI; f32; weight-init keyed "
        "(`fill_seeded`/`init_seeded`), portable build with run-time dispatch. Times are "
        "medians over the rounds; the last column is the median of the rounds' ratios.",
        "",
        "| case | threads | weight-init | PyTorch | NumPy | weight-init vs PyTorch |",
        "|---|---|---|---|---|---|",
    ]
    for r in table:
        ratio = f"{r['speedup_vs_torch']:.2f}×" if r["speedup_vs_torch"] else "–"
        lines.append(f"| {LABELS[r['case']]} | {r['threads']} | "
                     + " | ".join(cell(r["case"], r[l]) for l in LIBS) + f" | {ratio} |")
    lines.append("")
    derived = []
    for threads in (1, 2):
        t, n = by.get(("trunc_normal", threads)), by.get(("he_normal", threads))
        if t and n and t["weight-init"] and n["weight-init"]:
            ratio = n["weight-init"]["seconds"] / t["weight-init"]["seconds"]
            derived.append(f"{ratio:.2f}× at {threads} thread{'s' if threads > 1 else ''}")
    if derived:
        lines.append("The truncated normal's speed against our own normal's (he_normal): "
                     + " and ".join(derived) + ".")
    rss = []
    for threads in (1, 2):
        r = by.get(("gpt2", threads))
        if r and r["weight-init"] and r["torch"]:
            rss.append(f"{threads} thread{'s' if threads > 1 else ''}: weight-init "
                       f"{r['weight-init']['peak_rss_mib']:.0f} MiB, PyTorch "
                       f"{r['torch']['peak_rss_mib']:.0f} MiB")
    if rss:
        lines.append("GPT-2 small's peak RSS (474.7 MiB of parameters), "
                     + "; ".join(rss) + f" (PyTorch's bare process with torch imported: "
                     f"{torch_bare['peak_rss_mib']:.0f} MiB).")
    if io:
        lines += ["", io_markdown(io, args.io_reps)]
    lines.append("")
    return "\n".join(lines)


def io_markdown(io, reps):
    """The file I/O table from bench/io_compare.py's target/io_compare.json."""
    lines = [
        f"File I/O, from the same run (`bench/io_compare.py --reps {reps}`: each case in fresh "
        "processes, ours and the peer's back to back, who goes first alternating; loads read the "
        "file just saved, from the page cache). The ratio is the median of the rounds' "
        "weight-init time / peer's time (below 1: weight-init is faster); peak RSS is the whole "
        "process's, with the growth during the operation:",
        "",
        "| GPT-2 small (474.7 MiB of f32) | weight-init | peer | peer's time | time ratio "
        "| peak RSS, weight-init | peak RSS, peer |",
        "|---|---|---|---|---|---|---|",
    ]
    for op, s in io["summary"].items():
        growth = s.get("ours_growth_mib")
        pgrowth = s.get("peer_growth_mib")
        lines.append(
            f"| {s.get('label', op)} | {s['ours_s']:.3f} s | {s.get('peer', 'torch')} | "
            f"{s['peer_s']:.3f} s | {s['median_ratio']:.2f} | "
            f"{s['ours_peak_mib']:.0f} MiB ({s['ours_peak_mib'] / s['params_mib']:.3f}× the model"
            + (f", +{growth:.1f}" if growth is not None else "") + ") | "
            f"{s['peer_peak_mib']:.0f} MiB" + (f" (+{pgrowth:.1f})" if pgrowth is not None else "")
            + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
