#!/usr/bin/env python3
"""PyTorch decode peers on the CPU: SDPA (enable_gqa) and torch.compile'd FlexAttention.

    torch_decode.py --impl sdpa|flex --batch B --heads H --kv-heads G --nq Q --n N
                    --d D [--dv E] --threads T --reps R

q [B, H, Q, D], k [B, G, N, D], v [B, G, N, E] random normal fp32 (or rounded to bf16 with
--dtype bf16), no mask (decoding
rows see the whole cache), scale 1/sqrt(D). SDPA runs under inference_mode with
enable_gqa=True; FlexAttention is torch.compile'd once (compile time reported, not
timed) and called with enable_gqa=True (its short-query path). Median and min of R
timed calls after 2 warm-up calls; one JSON line.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", choices=["sdpa", "flex"], required=True)
    for name, default in [("batch", 1), ("heads", 32), ("kv-heads", 8), ("nq", 1), ("n", 32768),
                          ("d", 128), ("dv", 0), ("threads", 1), ("reps", 10)]:
        p.add_argument(f"--{name}", type=int, default=default)
    p.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    a = p.parse_args()
    torch = common.torch_threads(a.threads)
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(0)
    dv = a.dv or a.d
    q = torch.randn(a.batch, a.heads, a.nq, a.d, generator=g)
    k = torch.randn(a.batch, a.kv_heads, a.n, a.d, generator=g)
    v = torch.randn(a.batch, a.kv_heads, a.n, dv, generator=g)
    if a.dtype == "bf16":
        q, k, v = (t.to(torch.bfloat16) for t in (q, k, v))
    compile_s = None
    if a.impl == "sdpa":
        def call():
            with torch.inference_mode():
                return F.scaled_dot_product_attention(q, k, v, enable_gqa=a.heads != a.kv_heads)
    else:
        from torch.nn.attention.flex_attention import flex_attention
        flex = torch.compile(flex_attention)
        t0 = time.perf_counter()
        with torch.no_grad():
            flex(q, k, v, enable_gqa=a.heads != a.kv_heads)
        compile_s = time.perf_counter() - t0

        def call():
            with torch.no_grad():
                return flex(q, k, v, enable_gqa=a.heads != a.kv_heads)
    for _ in range(2):
        call()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"peer": f"torch_{a.impl}", "median_ms": statistics.median(times),
                      "min_ms": min(times), "compile_s": compile_s, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
