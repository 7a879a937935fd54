#!/usr/bin/env python3
"""Structured sparsity on the CPU: does the fused kernel's time scale with density?

For each mask at N = 16384, D = 64, one head, fp32, one thread, in one run:
  - attn-mlir's time (attn-run --bench) and its speedup over dense attention;
  - the fraction of (query block x key tile) pairs the kernel visits, from
    `attn-opt --attn-print-tile-classification` at the kernel's granularity (6 query
    rows x 64 keys on AVX-512), and the time relative to (visited fraction x dense time);
  - the exact density of the mask (fraction of visible pairs) and the ideal speedup 1/density;
  - PyTorch FlexAttention (torch.compile'd, BlockMask of 128 x 128 blocks) for the masks
    it expresses, and our speedup over it.

    bench/.venv/bin/python bench/sparsity.py [--n 16384] [--update-docs]

Writes bench/results/sparsity.json and, with --update-docs, the generated section of
docs/benchmarks.md. Not a test: no thresholds.
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
PY = os.path.join(HERE, ".venv", "bin", "python")
BEGIN, END = "<!-- sparsity:begin -->", "<!-- sparsity:end -->"

# name, attn mask (None: dense), FlexAttention peer arguments (None: not expressible)
MASKS = [
    ("dense", None, ["--mask", "dense"]),
    ("causal", "causal", ["--mask", "causal"]),
    ("sliding window 512 (causal)", "and(causal, window(511, 0))", ["--mask", "window", "--window", "512"]),
    ("sink 4 + window 512", "or(sink(4), and(causal, window(511, 0)))",
     ["--mask", "sink_window", "--sink", "4", "--window", "512"]),
    ("chunked 512", "chunk(512)", ["--mask", "chunk", "--chunk", "512"]),
    ("prefix-LM 1024", "prefix(1024)", ["--mask", "prefix", "--prefix", "1024"]),
    ("2-D neighborhood 7x7 on 128x128", "neighborhood(128x128, 7x7)",
     ["--mask", "neighborhood", "--grid", "128x128", "--kernel", "7x7"]),
    ("causal documents of 1024 (run-time ids)", "and(causal, document)",
     ["--mask", "document", "--doc-len", "1024"]),
    ("block-sparse 8 of 64 blocks of 256 (run-time layout)", "blocks(0, 256, 256)",
     ["--mask", "layout", "--block", "256"]),
    ("MoBA top-8 of 64 blocks of 256 (run-time indices, same blocks)", "topk_blocks(0, 256, 256)",
     ["--mask", "layout", "--block", "256"]),
]
LAYOUT_BLOCK, LAYOUT_KEEP = 256, 8
DOC_LEN = 1024


def program(d, mask):
    attr = f"mask #attn.mask<{mask}> " if mask else ""
    t = f"tensor<1x1x?x{d}xf32>"
    seg_arg, seg_use = "", ""
    if mask and "document" in mask:
        seg_arg = ', %seg: tensor<1x?xi32> {attn.dims = "bn"}'
        seg_use = "mask_operands(%seg : tensor<1x?xi32>) "
    if mask and "blocks" in mask:
        seg_arg = ', %layout: tensor<1x1x?x?xi32> {attn.dims = "bhxy"}'
        seg_use = "mask_operands(%layout : tensor<1x1x?x?xi32>) "
    if mask and "topk_blocks" in mask:
        seg_arg = ', %indices: tensor<1x1x?x?xi32> {attn.dims = "bhxk"}'
        seg_use = "mask_operands(%indices : tensor<1x1x?x?xi32>) "
    return f"""func.func @attention(%q: {t} {{attn.dims = "bhnd"}}, %k: {t} {{attn.dims = "bhnd"}},
                     %v: {t} {{attn.dims = "bhnd"}}{seg_arg}) -> {t} {{
  %o = attn.attention {attr}{seg_use}ins(%q, %k, %v : {t}, {t}, {t}) -> {t}
  return %o : {t}
}}
"""


def document_inputs(directory, n, d):
    """q, k, v random normal and segment ids of packed documents of DOC_LEN tokens."""
    import numpy as np
    rng = np.random.default_rng(0)
    os.makedirs(directory, exist_ok=True)
    for i in range(3):
        np.save(os.path.join(directory, f"arg{i}.npy"), rng.standard_normal((1, 1, n, d), dtype=np.float32))
    np.save(os.path.join(directory, "arg3.npy"), (np.arange(n, dtype=np.int32) // DOC_LEN)[None, :])


def layout_inputs(directory, n, d, indices=False):
    """q, k, v and a layout keeping LAYOUT_KEEP random kv blocks (its own included) per
    query block; the layout is also saved for the FlexAttention peer. With `indices`,
    arg3 holds the same selection as MoBA's [1, 1, QB, LAYOUT_KEEP] block indices."""
    import numpy as np
    rng = np.random.default_rng(0)
    os.makedirs(directory, exist_ok=True)
    for i in range(3):
        np.save(os.path.join(directory, f"arg{i}.npy"), rng.standard_normal((1, 1, n, d), dtype=np.float32))
    blocks = (n + LAYOUT_BLOCK - 1) // LAYOUT_BLOCK
    layout = np.zeros((blocks, blocks), dtype=np.int32)
    for qb in range(blocks):
        others = rng.choice([b for b in range(blocks) if b != qb], LAYOUT_KEEP - 1, replace=False)
        layout[qb, [qb, *others]] = 1
    if indices:
        chosen = np.stack([np.flatnonzero(row) for row in layout]).astype(np.int32)
        np.save(os.path.join(directory, "arg3.npy"), chosen[None, None])
    else:
        np.save(os.path.join(directory, "arg3.npy"), layout[None, None])
    np.save(os.path.join(directory, "layout.npy"), layout)
    return layout


