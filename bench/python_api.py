"""The Python API's costs (issue targets: call overhead of a cached kernel on a tiny
shape <= 20 us, first compile of a variant <= 0.5 s, time on the CPU benchmark shapes
within 2% of `attn-run --bench`), with PyTorch's SDPA call on the same tiny shapes as
the peer.

    PYTHONPATH=build/python test/.venv/bin/python bench/python_api.py [--quick] [--update-docs]

Overhead = median time of a whole Python call - median time of the compiled code in
those calls (the kernel's own clock, `last_run_seconds`). Speed: attn-run and the
Python API alternate (A B B A) on the same shapes and thread count; the ratio is of
the medians.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("ATTN_BUILD_DIR", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(BUILD, "python"))
sys.path.insert(0, HERE)

import attn_mlir  # noqa: E402
from docs_section import replace_section  # noqa: E402

BEGIN, END = "<!-- python-api:begin -->", "<!-- python-api:end -->"


def median_call(fn, kernel, n):
    calls, kernels = [], []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        calls.append(time.perf_counter() - t)
        if kernel is not None:
            kernels.append(kernel.last_run_seconds)
    return statistics.median(calls) * 1e6, (statistics.median(kernels) * 1e6 if kernels else None)


def overhead(n):
    import torch
    import torch.nn.functional as F
    from attn_mlir import torch_ops
    rows = []
    rng = np.random.default_rng(0)
    for label, qs, ks in (("decode 1x1x1x16 / 4 keys", (1, 1, 1, 16), (1, 1, 4, 16)),
                          ("prefill 1x1x32x16", (1, 1, 32, 16), (1, 1, 32, 16))):
        q = rng.standard_normal(qs, dtype=np.float32)
        k = rng.standard_normal(ks, dtype=np.float32)
        v = rng.standard_normal(ks, dtype=np.float32)
        variant = attn_mlir.Variant(mask="causal")
        out = variant(q, k, v, threads=1)
        kernel = next(iter(variant._kernels.values())).kernel
        tq, tk, tv = (torch.from_numpy(x) for x in (q, k, v))
        tout = torch.empty(tuple(out.shape))
        cases = [
            ("Variant, NumPy, out=", lambda: variant(q, k, v, out=out, threads=1), kernel),
            ("Variant, NumPy, new result", lambda: variant(q, k, v, threads=1), kernel),
            ("Variant, torch, out=", lambda: variant(tq, tk, tv, out=tout, threads=1), kernel),
            ("attn_mlir.attention(..., mask='causal')",
             lambda: attn_mlir.attention(q, k, v, mask="causal", out=out, threads=1), kernel),
            ("torch_ops.scaled_dot_product_attention",
             lambda: torch_ops.scaled_dot_product_attention(tq, tk, tv, is_causal=qs[2] > 1),
             None),
            ("peer: torch F.scaled_dot_product_attention",
             lambda: F.scaled_dot_product_attention(tq, tk, tv, is_causal=qs[2] > 1), None),
        ]
        torch.set_num_threads(1)
        for name, fn, k_ in cases:
            for _ in range(50):
                fn()
            call, inner = median_call(fn, k_, n)
            rows.append(dict(shape=label, call=name, call_us=call, kernel_us=inner,
                             overhead_us=None if inner is None else call - inner))
    return rows


COMPILE_CASES = [
    ("causal f32 D=64", dict(mask="causal"), "f32", (1, 8, 256, 64), (1, 8, 256, 64)),
    ("GQA 32/8 causal bf16 D=128", dict(mask="causal"), "bf16", (1, 32, 256, 128),
     (1, 8, 256, 128)),
    ("window + sinks", dict(mask="or(sink(4), and(causal, window(128, 0)))"), "f32",
     (1, 8, 256, 64), (1, 8, 256, 64)),
    ("ALiBi score_mod", "alibi", "f32", (1, 8, 256, 64), (1, 8, 256, 64)),
    ("soft-cap + LSE", dict(mask="causal", softcap=30.0, return_lse=True), "f32",
     (1, 8, 256, 128), (1, 8, 256, 128)),
    ("sigmoid", dict(normalizer="sigmoid", shift=-5.5), "f32", (1, 8, 256, 64), (1, 8, 256, 64)),
    ("linear elu+1 causal", dict(feature="elu_plus_one", normalizer="sum", mask="causal"),
     "f32", (1, 8, 1024, 64), (1, 8, 1024, 64)),
    ("decode GQA 32/8, dynamic", dict(dynamic=True), "f32", (4, 32, 1, 128), (4, 8, 4096, 128)),
]


_COMPILE_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
sys.path.insert(0, sys.argv[1])
import attn_mlir
case = json.loads(sys.argv[2])
kw, dtype, qs, ks = case["kw"], case["dtype"], case["q"], case["k"]
if dtype == "bf16":
    import ml_dtypes
    npdt = ml_dtypes.bfloat16
else:
    npdt = np.float32
rng = np.random.default_rng(0)
q, k = (rng.standard_normal(s).astype(npdt) for s in (qs, ks))
caps = {}
if kw == "alibi":
    from attn_mlir import score_mods
    mod = score_mods.alibi(score_mods.alibi_slopes(8))
    kw = dict(mask="causal", score_mod=mod["score_mod"], captures=("slopes",))
    caps = dict(captures=mod["captures"])
t1 = time.perf_counter()
variant = attn_mlir.Variant(**kw)
variant(q, k, k, **caps)
t2 = time.perf_counter()
kernel = next(iter(variant._kernels.values())).kernel
first, phases = kernel.compile_seconds, kernel.compile_phases
q2 = rng.standard_normal(qs[:2] + [qs[2] + 1] + qs[3:]).astype(npdt)
k2 = rng.standard_normal(ks[:2] + [ks[2] + 1] + ks[3:]).astype(npdt)
variant2 = attn_mlir.Variant(**kw)
t3 = time.perf_counter()
variant2(q2, k2, k2, **caps)
t4 = time.perf_counter()
print(json.dumps(dict(import_s=t1 - t0, first_call_s=t2 - t1, first_compile_s=first,
                      phases=phases, second_call_s=t4 - t3)))
"""


