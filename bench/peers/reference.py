"""fp64 numpy reference shared by the Python peers' --check."""
import math


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
