"""Regenerates test/Integration/Inputs/frontends/: attention ops as IREE and torch-mlir
emit them (iree_linalg_ext.attention, tm_tensor.attention) in MLIR's generic form, random
inputs, and the outputs IREE itself computes for them (iree-compile for llvm-cpu,
iree-run-module). Run with a Python that has iree-base-compiler and iree-base-runtime
(bench/.venv after bench/setup_peers.sh):

    bench/.venv/bin/python test/frontends/iree_attention.py

CI does not run this: the generated files are checked in (their header names the IREE
version), and test/Integration/frontend-attention.test checks attn-mlir against them.
"""

import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "Integration", "Inputs", "frontends")
BIN = os.path.dirname(sys.executable)


def tool(name):
    path = os.path.join(BIN, name)
    return path if os.path.exists(path) else shutil.which(name)


def maps(*results, dims="d0, d1, d2, d3, d4, d5"):
    return ", ".join(f"affine_map<({dims}) -> ({r})>" for r in results)


def iree_op(name, q, k, v, out, qmap, kmap, vmap, omap, scale, mask=None, mask_map=None,
            dims="d0, d1, d2, d3, d4, d5", out_type=None):
    """func @name in IREE's custom syntax (printed generic by iree-opt)."""
    args = [f"%q: {q}", f"%k: {k}", f"%v: {v}"] + ([f"%mask: {mask}"] if mask else [])
    ins = "%q, %k, %v, %scale" + (", %mask" if mask else "")
    tys = f"{q}, {k}, {v}, f32" + (f", {mask}" if mask else "")
    all_maps = [qmap, kmap, vmap, ""] + ([mask_map] if mask else []) + [omap]
    return f"""func.func @{name}({', '.join(args)}) -> {out} {{
  %scale = arith.constant {scale} : f32
  %e = tensor.empty() : {out}
  %o = iree_linalg_ext.attention <indexing_maps = [{maps(*all_maps, dims=dims)}]>
      ins({ins} : {tys}) outs(%e : {out}) {{
    ^bb0(%s: f32):
      iree_linalg_ext.yield %s : f32
  }} -> {out}
  return %o : {out}
}}
"""


def tm_op(name, q, k, v, out, mask=None):
    args = [f"%q: {q}", f"%k: {k}", f"%v: {v}"] + ([f"%mask: {mask}"] if mask else [])
    ins = "%q, %k, %v" + (", %mask" if mask else "")
    tys = f"{q}, {k}, {v}" + (f", {mask}" if mask else "")
    return f"""func.func @{name}({', '.join(args)}) -> {out} {{
  %e = tensor.empty() : {out}
  %o = tm_tensor.attention ins({ins} : {tys}) outs(%e : {out}) -> {out}
  return %o : {out}
}}
"""


Q4 = "d0, d1, d2, d4"     # b, h, m, k1
K4 = "d0, d1, d5, d4"     # b, h, k2, k1
V4 = "d0, d1, d5, d3"     # b, h, k2, n
O4 = "d0, d1, d2, d3"     # b, h, m, n
M4 = "d0, d1, d2, d5"     # b, h, m, k2

