#!/usr/bin/env python3
"""Checks weights that weight-init exported, from Python.

    python/roundtrip.py MODEL.safetensors MODEL.json [--npz MODEL.npz] [--module tiny_transformer]

MODEL.json is the sidecar `weight_init::export::sidecar_json` writes: per tensor its state-dict
name, shape, dtype, scheme, and what the scheme promises for the shape (mean, std, and for
element-wise schemes the law of one element). Needs numpy, safetensors and torch
(python/setup-venv.sh makes target/py-venv with them).

Checks, each a failure (exit 1) when it does not hold:
  * the file loads with `safetensors.torch.load_file` and with `safetensors.numpy.load_file`,
    holds exactly the sidecar's names, and the two loads are bit-identical;
  * every tensor has the sidecar's shape and dtype, and its first and last values are the
    ones the Rust side wrote (logical row-major order, little-endian);
  * statistics against the theory, n = number of elements:
      constant laws: every element equals the constant exactly;
      random laws (uniform, normal, truncated normal), with μ, σ the law's mean and std and
      κ its kurtosis (9/5 uniform, 3 normal, from the moments for the truncated normal):
        |mean − μ| ≤ 5·σ/√n                  (the sample mean has std σ/√n)
        |std − σ|  ≤ 5·σ·√((κ − 1)/(4n))     (delta method: Var s² ≈ σ⁴(κ−1)/n, s = √s²)
      plus the support for bounded laws. Five standard errors: with a fixed seed a failure
      is a wrong law, not bad luck (a two-sided 5σ normal tail is 6e-7 per check);
      orthogonal (rank 2): the Gram matrix of the short side is gain²·I (to 1e-4 in f32);
      other structured patterns (eye, dirac, delta-orthogonal): the root mean square equals
      √(mean² + std²) of the sidecar; sparse: shape and dtype only;
  * with --npz: the .npz (numpy.load) has the same names, and every array is bit-identical
    to the safetensors one;
  * the state dict loads into a torch `nn.Module` with the same names by
    `load_state_dict(strict=True)`: with --module tiny_transformer the module of
    examples/common/tiny_transformer.rs, which then runs forward on random tokens (finite
    logits of the right shape, cross-entropy within 1 of ln(vocab) as at initialisation);
    without it, a tree of empty modules built from the names.
"""
import argparse
import json
import math
import sys

import numpy as np
import safetensors
import safetensors.numpy
import safetensors.torch
import torch
from torch import nn
import torch.nn.functional as F

DTYPES = {"f32": (np.float32, torch.float32), "f64": (np.float64, torch.float64),
          "f16": (np.float16, torch.float16)}
STRUCTURED_EXACT = {"orthogonal", "eye", "identity", "dirac", "delta_orthogonal"}


def phi(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi) if math.isfinite(x) else 0.0


def Phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def kurtosis(law):
    """Kurtosis E[(X−μ)⁴]/σ⁴ of one element's law."""
    kind = law["kind"]
    if kind == "uniform":
        return 9.0 / 5.0
    if kind == "normal":
        return 3.0
    if kind == "truncated_normal":
        a = (law["low"] - law["mean"]) / law["std"]
        b = (law["high"] - law["mean"]) / law["std"]
        z = Phi(b) - Phi(a)
        # raw moments of the standard normal truncated to [a, b]:
        # m_k = (k−1)·m_{k−2} + (a^{k−1}φ(a) − b^{k−1}φ(b)) / Z
        m = [1.0, (phi(a) - phi(b)) / z]
        for k in range(2, 5):
            edge = lambda x: (x ** (k - 1)) * phi(x) if math.isfinite(x) else 0.0
            m.append((k - 1) * m[k - 2] + (edge(a) - edge(b)) / z)
        mu = m[1]
        var = m[2] - mu * mu
        c4 = m[4] - 4 * mu * m[3] + 6 * mu * mu * m[2] - 3 * mu ** 4
        return c4 / (var * var)
    raise ValueError(kind)


class Failures:
    def __init__(self):
        self.items = []

    def check(self, ok, what):
        if not ok:
            self.items.append(what)
        return ok