def document_visited(n, rows=6, cols=64):
    """Fraction of (rows x cols) blocks the kernel visits under and(causal, document):
    blocks whose query and key document ranges meet inside the causal band."""
    import numpy as np
    q0 = np.arange(0, n, rows)
    q1 = np.minimum(q0 + rows, n) - 1
    k0 = np.arange(0, n, cols)
    k1 = np.minimum(k0 + cols, n) - 1
    causal_any = k0[None, :] <= q1[:, None]
    docs_meet = ((q0 // DOC_LEN)[:, None] <= (k1 // DOC_LEN)[None, :]) & \
                ((k0 // DOC_LEN)[None, :] <= (q1 // DOC_LEN)[:, None])
    return float((causal_any & docs_meet).mean())


def exact_density(mask_name, n):
    """Fraction of visible pairs, counted row by row from the mask's definition."""
    import numpy as np
    j = np.arange(n)
    total = 0
    for p in range(n):
        if mask_name == "dense":
            row = n
        elif mask_name == "causal":
            row = p + 1
        elif mask_name.startswith("sliding"):
            row = min(p + 1, 512)
        elif mask_name.startswith("sink"):
            row = int(np.count_nonzero((j < 4) | ((j <= p) & (p - j < 512))))
        elif mask_name.startswith("chunked"):
            row = min(512, n - p // 512 * 512)
        elif mask_name.startswith("prefix"):
            row = max(1024, p + 1)
        elif mask_name.startswith("causal documents"):
            row = p % DOC_LEN + 1
        elif mask_name.startswith("block-sparse") or mask_name.startswith("MoBA"):
            row = LAYOUT_KEEP * LAYOUT_BLOCK
        else:  # 7x7 window clamped inside the grid: always 49 keys
            row = 49
        total += row
    return total / (n * n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16384)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-flex", action="store_true")
    ap.add_argument("--only", default=None, help="run only masks whose name contains this")
    ap.add_argument("--update-docs", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, mask, flex in MASKS:
            if args.only and args.only not in name and name != "dense":
                continue
            path = os.path.join(tmp, "p.mlir")
            with open(path, "w") as f:
                f.write(program(args.d, mask))
            run = [os.path.join(BUILD, "bin", "attn-run"), path, "--dims", f"n={args.n}",
                   "--bench", "--reps", str(args.reps), "--num-threads", "1"]
            if mask and "document" in mask:
                document_inputs(os.path.join(tmp, "docs"), args.n, args.d)
                run += ["--inputs", os.path.join(tmp, "docs")]
            layout = None
            if mask and "blocks" in mask:
                topk = "topk_blocks" in mask
                layout = layout_inputs(os.path.join(tmp, "layout"), args.n, args.d, indices=topk)
                run += ["--inputs", os.path.join(tmp, "layout")]
                flex = flex + ["--layout", os.path.join(tmp, "layout", "layout.npy")]
            out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
            ours = float(re.search(r"median ([0-9.]+) ms", out).group(1))
            visited = 1.0
            if mask and "document" in mask:
                visited = document_visited(args.n)
            elif layout is not None:
                visited = float(layout.mean())  # whole 256 x 256 blocks, kernel tiles inside
            elif mask:
                rem = subprocess.run([os.path.join(BUILD, "bin", "attn-opt"), path, "-o", "/dev/null",
                                      f"--attn-print-tile-classification=q-len={args.n} q-tile=6 kv-tile=64"],
                                     capture_output=True, text=True, check=True).stderr
                visited = float(re.search(r"visited \d+ \(([0-9.]+)%\)", rem).group(1)) / 100
            entry = {"mask": name, "attn": mask, "ours_ms": ours, "visited": visited,
                     "density": exact_density(name, args.n)}
            if flex and not args.no_flex:
                try:
                    r = subprocess.run([PY, os.path.join(HERE, "peers", "flex_attention.py")] + flex +
                                       ["--n", str(args.n), "--d", str(args.d), "--threads", "1",
                                        "--reps", str(args.reps)], capture_output=True, text=True,
                                       check=True, timeout=1800)
                    fr = json.loads(r.stdout.strip().splitlines()[-1])
                    entry["flex_ms"] = fr["median_ms"]
                    entry["flex_block_density"] = fr["block_density"]
                except Exception as e:
                    print(f"flex {name}: {e} {getattr(e, 'stderr', '')[-400:]}", file=sys.stderr)
            rows.append(entry)
            print(json.dumps(entry), flush=True)
    dense = rows[0]["ours_ms"]
    lines = ["| mask | density | ideal speedup | visited tiles | attn-mlir ms | speedup over dense | "
             "time / (visited x dense) | FlexAttention ms | vs FlexAttention |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        flex = r.get("flex_ms")
        flex_ms = f"{flex:.1f}" if flex else "-"
        versus = f"{flex / r['ours_ms']:.2f}x" if flex else "-"
        lines.append(f"| {r['mask']} | {r['density']:.4f} | {1 / r['density']:.1f}x | {100 * r['visited']:.1f}% | "
                     f"{r['ours_ms']:.1f} | {dense / r['ours_ms']:.1f}x | "
                     f"{r['ours_ms'] / (r['visited'] * dense):.2f} | {flex_ms} | {versus} |")
    table = "\n".join(lines)
    print(table)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "sparsity.json"), "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d"), "n": args.n, "d": args.d, "rows": rows}, f, indent=1)
    if args.update_docs:
        replace_section(BEGIN, END,
                        f"Generated by `bench/.venv/bin/python bench/sparsity.py --update-docs` on "
                        f"{time.strftime('%Y-%m-%d')}: N = {args.n}, D = {args.d}, one head, fp32, one "
                        f"thread (JSON: `bench/results/sparsity.json`).\n\n{table}")


if __name__ == "__main__":
    main()
