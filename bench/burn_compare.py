#!/usr/bin/env python3
"""GPT-2 small of burn-nn layers on Burn's flex CPU backend: weight-init's `burn::reinit` of
lazily built layers against Burn's own `Config::init` plus materialising every parameter.

    python3 bench/burn_compare.py [--reps N]

Builds `cargo build --release --features burn-flex --example burn_gpt2`, then runs it in fresh
processes, alternating `burn` and `ours` (and `bare`, the process alone), N times each. Prints
medians of the wall times, the median of the per-pair ratios ours/burn, and the peak RSS of
each against the parameters' bytes plus the bare process. Writes target/burn_compare.json.
Targets (issue 12): ratio <= 0.5; our peak RSS within 10% of parameters + bare process.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, "target", "release", "examples", "burn_gpt2")


def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run(mode):
    out = subprocess.run([EXE, mode], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    subprocess.run(
        ["cargo", "build", "--release", "--features", "burn-flex", "--example", "burn_gpt2"],
        check=True,
        cwd=ROOT,
    )
    runs = {"bare": [], "burn": [], "ours": []}
    for _ in range(args.reps):
        for mode in ("bare", "burn", "ours"):
            runs[mode].append(run(mode))
    ratios = [o["secs"] / b["secs"] for o, b in zip(runs["ours"], runs["burn"])]
    bare = statistics.median(r["peak_rss"] for r in runs["bare"])
    params = runs["ours"][0]["param_bytes"]
    result = {
        "cpu": cpu(),
        "reps": args.reps,
        "burn_secs": statistics.median(r["secs"] for r in runs["burn"]),
        "ours_secs": statistics.median(r["secs"] for r in runs["ours"]),
        "ratio_median": statistics.median(ratios),
        "ratios": ratios,
        "param_bytes": params,
        "bare_rss": bare,
        "burn_rss": statistics.median(r["peak_rss"] for r in runs["burn"]),
        "ours_rss": statistics.median(r["peak_rss"] for r in runs["ours"]),
    }
    result["ours_rss_over_params_and_bare"] = result["ours_rss"] / (params + bare)
    mib = 1 << 20
    print(f"CPU: {result['cpu']}; {args.reps} alternating runs each, fresh processes")
    print(f"Burn Config::init + materialise: {result['burn_secs']:.3f} s (median)")
    print(f"weight-init burn::reinit:        {result['ours_secs']:.3f} s (median)")
    print(f"ratio ours/burn, median of pairs: {result['ratio_median']:.3f}  (target <= 0.5)")
    print(
        f"peak RSS: ours {result['ours_rss'] / mib:.1f} MiB, burn {result['burn_rss'] / mib:.1f} MiB, "
        f"parameters {params / mib:.1f} MiB + bare process {bare / mib:.1f} MiB: "
        f"ours at {result['ours_rss_over_params_and_bare']:.3f}x (target <= 1.10)"
    )
    with open(os.path.join(ROOT, "target", "burn_compare.json"), "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
