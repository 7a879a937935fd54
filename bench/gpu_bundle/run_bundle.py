#!/usr/bin/env python3
"""Runs a bundle of attn-mlir GPU kernels on a CUDA machine that has no MLIR: what
prepare.py wrote (cubins, launch manifests, .npy inputs or, for the large timing
cases, shapes of random inputs made here) is launched through CuPy, timed
with CUDA events, and the outputs and timings are written for check.py to compare with
the fp64 references on the preparing machine.

    python3 run_bundle.py BUNDLE_DIR OUT_DIR [--reps R] [--peers]

Needs numpy and CuPy (or it says "no CUDA device: ..." and exits 2, touching nothing
but OUT_DIR). With --peers, PyTorch's SDPA (flash and cuDNN backends) and
flex_attention run on the timing cases' shapes too (peers/torch_gpu.py, copied into
the bundle). Each case: BUNDLE/<case>/{kernel.cubin, kernel.json, case.json, argN.npy};
results go
to OUT/<case>/resultN.npy (f32) and OUT/timings.json.

Timing cases have no fp64 reference (their inputs are made here): where PyTorch is
present, each is compared with PyTorch's SDPA on the same inputs ("torch_max_rel_err").

A manifest's kernel parameters are, per memref, its expanded descriptor: allocated
pointer, aligned pointer, offset, sizes, row-major strides, all 64-bit
(docs/conventions.md, "GPU launch manifest").
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import numpy as np

ELEMENT = {"f32": (np.float32, 4), "f16": (np.float16, 2), "bf16": (np.uint16, 2),
           "i32": (np.int32, 4)}


def to_element(array, element):
    """Host array in the kernel's element type (bf16 as its bits, rounded to nearest even;
    arrays saved as bf16 already, ml_dtypes' '<V2' or '<u2' bits, pass as they are)."""
    if array.dtype.itemsize == 2 and array.dtype.kind in "Vu" and element == "bf16":
        return np.ascontiguousarray(array).view(np.uint16)
    if element == "bf16":
        bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
        rounded = bits + 0x7FFF + ((bits >> 16) & 1)
        return (rounded >> 16).astype(np.uint16)
    return np.ascontiguousarray(array, dtype=ELEMENT[element][0])


def from_element(array, element):
    if element == "bf16":
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array.astype(np.float32)


def dim_of(ref, shapes):
    """A [argument, dim] reference resolved against the arguments' shapes."""
    arg, d = ref
    return shapes[arg][d]


def grid_of(manifest, shapes):
    g = manifest["grid"]
    (ref, per) = g["x"]["ceil_div"]
    return ((dim_of(ref, shapes) + per - 1) // per, dim_of(g["y"], shapes),
            dim_of(g["z"], shapes))


def result_shape(param, shapes):
    return tuple(dim_of(ref, shapes) for ref in param["shape_from"])


def descriptor(pointer, shape):
    """The expanded memref descriptor of a row-major buffer at `pointer`."""
    strides, stride = [], 1
    for size in reversed(shape):
        strides.insert(0, stride)
        stride *= size
    return [np.uint64(pointer), np.uint64(pointer), np.int64(0)] + \
        [np.int64(s) for s in shape] + [np.int64(s) for s in strides]


def pack_params(manifest, shapes, pointers):
    """The kernel's argument list: `pointers` maps ("argument" | "result", index) to a
    device address; `shapes` the arguments' shapes."""
    values = []
    for param in manifest["params"]:
        if "argument" in param:
            key, shape = ("argument", param["argument"]), shapes[param["argument"]]
        else:
            key, shape = ("result", param["result"]), result_shape(param, shapes)
        if len(shape) != param["rank"]:
            raise ValueError(f"{key}: rank {len(shape)}, the manifest says {param['rank']}")
        for size, static in zip(shape, param["shape"]):
            if static is not None and static != size:
                raise ValueError(f"{key}: shape {shape} does not match {param['shape']}")
        values += descriptor(pointers[key], shape)
    return values


