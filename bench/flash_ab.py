#!/usr/bin/env python3
"""Before/after check of the softmax flash kernel: two attn-run builds and PyTorch's CPU
scaled_dot_product_attention at the structure issue's target shape (8 heads, D = 128,
N = 4096, dense and causal, one thread), interleaved rounds; medians per run, best of
the rounds reported.

    bench/.venv/bin/python bench/flash_ab.py OLD_ATTN_RUN NEW_ATTN_RUN [ROUNDS]
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_attention import PEERS, program  # noqa: E402

TMP = os.environ.get("TMPDIR", "/tmp")
HEADS, D, N = 8, 128, 4096


def ours(binary, causal):
    path = os.path.join(TMP, f"flash_ab_{int(causal)}.mlir")
    with open(path, "w") as f:
        f.write(program(HEADS, HEADS, D, causal))
    out = subprocess.run([binary, path, "--dims", f"n={N}", "--bench", "--reps", "5",
                          "--num-threads", "1"], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"median ([0-9.]+) ms", out).group(1))


def torch(causal):
    cmd = [sys.executable, os.path.join(PEERS, "torch_sdpa.py"), "--heads", str(HEADS),
           "--kv-heads", str(HEADS), "--n", str(N), "--d", str(D), "--threads", "1",
           "--reps", "5"] + (["--causal"] if causal else [])
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])["median_ms"]


def main():
    old, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    runs = {}
    for rnd in range(rounds):
        for causal in (False, True):
            for name, f in (("before", lambda: ours(old, causal)), ("after", lambda: ours(new, causal)),
                            ("torch", lambda: torch(causal))):
                t = f()
                runs.setdefault((name, causal), []).append(t)
                print(f"round {rnd} {'causal' if causal else 'dense'} {name}: {t:.1f} ms", flush=True)
    for causal in (False, True):
        b, a, t = (min(runs[(k, causal)]) for k in ("before", "after", "torch"))
        all_b = ", ".join(f"{x:.1f}" for x in runs[("before", causal)])
        all_a = ", ".join(f"{x:.1f}" for x in runs[("after", causal)])
        print(f"{'causal' if causal else 'dense'}: before {b:.1f} ms [{all_b}], after {a:.1f} ms "
              f"[{all_a}] (after/before {a / b:.3f}); PyTorch SDPA {t:.1f} ms")


if __name__ == "__main__":
    main()