def compile_times():
    rows = []
    for name, kw, dtype, qs, ks in COMPILE_CASES:
        case = json.dumps(dict(kw=kw, dtype=dtype, q=list(qs), k=list(ks)))
        out = subprocess.run([sys.executable, "-c", _COMPILE_CHILD,
                              os.path.join(BUILD, "python"), case],
                             capture_output=True, text=True, timeout=600)
        if out.returncode:
            raise RuntimeError(f"{name}: {out.stderr[-800:]}")
        rows.append(dict(variant=name, **json.loads(out.stdout.strip().splitlines()[-1])))
    return rows


def program(heads, kv_heads, d, n, causal, elt):
    mask = "mask #attn.mask<causal> " if causal else ""
    q = f"tensor<1x{heads}x{n}x{d}x{elt}>"
    kv = f"tensor<1x{kv_heads}x{n}x{d}x{elt}>"
    return (f"func.func @attention(%q: {q}, %k: {kv}, %v: {kv}) -> {q} {{\n"
            f"  %o = attn.attention {mask}ins(%q, %k, %v : {q}, {kv}, {kv}) -> {q}\n"
            f"  return %o : {q}\n}}\n")


def attn_run(path, reps, threads):
    out = subprocess.run([os.path.join(BUILD, "bin", "attn-run"), path, "--bench", "--reps",
                          str(reps), "--num-threads", str(threads)],
                         capture_output=True, text=True, timeout=3600)
    m = re.search(r"median ([0-9.]+) ms", out.stdout)
    if out.returncode or not m:
        raise RuntimeError(f"attn-run: {out.stdout[-300:]} {out.stderr[-300:]}")
    return float(m.group(1))


