#!/usr/bin/env python3
"""Fits the polynomials of the keyed f32 truncated normal's erfinv (init-core/src/sample/philox.rs,
`sqrt2_erfinv_f32` and `sqrt2_erfinv_2sigma_f32`), and prints them as f32 literals.

    target/py-venv/bin/python python/fit_erfinv.py     # needs numpy and mpmath

Giles's form (M. Giles 2010, "Approximating the erfinv function"): with w = -ln((1 - x)(1 + x)),
sqrt(2)*erfinv(x) = x*P(w). For each range |sqrt(2)*erfinv(x)| <= cut, P is fitted by least
squares at 3,000 Chebyshev nodes of w in [0, W] (W = w at erf(cut/sqrt 2), 0.05% to spare) to
sqrt(2)*erfinv(x)/x computed by mpmath at 30 digits, written in powers of (w - centre), and its
coefficients rounded to f32. The script then evaluates the f32 kernel as the Rust code does
(numpy float32: IEEE operations, no fused multiply-add) at random and edge points and prints its
largest error in ulps against mpmath; the Rust test `sqrt2_erfinv_is_accurate` checks the same
bound on a dense sweep.
"""

import mpmath as mp
import numpy as np

mp.mp.dps = 30
f32 = np.float32

# (name, cut in sigmas, degree, centre of the power basis)
FITS = [("sqrt2_erfinv_f32", 4.0, 11, 2.0), ("sqrt2_erfinv_2sigma_f32", 2.05, 6, 0.625)]


def target(w):
    """sqrt(2)*erfinv(x)/x at w = -ln(1 - x^2)."""
    w = mp.mpf(w)
    if w == 0:
        return mp.sqrt(2) * mp.sqrt(mp.pi) / 2
    x = mp.sqrt(-mp.expm1(-w))
    return mp.sqrt(2) * mp.erfinv(x) / x


def fit(width, degree, centre, nodes=3000):
    k = np.arange(nodes)
    t = np.cos(np.pi * (k + 0.5) / nodes)
    ws = (t + 1) * width / 2
    ys = np.array([float(target(w)) for w in ws])
    cheb = np.polynomial.chebyshev.chebfit(t, ys, degree)
    p = np.polynomial.Polynomial(np.polynomial.chebyshev.cheb2poly(cheb))
    # t = (w - W/2)/(W/2) = (s + centre - W/2)/(W/2) with s = w - centre
    return p(np.polynomial.Polynomial([(centre - width / 2) / (width / 2), 1 / (width / 2)])).coef


def ln_f32_int(y):
    """philox::ln_f32_int, in numpy float32."""
    ix = y.view(np.uint32) - np.uint32(0x3F3504F3)
    k = ix.view(np.int32) >> 23
    m = ((ix & np.uint32(0x7FFFFF)) + np.uint32(0x3F3504F3)).view(f32)
    s = (m - f32(1)) / (m + f32(1))
    z = s * s
    p = f32(1) + z * (f32(1 / 3) + z * (f32(1 / 5) + z * (f32(1 / 7) + z * f32(1 / 9))))
    return k.astype(f32) * f32(np.log(2)) + f32(2) * s * p


def kernel(coef, centre, x):
    t = -ln_f32_int((f32(1) - x) * (f32(1) + x)) - f32(centre)
    acc = np.full_like(x, coef[-1])
    for c in coef[-2::-1]:
        acc = acc * t + c
    return x * acc


for name, cut, degree, centre in FITS:
    xmax = mp.erf(cut / mp.sqrt(2))
    width = float(-mp.log((1 - xmax) * (1 + xmax))) * 1.0005
    coef = fit(width, degree, centre).astype(f32)
    print(f"{name}: |z| <= {cut}, degree {degree} in w - {centre} on w in [0, {width:.4f}]")
    for c in coef:
        print(f"    {c},")
    rng = np.random.default_rng(7)
    xm = float(xmax)
    x = np.concatenate(
        [rng.uniform(-xm, xm, 60000), np.linspace(xm * 0.999, xm, 5000), np.geomspace(1e-30, 1e-2, 3000)]
    ).astype(f32)
    x = x[np.abs(x) <= f32(xm)]
    want = np.array([float(mp.sqrt(2) * mp.erfinv(mp.mpf(float(v)))) for v in x])
    got = kernel(coef, centre, x).astype(np.float64)
    ulps = np.abs(got - want) / np.spacing(np.abs(want).astype(f32)).astype(np.float64)
    print(f"    largest error {ulps.max():.2f} ulps (mean {ulps.mean():.3f})")