def check_tensor(t, x, fails):
    """Statistics of one tensor against the sidecar entry t; returns the table row."""
    name, law = t["name"], t["distribution"]
    v = x.astype(np.float64).ravel()
    n = v.size
    mean = float(v.mean()) if n else 0.0
    std = float(v.std()) if n else 0.0
    row = {"name": name, "shape": "x".join(map(str, t["shape"])) or "()", "dtype": t["dtype"],
           "law": t["scheme"], "n": n, "mean": mean, "std": std,
           "mu": t["mean"], "sigma": t["std"], "tol_m": "", "tol_s": "", "ok": True}
    if n == 0:
        return row
    if law is None:
        scheme = t["scheme"]
        if scheme == "orthogonal" and x.ndim == 2:
            r, c = x.shape
            k = min(r, c)
            w = x.astype(np.float64)
            gram = w.T @ w if r >= c else w @ w.T
            g2 = t["std"] ** 2 * n / k
            err = float(np.abs(gram - g2 * np.eye(k)).max())
            tol = 1e-4 * max(g2, 1e-300) if t["dtype"] == "f32" else 1e-10 * max(g2, 1e-300)
            row["law"] = "orthogonal (gram)"
            row["tol_s"] = f"{err:.1e}<={tol:.0e}"
            row["ok"] = fails.check(err <= tol, f"{name}: orthogonal Gram matrix off by {err:.3e} > {tol:.1e}")
        elif scheme in STRUCTURED_EXACT:
            rms = math.sqrt(float((v * v).mean()))
            want = math.hypot(t["mean"], t["std"])
            tol = (1e-4 if t["dtype"] == "f32" else 1e-10) * max(want, 1e-300)
            row["law"] = f"{scheme} (rms)"
            row["tol_s"] = f"{abs(rms - want):.1e}<={tol:.0e}"
            row["ok"] = fails.check(abs(rms - want) <= tol, f"{name}: rms {rms} != {want}")
        else:
            row["law"] = f"{scheme} (not checked)"
        return row
    np_dtype = DTYPES[t["dtype"]][0]
    if law["kind"] == "constant":
        want = np_dtype(law["value"])
        row["law"] = f"constant {law['value']:g}"
        row["tol_m"] = row["tol_s"] = "exact"
        row["ok"] = fails.check(bool(np.all(x == want)), f"{name}: not every element equals {law['value']}")
        return row
    mu, sigma = t["mean"], t["std"]
    kappa = kurtosis(law)
    # f32/f16 rounding of the values moves the moments by far less than this floor.
    floor = (1e-6 if t["dtype"] != "f16" else 1e-3) * max(abs(mu), sigma)
    tol_m = 5.0 * sigma / math.sqrt(n) + floor
    tol_s = 5.0 * sigma * math.sqrt((kappa - 1.0) / (4.0 * n)) + floor
    row["law"] = law["kind"] + (f" k={kappa:.2f}" if law["kind"] == "truncated_normal" else "")
    row["tol_m"] = f"{tol_m:.1e}"
    row["tol_s"] = f"{tol_s:.1e}"
    ok = fails.check(abs(mean - mu) <= tol_m, f"{name}: mean {mean:.6g}, theory {mu:.6g} ± {tol_m:.2g}")
    ok &= fails.check(abs(std - sigma) <= tol_s, f"{name}: std {std:.6g}, theory {sigma:.6g} ± {tol_s:.2g}")
    if law["kind"] in ("uniform", "truncated_normal"):
        lo, hi = np_dtype(law["low"]), np_dtype(law["high"])
        inside = bool(np.all((x >= lo) & (x <= hi)))
        ok &= fails.check(inside, f"{name}: values outside [{law['low']}, {law['high']}]")
    row["ok"] = ok
    return row


