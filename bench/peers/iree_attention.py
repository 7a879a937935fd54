#!/usr/bin/env python3
"""IREE peer: attention compiled by IREE for the host CPU (llvm-cpu), run by IREE's runtime.

    iree_attention.py --heads H --kv-heads G --n N --d D [--causal] --threads T --reps R
                      [--check] [--form attention|unfused] [--dump DIR]
                      [--compile-flag=--some-iree-compile-flag ...]

Forms (the JSON's "form"):
  attention  (default) one `iree_linalg_ext.attention` op, IREE's fused attention, which
             its CPU backend tiles and decomposes into an online-softmax loop. Static
             shapes, f32. GQA is expressed in the indexing maps, no copy: q is
             [G, H/G, N, D] (a free reshape of [1, H, N, D]), k and v are [G, N, D], and the
             iteration space is (g, r, m, n, k1, k2) with k/v maps that ignore r.
             Causal: the op's optional mask operand, an i1 [N, N] tensor (true = keep),
             computed inside the program by a linalg.generic from linalg.index (i >= j), not
             read from an input; IREE may fuse that producer into the attention dispatch or
             materialize it once per call (the number of dispatches is in the JSON).
             The op is written in MLIR's generic form (`"iree_linalg_ext.attention"(...)
             <{indexing_maps = ...}> ({...})`), which does not depend on the op's custom
             syntax, which has changed between IREE versions.
  unfused    linalg only: S = Q K^T (a linalg.generic contraction), scale and (causal) an
             -inf mask from linalg.index in one elementwise linalg.generic, linalg.softmax
             over the last axis, O = linalg.batch_matmul(P, V). GQA: q viewed as
             [G, (H/G)*N, D] so every query head of a group shares one matmul against its
             kv head. IREE fuses what it chooses (see "dispatches").
Threads: the local-task driver with --task_topology_max_group_count=T, parsed with
iree.runtime.flags.parse_flags before the device is created. Inputs are uploaded once
(device arrays) outside the timed region; each timed call is one synchronous invocation
of the compiled function (its output stays on the device). Median and min of R calls
after 2 warm-up calls. --check compares with an fp64 numpy reference at the given shape.
"""
import json
import math
import os
import statistics
import sys
import tempfile
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import reference  # noqa: E402


def parse():
    def extra(p):
        p.add_argument("--form", choices=["attention", "unfused"], default="attention")
        p.add_argument("--dump", default=None,
                       help="also write the MLIR and IREE's per-dispatch files into DIR")
        p.add_argument("--compile-flag", action="append", default=[],
                       help="extra iree-compile flag (repeatable; write --compile-flag=--x=y)")
    return common.parse(__doc__, extra)


def f32(x):
    return repr(float(x))


def causal_i1_mask(n):
    """MLIR lines producing %mask : tensor<NxNxi1>, true where key j <= query i."""
    return f"""
  %me = tensor.empty() : tensor<{n}x{n}xi1>
  %mask = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>],
                           iterator_types = ["parallel", "parallel"]}}
      outs(%me : tensor<{n}x{n}xi1>) {{
    ^bb0(%unused: i1):
      %i = linalg.index 0 : index
      %j = linalg.index 1 : index
      %keep = arith.cmpi uge, %i, %j : index
      linalg.yield %keep : i1
  }} -> tensor<{n}x{n}xi1>"""


def attention_program(a):
    G, R, N, D = a.kv_heads, a.heads // a.kv_heads, a.n, a.d
    qt = f"tensor<{G}x{R}x{N}x{D}xf32>"
    kt = f"tensor<{G}x{N}x{D}xf32>"
    m = "affine_map<(g, r, m, n, k1, k2) -> "
    maps = [m + "(g, r, m, k1)>", m + "(g, k2, k1)>", m + "(g, k2, n)>", m + "()>"]
    operands = ["%q", "%k", "%v", "%scale"]
    types = [qt, kt, kt, "f32"]
    body = ""
    if a.causal:
        body = causal_i1_mask(N)
        maps.append(m + "(m, k2)>")
        operands.append("%mask")
        types.append(f"tensor<{N}x{N}xi1>")
    maps.append(m + "(g, r, m, n)>")
    maps_s = ",\n      ".join(maps)
    return f"""
func.func @attn(%q: {qt}, %k: {kt}, %v: {kt}) -> {qt} {{
  %scale = arith.constant {f32(1 / math.sqrt(D))} : f32{body}
  %e = tensor.empty() : {qt}
  %o = "iree_linalg_ext.attention"({", ".join(operands)}, %e) <{{indexing_maps = [
      {maps_s}]}}> ({{
    ^bb0(%score: f32):
      iree_linalg_ext.yield %score : f32
  }}) : ({", ".join(types)}, {qt}) -> {qt}
  return %o : {qt}
}}
"""


