#!/usr/bin/env python3
"""PyTorch peer: causal linear attention (phi = elu + 1, normalised) on the CPU, fp32,
in the chunked form (Lightning Attention-2 / flash-linear-attention's "chunk" mode)
written with torch ops: per chunk of C tokens the masked quadratic form plus the
running state phi(K)^T V and sum phi(K).

    torch_linear.py --heads H --n N --d D --chunk C --threads T --reps R [--check]

q, k, v are [1, H, N, D] random normal (scale 1). Median and min of R timed calls after
2 warm-ups, under torch.inference_mode(); one JSON line. --check compares with the fp64
quadratic form (numpy) on the first 2048 tokens.
"""
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def linear_attention(q, k, v, chunk):
    import torch
    import torch.nn.functional as F

    q, k = F.elu(q) + 1, F.elu(k) + 1
    b, h, n, d = q.shape
    state = q.new_zeros(b, h, d, v.shape[-1])
    keysum = q.new_zeros(b, h, d, 1)
    out = torch.empty_like(v)
    mask = torch.ones(chunk, chunk, dtype=torch.bool).tril()
    for c0 in range(0, n, chunk):
        c1 = min(c0 + chunk, n)
        qc, kc, vc = q[:, :, c0:c1], k[:, :, c0:c1], v[:, :, c0:c1]
        a = (qc @ kc.transpose(-1, -2)).masked_fill(~mask[: c1 - c0, : c1 - c0], 0.0)
        num = qc @ state + a @ vc
        den = qc @ keysum + a.sum(-1, keepdim=True)
        out[:, :, c0:c1] = num / den
        state += kc.transpose(-1, -2) @ vc
        keysum += kc.sum(2).unsqueeze(-1)
    return out


def reference(q, k, v):
    import numpy as np

    elu1 = lambda x: np.where(x > 0, x + 1, np.exp(np.minimum(x, 0)))
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    a = np.tril(elu1(q) @ elu1(k).transpose(0, 2, 1))
    return (a @ v) / a.sum(-1, keepdims=True)


def main():
    a = common.parse(__doc__, lambda p: p.add_argument("--chunk", type=int, default=64))
    torch = common.torch_threads(a.threads)
    g = torch.Generator().manual_seed(a.seed)
    q, k, v = (torch.randn(1, a.heads, a.n, a.d, generator=g) for _ in range(3))
    times = []
    with torch.inference_mode():
        for i in range(a.reps + 2):
            t0 = time.perf_counter()
            out = linear_attention(q, k, v, a.chunk)
            if i >= 2:
                times.append(time.perf_counter() - t0)
    result = {"peer": "torch_linear_chunked", "torch": torch.__version__, "n": a.n, "d": a.d,
              "heads": a.heads, "chunk": a.chunk, "threads": a.threads,
              "median_ms": statistics.median(times) * 1e3, "min_ms": min(times) * 1e3}
    if a.check:
        m = min(a.n, 2048)
        ref = reference(q[0, :, :m].numpy(), k[0, :, :m].numpy(), v[0, :, :m].numpy())
        common.check(result, out[0, :, :m].numpy(), ref)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
