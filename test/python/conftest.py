"""pytest setup: the attn_mlir package from the build tree (ATTN_BUILD_DIR, default
build/), and an fp64 NumPy reference of attention written from the math (it shares
nothing with the compiler)."""

import os
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("ATTN_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(BUILD / "python"))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def normal(rng, shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def reference(q, k, v, *, visible=None, scale=None, softcap=None, bias=None,
              weight="softmax", divide="sum"):
    """fp64 attention: q [B, Hq, Nq, D], k/v [B, Hkv, Nk, *]; `visible(i, j)` a boolean
    [Nq, Nk] (or [B, Nq, Nk]) matrix; `bias` added after softcap; rows that see no
    key give 0. Returns (out, lse)."""
    q, k, v = (np.asarray(x, dtype=np.float64) for x in (q, k, v))
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    s = q @ k.transpose(0, 1, 3, 2) * (scale if scale is not None else q.shape[-1] ** -0.5)
    if softcap is not None:
        s = softcap * np.tanh(s / softcap)
    if bias is not None:
        s = s + bias
    if visible is not None:
        vis = visible if visible.ndim == 2 else visible[:, None]
        s = np.where(vis, s, -np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        if weight == "softmax":
            m = s.max(-1, keepdims=True, initial=-np.inf)
            m = np.where(np.isfinite(m), m, 0)
            e = np.exp(s - m)
            total = e.sum(-1, keepdims=True)
            out = np.where(total > 0, (e @ v) / np.where(total > 0, total, 1), 0)
            lse = np.where(total[..., 0] > 0, np.log(total[..., 0]) + m[..., 0], -np.inf)
            return out, lse
        w = {"sigmoid": lambda x: 1 / (1 + np.exp(-x)), "relu": lambda x: np.maximum(x, 0)}[weight](s)
        w = np.where(np.isfinite(s), w, 0)
        d = w.sum(-1, keepdims=True) if divide == "sum" else 1.0
        return np.where(d != 0, (w @ v) / np.where(d != 0, d, 1), 0), None


def causal(nq, nk, top_left=False):
    """End-aligned: row i is position i + nk - nq (FlashAttention); top_left: i."""
    i = np.arange(nq)[:, None] + (0 if top_left else nk - nq)
    return np.arange(nk)[None, :] <= i


def window(nq, nk, left, right=0):
    i = np.arange(nq)[:, None] + nk - nq
    j = np.arange(nk)[None, :]
    return (j >= i - left) & (j <= i + right)


def rel_err(got, want):
    """max |got - want| / max(|want|, 1e-30) over the tensor's scale (the project's
    metric: max_abs_err over max |reference|)."""
    got = np.asarray(got, dtype=np.float64)
    scale = max(np.abs(want).max(), 1e-30)
    return np.abs(got - want).max() / scale
