#!/usr/bin/env python3
"""PyTorch FlexAttention peer on the CPU: torch.compile'd flex_attention with a BlockMask.

    flex_attention.py --mask KIND [--window W] [--sink S] [--chunk C] [--prefix P]
                      [--grid HxW --kernel KHxKW] --heads H --n N --d D --threads T --reps R [--check]

KIND: dense, causal, window (causal sliding window of W keys, the query included),
document (causal within packed documents of --doc-len tokens, ids looked up in a tensor),
layout (a [QB, KB] block layout from --layout, blocks of --block tokens),
sink_window (S sink keys or the window), chunk (block-diagonal chunks of C), prefix
(bidirectional prefix of P keys, causal rest), neighborhood (2-D NATTEN window, odd
kernel, clamped at the borders, on a row-major grid). The mask is a mask_mod;
create_block_mask builds the BlockMask (128 x 128 blocks, FlexAttention's default) outside
the timed region; flex_attention is torch.compile'd once (compile time reported, not
timed). fp32, q/k/v [1, H, N, D] random normal, scale 1/sqrt(D). Median and min of R
timed calls after 2 warm-up calls; one JSON line, with the BlockMask's density (the
fraction of blocks it visits).
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


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mask", required=True,
                   choices=["dense", "causal", "window", "sink_window", "chunk", "prefix",
                            "neighborhood", "document", "layout"])
    p.add_argument("--layout", default=None,
                   help=".npy [QB, KB] int32 block layout for --mask layout (nonzero: visible)")
    p.add_argument("--block", type=int, default=256, help="block size of --layout")
    p.add_argument("--doc-len", type=int, default=1024,
                   help="document length for --mask document (causal within documents)")
    p.add_argument("--window", type=int, default=512)
    p.add_argument("--sink", type=int, default=4)
    p.add_argument("--chunk", type=int, default=512)
    p.add_argument("--prefix", type=int, default=1024)
    p.add_argument("--grid", default="128x128")
    p.add_argument("--kernel", default="7x7")
    p.add_argument("--heads", type=int, default=1)
    p.add_argument("--n", type=int, default=4096)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--check", action="store_true")
    return p.parse_args()


def mask_mod_for(a, torch):
    documents = torch.arange(a.n) // a.doc_len
    layout = None
    if a.layout:
        import numpy as np
        layout = torch.from_numpy(np.load(a.layout))
    gh, gw = (int(x) for x in a.grid.split("x"))
    kh, kw = (int(x) for x in a.kernel.split("x"))

    def window_start(x, k, length):
        return torch.clamp(x - k // 2, min=0, max=length - k)

    def mod(b, h, q, kv):
        if a.mask == "dense":
            return q >= 0
        if a.mask == "causal":
            return kv <= q
        if a.mask == "window":
            return (kv <= q) & (q - kv < a.window)
        if a.mask == "sink_window":
            return (kv < a.sink) | ((kv <= q) & (q - kv < a.window))
        if a.mask == "chunk":
            return (q // a.chunk) == (kv // a.chunk)
        if a.mask == "prefix":
            return (kv < a.prefix) | (kv <= q)
        if a.mask == "document":
            return (documents[q] == documents[kv]) & (kv <= q)
        if a.mask == "layout":
            return layout[q // a.block, kv // a.block] != 0
        qr, qc, kr, kc = q // gw, q % gw, kv // gw, kv % gw
        rs, cs = window_start(qr, kh, gh), window_start(qc, kw, gw)
        return (kr >= rs) & (kr < rs + kh) & (kc >= cs) & (kc < cs + kw)
    return mod


def main():
    a = parse()
    torch = common.torch_threads(a.threads)
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    torch.manual_seed(0)
    q, k, v = (torch.randn(1, a.heads, a.n, a.d) for _ in range(3))
    mod = mask_mod_for(a, torch)
    block_mask = create_block_mask(mod, B=None, H=None, Q_LEN=a.n, KV_LEN=a.n, device="cpu")
    compiled = torch.compile(flex_attention)
    start = time.perf_counter()
    with torch.inference_mode():
        out = compiled(q, k, v, block_mask=block_mask)
        compile_s = time.perf_counter() - start
        for _ in range(2):
            compiled(q, k, v, block_mask=block_mask)
        times = []
        for _ in range(a.reps):
            t = time.perf_counter()
            compiled(q, k, v, block_mask=block_mask)
            times.append((time.perf_counter() - t) * 1e3)
    sparsity = float(block_mask.sparsity()) if hasattr(block_mask, "sparsity") else float("nan")
    result = {"peer": "flex_attention", "median_ms": statistics.median(times),
              "min_ms": min(times), "reps": a.reps, "mask": a.mask, "heads": a.heads,
              "n": a.n, "d": a.d, "threads": a.threads, "compile_s": round(compile_s, 2),
              "block_density": round(1 - sparsity / 100, 4), "torch": torch.__version__}
    if a.check:
        import numpy as np
        qn, kn, vn = (x[0].double().numpy() for x in (q, k, v))
        idx = torch.arange(a.n)
        allowed = mod(0, 0, idx[:, None], idx[None, :]).numpy()
        s = qn @ kn.transpose(0, 2, 1) / math.sqrt(a.d)
        s = np.where(allowed, s, -np.inf)
        p = np.exp(s - s.max(-1, keepdims=True))
        ref = (p / p.sum(-1, keepdims=True)) @ vn
        err = float(np.abs(out[0].double().numpy() - ref).max() / np.abs(ref).max())
        result["max_rel_err"] = err
        result["check"] = "pass" if err < 1e-4 else "FAIL"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
