#!/usr/bin/env python3
"""Decoding (one query row per head against a long KV cache) on the CPU: attn-mlir's
decode kernel against PyTorch SDPA (enable_gqa) and FlexAttention, and against the
machine's measured read bandwidth, in one run.

    bench/.venv/bin/python bench/decode.py [--quick] [--update-docs]

Shapes (fp32, or bf16 with --dtype bf16): GQA 32/8 and MHA 32/32 at D = 128, and MQA with absorbed-MLA dims (16
query heads over one kv head, Dqk = 576, Dv = 512); N in {4096, 32768, 131072}; batch 1
and 8 (batch 8 where K and V stay under ~4.5 GB); 1 and 2 threads (--quick: GQA, batch 1,
N = 32768; with the paged row). "GQA 32/8 paged": the same decode over a paged cache
(pages of 16 keys, vLLM's [P, 16, 8, 128] pools, the pages shuffled), one sequence
filling its table; its peers are the contiguous rows above it. Bytes moved = K + V (what decoding must read); GB/s = bytes / median time;
"of read BW" divides by bench/peers/read_bandwidth (same thread count, best of the runs
before and after). Medians of --reps calls (ours: the best of --rounds rounds).
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
BEGIN, END = "<!-- decode:begin -->", "<!-- decode:end -->"
DTYPE = "f32"  # --dtype
LAYOUTS = {"GQA 32/8": (32, 8, 128, 128), "MHA 32/32": (32, 32, 128, 128),
           "MLA 16/1": (16, 1, 576, 512), "GQA 32/8 paged": (32, 8, 128, 128)}
PAGE = 16


def paged_program(batch, heads, kv_heads, d, dv, elt="f32"):
    q = f"tensor<{batch}x{heads}x1x{d}x{elt}>"
    k = f"tensor<?x{PAGE}x{kv_heads}x{d}x{elt}>"
    v = f"tensor<?x{PAGE}x{kv_heads}x{dv}x{elt}>"
    o = f"tensor<{batch}x{heads}x1x{dv}x{elt}>"
    t, l = f"tensor<{batch}x?xi32>", f"tensor<{batch}xi32>"
    return f"""func.func @decode(%q: {q}, %k: {k} {{attn.dims = "psgd"}}, %v: {v} {{attn.dims = "psge"}},
                   %t: {t} {{attn.dims = "bt"}}, %l: {l}) -> {o} {{
  %o = attn.attention pages(%t, %l : {t}, {l}) ins(%q, %k, %v : {q}, {k}, {v}) -> {o}
  return %o : {o}
}}
"""


def program(batch, heads, kv_heads, d, dv, elt="f32", nq=1):
    q = f"tensor<{batch}x{heads}x{nq}x{d}x{elt}>"
    k = f"tensor<{batch}x{kv_heads}x?x{d}x{elt}>"
    v = f"tensor<{batch}x{kv_heads}x?x{dv}x{elt}>"
    o = f"tensor<{batch}x{heads}x{nq}x{dv}x{elt}>"
    return f"""func.func @decode(%q: {q}, %k: {k} {{attn.dims = "bgnd"}}, %v: {v} {{attn.dims = "bgne"}}) -> {o} {{
  %o = attn.attention ins(%q, %k, %v : {q}, {k}, {v}) -> {o}
  return %o : {o}
}}
"""


def run_json(cmd, timeout):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def ours(s, threads, reps, tmp):
    path = os.path.join(tmp, "decode.mlir")
    paged = s["layout"].endswith("paged")
    with open(path, "w") as f:
        f.write((paged_program if paged else program)(s["batch"], *LAYOUTS[s["layout"]],
                                                      elt=DTYPE))
    # Paged: one sequence filling its table (attn-run's first sequence is full), the
    # pool exactly its pages, shuffled.
    dims = f"p={s['n'] // PAGE},t={s['n'] // PAGE}" if paged else f"n={s['n']}"
    out = subprocess.run([os.path.join(BUILD, "bin", "attn-run"), path, "--dims", dims,
                          "--bench", "--reps", str(reps), "--num-threads", str(threads)],
                         capture_output=True, text=True, check=True, timeout=1800)
    return float(re.search(r"median ([0-9.]+) ms", out.stdout).group(1))


def peer(impl, s, threads, reps):
    heads, kv, d, dv = LAYOUTS[s["layout"]]
    return run_json([sys.executable, os.path.join(PEERS, "torch_decode.py"), "--impl", impl,
                     "--batch", str(s["batch"]), "--heads", str(heads), "--kv-heads", str(kv),
                     "--n", str(s["n"]), "--d", str(d), "--dv", str(dv), "--threads", str(threads),
                     "--reps", str(reps), "--dtype", DTYPE], 3600)["median_ms"]


def kv_bytes(s):
    _, kv, d, dv = LAYOUTS[s["layout"]]
    return s["batch"] * kv * s["n"] * (d + dv) * (2 if DTYPE == "bf16" else 4)


def shapes(quick):
    if quick:
        return [{"layout": "GQA 32/8", "batch": 1, "n": 32768},
                {"layout": "GQA 32/8 paged", "batch": 1, "n": 32768}]
    out = []
    for layout in LAYOUTS:
        for batch in ((1,) if layout.endswith("paged") else (1, 8)):
            for n in (4096, 32768, 131072):
                s = {"layout": layout, "batch": batch, "n": n}
                if kv_bytes(s) <= 4.6e9:
                    out.append(s)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--update-docs", action="store_true")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--dtype", choices=["f32", "bf16"], default="f32",
                   help="element type of q, K, V and the output (bf16: half the bytes)")
    p.add_argument("--json", default=os.path.join(HERE, "results", "decode.json"))
    a = p.parse_args()
    global DTYPE
    DTYPE = a.dtype
    if a.update_docs and a.dtype != "f32":
        p.error("--update-docs writes the f32 table; bf16 runs print theirs (docs/benchmarks.md "
                "quotes them in the bf16 section)")
    bandwidth = {}

    def measure_bandwidth():
        for t in (1, 2):
            gbps = run_json([os.path.join(BIN, "read_bandwidth"), "--threads", str(t)], 120)["gbps"]
            bandwidth[t] = max(bandwidth.get(t, 0.0), gbps)

    measure_bandwidth()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for s in shapes(a.quick):
            for t in (1, 2):
                r = dict(s, threads=t, bytes=kv_bytes(s))
                r["ours_ms"] = min(ours(s, t, a.reps, tmp) for _ in range(a.rounds))
                r["sdpa_ms"] = r["flex_ms"] = None
                for impl in ("sdpa", "flex"):
                    if s["layout"].endswith("paged"):  # the peers read the contiguous cache
                        continue
                    try:
                        r[f"{impl}_ms"] = peer(impl, s, t, a.reps)
                    except Exception as e:  # a failing peer is reported, not fatal
                        print(f"peer {impl} {s}: {e}", file=sys.stderr)
                        r[f"{impl}_ms"] = None
                print(json.dumps(r), flush=True)
                rows.append(r)
    measure_bandwidth()
    command = "bench/.venv/bin/python bench/decode.py" + (" --quick" if a.quick else "") + \
        (" --dtype bf16" if a.dtype == "bf16" else "") + " --update-docs"
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d"), "command": command,
                   "read_bandwidth_gbps": bandwidth, "rows": rows}, f, indent=1)
    lines = ["| layout | B | N | threads | K+V | attn-mlir | GB/s (of read BW) | PyTorch SDPA | "
             "FlexAttention | x SDPA | x Flex |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        gbps = r["bytes"] / (r["ours_ms"] * 1e-3) / 1e9
        cell = lambda x: f"{x:.1f} ms" if x else "-"  # noqa: E731
        ratio = lambda x: f"{x / r['ours_ms']:.1f}x" if x else "-"  # noqa: E731
        lines.append(f"| {r['layout']} | {r['batch']} | {r['n']} | {r['threads']} | "
                     f"{r['bytes'] / 1e6:.0f} MB | {r['ours_ms']:.2f} ms | {gbps:.1f} "
                     f"({gbps / bandwidth[r['threads']]:.0%}) | {cell(r['sdpa_ms'])} | "
                     f"{cell(r['flex_ms'])} | {ratio(r['sdpa_ms'])} | {ratio(r['flex_ms'])} |")
    table = "\n".join(lines)
    print(table)
    if a.update_docs:
        bw = ", ".join(f"{t} thread(s) {g:.1f} GB/s" for t, g in sorted(bandwidth.items()))
        replace_section(BEGIN, END, f"Generated by `{command}` on {time.strftime('%Y-%m-%d')} "
                        f"(JSON: `bench/results/decode.json`; read bandwidth measured in the same "
                        f"run by `bench/.build/read_bandwidth`: {bw}). One query row per head, no "
                        f"mask, fp32; K+V is what decoding must read.\n\n{table}")


if __name__ == "__main__":
    main()
