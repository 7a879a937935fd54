"""Writes what run_bundle.py would bring back from a GPU, for gpu-bundle.test: results
equal to the references rounded to f32 ("good"), or one perturbed by 5% ("bad"), and
timings (1 ms per case, peers at 2 ms)."""
import json
import os
import sys

import numpy as np

bundle, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
with open(os.path.join(bundle, "cases.json")) as f:
    cases = json.load(f)
timings = {"device": "fake", "cases": {}, "peers": []}
for case in cases["cases"]:
    name = case["name"]
    timings["cases"][name] = {"median_ms": 1.0, "min_ms": 1.0}
    refs = os.path.join(bundle.rstrip("/") + ".refs", name)
    if not os.path.isdir(refs):
        continue
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for file in sorted(os.listdir(refs)):
        ref = np.load(os.path.join(refs, file))
        result = ref.astype(np.float32)
        if mode == "bad" and name == cases["cases"][0]["name"]:
            result = result * np.float32(1.05)
        np.save(os.path.join(out, name, file.replace("reference", "result")), result)
for shape in cases["peer_shapes"]:
    for peer in ("sdpa_flash", "sdpa_cudnn", "flex"):
        timings["peers"].append(dict(shape, peer=peer, median_ms=2.0))
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "timings.json"), "w") as f:
    json.dump(timings, f)
