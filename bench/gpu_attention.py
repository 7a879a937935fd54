#!/usr/bin/env python3
"""Fused attention on an NVIDIA GPU: attn-mlir's tensor-core kernel against PyTorch.

bf16, B = 4, H = 16, D = 128, N in {1024, 4096, 16384}, dense and causal, plus a
sliding window of 1024 (causal) against FlexAttention's block mask. attn-mlir is
`attn-run --target=cuda --bench` (attn-to-nvvm, launched through the CUDA driver,
CUDA-event medians); the peers are bench/peers/torch_gpu.py (SDPA's flash and cuDNN
backends, torch.compile'd flex_attention) run with this Python (PyTorch with CUDA).
TFLOP/s count 4 B H N^2 D, times the fraction of pairs the mask keeps.

    python3 bench/gpu_attention.py [--update-docs] [--chip sm_90a]

Exits with "no CUDA device" (status 2) and changes nothing where there is no GPU. It
needs attn-run on the GPU machine itself; where that machine has no LLVM/MLIR (the
lent H200), use bench/gpu_bundle/ (prepare here, run there, check here).
Writes bench/results/gpu_attention.json. Not a test: no thresholds.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from docs_section import replace_section

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("ATTN_BUILD_DIR", os.path.join(ROOT, "build"))
BEGIN, END = "<!-- gpu-attention:begin -->", "<!-- gpu-attention:end -->"
MASKS = {"dense": None, "causal": "causal", "window": "and(causal, window(1023, 0))"}


def program(b, h, d, mask):
    t = f"tensor<{b}x{h}x?x{d}xbf16>"
    attr = f"mask #attn.mask<{MASKS[mask]}> " if MASKS[mask] else ""
    return f"""func.func @attention(%q: {t} {{attn.dims = "bhnd"}}, %k: {t} {{attn.dims = "bhnd"}},
                     %v: {t} {{attn.dims = "bhnd"}}) -> {t} {{
  %o = attn.attention {attr}ins(%q, %k, %v : {t}, {t}, {t}) -> {t}
  return %o : {t}
}}
"""


def kept_fraction(mask, n, window=1024):
    if mask == "dense":
        return 1.0
    if mask == "causal":
        return (n + 1) / (2 * n)
    rows = sum(min(i + 1, window) for i in range(n))
    return rows / (n * n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1024,4096,16384")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--chip", default="sm_90a")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--update-docs", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in args.sizes.split(",")]:
            for mask in ["dense", "causal", "window"]:
                path = os.path.join(tmp, "p.mlir")
                with open(path, "w") as f:
                    f.write(program(args.batch, args.heads, args.d, mask))
                out = subprocess.run([os.path.join(BUILD, "bin", "attn-run"), path, "--target=cuda",
                                      "--chip", args.chip, "--dims", f"n={n}", "--bench",
                                      "--reps", str(args.reps)] + (["--check"] if n <= 1024 else []),
                                     capture_output=True, text=True)
                if "skipped: no CUDA device" in out.stdout:
                    print(out.stdout.strip().splitlines()[-1], file=sys.stderr)
                    sys.exit(2)
                if out.returncode != 0:
                    sys.exit(f"attn-run failed:\n{out.stdout}\n{out.stderr}")
                ours = float(re.search(r"median ([0-9.]+) ms", out.stdout).group(1))
                check = re.search(r"check: .*", out.stdout)
                flops = 4.0 * args.batch * args.heads * n * n * args.d * kept_fraction(mask, n)
                entry = {"n": n, "mask": mask, "ours_ms": ours, "tflops": flops / ours / 1e9,
                         "check": check.group(0) if check else None}
                peers = ["flex"] if mask == "window" else ["sdpa_flash", "sdpa_cudnn", "flex"]
                for peer in peers:
                    r = subprocess.run([sys.executable, os.path.join(HERE, "peers", "torch_gpu.py"),
                                        "--peer", peer, "--batch", str(args.batch), "--heads",
                                        str(args.heads), "--n", str(n), "--d", str(args.d), "--mask", mask,
                                        "--reps", str(args.reps)], capture_output=True, text=True)
                    try:
                        entry[peer] = json.loads(r.stdout.strip().splitlines()[-1])
                    except Exception:
                        entry[peer] = {"error": (r.stderr or r.stdout)[-300:]}
                rows.append(entry)
                print(json.dumps(entry), flush=True)
    lines = ["| N | mask | attn-mlir ms | TFLOP/s | SDPA flash ms | SDPA cuDNN ms | FlexAttention ms | "
             "ours / Flex throughput |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        def ms(peer):
            p = r.get(peer)
            return f"{p['median_ms']:.2f}" if p and "median_ms" in p else "-"
        flex = r.get("flex", {}).get("median_ms")
        ratio = f"{flex / r['ours_ms']:.2f}" if flex else "-"
        lines.append(f"| {r['n']} | {r['mask']} | {r['ours_ms']:.2f} | {r['tflops']:.1f} | {ms('sdpa_flash')} | "
                     f"{ms('sdpa_cudnn')} | {ms('flex')} | {ratio} |")
    table = "\n".join(lines)
    print(table)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "gpu_attention.json"), "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d"), "chip": args.chip, "rows": rows}, f, indent=1)
    if args.update_docs:
        replace_section(BEGIN, END, f"Generated by `python3 bench/gpu_attention.py --update-docs` on "
                                    f"{time.strftime('%Y-%m-%d')} ({args.chip}; JSON: "
                                    f"`bench/results/gpu_attention.json`).\n\n{table}")


if __name__ == "__main__":
    main()
