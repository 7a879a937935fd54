#!/usr/bin/env python3
"""Checks what run_bundle.py brought back from the GPU machine against the fp64
references prepare.py computed here (BUNDLE.refs), and tabulates the timings beside
PyTorch's.

    python3 bench/gpu_bundle/check.py BUNDLE_DIR OUT_DIR [--update-docs]

Correctness: max |out - ref| / max |ref| per result (NaN / inf must agree), accepted up
to 1e-2 for bf16 and 5e-3 otherwise (the GPU kernel computes f32 inputs in f16).
Timing: TFLOP/s = 4 B H N^2 D x the fraction of (query, key) pairs the mask keeps,
for our kernel and each peer. Exit status 1 when a case fails or did not run.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BEGIN, END = "<!-- gpu-bundle:begin -->", "<!-- gpu-bundle:end -->"


def kept_fraction(mask, n, window=1024):
    if mask == "dense":
        return 1.0
    rows = np.arange(n)
    kept = np.minimum(rows + 1, window) if mask == "window" else rows + 1
    return float(kept.sum()) / (n * n)


def compare(out, ref):
    finite = np.isfinite(ref)
    if not np.array_equal(finite, np.isfinite(out)):
        return float("inf")
    scale = np.max(np.abs(ref[finite])) if finite.any() else 1.0
    return float(np.max(np.abs(out[finite] - ref[finite])) / (scale or 1.0)) if finite.any() else 0.0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle")
    p.add_argument("out")
    p.add_argument("--update-docs", action="store_true")
    a = p.parse_args()
    with open(os.path.join(a.bundle, "cases.json")) as f:
        cases = json.load(f)
    with open(os.path.join(a.out, "timings.json")) as f:
        timings = json.load(f)
    ok = True
    correct, timed = [], []
    for case in cases["cases"]:
        name, run = case["name"], timings["cases"].get(case["name"], {"error": "not run"})
        if "error" in run:
            print(f"{name}: FAIL ({run['error']})")
            ok = False
            continue
        case_dir = os.path.join(a.bundle, name)
        with open(os.path.join(case_dir, "kernel.json")) as f:
            manifest = json.load(f)
        if case["kind"] == "timing":
            with open(os.path.join(case_dir, "case.json")) as f:
                info = json.load(f)
            n = info["n"]
            flops = 4.0 * 4 * 16 * n * n * 128 * kept_fraction(info["mask"], n)
            timed.append((info["mask"], n, run["median_ms"], flops))
            err = run.get("torch_max_rel_err")
            if err is not None and err > 2e-2:  # two bf16 roundings apart at most
                print(f"{name}: differs from PyTorch's SDPA by {err:.3e}: FAIL")
                ok = False
            continue
        elements = {prm["result"]: prm["element"] for prm in manifest["params"] if "result" in prm}
        worst = 0.0
        for i, element in sorted(elements.items()):
            out = np.load(os.path.join(a.out, name, f"result{i}.npy")).astype(np.float64)
            ref = np.load(os.path.join(a.bundle.rstrip("/") + ".refs", name,
                                       f"reference{i}.npy"))
            worst = max(worst, compare(out.reshape(ref.shape), ref))
        limit = 1e-2 if "bf16" in elements.values() else 5e-3
        passed = worst <= limit
        ok &= passed
        correct.append((name, worst, passed))
        print(f"{name}: max_rel_err={worst:.3e} {'PASS' if passed else 'FAIL'} (tolerance {limit:g})")
    peers = {}
    for r in timings.get("peers", []):
        if "median_ms" in r:
            peers[(r["mask"], r["n"], r["peer"])] = r["median_ms"]
    lines = ["| mask | N | attn-mlir | TFLOP/s | SDPA flash | SDPA cuDNN | flex_attention | x flex |",
             "|---|---|---|---|---|---|---|---|"]
    for mask, n, ms, flops in timed:
        cell = lambda peer: f"{peers[(mask, n, peer)]:.3f} ms" if (mask, n, peer) in peers else "-"  # noqa: E731
        flex = peers.get((mask, n, "flex"))
        lines.append(f"| {mask} | {n} | {ms:.3f} ms | {flops / (ms * 1e-3) / 1e12:.1f} | "
                     f"{cell('sdpa_flash')} | {cell('sdpa_cudnn')} | {cell('flex')} | "
                     f"{flex / ms:.2f}x |" if flex else
                     f"| {mask} | {n} | {ms:.3f} ms | {flops / (ms * 1e-3) / 1e12:.1f} | "
                     f"{cell('sdpa_flash')} | {cell('sdpa_cudnn')} | {cell('flex')} | - |")
    table = "\n".join(lines)
    summary = f"{sum(c[2] for c in correct)} of {len(correct)} correctness cases pass"
    print(summary)
    print(table)
    if a.update_docs:
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        from docs_section import replace_section
        replace_section(BEGIN, END, f"Device: {timings.get('device', '?')}. {summary} "
                        f"(`bench/gpu_bundle/check.py`).\n\n{table}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
