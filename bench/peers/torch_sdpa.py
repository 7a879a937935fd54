#!/usr/bin/env python3
"""PyTorch peer: torch.nn.functional.scaled_dot_product_attention on the CPU, fp32 or bf16.

    torch_sdpa.py --heads H --kv-heads G --n N --d D [--causal] --threads T --reps R [--check]
                  [--dtype f32|bf16]

q is [1, H, N, D], k and v are [1, G, N, D], random normal. Causal uses is_causal=True
(no mask tensor). GQA uses enable_gqa=True where the installed torch has it (2.5+);
otherwise k and v are repeat_interleave'd to H heads once, outside the timed region
("gqa" in the JSON says which). torch.set_num_threads(T) (and set_num_interop_threads(1)),
everything under torch.inference_mode(); median and min of R timed calls after 2
warm-up calls. Prints one JSON line; "backend" names the SDPA kernel PyTorch picked
for the CPU where it can be told (flash attention for fp32 CPU in recent versions).
bf16: the fp32 draws rounded to bf16 (--check compares with the fp64 reference of the
rounded inputs).
"""
import os
import sys
import json
import math
import statistics
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import reference  # noqa: E402


def parse():
    return common.parse(__doc__, lambda p: p.add_argument("--dtype", choices=["f32", "bf16"],
                                                          default="f32"))


def main():
    a = parse()
    torch = common.torch_threads(a.threads)
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(a.seed)
    q = torch.randn(1, a.heads, a.n, a.d, generator=g, dtype=torch.float32)
    k = torch.randn(1, a.kv_heads, a.n, a.d, generator=g, dtype=torch.float32)
    v = torch.randn(1, a.kv_heads, a.n, a.d, generator=g, dtype=torch.float32)
    if a.dtype == "bf16":
        q, k, v = (t.to(torch.bfloat16) for t in (q, k, v))

    group = a.heads // a.kv_heads
    kwargs = {"is_causal": a.causal}
    gqa = "none"
    kk, vv = k, v
    if group > 1:
        try:
            with torch.inference_mode():
                F.scaled_dot_product_attention(q[:, :, :2], k[:, :, :2], v[:, :, :2],
                                               enable_gqa=True)
            kwargs["enable_gqa"] = True
            gqa = "enable_gqa"
        except TypeError:
            kk = k.repeat_interleave(group, dim=1).contiguous()
            vv = v.repeat_interleave(group, dim=1).contiguous()
            gqa = "repeat_interleave (outside timing)"

    with torch.inference_mode():
        def call():
            return F.scaled_dot_product_attention(q, kk, vv, **kwargs)

        out = call()
        call()
        times = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            call()
            times.append((time.perf_counter() - t0) * 1e3)

    backend = "unknown"
    try:
        # Which fused CPU kernel SDPA would pick (0 = math, 1 = flash attention).
        choice = torch._fused_sdp_choice(q, kk, vv, is_causal=a.causal,
                                         **({"enable_gqa": True} if gqa == "enable_gqa" else {}))
        backend = {0: "math", 1: "flash_attention", 2: "efficient_attention",
                   3: "cudnn_attention", 4: "overrideable"}.get(int(choice), str(choice))
    except Exception:
        pass

    res = {
        "peer": "torch_sdpa",
        "median_ms": round(statistics.median(times), 4),
        "min_ms": round(min(times), 4),
        "reps": a.reps,
        "heads": a.heads, "kv_heads": a.kv_heads, "n": a.n, "d": a.d,
        "causal": a.causal, "threads": a.threads, "dtype": a.dtype,
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "gqa": gqa, "mask": "is_causal" if a.causal else "none", "backend": backend,
    }
    ok = True
    if a.check:
        qe = q[0].float().numpy()
        ke = k[0].repeat_interleave(group, dim=0).float().numpy()
        ve = v[0].repeat_interleave(group, dim=0).float().numpy()
        ok = common.check(res, out[0].float().numpy(), reference(qe, ke, ve, a.causal),
                          tolerance=1e-2 if a.dtype == "bf16" else 1e-4)
    print(json.dumps(res), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
