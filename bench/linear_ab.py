#!/usr/bin/env python3
"""Before/after check of the linear kernel: two attn-run builds and PyTorch's chunked
linear attention, causal elu + 1, one head, D = 64, one thread, 5 interleaved rounds,
best of each.

    bench/.venv/bin/python bench/linear_ab.py OLD_ATTN_RUN NEW_ATTN_RUN
"""
import json, os, re, subprocess, sys
prog = """func.func @attention(%q: tensor<1x1x?x64xf32> {attn.dims = "bhnd"}, %k: tensor<1x1x?x64xf32> {attn.dims = "bhnd"},
                     %v: tensor<1x1x?x64xf32> {attn.dims = "bhne"}) -> tensor<1x1x?x64xf32> {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum ins(%q, %k, %v : tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>) -> tensor<1x1x?x64xf32>
  return %o : tensor<1x1x?x64xf32>
}
"""
MLIR = os.path.join(os.environ.get("TMPDIR", "/tmp"), "linear_ab.mlir")
open(MLIR, "w").write(prog)
def attn(b, n):
    out = subprocess.run([b, MLIR, "--dims", f"n={n}", "--bench", "--reps", "10", "--num-threads", "1"], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"median ([0-9.]+) ms", out).group(1))
def torch(n):
    r = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "torch_linear.py"), "--heads", "1", "--n", str(n), "--d", "64", "--threads", "1", "--reps", "10"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])["median_ms"]
best = {}
for rnd in range(5):
    for n in (4096, 16384):
        for k, f in (("before", lambda: attn(sys.argv[1], n)), ("after", lambda: attn(sys.argv[2], n)), ("torch", lambda: torch(n))):
            t = f(); best[(k, n)] = min(best.get((k, n), 1e9), t)
            print(rnd, k, n, t, flush=True)
for n in (4096, 16384):
    b, a, t = best[("before", n)], best[("after", n)], best[("torch", n)]
    print(f"N={n}: before {b:.2f} ms, after {a:.2f} ms (after/before {a/b:.3f}), PyTorch chunked {t:.2f} ms (before {t/b:.2f}x, after {t/a:.2f}x)")
