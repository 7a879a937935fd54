#!/usr/bin/env python3
"""CPU attention benchmark: attn-mlir's fused kernel against its peers, in one run.

Times, on the same shapes and in interleaved order, attn-run (the attn-to-cpu
pipeline's vector flash kernel), PyTorch's CPU scaled_dot_product_attention, IREE
(llvm-cpu; the fused iree_linalg_ext.attention form and the unfused linalg form), an
unfused oneDNN baseline, a naive C++ loop, and the machine's FMA peak (bench/peers/).
Writes JSON (every measurement), a Markdown table and a PNG plot, and with
--update-docs replaces the generated section of docs/benchmarks.md.

    bench/setup_peers.sh                      # once: peers into bench/.venv, bench/.build
    bench/.venv/bin/python bench/cpu_attention.py --update-docs

FLOPs are 4*B*H*Nq*Nk*D for dense attention and half of that for causal (the work a
causal kernel must do), for every peer, so GFLOP/s compare times directly. Medians of
--reps runs after warm-up. No thresholds: this is a measurement, not a test.
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
PEERS = os.path.join(HERE, "peers")
BIN = os.path.join(HERE, ".build")
BEGIN, END = "<!-- cpu-attention:begin -->", "<!-- cpu-attention:end -->"


def program(heads, kv_heads, d, causal):
    mask = "mask #attn.mask<causal> " if causal else ""
    q = f"tensor<1x{heads}x?x{d}xf32>"
    kv = f"tensor<1x{kv_heads}x?x{d}xf32>"
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


def time_ours(shape, reps, tmp, timeout):
    path = os.path.join(tmp, f"attn_{shape['heads']}_{shape['kv_heads']}_{shape['d']}_{int(shape['causal'])}.mlir")
    with open(path, "w") as f:
        f.write(program(shape["heads"], shape["kv_heads"], shape["d"], shape["causal"]))
    cmd = [os.path.join(BUILD, "bin", "attn-run"), path, "--dims", f"n={shape['n']}",
           "--bench", "--reps", str(reps), "--num-threads", str(shape["threads"])]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    m = re.search(r"median ([0-9.]+) ms", out.stdout)
    if out.returncode != 0 or not m:
        raise RuntimeError(f"attn-run failed: {out.stdout[-300:]} {out.stderr[-300:]}")
    return {"peer": "attn-mlir", "median_ms": float(m.group(1))}


def peer_args(shape, reps):
    args = ["--heads", str(shape["heads"]), "--kv-heads", str(shape["kv_heads"]),
            "--n", str(shape["n"]), "--d", str(shape["d"]), "--threads", str(shape["threads"]),
            "--reps", str(reps)]
    return args + (["--causal"] if shape["causal"] else [])


PEER_COMMANDS = {
    "torch_sdpa": lambda s, r: [PY, os.path.join(PEERS, "torch_sdpa.py")] + peer_args(s, r),
    "iree_unfused": lambda s, r: [PY, os.path.join(PEERS, "iree_attention.py"), "--form", "unfused"] + peer_args(s, r),
    "iree_attention": lambda s, r: [PY, os.path.join(PEERS, "iree_attention.py"), "--form", "attention"] + peer_args(s, r),
    "onednn_unfused": lambda s, r: [os.path.join(BIN, "onednn_unfused")] + peer_args(s, r),
    "naive": lambda s, r: [os.path.join(BIN, "naive")] + peer_args(s, r),
}


def flops(s):
    f = 4.0 * s["heads"] * s["n"] * s["n"] * s["d"]
    return f / 2 if s["causal"] else f


def shapes(quick):
    ns = [1024] if quick else [1024, 4096, 16384]
    out = []
    for threads in (1, 2):
        for heads, kv in ((8, 8), (32, 8)):
            for d in (64, 128):
                for n in ns:
                    if heads == 32 and n > 4096:
                        continue  # GQA 32/8 at N <= 4096 (16384 would take minutes per peer)
                    for causal in (False, True):
                        out.append({"heads": heads, "kv_heads": kv, "d": d, "n": n,
                                    "causal": causal, "threads": threads})
    return out


def applicable(peer, s):
    """Peers that would take minutes (or tens of GB) at a shape are skipped there."""
    if peer == "naive":
        return s["n"] <= 1024
    if peer == "iree_attention":  # ~2.4 GFLOP/s on this CPU (one-row tiles)
        return s["n"] <= 1024 and s["heads"] == 8
    if peer == "iree_unfused":  # materialises [H, N, N] scores
        return s["n"] <= 4096
    return True


def label(s):
    gqa = f"{s['heads']}/{s['kv_heads']}" if s["heads"] != s["kv_heads"] else str(s["heads"])
    return f"H={gqa} D={s['d']} N={s['n']} {'causal' if s['causal'] else 'dense'}"


def render(results, peaks, command):
    peers = ["attn-mlir", "torch_sdpa", "iree_unfused", "iree_attention", "onednn_unfused", "naive"]
    lines = []
    for threads in (1, 2):
        rows = [r for r in results if r["shape"]["threads"] == threads]
        if not rows:
            continue
        peak = peaks.get(threads)
        lines.append(f"**{threads} thread{'s' if threads > 1 else ''}** (FMA peak measured in this run: "
                     f"{peak:.0f} GFLOP/s)\n" if peak else f"**{threads} threads**\n")
        lines.append("| shape | attn-mlir ms | GFLOP/s | % of peak | vs torch SDPA | vs IREE unfused | vs IREE attention | vs oneDNN unfused | vs naive |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            t = r["times"]
            ours = t.get("attn-mlir")
            if ours is None:
                continue
            g = flops(r["shape"]) / (ours * 1e-3) / 1e9
            cells = [label(r["shape"]), f"{ours:.1f}", f"{g:.0f}", f"{100 * g / peak:.0f}%" if peak else "-"]
            for p in peers[1:]:
                cells.append(f"{t[p] / ours:.2f}x" if p in t else "-")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("\"vs X\" is X's time divided by ours (above 1: we are faster); \"-\": not run at that "
                 "shape (too slow or too large; see the driver).")
    return "\n".join(lines)


def plot(results, peaks, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    peers = ["attn-mlir", "torch_sdpa", "onednn_unfused", "iree_unfused", "iree_attention", "naive"]
    fig, axes = plt.subplots(2, 1, figsize=(16, 10), sharey=True)
    for ax, threads in zip(axes, (1, 2)):
        rows = [r for r in results if r["shape"]["threads"] == threads]
        labels = [label(r["shape"]).replace(" N=", "\nN=") for r in rows]
        width = 0.8 / len(peers)
        for i, p in enumerate(peers):
            xs, ys = [], []
            for j, r in enumerate(rows):
                if p in r["times"]:
                    xs.append(j + i * width)
                    ys.append(flops(r["shape"]) / (r["times"][p] * 1e-3) / 1e9)
            ax.bar(xs, ys, width, label=p)
        if threads in peaks:
            ax.axhline(peaks[threads], color="black", linestyle="--", linewidth=1, label="FMA peak")
        ax.set_xticks([j + 0.4 for j in range(len(rows))])
        ax.set_xticklabels(labels, fontsize=6, rotation=90)
        ax.set_ylabel("GFLOP/s")
        ax.set_title(f"fp32 attention on the CPU, {threads} thread{'s' if threads > 1 else ''}")
    axes[0].legend(fontsize=8, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 1024 only")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--peers", default=",".join(["attn-mlir"] + list(PEER_COMMANDS)))
    ap.add_argument("--json", default=os.path.join(HERE, "results", "cpu_attention.json"))
    ap.add_argument("--png", default=os.path.join(ROOT, "docs", "benchmarks-cpu.png"))
    ap.add_argument("--update-docs", action="store_true",
                    help="replace the generated section of docs/benchmarks.md")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()
    wanted = args.peers.split(",")
    os.makedirs(os.path.dirname(args.json), exist_ok=True)

    peaks = {}
    for t in (1, 2):
        peaks[t] = run_json([os.path.join(BIN, "fma_peak"), "--threads", str(t)], 120)["gflops"]
        print(f"fma_peak threads={t}: {peaks[t]:.1f} GFLOP/s", flush=True)

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for s in shapes(args.quick):
            reps = args.reps if s["n"] <= 4096 else max(1, args.reps - 1)
            entry = {"shape": s, "flops": flops(s), "times": {}, "details": {}}
            for p in wanted:
                if p != "attn-mlir" and not applicable(p, s):
                    continue
                try:
                    if p == "attn-mlir":
                        r = time_ours(s, reps, tmp, args.timeout)
                    else:
                        r = run_json(PEER_COMMANDS[p](s, reps), args.timeout)
                except Exception as e:  # a peer failing must not lose the others
                    print(f"  {p} {label(s)}: {e}", file=sys.stderr, flush=True)
                    continue
                entry["times"][p] = r["median_ms"]
                entry["details"][p] = r
            results.append(entry)
            line = ", ".join(f"{p} {ms:.1f} ms" for p, ms in entry["times"].items())
            print(f"{label(s)} threads={s['threads']}: {line}", flush=True)

    # The peak again at the end: the machine is shared, read ratios.
    for t in (1, 2):
        again = run_json([os.path.join(BIN, "fma_peak"), "--threads", str(t)], 120)["gflops"]
        peaks[t] = max(peaks[t], again)
    command = "bench/.venv/bin/python bench/cpu_attention.py" + (" --quick" if args.quick else "") + " --update-docs"
    with open(args.json, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d"), "command": command, "fma_peak_gflops": peaks,
                   "results": results}, f, indent=1)
    table = render(results, peaks, command)
    print(table)
    try:
        plot(results, peaks, args.png)
    except Exception as e:
        print(f"plot: {e}", file=sys.stderr)
    if args.update_docs:
        replace_section(BEGIN, END,
                        f"Generated by `{command}` on {time.strftime('%Y-%m-%d')} "
                        f"(JSON: `bench/results/cpu_attention.json`, plot: `docs/benchmarks-cpu.png`).\n\n"
                        f"{table}\n\n![CPU attention GFLOP/s](benchmarks-cpu.png)")


if __name__ == "__main__":
    main()