# name -> (source text, kind, [(shape, dtype)] of the inputs)
PROGRAMS = {
    "iree_mha": (iree_op("iree_mha", "tensor<2x4x100x64xf32>", "tensor<2x4x120x64xf32>",
                         "tensor<2x4x120x64xf32>", "tensor<2x4x100x64xf32>", Q4, K4, V4, O4,
                         "0.125"), "iree"),
    "iree_bool_mask": (iree_op("iree_bool_mask", "tensor<1x2x33x32xf32>", "tensor<1x2x40x32xf32>",
                               "tensor<1x2x40x32xf32>", "tensor<1x2x33x32xf32>", Q4, K4, V4, O4,
                               "0.17677669", mask="tensor<1x2x33x40xi1>", mask_map=M4), "iree"),
    "iree_float_mask_broadcast": (iree_op(
        "iree_float_mask_broadcast", "tensor<2x2x33x32xf32>", "tensor<2x2x40x32xf32>",
        "tensor<2x2x40x32xf32>", "tensor<2x2x33x32xf32>", Q4, K4, V4, O4, "0.17677669",
        mask="tensor<33x40xf32>", mask_map="d2, d5"), "iree"),
    "iree_transposed": (iree_op(
        # K as [b, h, d, n] (K^T), V as [b, n, h, e], output [b, m, h, e] (BSHD).
        "iree_transposed", "tensor<1x4x50x32xf32>", "tensor<1x4x32x70xf32>",
        "tensor<1x70x4x48xf32>", "tensor<1x50x4x48xf32>", Q4, "d0, d1, d4, d5",
        "d0, d5, d1, d3", "d0, d2, d1, d3", "0.2"), "iree"),
    "iree_3d": (iree_op("iree_3d", "tensor<6x64x32xf32>", "tensor<6x80x32xf32>",
                        "tensor<6x80x32xf32>", "tensor<6x64x32xf32>", "d0, d1, d3", "d0, d4, d3",
                        "d0, d4, d2", "d0, d1, d2", "0.17677669",
                        dims="d0, d1, d2, d3, d4"), "iree"),
    "iree_f16": (iree_op("iree_f16", "tensor<1x4x65x64xf16>", "tensor<1x4x65x64xf16>",
                         "tensor<1x4x65x64xf16>", "tensor<1x4x65x64xf16>", Q4, K4, V4, O4,
                         "0.125"), "iree"),
    "tm_mha": (tm_op("tm_mha", "tensor<2x3x40x32xf32>", "tensor<2x3x56x32xf32>",
                     "tensor<2x3x56x24xf32>", "tensor<2x3x40x24xf32>"), "tm_tensor"),
    "tm_bool_mask": (tm_op("tm_bool_mask", "tensor<1x2x30x16xf32>", "tensor<1x2x30x16xf32>",
                           "tensor<1x2x30x16xf32>", "tensor<1x2x30x16xf32>",
                           mask="tensor<1x2x30x30xi1>"), "tm_tensor"),
}


# Programs also written out at one of IREE's stages (file NAME_PHASE.mlir).
PHASES = {"tm_mha": "abi", "iree_bool_mask": "input"}


def arg_types(text):
    head = text.split("{", 1)[0]
    out = []
    for part in head.split("(", 1)[1].rsplit(")", 1)[0].split("%")[1:]:
        ty = part.split(":", 1)[1].strip().rstrip(",").strip()
        dims = ty[len("tensor<"):-1].split("x")
        out.append(([int(x) for x in dims[:-1]], dims[-1]))
    return out


def random_inputs(rng, types):
    arrays = []
    for shape, elt in types:
        if elt == "i1":
            a = rng.random(shape) > 0.3
            a[..., 0] = True   # every row sees a key (IREE's fully masked rows are NaN)
        elif elt == "f16":
            a = rng.standard_normal(shape).astype(np.float16)
        else:
            a = rng.standard_normal(shape).astype(np.float32)
        arrays.append(a)
    return arrays