def run_case(cp, case_dir, out_dir, reps):
    with open(os.path.join(case_dir, "kernel.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    args, shapes = {}, {}
    rng = np.random.default_rng(case.get("seed", 0))
    for param in manifest["params"]:
        if "argument" in param:
            i = param["argument"]
            if "random_shapes" in case:  # timing cases: inputs made here, too big to carry
                host = rng.standard_normal(case["random_shapes"][str(i)], dtype=np.float32)
            else:
                host = np.load(os.path.join(case_dir, f"arg{i}.npy"))
            args[i] = cp.asarray(to_element(host, param["element"]))
            shapes[i] = host.shape
    pointers = {("argument", i): a.data.ptr for i, a in args.items()}
    results = {}
    for param in manifest["params"]:
        if "result" in param:
            dtype = ELEMENT[param["element"]][0]
            results[param["result"]] = (cp.zeros(result_shape(param, shapes), dtype=dtype),
                                        param["element"])
            pointers[("result", param["result"])] = results[param["result"]][0].data.ptr
    module = cp.RawModule(path=os.path.join(case_dir, manifest["files"]["cubin"]))
    kernel = module.get_function(manifest["kernel"])
    grid, block = grid_of(manifest, shapes), tuple(manifest["block"])
    params = tuple(pack_params(manifest, shapes, pointers))
    kernel(grid, block, params)
    cp.cuda.runtime.deviceSynchronize()
    os.makedirs(out_dir, exist_ok=True)
    for i, (array, element) in results.items():
        np.save(os.path.join(out_dir, f"result{i}.npy"), from_element(cp.asnumpy(array), element))
    agreement = torch_agreement(cp, case, manifest, args, results) if "mask" in case else None
    times = []
    for _ in range(reps):
        start, stop = cp.cuda.Event(), cp.cuda.Event()
        start.record()
        kernel(grid, block, params)
        stop.record()
        stop.synchronize()
        times.append(cp.cuda.get_elapsed_time(start, stop))
    return {"median_ms": statistics.median(times), "min_ms": min(times), "grid": grid,
            "block": block, "shapes": {str(k): list(v) for k, v in shapes.items()},
            "torch_max_rel_err": agreement}


def torch_agreement(cp, case, manifest, args, results):
    """Timing cases have no fp64 reference (inputs made here): max |ours - SDPA| / max
    |SDPA| against PyTorch's SDPA on the same bf16 inputs, or None without PyTorch."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    q, k, v = (torch.from_dlpack(args[i]).view(torch.bfloat16) for i in range(3))
    n = q.shape[2]
    kwargs = {"is_causal": True} if case["mask"] == "causal" else {}
    if case["mask"] == "window":  # causal window of 1024 keys (and(causal, window(1023, 0)))
        i = torch.arange(n, device=q.device)
        kwargs = {"attn_mask": (i[None, :] <= i[:, None]) & (i[:, None] - i[None, :] <= 1023)}
    with torch.no_grad():
        ref = F.scaled_dot_product_attention(q, k, v, **kwargs).float()
    ours = torch.from_dlpack(results[0][0]).view(torch.bfloat16).float()
    return float((ours - ref).abs().max() / ref.abs().max())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle")
    p.add_argument("out")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--peers", action="store_true")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    try:
        import cupy as cp
        if cp.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no device")
        device = cp.cuda.runtime.getDeviceProperties(0)["name"].decode()
    except Exception as e:  # ImportError, CUDARuntimeError: no usable GPU here
        print(f"no CUDA device: {type(e).__name__}: {e}")
        return 2
    with open(os.path.join(a.bundle, "cases.json")) as f:
        cases = json.load(f)
    timings = {"device": device, "cases": {}, "peers": []}
    for case in cases["cases"]:
        name = case["name"]
        try:
            timings["cases"][name] = run_case(cp, os.path.join(a.bundle, name),
                                              os.path.join(a.out, name), a.reps)
        except Exception as e:  # one failing case is reported, the others still run
            timings["cases"][name] = {"error": f"{type(e).__name__}: {e}"}
        print(name, json.dumps(timings["cases"][name]), flush=True)
    if a.peers:
        peer = os.path.join(a.bundle, "torch_gpu.py")
        for shape in cases.get("peer_shapes", []):
            for name in ("sdpa_flash", "sdpa_cudnn", "flex"):
                cmd = [sys.executable, peer, "--peer", name, "--batch", str(shape["batch"]),
                       "--heads", str(shape["heads"]), "--n", str(shape["n"]),
                       "--d", str(shape["d"]), "--mask", shape["mask"], "--reps", str(a.reps)]
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
                line = (out.stdout.strip().splitlines() or [""])[-1]
                try:
                    result = json.loads(line)
                except json.JSONDecodeError:
                    result = {"error": (out.stderr or out.stdout)[-300:]}
                timings["peers"].append(dict(shape, peer=name, **result))
                print(json.dumps(timings["peers"][-1]), flush=True)
    with open(os.path.join(a.out, "timings.json"), "w") as f:
        json.dump(timings, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
