"""An independent NumPy (float64) computation of attention, to check attn-run --save-io.

usage: numpy_attention.py DIR [--mask causal|sink_window|none] [--scale S]
                              [--layout bhnd|bgrnd] [--feature elu_plus_one]
Reads DIR/arg0.npy (q), arg1.npy (k), arg2.npy (v) and DIR/result0.npy, prints
"numpy: max_rel_err=<x> PASS|FAIL" and exits non-zero on FAIL.
"""
import argparse
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("--mask", default="none")
p.add_argument("--scale", type=float, default=None)
p.add_argument("--layout", default="bhnd")
p.add_argument("--feature", default=None)
p.add_argument("--tolerance", type=float, default=1e-5)
a = p.parse_args()

q, k, v, out = (np.load(f"{a.dir}/{n}.npy").astype(np.float64)
                for n in ("arg0", "arg1", "arg2", "result0"))
if q.ndim == 3:  # [H, S, D]: one batch
    q, k, v, out = q[None], k[None], v[None], out[None]
if a.layout == "bgrnd":  # q is [B, G, R, M, D]: query head g * R + r reads kv head g
    b, g, r, m, d = q.shape
    q = q.reshape(b, g * r, m, d)
heads, kv_heads = q.shape[1], k.shape[1]
k = np.repeat(k, heads // kv_heads, axis=1)
v = np.repeat(v, heads // kv_heads, axis=1)
nq, nk = q.shape[2], k.shape[2]

# End-aligned positions: query row i is at i + nk - nq.
pos = np.arange(nq)[:, None] + (nk - nq)
key = np.arange(nk)[None, :]
visible = {
    "none": np.ones((nq, nk), bool),
    "causal": key <= pos,
    "sink_window": (key < 4) | ((key <= pos) & (key >= pos - 63)),
}[a.mask]

if a.feature is None:
    scale = a.scale if a.scale is not None else 1.0 / np.sqrt(q.shape[-1])
    s = np.einsum("bhmd,bhnd->bhmn", q, k) * scale
    s = np.where(visible, s, -np.inf)
    mx = s.max(axis=-1, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0.0)
    w = np.exp(s - mx)
else:
    assert a.feature == "elu_plus_one"
    phi = lambda x: np.where(x > 0, x + 1.0, np.exp(x))
    w = np.einsum("bhmd,bhnd->bhmn", phi(q * (a.scale or 1.0)), phi(k))
    w = np.where(visible, w, 0.0)
den = w.sum(axis=-1, keepdims=True)
expected = np.einsum("bhmn,bhne->bhme", w, v) / np.where(den == 0, 1.0, den)
expected = np.where(den == 0, 0.0, expected)
if q.ndim == 3:  # [H, S, D]: one batch
    q, k, v, out = q[None], k[None], v[None], out[None]
if a.layout == "bgrnd":
    expected = expected.reshape(out.shape)

err = np.abs(out - expected).max() / max(np.abs(expected).max(), 1e-30)
ok = np.isfinite(out).all() and err <= a.tolerance
print(f"numpy: max_rel_err={err:.3e} {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