def unfused_program(a):
    G, R, N, D = a.kv_heads, a.heads // a.kv_heads, a.n, a.d
    M = R * N
    qt = f"tensor<{G}x{M}x{D}xf32>"
    kt = f"tensor<{G}x{N}x{D}xf32>"
    st = f"tensor<{G}x{M}x{N}xf32>"
    if a.causal:
        # Row m of the flattened [R*N] axis is query position m mod N.
        masked = f"""
      %mi = linalg.index 1 : index
      %j = linalg.index 2 : index
      %cn = arith.constant {N} : index
      %i = arith.remui %mi, %cn : index
      %keep = arith.cmpi uge, %i, %j : index
      %ninf = arith.constant 0xFF800000 : f32
      %r = arith.select %keep, %t, %ninf : f32"""
        res = "%r"
    else:
        masked, res = "", "%t"
    return f"""
func.func @attn(%q: {qt}, %k: {kt}, %v: {kt}) -> {qt} {{
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : {st}
  %sz = linalg.fill ins(%zero : f32) outs(%se : {st}) -> {st}
  %s = linalg.generic {{indexing_maps = [affine_map<(g, m, j, c) -> (g, m, c)>,
                                        affine_map<(g, m, j, c) -> (g, j, c)>,
                                        affine_map<(g, m, j, c) -> (g, m, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}}
      ins(%q, %k : {qt}, {kt}) outs(%sz : {st}) {{
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %sum = arith.addf %acc, %p : f32
      linalg.yield %sum : f32
  }} -> {st}
  %scaled = linalg.generic {{indexing_maps = [affine_map<(g, m, j) -> (g, m, j)>,
                                             affine_map<(g, m, j) -> (g, m, j)>],
                            iterator_types = ["parallel", "parallel", "parallel"]}}
      ins(%s : {st}) outs(%se : {st}) {{
    ^bb0(%x: f32, %unused: f32):
      %scale = arith.constant {f32(1 / math.sqrt(D))} : f32
      %t = arith.mulf %x, %scale : f32{masked}
      linalg.yield {res} : f32
  }} -> {st}
  %pe = tensor.empty() : {st}
  %p = linalg.softmax dimension(2) ins(%scaled : {st}) outs(%pe : {st}) -> {st}
  %oe = tensor.empty() : {qt}
  %oz = linalg.fill ins(%zero : f32) outs(%oe : {qt}) -> {qt}
  %o = linalg.batch_matmul ins(%p, %v : {st}, {kt}) outs(%oz : {qt}) -> {qt}
  return %o : {qt}
}}
"""


def iree_version():
    try:
        from iree.compiler import version
        return version.VERSION
    except Exception:
        return None


def main():
    a = parse()
    import numpy as np
    import iree.compiler as ic
    import iree.runtime as rt

    G, R, N, D = a.kv_heads, a.heads // a.kv_heads, a.n, a.d
    program = attention_program(a) if a.form == "attention" else unfused_program(a)

    extra = ["--iree-llvmcpu-target-cpu=host"] + a.compile_flag
    dump = a.dump or tempfile.mkdtemp(prefix="iree_attn_")
    os.makedirs(dump, exist_ok=True)
    with open(os.path.join(dump, "program.mlir"), "w") as f:
        f.write(program)
    extra.append(f"--iree-hal-dump-executable-sources-to={dump}")
    t0 = time.perf_counter()
    vmfb = ic.compile_str(program, target_backends=["llvm-cpu"], extra_args=extra)
    compile_s = time.perf_counter() - t0
    dispatches = len([f for f in os.listdir(dump) if f.endswith(".mlir") and "dispatch" in f])
    if a.dump is None:
        import shutil
        shutil.rmtree(dump, ignore_errors=True)

    rt.flags.parse_flags(f"--task_topology_max_group_count={a.threads}")
    config = rt.Config("local-task")
    ctx = rt.SystemContext(config=config)
    ctx.add_vm_module(rt.VmModule.copy_buffer(ctx.instance, vmfb))
    fn = ctx.modules.module.attn

    rng = np.random.default_rng(a.seed)
    q = rng.standard_normal((1, a.heads, N, D), dtype=np.float32)
    k = rng.standard_normal((1, a.kv_heads, N, D), dtype=np.float32)
    v = rng.standard_normal((1, a.kv_heads, N, D), dtype=np.float32)
    if a.form == "attention":
        qv = q.reshape(G, R, N, D)
    else:
        qv = q.reshape(G, R * N, D)
    kv, vv = k.reshape(G, N, D), v.reshape(G, N, D)
    qd, kd, vd = (rt.asdevicearray(config.device, x) for x in (qv, kv, vv))

    out = fn(qd, kd, vd)
    fn(qd, kd, vd)
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        fn(qd, kd, vd)
        times.append((time.perf_counter() - t0) * 1e3)

    res = {
        "peer": "iree",
        "median_ms": round(statistics.median(times), 4),
        "min_ms": round(min(times), 4),
        "reps": a.reps,
        "heads": a.heads, "kv_heads": a.kv_heads, "n": N, "d": D,
        "causal": a.causal, "threads": a.threads,
        "form": "iree_linalg_ext.attention" if a.form == "attention"
                else "linalg unfused (contraction + mask/scale + softmax + batch_matmul)",
        "mask": ("none" if not a.causal else
                 "i1 [N,N] mask operand, generated in-program (linalg.index)"
                 if a.form == "attention" else "-inf select in the scale generic (linalg.index)"),
        "dispatches": dispatches,
        "compile_s": round(compile_s, 2),
        "compile_flags": extra[:1] + a.compile_flag,
        "iree": iree_version(),
    }
    ok = True
    if a.check:
        o = np.asarray(out.to_host()).reshape(a.heads, N, D)
        ref = reference(q[0], np.repeat(k[0], R, axis=0), np.repeat(v[0], R, axis=0), a.causal)
        ok = common.check(res, o, ref)
    print(json.dumps(res), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
