#!/usr/bin/env python3
"""PyTorch peers of the score-mod / normaliser variants on the CPU.

    torch_variants.py --variant alibi|t5|bias|sigmoid|relu2 --impl flex|unfused
                      --heads H --n N --d D --threads T --reps R

flex: torch.compile'd flex_attention with the variant's score_mod (closing over the
slopes / table / bias tensor, as FlexAttention documents) and a causal BlockMask built
outside the timed region (compile time reported, not timed). unfused: the variant as
PyTorch ops (q k^T, the weight function with the causal mask, then @ v), for the
normalisers FlexAttention cannot express. fp32, q/k/v [1, H, N, D] random normal, scale
1/sqrt(D). Median and min of R timed calls after 2 warm-ups; one JSON line.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

RADIUS = 128  # T5 table: [H, 2R+1] relative positions, clamped beyond R


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variant", required=True, choices=["alibi", "t5", "bias", "sigmoid", "relu2"])
    p.add_argument("--impl", required=True, choices=["flex", "unfused"])
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--n", type=int, default=2048)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args()
    torch = common.torch_threads(a.threads)
    torch.manual_seed(0)
    H, N, D = a.heads, a.n, a.d
    q, k, v = (torch.randn(1, H, N, D) for _ in range(3))
    slopes = torch.tensor([2.0 ** (-8.0 * (h + 1) / H) for h in range(H)])
    table = torch.randn(H, 2 * RADIUS + 1)
    bias = torch.randn(1, 1, N, N) if a.variant == "bias" else None
    scale = 1.0 / math.sqrt(D)

    if a.impl == "flex":
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention

        def score_mod(score, b, h, qi, kv):
            if a.variant == "alibi":
                return score - slopes[h] * (qi - kv)
            if a.variant == "t5":
                return score + table[h, torch.clamp(kv - qi + RADIUS, 0, 2 * RADIUS)]
            return score + bias[0, 0, qi, kv]

        block_mask = create_block_mask(lambda b, h, qi, kv: kv <= qi, B=None, H=None,
                                       Q_LEN=N, KV_LEN=N, device="cpu")
        compiled = torch.compile(flex_attention)
        call = lambda: compiled(q, k, v, score_mod=score_mod, block_mask=block_mask)  # noqa: E731
    else:
        causal = torch.ones(N, N, dtype=torch.bool).tril()

        def call():
            s = (q @ k.transpose(-1, -2)) * scale
            if a.variant == "sigmoid":
                w = torch.sigmoid(s - math.log(N))
            else:
                w = torch.relu(s) ** 2 / N
            return w.masked_fill_(~causal, 0.0) @ v

    start = time.perf_counter()
    with torch.inference_mode():
        call()
        compile_s = time.perf_counter() - start
        call()
        times = []
        for _ in range(a.reps):
            t = time.perf_counter()
            call()
            times.append((time.perf_counter() - t) * 1e3)
    print(json.dumps({"peer": f"torch_{a.impl}", "variant": a.variant, "median_ms": statistics.median(times),
                      "min_ms": min(times), "compile_s": round(compile_s, 2), "heads": H, "n": N,
                      "d": D, "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
