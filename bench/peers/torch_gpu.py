#!/usr/bin/env python3
"""PyTorch peers on an NVIDIA GPU, bf16: scaled_dot_product_attention (its flash and
cuDNN backends, each forced with sdpa_kernel) and torch.compile'd flex_attention (with
a BlockMask from create_block_mask for causal and sliding-window masks).

    torch_gpu.py --peer sdpa_flash|sdpa_cudnn|flex --batch B --heads H --n N --d D
                 --mask dense|causal|window [--window W] --reps R

q, k, v are [B, H, N, D] random normal bf16 on cuda:0. Times are CUDA-event medians of
R calls after 3 warm-ups. Prints one JSON line (an "error" field when the peer cannot
run this configuration).
"""
import argparse
import json
import statistics


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--peer", required=True)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--n", type=int, default=4096)
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--mask", default="dense")
    p.add_argument("--window", type=int, default=1024)
    p.add_argument("--reps", type=int, default=20)
    a = p.parse_args()
    import torch
    import torch.nn.functional as F

    result = {"peer": a.peer, "torch": torch.__version__, "n": a.n, "mask": a.mask}
    g = torch.Generator(device="cuda").manual_seed(0)
    q, k, v = (torch.randn(a.batch, a.heads, a.n, a.d, device="cuda", dtype=torch.bfloat16,
                           generator=g) for _ in range(3))
    try:
        if a.peer.startswith("sdpa"):
            from torch.nn.attention import SDPBackend, sdpa_kernel
            backend = SDPBackend.FLASH_ATTENTION if a.peer == "sdpa_flash" else SDPBackend.CUDNN_ATTENTION
            if a.mask == "window":
                raise RuntimeError("SDPA has no sliding-window mask without a dense mask tensor")

            def call():
                with sdpa_kernel(backend):
                    return F.scaled_dot_product_attention(q, k, v, is_causal=a.mask == "causal")
        else:
            from torch.nn.attention.flex_attention import create_block_mask, flex_attention
            if a.mask == "dense":
                block_mask = None
            else:
                w = a.window

                def mask_mod(b, h, qi, kj):
                    causal = kj <= qi
                    return causal & (qi - kj < w) if a.mask == "window" else causal
                block_mask = create_block_mask(mask_mod, None, None, a.n, a.n, device="cuda")
                result["block_density"] = float(1.0 - block_mask.sparsity() / 100.0)
            compiled = torch.compile(flex_attention)

            def call():
                return compiled(q, k, v, block_mask=block_mask)
        with torch.inference_mode():
            for _ in range(3):
                call()
            torch.cuda.synchronize()
            times = []
            for _ in range(a.reps):
                start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                call()
                stop.record()
                stop.synchronize()
                times.append(start.elapsed_time(stop))
        result["median_ms"] = statistics.median(times)
    except Exception as e:  # a peer that cannot run a configuration says so
        result["error"] = f"{type(e).__name__}: {e}"[:300]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
