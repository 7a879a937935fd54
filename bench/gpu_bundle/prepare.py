#!/usr/bin/env python3
"""Prepares a bundle of attn-mlir GPU kernels for a CUDA machine without MLIR (run
there with run_bundle.py, checked here with check.py).

    python3 bench/gpu_bundle/prepare.py BUNDLE_DIR [--chip sm_90a] [--quick]

Correctness cases (small shapes; f32, f16 and bf16; masks, GQA, documents, block
layouts, soft-cap, a score_mod region, a pointwise normaliser, the examples that lower
to the GPU): attn-compile --cubin --manifest, inputs drawn and rounded by attn-run
(--save-io), and the fp64 reference evaluator's outputs (--save-reference) in
BUNDLE.refs beside the bundle (they stay here: only BUNDLE travels).
Timing cases (bf16, B = 4, H = 16, D = 128, N in {1024, 4096, 16384}, dense / causal /
causal sliding window of 1024): kernels and manifests only; run_bundle.py draws their
inputs on the device (hundreds of MB each) and PyTorch's SDPA and flex_attention run on
the same shapes (--peers). Needs attn-compile, attn-run and ptxas on this machine.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("ATTN_BUILD_DIR", os.path.join(ROOT, "build"))
MASKS = {"dense": None, "causal": "causal", "window": "and(causal, window(1023, 0))"}


def attention(name, elt, hq, g, d, mask=None, extra="", extra_args="", b=1, defaults="n = 200"):
    q = f"tensor<{b}x{hq}x?x{d}x{elt}>"
    kv = f"tensor<{b}x{g}x?x{d}x{elt}>"
    m = f"mask #attn.mask<{mask}> " if mask else ""
    return f"""func.func @{name}(%q: {q} {{attn.dims = "bhnd"}}, %k: {kv} {{attn.dims = "bgnd"}},
    %v: {kv} {{attn.dims = "bgnd"}}{extra_args}) -> {q} attributes {{attn.defaults = {{{defaults}}}}} {{
  %o = attn.attention {m}{extra}ins(%q, %k, %v : {q}, {kv}, {kv}) -> {q}
  return %o : {q}
}}
"""


ALIBI = """captures(%slopes : tensor<8xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %sl: tensor<8xf32>):
    %slope = attn.read %sl[%h] : tensor<8xf32>
    %d = arith.subi %p, %j : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %bias = arith.mulf %slope, %df : f32
    %y = arith.subf %s, %bias : f32
    attn.yield %y : f32
  } """


def correctness_cases():
    cases = []
    for elt in ("bf16", "f16", "f32"):
        cases += [
            (f"mha_{elt}", attention(f"mha_{elt}", elt, 4, 4, 128, defaults="n = 130")),
            (f"causal_gqa_{elt}", attention(f"causal_gqa_{elt}", elt, 8, 2, 64, "causal", b=2)),
        ]
    cases += [
        ("window_sinks_bf16", attention("window_sinks_bf16", "bf16", 4, 1, 64,
                                        "or(sink(4), and(causal, window(40, 0)))", defaults="n = 300")),
        ("documents_f16", attention("documents_f16", "f16", 4, 2, 64, "and(causal, document)",
                                    extra="mask_operands(%seg : tensor<2x?xi32>) ",
                                    extra_args=', %seg: tensor<2x?xi32> {attn.dims = "bn"}', b=2,
                                    defaults="n = 260")),
        ("layout_bf16", attention("layout_bf16", "bf16", 4, 2, 64, "blocks(0, 64, 64)",
                                  extra="mask_operands(%l : tensor<1x4x?x?xi32>) ",
                                  extra_args=', %l: tensor<1x4x?x?xi32> {attn.dims = "bhxy"}',
                                  defaults="n = 256, x = 4, y = 4")),
        ("softcap_bf16", attention("softcap_bf16", "bf16", 4, 4, 128, "causal",
                                   extra="softcap 30.0 ")),
        ("alibi_bf16", attention("alibi_bf16", "bf16", 8, 2, 64, "causal", extra=ALIBI,
                                 extra_args=", %slopes: tensor<8xf32>")),
        ("sigmoid_f16", attention("sigmoid_f16", "f16", 4, 2, 64, "causal",
                                  extra="normalizer sigmoid shift -4.6 ")),
    ]
    return cases


def example_cases():
    """The examples whose one public function the GPU kernel takes (the rest are
    listed as skipped, with attn-compile's reason)."""
    import re
    out = []
    folder = os.path.join(ROOT, "examples")
    for file in sorted(os.listdir(folder)):
        with open(os.path.join(folder, file)) as f:
            text = f.read()
        names = re.findall(r"func\.func @(\w+)", text)
        if len(names) == 1:
            out.append((f"example_{names[0]}", text, names[0]))
    return out


def timing_cases():
    out = []
    for n in (1024, 4096, 16384):
        for mask in ("dense", "causal", "window"):
            name = f"bench_{mask}_{n}"
            out.append((name, attention(name, "bf16", 16, 16, 128, MASKS[mask], b=4,
                                        defaults=f"n = {n}"), n, mask))
    return out


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {out.stdout[-400:]}{out.stderr[-400:]}")
    return out.stdout


def compile_case(case_dir, name, text, chip, entry=None):
    os.makedirs(case_dir, exist_ok=True)
    path = os.path.join(case_dir, "program.mlir")
    with open(path, "w") as f:
        f.write(text)
    run([os.path.join(BUILD, "bin", "attn-compile"), path, "--chip", chip, "--cubin",
         "--entry", entry or name, "--manifest", "-o", os.path.join(case_dir, "kernel")])
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle")
    p.add_argument("--chip", default="sm_90a")
    p.add_argument("--quick", action="store_true", help="two correctness cases, one timing case")
    a = p.parse_args()
    os.makedirs(a.bundle, exist_ok=True)
    # References stay here (check.py reads them): BUNDLE.refs beside the bundle.
    refs = a.bundle.rstrip("/") + ".refs"
    index = {"chip": a.chip, "cases": [], "peer_shapes": []}
    correct = [(n, t, n) for n, t in correctness_cases()]
    correct = correct[:2] if a.quick else correct + example_cases()
    index["skipped"] = {}
    for name, text, entry in correct:
        case_dir = os.path.join(a.bundle, name)
        try:
            path = compile_case(case_dir, name, text, a.chip, entry)
        except RuntimeError as e:
            if not name.startswith("example_"):
                raise
            shutil.rmtree(case_dir, ignore_errors=True)
            lines = [line for line in str(e).splitlines() if line.strip()]
            index["skipped"][name] = lines[-1][-300:] if lines else "attn-compile failed"
            print("skipped", name, flush=True)
            continue
        # attn-run draws the inputs (rounded to their types) and evaluates the reference.
        run([os.path.join(BUILD, "bin", "attn-run"), path, "--entry", entry, "--save-io",
             case_dir, "--save-reference", os.path.join(refs, name)])
        for file in os.listdir(case_dir):  # the CPU's results: not needed
            if file.startswith("result"):
                os.remove(os.path.join(case_dir, file))
        with open(os.path.join(case_dir, "case.json"), "w") as f:
            json.dump({"name": name, "kind": "correctness"}, f)
        index["cases"].append({"name": name, "kind": "correctness"})
        print("prepared", name, flush=True)
    timed = timing_cases()[:1] if a.quick else timing_cases()
    for name, text, n, mask in timed:
        case_dir = os.path.join(a.bundle, name)
        compile_case(case_dir, name, text, a.chip)
        shape = [4, 16, n, 128]
        with open(os.path.join(case_dir, "case.json"), "w") as f:
            json.dump({"name": name, "kind": "timing", "seed": 0, "n": n, "mask": mask,
                       "random_shapes": {"0": shape, "1": shape, "2": shape}}, f)
        index["cases"].append({"name": name, "kind": "timing"})
        index["peer_shapes"].append({"batch": 4, "heads": 16, "n": n, "d": 128, "mask": mask})
        print("prepared", name, flush=True)
    shutil.copy(os.path.join(ROOT, "bench", "peers", "torch_gpu.py"), a.bundle)
    shutil.copy(os.path.join(HERE, "run_bundle.py"), a.bundle)
    with open(os.path.join(a.bundle, "cases.json"), "w") as f:
        json.dump(index, f, indent=1)
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(a.bundle) for f in fs)
    print(f"bundle {a.bundle}: {len(index['cases'])} cases, {size / 1e6:.1f} MB; on the GPU "
          f"machine: python3 run_bundle.py . OUT --peers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
