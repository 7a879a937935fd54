#!/usr/bin/env python3
"""bf16 attention on the CPU: attn-mlir's bf16 kernel against PyTorch's bf16 SDPA, an
unfused oneDNN bf16 matmul-softmax-matmul and attn-mlir's own f32 kernel, in one run,
with the machine's bf16 product peaks measured in the same run.

    bench/setup_peers.sh                                  # once
    bench/.venv/bin/python bench/bf16.py [--quick] [--update-docs]

Shapes: D in {128, 64}, N in {1024, 4096} (and 16384 at D = 128, 8 heads), 8 heads and
GQA 32/8, dense and causal, 1 and 2 threads (--quick: D = 128, N = 4096, 8 heads).
"ours" is what attn-to-cpu picks for bf16 on this machine's host target (AVX512-BF16
pair products where the CPU has them; AMX only with --target=amx, see
docs/conventions.md), "f32" the same shape in f32 through the f32 kernel. FLOPs are
4*B*H*N*N*D (half for causal) for every column; "of peak" divides by the bf16 product
peak (bench/.build/bf16_peak: vdpbf16ps, or AMX tdpbf16ps where --amx is given and
available). Medians of --reps calls after warm-up.

Accuracy (same inputs for both, D = 128, N = 1024, 8 heads): the inputs are drawn in
f32 and rounded to bf16 once; attn-run reads them (.npy bits), PyTorch gets the same
tensors; both outputs are compared with the fp64 reference of the rounded inputs as
max |out - ref| / max |ref|. oneDNN's error is on its own draws (same distribution).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docs_section import replace_section  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("ATTN_BUILD_DIR", os.path.join(ROOT, "build"))
PEERS = os.path.join(HERE, "peers")
BIN = os.path.join(HERE, ".build")
BEGIN, END = "<!-- bf16:begin -->", "<!-- bf16:end -->"


def program(heads, kv_heads, d, causal, elt):
    mask = "mask #attn.mask<causal> " if causal else ""
    q = f"tensor<1x{heads}x?x{d}x{elt}>"
    kv = f"tensor<1x{kv_heads}x?x{d}x{elt}>"
    return f"""func.func @attention(%q: {q} {{attn.dims = "bhnd"}}, %k: {kv} {{attn.dims = "bgnd"}},
                     %v: {kv} {{attn.dims = "bgnd"}}) -> {q} {{
  %o = attn.attention {mask}ins(%q, %k, %v : {q}, {kv}, {kv}) -> {q}
  return %o : {q}
}}
"""


def run_json(cmd, timeout):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {out.returncode}: {out.stderr[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def attn_run(s, elt, reps, tmp, extra=()):
    path = os.path.join(tmp, f"attn_{elt}.mlir")
    with open(path, "w") as f:
        f.write(program(s["heads"], s["kv_heads"], s["d"], s["causal"], elt))
    cmd = [os.path.join(BUILD, "bin", "attn-run"), path, "--dims", f"n={s['n']}", "--bench",
           "--reps", str(reps), "--num-threads", str(s["threads"]), *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    m = re.search(r"median ([0-9.]+) ms", out.stdout)
    if out.returncode != 0 or not m:
        raise RuntimeError(f"attn-run failed: {out.stdout[-300:]} {out.stderr[-300:]}")
    return float(m.group(1))


def peer_args(s, reps):
    return ["--heads", str(s["heads"]), "--kv-heads", str(s["kv_heads"]), "--n", str(s["n"]),
            "--d", str(s["d"]), "--threads", str(s["threads"]), "--reps", str(reps)] + \
        (["--causal"] if s["causal"] else [])


def torch_bf16(s, reps):
    return run_json([sys.executable, os.path.join(PEERS, "torch_sdpa.py"), "--dtype", "bf16"]
                    + peer_args(s, reps), 3600)["median_ms"]


def onednn_bf16(s, reps):
    return run_json([os.path.join(BIN, "onednn_unfused"), "--bf16"] + peer_args(s, reps),
                    3600)["median_ms"]


def shapes(quick):
    out = []
    for d in ((128,) if quick else (128, 64)):
        for n in ((4096,) if quick else (1024, 4096, 16384)):
            for heads, kv in (((8, 8),) if quick else ((8, 8), (32, 8))):
                if n == 16384 and (d != 128 or heads != 8):
                    continue
                for causal in (False, True):
                    for t in (1, 2):
                        out.append({"d": d, "n": n, "heads": heads, "kv_heads": kv,
                                    "causal": causal, "threads": t})
    return out


def flops(s):
    return 4.0 * s["heads"] * s["n"] * s["n"] * s["d"] / (2 if s["causal"] else 1)


def accuracy(tmp):
    """max |out - ref| / max |ref| of attn-mlir and PyTorch on the same bf16 inputs."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    heads, n, d = 8, 1024, 128
    g = torch.Generator().manual_seed(7)
    q, k, v = (torch.randn(1, heads, n, d, generator=g).to(torch.bfloat16) for _ in range(3))
    inputs = os.path.join(tmp, "inputs")
    os.makedirs(inputs, exist_ok=True)
    for i, t in enumerate((q, k, v)):  # bf16 as raw bits ('<u2'), attn-run's convention
        np.save(os.path.join(inputs, f"arg{i}.npy"), t.view(torch.int16).numpy().view(np.uint16))
    rows = []
    for causal in (False, True):
        path = os.path.join(tmp, "acc.mlir")
        with open(path, "w") as f:
            f.write(program(heads, heads, d, causal, "bf16"))
        io = os.path.join(tmp, f"io{int(causal)}")
        subprocess.run([os.path.join(BUILD, "bin", "attn-run"), path, "--inputs", inputs,
                        "--save-io", io], check=True, capture_output=True, timeout=600)
        bits = np.load(os.path.join(io, "result0.npy")).view(np.uint16).astype(np.uint32) << 16
        ours = bits.view(np.float32).astype(np.float64)
        with torch.inference_mode():
            theirs = F.scaled_dot_product_attention(q, k, v, is_causal=causal).double().numpy()
        qd, kd, vd = (t.double().numpy() for t in (q, k, v))
        sc = qd @ kd.transpose(0, 1, 3, 2) / np.sqrt(d)
        if causal:
            sc = np.where(np.tril(np.ones((n, n), bool)), sc, -np.inf)
        p = np.exp(sc - sc.max(-1, keepdims=True))
        ref = (p / p.sum(-1, keepdims=True)) @ vd
        err = lambda out: float(np.max(np.abs(out - ref)) / np.max(np.abs(ref)))  # noqa: E731
        rms = lambda out: float(np.sqrt(np.mean((out - ref) ** 2) / np.mean(ref ** 2)))  # noqa: E731
        own = run_json([os.path.join(BIN, "onednn_unfused"), "--bf16", "--check", "--reps", "1",
                        "--heads", str(heads), "--n", str(n), "--d", str(d)]
                       + (["--causal"] if causal else []), 600)
        rows.append({"causal": causal, "ours": err(ours), "torch": err(theirs),
                     "ours_rms": rms(ours), "torch_rms": rms(theirs),
                     "onednn_own_inputs": own.get("max_rel_err")})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--update-docs", action="store_true")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--json", default=os.path.join(HERE, "results", "bf16.json"))
    a = p.parse_args()
    peaks = {}

    def measure_peaks():
        for t in (1, 2):
            r = run_json([os.path.join(BIN, "bf16_peak"), "--threads", str(t)], 120)
            f = run_json([os.path.join(BIN, "fma_peak"), "--threads", str(t)], 120)["gflops"]
            old = peaks.get(t, {})
            peaks[t] = {"dpbf16": max(old.get("dpbf16") or 0, r["dpbf16_gflops"] or 0),
                        "amx": r["amx_gflops"], "amx_unavailable": r.get("amx_unavailable"),
                        "fma_f32": max(old.get("fma_f32") or 0, f)}

    measure_peaks()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for s in shapes(a.quick):
            reps = 1 if s["n"] >= 16384 else a.reps
            r = dict(s)
            r["ours_ms"] = attn_run(s, "bf16", reps, tmp)
            r["f32_ms"] = attn_run(s, "f32", reps, tmp)
            for name, fn in (("torch_ms", torch_bf16), ("onednn_ms", onednn_bf16)):
                try:
                    r[name] = fn(s, reps)
                except Exception as e:  # a failing peer is reported, not fatal
                    print(f"peer {name} {s}: {e}", file=sys.stderr)
                    r[name] = None
            print(json.dumps(r), flush=True)
            rows.append(r)
        acc = accuracy(tmp)
    measure_peaks()
    command = "bench/.venv/bin/python bench/bf16.py" + (" --quick" if a.quick else "") + \
        " --update-docs"
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d"), "command": command, "peaks": peaks,
                   "rows": rows, "accuracy": acc}, f, indent=1)
    lines = ["| D | N | heads | mask | threads | attn-mlir bf16 | GFLOP/s (of bf16 peak) | "
             "attn-mlir f32 | PyTorch bf16 SDPA | oneDNN bf16 unfused | x PyTorch | x oneDNN | "
             "x f32 |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        gf = flops(r) / (r["ours_ms"] * 1e-3) / 1e9
        peak = peaks[r["threads"]]["dpbf16"]
        cell = lambda x: f"{x:.1f} ms" if x else "-"  # noqa: E731
        ratio = lambda x: f"{x / r['ours_ms']:.2f}x" if x else "-"  # noqa: E731
        lines.append(f"| {r['d']} | {r['n']} | {r['heads']}/{r['kv_heads']} | "
                     f"{'causal' if r['causal'] else 'dense'} | {r['threads']} | "
                     f"{r['ours_ms']:.1f} ms | {gf:.0f} ({gf / peak:.0%}) | {cell(r['f32_ms'])} | "
                     f"{cell(r['torch_ms'])} | {cell(r['onednn_ms'])} | {ratio(r['torch_ms'])} | "
                     f"{ratio(r['onednn_ms'])} | {ratio(r['f32_ms'])} |")
    acc_lines = ["| mask | attn-mlir max (rms) | PyTorch bf16 SDPA max (rms) | "
                 "oneDNN bf16 max (own draws) |", "|---|---|---|---|"]
    for r in acc:
        own = f"{r['onednn_own_inputs']:.2e}" if r["onednn_own_inputs"] else "-"
        acc_lines.append(f"| {'causal' if r['causal'] else 'dense'} | {r['ours']:.2e} "
                         f"({r['ours_rms']:.2e}) | {r['torch']:.2e} ({r['torch_rms']:.2e}) | "
                         f"{own} |")
    table, acc_table = "\n".join(lines), "\n".join(acc_lines)
    print(table)
    print(acc_table)
    if a.update_docs:
        pk = "; ".join(f"{t} thread(s): vdpbf16ps {v['dpbf16']:.0f} GFLOP/s, fp32 FMA "
                       f"{v['fma_f32']:.0f} GFLOP/s, AMX "
                       + (f"{v['amx']:.0f} GFLOP/s" if v["amx"] else f"n/a ({v['amx_unavailable']})")
                       for t, v in sorted(peaks.items()))
        replace_section(BEGIN, END, f"Generated by `{command}` on {time.strftime('%Y-%m-%d')} "
                        f"(JSON: `bench/results/bf16.json`). Peaks measured in the same run "
                        f"(`bench/.build/bf16_peak`, `fma_peak`): {pk}. Batch 1; causal "
                        f"GFLOP/s count the causal half.\n\n{table}\n\nAccuracy on the same "
                        f"bf16 inputs (D = 128, N = 1024, 8 heads; max |out - ref| / max |ref|, "
                        f"in brackets the rms error over the rms of the reference, against the "
                        f"fp64 reference of the rounded inputs):\n\n{acc_table}")


if __name__ == "__main__":
    main()