def python_api(variant, q, k, v, reps, threads):
    out = variant(q, k, v, threads=threads)  # compile + warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        variant(q, k, v, out=out, threads=threads)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def speed(quick, reps):
    shapes = [(8, 8, 128, 4096, False, "f32", 1), (8, 8, 128, 4096, True, "f32", 1),
              (32, 8, 64, 4096, True, "f32", 2), (8, 8, 128, 4096, True, "bf16", 1)]
    if quick:
        shapes = shapes[1:2] + shapes[3:]
    rows = []
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for heads, kv_heads, d, n, causal, elt, threads in shapes:
            path = os.path.join(tmp, "a.mlir")
            with open(path, "w") as f:
                f.write(program(heads, kv_heads, d, n, causal, elt))
            npdt = np.float32
            if elt == "bf16":
                import ml_dtypes
                npdt = ml_dtypes.bfloat16
            q = rng.standard_normal((1, heads, n, d), dtype=np.float32).astype(npdt)
            k = rng.standard_normal((1, kv_heads, n, d), dtype=np.float32).astype(npdt)
            v = rng.standard_normal((1, kv_heads, n, d), dtype=np.float32).astype(npdt)
            static = attn_mlir.Variant(mask="causal" if causal else None)
            dynamic = attn_mlir.Variant(mask="causal" if causal else None, dynamic=True)
            a1 = attn_run(path, reps, threads)
            p1 = python_api(static, q, k, v, reps, threads)
            d1 = python_api(dynamic, q, k, v, reps, threads)
            d2 = python_api(dynamic, q, k, v, reps, threads)
            p2 = python_api(static, q, k, v, reps, threads)
            a2 = attn_run(path, reps, threads)
            a, p, dd = statistics.median([a1, a2]), statistics.median([p1, p2]), \
                statistics.median([d1, d2])
            rows.append(dict(shape=f"{heads}/{kv_heads} heads, D={d}, N={n}, "
                                   f"{'causal' if causal else 'dense'}, {elt}, {threads} thr",
                             attn_run_ms=a, python_ms=p, python_dynamic_ms=dd,
                             ratio=p / a, ratio_dynamic=dd / a, runs=[a1, p1, d1, d2, p2, a2]))
    return rows


def markdown(over, comp, spd, command):
    lines = [f"Reproduce: `{command}`", "",
             "**Call overhead** (1 thread; median of the whole call minus the median time "
             "of the compiled code in the same calls):", "",
             "| shape | call | call (us) | kernel (us) | overhead (us) |", "|---|---|---|---|---|"]
    for r in over:
        k = "-" if r["kernel_us"] is None else f"{r['kernel_us']:.1f}"
        o = "-" if r["overhead_us"] is None else f"{r['overhead_us']:.1f}"
        lines.append(f"| {r['shape']} | {r['call']} | {r['call_us']:.1f} | {k} | {o} |")
    lines += ["", "**First compile** (a fresh process per variant: `compile` is the compiler's "
              "own clock: parse, attn-to-cpu, LLVM -O3 JIT; `first call` adds building the "
              "IR text, the MLIR context's creation and the run; `second` is a new shape in "
              "the same process):", "",
              "| variant | import (s) | compile (s) | MLIR / LLVM IR -O3 / codegen (s) | "
              "first call (s) | second variant's first call (s) |",
              "|---|---|---|---|---|---|"]
    for r in comp:
        phases = " / ".join(f"{p:.3f}" for p in r["phases"])
        lines.append(f"| {r['variant']} | {r['import_s']:.2f} | {r['first_compile_s']:.3f} | "
                     f"{phases} | {r['first_call_s']:.3f} | {r['second_call_s']:.3f} |")
    lines += ["", "**Speed against attn-run --bench** (same shapes and threads; A B B A, "
              "medians; the Python time is the whole call with out=):", "",
              "| shape | attn-run (ms) | Python, static (ms) | ratio | Python, dynamic=True (ms) | ratio |",
              "|---|---|---|---|---|---|"]
    for r in spd:
        lines.append(f"| {r['shape']} | {r['attn_run_ms']:.2f} | {r['python_ms']:.2f} | "
                     f"{r['ratio']:.3f} | {r['python_dynamic_ms']:.2f} | {r['ratio_dynamic']:.3f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--update-docs", action="store_true")
    ap.add_argument("--reps", type=int, default=0)
    args = ap.parse_args()
    reps = args.reps or (5 if args.quick else 9)
    over = overhead(500 if args.quick else 3000)
    comp = compile_times()
    spd = speed(args.quick, reps)
    result = dict(overhead=over, compile=comp, speed=spd)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "python_api.json"), "w") as f:
        json.dump(result, f, indent=1)
    command = "PYTHONPATH=build/python test/.venv/bin/python bench/python_api.py" + \
        (" --quick" if args.quick else "")
    text = markdown(over, comp, spd, command)
    print(text)
    if args.update_docs:
        replace_section(BEGIN, END, text)


if __name__ == "__main__":
    main()
