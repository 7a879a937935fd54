"""What the Python peers share: their command line and the fp64 reference of --check."""
import argparse
import math


def parse(doc, extra=None):
    """--heads H --kv-heads G --n N --d D [--causal] --threads T --reps R [--check] [--seed S],
    plus what `extra(parser)` adds."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=None)
    p.add_argument("--n", type=int, default=1024)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--causal", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--check", action="store_true")
    p.add_argument("--seed", type=int, default=42)
    if extra:
        extra(p)
    a = p.parse_args()
    if a.kv_heads is None:
        a.kv_heads = a.heads
    if a.heads % a.kv_heads:
        p.error("--heads must be a multiple of --kv-heads")
    return a


def reference(q, k, v, causal):
    """softmax(q k^T / sqrt(D)) v in fp64; q [H,N,D], k/v [H,N,D] (already expanded)."""
    import numpy as np

    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    s = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
    if causal:
        n = s.shape[-1]
        s = np.where(np.tril(np.ones((n, n), dtype=bool)), s, -np.inf)
    s = s - s.max(-1, keepdims=True)
    p = np.exp(s)
    return (p / p.sum(-1, keepdims=True)) @ v


def check(result, out, ref, tolerance=1e-4):
    """Adds max_rel_err (max |out - ref| / max |ref|) and pass/FAIL to `result`."""
    import numpy as np

    err = float(np.max(np.abs(out - ref)) / np.max(np.abs(ref)))
    result["max_rel_err"] = float(f"{err:.3e}")
    result["check"] = "pass" if err <= tolerance else "FAIL"
    return err <= tolerance


def torch_threads(threads):
    """Imports torch with `threads` intra-op threads and one inter-op thread."""
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass
    return torch
