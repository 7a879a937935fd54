"""Prints the kernel parameters run_bundle.py would pass for a prepared case (fake
device pointers: 0x1000 per argument, 0x9000 per result), for gpu-bundle.test."""
import json
import os
import sys

import numpy as np

bundle, case = sys.argv[1], sys.argv[2]
sys.path.insert(0, bundle)
import run_bundle  # noqa: E402

with open(os.path.join(bundle, case, "kernel.json")) as f:
    manifest = json.load(f)
shapes, pointers = {}, {}
for p in manifest["params"]:
    if "argument" in p:
        i = p["argument"]
        shapes[i] = np.load(os.path.join(bundle, case, f"arg{i}.npy")).shape
        pointers[("argument", i)] = 0x1000 * (i + 1)
    else:
        pointers[("result", p["result"])] = 0x9000 * (p["result"] + 1)
values = run_bundle.pack_params(manifest, shapes, pointers)
print("grid", run_bundle.grid_of(manifest, shapes), "block", tuple(manifest["block"]))
print("values", len(values))
at = 0
for p in manifest["params"]:
    n = 3 + 2 * p["rank"]
    print("param", [int(v) for v in values[at:at + n]])
    at += n
bits = run_bundle.to_element(np.array([1.0, -2.5, 3.14159], dtype=np.float32), "bf16")
print("bf16", [hex(int(b)) for b in bits], run_bundle.from_element(bits, "bf16").tolist())
try:
    run_bundle.pack_params(manifest, {**shapes, 0: (9, 9, 9, 9)}, pointers)
except ValueError as e:
    print("error", e)