def main():
    os.makedirs(OUT, exist_ok=True)
    version = subprocess.run([tool("iree-compile"), "--version"], capture_output=True,
                             text=True).stdout.splitlines()[1].strip()
    rng = np.random.default_rng(2026)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, kind) in PROGRAMS.items():
            src = os.path.join(tmp, name + ".mlir")
            with open(src, "w") as f:
                f.write(text)
            # The op as the front end leaves it: tm_tensor stays tm_tensor; IREE's op is
            # printed in generic form (what attn-mlir reads without IREE's dialects).
            generic = subprocess.run([tool("iree-opt"), src, "--mlir-print-op-generic"],
                                     capture_output=True, text=True, check=True).stdout
            header = (f"// Generated by test/frontends/iree_attention.py with {version}:\n"
                      f"// a {kind} attention op in MLIR's generic form; inputs and IREE's own\n"
                      f"// outputs (iree-compile --iree-hal-target-device=local, llvm-cpu) in {name}/.\n")
            with open(os.path.join(OUT, name + ".mlir"), "w") as f:
                f.write(header + generic)
            # IREE's own input (util.func) or ABI (hal.tensor.import / export) phase
            # of the same program: what an IREE pipeline hands on.
            phase = PHASES.get(name)
            if phase:
                staged = subprocess.run(
                    [tool("iree-compile"), src, f"--compile-to={phase}", "--mlir-print-op-generic"]
                    + (["--iree-input-type=tm_tensor"] if kind == "tm_tensor" else []),
                    capture_output=True, text=True, check=True).stdout
                with open(os.path.join(OUT, f"{name}_{phase}.mlir"), "w") as f:
                    f.write(header.replace("in MLIR's generic form", f"after iree-compile "
                                           f"--compile-to={phase}, generic form") + staged)
            vmfb = os.path.join(tmp, name + ".vmfb")
            subprocess.run([tool("iree-compile"), src, "-o", vmfb,
                            "--iree-hal-target-device=local",
                            "--iree-hal-local-target-device-backends=llvm-cpu",
                            "--iree-llvmcpu-target-cpu=generic"]
                           + (["--iree-input-type=tm_tensor"] if kind == "tm_tensor" else []),
                           check=True)
            case = os.path.join(OUT, name)
            os.makedirs(case, exist_ok=True)
            inputs = random_inputs(rng, arg_types(text))
            cmd = [tool("iree-run-module"), f"--module={vmfb}", f"--function={name}",
                   "--device=local-task", f"--output=@{os.path.join(case, 'iree0.npy')}"]
            for i, a in enumerate(inputs):
                path = os.path.join(case, f"arg{i}.npy")
                np.save(path, a)
                cmd.append(f"--input=@{path}")
            subprocess.run(cmd, check=True, capture_output=True)
            print(name, [a.shape for a in inputs], np.load(os.path.join(case, "iree0.npy")).shape)


def torch_programs():
    """PyTorch's own SDPA through iree-turbine's aot.export and IREE's torch input
    pipeline (`--compile-to=input`: util.func with the async fence ABI, the causal mask
    materialised, iree_linalg_ext.attention over collapsed batch and heads), with
    torch's output. Needs iree-turbine (pip install iree-turbine decorator)."""
    import torch
    import torch.nn.functional as F
    from iree.turbine import aot

    class CausalSDPA(torch.nn.Module):
        def forward(self, q, k, v):
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)

    torch.manual_seed(2026)
    args = tuple(torch.randn(1, 4, 64, 32) for _ in range(3))
    name = "torch_sdpa_causal"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "torch.mlir")
        aot.export(CausalSDPA(), args=args).save_mlir(src)
        staged = subprocess.run([tool("iree-compile"), src, "--iree-input-type=torch",
                                 "--compile-to=input", "--mlir-print-op-generic"],
                                capture_output=True, text=True, check=True).stdout
    header = (f"// Generated by test/frontends/iree_attention.py: torch {torch.__version__} "
              f"F.scaled_dot_product_attention(is_causal=True)\n// exported with iree-turbine "
              f"aot.export, iree-compile --iree-input-type=torch --compile-to=input\n// (IREE "
              f"3.13), generic form; inputs and torch's own output in {name}/.\n")
    with open(os.path.join(OUT, name + "_input.mlir"), "w") as f:
        f.write(header + staged)
    case = os.path.join(OUT, name)
    os.makedirs(case, exist_ok=True)
    for i, t in enumerate(args):
        np.save(os.path.join(case, f"arg{i}.npy"), t.numpy())
    np.save(os.path.join(case, "torch0.npy"), CausalSDPA()(*args).numpy())
    print(name, [tuple(t.shape) for t in args])


if __name__ == "__main__":
    main()
    torch_programs()