class TinyTransformer(nn.Module):
    """examples/common/tiny_transformer.rs in PyTorch: same names, same shapes."""

    class LayerNorm(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(d))
            self.bias = nn.Parameter(torch.empty(d))

        def forward(self, x):
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias)

    class Attention(nn.Module):
        def __init__(self, d):
            super().__init__()
            for n in ("w_q", "w_k", "w_v", "w_o"):
                setattr(self, n, nn.Parameter(torch.empty(d, d)))

        def forward(self, x):
            q, k, v = x @ self.w_q.T, x @ self.w_k.T, x @ self.w_v.T
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return y @ self.w_o.T

    class Mlp(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.fc_w = nn.Parameter(torch.empty(4 * d, d))
            self.fc_b = nn.Parameter(torch.empty(4 * d))
            self.proj_w = nn.Parameter(torch.empty(d, 4 * d))
            self.proj_b = nn.Parameter(torch.empty(d))

        def forward(self, x):
            return F.linear(F.gelu(F.linear(x, self.fc_w, self.fc_b)), self.proj_w, self.proj_b)

    class Block(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.ln1 = TinyTransformer.LayerNorm(d)
            self.attn = TinyTransformer.Attention(d)
            self.ln2 = TinyTransformer.LayerNorm(d)
            self.mlp = TinyTransformer.Mlp(d)

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    def __init__(self, vocab, ctx, d, layers):
        super().__init__()
        self.tok_emb = nn.Parameter(torch.empty(vocab, d))
        self.pos_emb = nn.Parameter(torch.empty(ctx, d))
        self.blocks = nn.ModuleList([TinyTransformer.Block(d) for _ in range(layers)])
        self.ln_f = TinyTransformer.LayerNorm(d)
        self.head_w = nn.Parameter(torch.empty(vocab, d))
        self.head_b = nn.Parameter(torch.empty(vocab, dtype=torch.float64))

    @staticmethod
    def from_state_dict_shapes(sd):
        vocab, d = sd["tok_emb"].shape
        ctx = sd["pos_emb"].shape[0]
        layers = len({k.split(".")[1] for k in sd if k.startswith("blocks.")})
        return TinyTransformer(vocab, ctx, d, layers)

    def forward(self, idx):
        x = self.tok_emb[idx] + self.pos_emb[: idx.shape[1]]
        for b in self.blocks:
            x = b(x)
        return (self.ln_f(x) @ self.head_w.T).double() + self.head_b


def module_tree(sd):
    """An nn.Module whose state-dict names and shapes are those of sd, nothing else."""
    root = nn.Module()
    for name, t in sd.items():
        *parents, leaf = name.split(".")
        m = root
        for p in parents:
            if p not in m._modules:
                m.add_module(p, nn.Module())
            m = m._modules[p]
        m.register_parameter(leaf, nn.Parameter(torch.empty_like(t)))
    return root


def run_module(kind, sd, fails):
    module = TinyTransformer.from_state_dict_shapes(sd) if kind == "tiny_transformer" else module_tree(sd)
    try:
        module.load_state_dict(sd, strict=True)
    except RuntimeError as e:  # strict=True raises on missing/unexpected keys and on shapes
        fails.check(False, f"load_state_dict(strict=True): {e}")
        return
    loaded = module.state_dict()
    same = all(torch.equal(loaded[k], sd[k]) and loaded[k].dtype == sd[k].dtype for k in sd)
    fails.check(same, "load_state_dict: the module's tensors differ from the file's")
    print(f"load_state_dict(strict=True) into {type(module).__name__}: {len(sd)} tensors, "
          f"{sum(t.numel() for t in sd.values())} values, identical: {same}")
    if kind != "tiny_transformer":
        return
    vocab = sd["tok_emb"].shape[0]
    ctx = sd["pos_emb"].shape[0]
    g = torch.Generator().manual_seed(0)
    idx = torch.randint(0, vocab, (4, ctx), generator=g)
    with torch.no_grad():
        logits = module(idx)
    fails.check(tuple(logits.shape) == (4, ctx, vocab), f"forward: logits shape {tuple(logits.shape)}")
    fails.check(bool(torch.isfinite(logits).all()), "forward: non-finite logits")
    loss = F.cross_entropy(logits.reshape(-1, vocab), idx.reshape(-1)).item()
    fails.check(abs(loss - math.log(vocab)) < 1.0, f"forward: loss {loss:.4f} far from ln(vocab) = {math.log(vocab):.4f}")
    print(f"forward on {tuple(idx.shape)} tokens: logits {tuple(logits.shape)} {logits.dtype}, "
          f"std {logits.std().item():.4f}, cross-entropy {loss:.4f} (ln vocab = {math.log(vocab):.4f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("safetensors")
    ap.add_argument("sidecar")
    ap.add_argument("--npz")
    ap.add_argument("--module", choices=["tiny_transformer", "tree"], default="tree")
    args = ap.parse_args()
    fails = Failures()

    with open(args.sidecar) as f:
        side = json.load(f)["tensors"]
    sd = safetensors.torch.load_file(args.safetensors)
    arrays = safetensors.numpy.load_file(args.safetensors)
    with safetensors.safe_open(args.safetensors, framework="np") as f:
        meta = f.metadata() or {}
    print(f"{args.safetensors}: {len(sd)} tensors, metadata {meta}")
    fails.check(meta.get("format") == "pt", f"metadata format is {meta.get('format')!r}, not 'pt'")
    names = [t["name"] for t in side]
    fails.check(sorted(sd) == sorted(names), f"names differ: file {sorted(sd)}, sidecar {sorted(names)}")
    fails.check(sorted(arrays) == sorted(names), "numpy load: names differ")

    rows = []
    for t in side:
        name = t["name"]
        if name not in sd or name not in arrays:
            fails.check(False, f"{name}: missing from the file")
            continue
        np_dtype, torch_dtype = DTYPES[t["dtype"]]
        x, xt = arrays[name], sd[name]
        shape = tuple(t["shape"])
        fails.check(x.shape == shape and tuple(xt.shape) == shape,
                    f"{name}: shape numpy {x.shape} / torch {tuple(xt.shape)}, sidecar {shape}")
        fails.check(x.dtype == np_dtype and xt.dtype == torch_dtype,
                    f"{name}: dtype numpy {x.dtype} / torch {xt.dtype}, sidecar {t['dtype']}")
        fails.check(xt.numpy().tobytes() == x.tobytes(), f"{name}: torch and numpy loads differ")
        flat = x.ravel()
        head = np.array(t["head"], dtype=np.float64).astype(np_dtype)
        tail = np.array(t["tail"], dtype=np.float64).astype(np_dtype)
        fails.check(flat[: head.size].tobytes() == head.tobytes() and flat[flat.size - tail.size:].tobytes() == tail.tobytes(),
                    f"{name}: first/last values differ from the Rust side's (order or bytes)")
        rows.append(check_tensor(t, x, fails))

    if args.npz:
        with np.load(args.npz) as npz:
            fails.check(sorted(npz.files) == sorted(names), f"npz names differ: {sorted(npz.files)}")
            same = 0
            for name in names:
                if name in npz.files and name in arrays:
                    a, b = npz[name], arrays[name]
                    ok = a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
                    same += fails.check(ok, f"{name}: .npz differs from .safetensors")
        print(f"{args.npz}: {same}/{len(names)} arrays bit-identical to the safetensors file")

    w = max(len(r["name"]) for r in rows) if rows else 4
    wl = max(len(r["law"]) for r in rows) if rows else 3
    print(f"{'tensor':<{w}}  {'shape':>9}  {'dtype':5}  {'law':<{wl}}  {'n':>6}  "
          f"{'mean':>10}  {'theory':>10}  {'tol':>8}  {'std':>9}  {'theory':>9}  {'tol':>15}  ok")
    for r in rows:
        print(f"{r['name']:<{w}}  {r['shape']:>9}  {r['dtype']:5}  {r['law']:<{wl}}  {r['n']:>6}  "
              f"{r['mean']:>10.6f}  {r['mu']:>10.6f}  {r['tol_m']:>8}  {r['std']:>9.6f}  {r['sigma']:>9.6f}  "
              f"{r['tol_s']:>15}  {'ok' if r['ok'] else 'FAIL'}")

    run_module(args.module, sd, fails)

    if fails.items:
        print(f"\n{len(fails.items)} failure(s):")
        for f in fails.items:
            print("  " + f)
        sys.exit(1)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
