"""attn_mlir on NumPy arrays: every kind of argument, checked against the fp64
reference in conftest.py; errors; the cache; zero copy."""

import numpy as np
import pytest

import attn_mlir
from conftest import causal, normal, reference, rel_err, window

F32 = 1e-5


@pytest.mark.parametrize("b,hq,hkv,nq,nk,d", [
    (1, 4, 4, 64, 64, 64),     # MHA, tile multiples
    (2, 8, 2, 33, 97, 64),     # GQA 4, ragged, Nq != Nk
    (1, 8, 1, 1, 200, 128),    # MQA decoding (the decode kernel)
    (1, 2, 2, 5, 0, 32),       # no keys: zeros
    (1, 2, 2, 0, 7, 32),       # no queries
])
def test_causal_shapes(rng, b, hq, hkv, nq, nk, d):
    q, k, v = normal(rng, (b, hq, nq, d)), normal(rng, (b, hkv, nk, d)), normal(rng, (b, hkv, nk, d))
    out = attn_mlir.attention(q, k, v, mask="causal")
    want, _ = reference(q, k, v, visible=causal(nq, nk))
    assert out.shape == (b, hq, nq, d) and out.dtype == np.float32
    if out.size:
        assert rel_err(out, want) < F32


def test_masks_scale_softcap_lse(rng):
    q, k, v = normal(rng, (1, 4, 70, 64)), normal(rng, (1, 4, 90, 64)), normal(rng, (1, 4, 90, 48))
    out, lse = attn_mlir.attention(q, k, v, mask="and(causal, window(16, 0))", scale=0.3,
                                   softcap=5.0, return_lse=True)
    want, want_lse = reference(q, k, v, visible=window(70, 90, 16), scale=0.3, softcap=5.0)
    assert out.shape == (1, 4, 70, 48) and lse.shape == (1, 4, 70) and lse.dtype == np.float32
    assert rel_err(out, want) < F32
    assert np.abs(lse - want_lse).max() < 1e-5 * np.abs(want_lse).max()


def test_document_mask_operand(rng):
    nq = nk = 50
    q, k, v = (normal(rng, (2, 2, nk, 32)) for _ in range(3))
    seg = np.sort(rng.integers(0, 4, size=(2, nk))).astype(np.int32)
    out = attn_mlir.attention(q, k, v, mask="and(causal, document)", mask_operands=[seg])
    vis = np.stack([causal(nq, nk) & (s[:, None] == s[None, :]) for s in seg])
    want, _ = reference(q, k, v, visible=vis)
    assert rel_err(out, want) < F32


def test_score_mod_with_capture_alibi(rng):
    q, k, v = normal(rng, (1, 8, 40, 64)), normal(rng, (1, 2, 40, 64)), normal(rng, (1, 2, 40, 64))
    slopes = (2.0 ** -np.arange(1, 9)).astype(np.float32)
    body = """
      %slope = attn.read %slopes[%h] : tensor<8xf32>
      %d = arith.subi %j, %p : index
      %di = arith.index_cast %d : index to i64
      %df = arith.sitofp %di : i64 to f32
      %bias = arith.mulf %slope, %df : f32
      %r = arith.addf %score, %bias : f32
      attn.yield %r : f32
    """
    out = attn_mlir.attention(q, k, v, mask="causal", score_mod=body, captures={"slopes": slopes})
    dist = np.arange(40)[None, :] - np.arange(40)[:, None]
    bias = slopes[None, :, None, None].astype(np.float64) * dist
    want, _ = reference(q, k, v, visible=causal(40, 40), bias=bias)
    assert rel_err(out, want) < F32


def test_sigmoid_normalizer(rng):
    q, k, v = (normal(rng, (1, 2, 30, 32)) for _ in range(3))
    out = attn_mlir.attention(q, k, v, normalizer="sigmoid", shift=-np.log(30))
    want, _ = reference(q, k, v, bias=-np.log(30), weight="sigmoid", divide="none")
    assert rel_err(out, want) < F32


def test_linear_attention_feature_map(rng):
    q, k, v = (normal(rng, (1, 2, 64, 16)) for _ in range(3))
    out = attn_mlir.attention(q, k, v, feature="elu_plus_one", normalizer="sum", mask="causal")
    phi = lambda x: np.where(x > 0, x + 1, np.exp(np.minimum(x, 0))).astype(np.float64)
    a = phi(q) @ phi(k).transpose(0, 1, 3, 2) * causal(64, 64)
    want = (a @ v) / a.sum(-1, keepdims=True)
    assert rel_err(out, want) < F32


def test_paged_decode(rng):
    pages, size, g, d = 12, 4, 2, 64
    kp, vp = normal(rng, (pages, size, g, d)), normal(rng, (pages, size, g, d))
    q = normal(rng, (3, 4, 1, d))
    table = rng.permutation(pages)[:9].reshape(3, 3).astype(np.int32)
    lengths = np.array([9, 1, 12], dtype=np.int32)
    out = attn_mlir.attention(q, kp, vp, page_table=table, lengths=lengths)
    for b in range(3):
        keys = np.concatenate([kp[p] for p in table[b]])[: lengths[b]].transpose(1, 0, 2)[None]
        vals = np.concatenate([vp[p] for p in table[b]])[: lengths[b]].transpose(1, 0, 2)[None]
        want, _ = reference(q[b:b + 1], keys, vals)
        assert rel_err(out[b:b + 1], want) < F32


def test_varlen(rng):
    cu = np.array([0, 5, 5, 30], dtype=np.int32)
    q, k, v = (normal(rng, (1, 2, 30, 32)) for _ in range(3))
    out = attn_mlir.attention(q, k, v, mask="causal", cu_seqlens_q=cu, cu_seqlens_k=cu)
    for s in range(3):
        a, e = cu[s], cu[s + 1]
        want, _ = reference(q[:, :, a:e], k[:, :, a:e], v[:, :, a:e], visible=causal(e - a, e - a))
        if e > a:
            assert rel_err(out[:, :, a:e], want) < F32


def test_top_left_causal(rng):
    q, k, v = normal(rng, (1, 2, 20, 32)), normal(rng, (1, 2, 50, 32)), normal(rng, (1, 2, 50, 32))
    out = attn_mlir.attention(q, k, v, mask="causal", top_left=True)
    want, _ = reference(q, k, v, visible=causal(20, 50, top_left=True))
    assert rel_err(out, want) < F32


def test_bf16_and_f16(rng):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    q, k, v = (normal(rng, (1, 4, 70, 64)) for _ in range(3))
    for dtype, tol in ((ml_dtypes.bfloat16, 1e-2), (np.float16, 5e-3)):
        qq, kk, vv = (x.astype(dtype) for x in (q, k, v))
        out = attn_mlir.attention(qq, kk, vv, mask="causal")
        assert out.dtype == np.dtype(dtype)
        want, _ = reference(qq.astype(np.float64), kk.astype(np.float64), vv.astype(np.float64),
                            visible=causal(70, 70))
        assert rel_err(out.astype(np.float64), want) < tol


def test_load_cascade_dynamic_program(rng):
    prog = attn_mlir.load(str(pytest.importorskip("conftest").ROOT / "examples" / "causal_gqa.mlir"))
    assert prog.arguments[0] == ("f32", (1, 8, 4, -1, 64))
    for n in (1, 77, 128):
        q, k, v = normal(rng, (1, 8, 4, n, 64)), normal(rng, (1, 8, n, 64)), normal(rng, (1, 8, n, 64))
        (out,) = prog(q, k, v)
        want, _ = reference(q.reshape(1, 32, n, 64), k, v, visible=causal(n, n), scale=0.125)
        assert rel_err(out.reshape(1, 32, n, 64), want) < F32


def test_zero_copy_out(rng):
    q, k, v = (normal(rng, (1, 4, 64, 64)) for _ in range(3))
    out = np.full((1, 4, 64, 64), np.nan, dtype=np.float32)
    address = out.__array_interface__["data"][0]
    got = attn_mlir.attention(q, k, v, mask="causal", out=out)
    assert got is out and out.__array_interface__["data"][0] == address
    want, _ = reference(q, k, v, visible=causal(64, 64))
    assert rel_err(out, want) < F32


def test_cache_and_dynamic(rng):
    variant = attn_mlir.Variant(mask="causal")
    before = attn_mlir.cache_info()["compiles"]
    q, k, v = (normal(rng, (1, 2, 16, 32)) for _ in range(3))
    variant(q, k, v)
    variant(q, k, v)
    assert attn_mlir.cache_info()["compiles"] == before + 1
    variant(normal(rng, (1, 2, 17, 32)), k[:, :, :1].repeat(17, 2), v[:, :, :1].repeat(17, 2))
    assert attn_mlir.cache_info()["compiles"] == before + 2   # a new static shape
    dynamic = attn_mlir.Variant(mask="causal", dynamic=True)
    for n, extra in ((1, 3), (5, 3), (64, 3), (100, 0), (200, 7), (1, 40), (5, 0)):
        q, k, v = normal(rng, (2, 2, n, 32)), normal(rng, (2, 2, n + extra, 32)), normal(rng, (2, 2, n + extra, 32))
        want, _ = reference(q, k, v, visible=causal(n, n + extra))
        assert rel_err(dynamic(q, k, v), want) < F32
    # One kernel for every query length above 16 and every key length; one per short
    # query length (the decode kernel's), whatever the key length.
    assert attn_mlir.cache_info()["compiles"] == before + 5


def test_threads(rng):
    q, k, v = (normal(rng, (1, 8, 128, 64)) for _ in range(3))
    one = attn_mlir.attention(q, k, v, threads=1)
    two = attn_mlir.attention(q, k, v, threads=2)
    attn_mlir.set_num_threads(1)
    try:
        again = attn_mlir.attention(q, k, v)
    finally:
        attn_mlir.set_num_threads(0)
    assert np.array_equal(one, two) and np.array_equal(one, again)


def test_non_contiguous_inputs_are_copied(rng):
    q = normal(rng, (1, 64, 4, 32)).transpose(0, 2, 1, 3)  # [B, L, H, D] viewed as [B, H, L, D]
    k = normal(rng, (1, 64, 4, 32)).transpose(0, 2, 1, 3)
    out = attn_mlir.attention(q, k, k)
    want, _ = reference(q, k, k)
    assert rel_err(out, want) < F32


def test_errors_are_located(rng):
    q, k, v = (normal(rng, (1, 2, 8, 32)) for _ in range(3))
    with pytest.raises(attn_mlir.CompileError, match=r"<attn_mlir.Variant>:\d+:\d+: error"):
        attn_mlir.attention(q, k, v, mask="caual")
    with pytest.raises(attn_mlir.CompileError, match="terminator"):
        attn_mlir.attention(q, k, v, score_mod="%r = arith.addf %score, %score : f32")
    with pytest.raises(attn_mlir.CompileError, match="error"):
        attn_mlir.load("func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n  %y = attn.nope %x\n}")
    with pytest.raises(attn_mlir.CompileError, match="element types differ"):
        attn_mlir.attention(q, k.astype(np.float64), v)
    with pytest.raises(attn_mlir.CompileError, match="multiple"):
        attn_mlir.attention(normal(rng, (1, 3, 8, 32)), k, v)  # 3 query heads over 2
    with pytest.raises(ValueError, match="out\\[0\\]"):
        attn_mlir.attention(q, k, v, out=np.empty((1, 2, 8, 31), np.float32))
    with pytest.raises(ValueError, match="C-contiguous"):
        attn_mlir.attention(q, k, v, out=np.empty((1, 2, 32, 8), np.float32).transpose(0, 1, 3, 2))
    with pytest.raises(ValueError, match="options"):
        attn_mlir.Variant(options={"no-such-option": 1})
    with pytest.raises(TypeError, match="numpy.ndarray or a torch.Tensor|unsupported"):
        attn_mlir.attention(q, k, v.astype(np.complex64))
    with pytest.raises(ValueError, match="mask operands"):
        attn_mlir.Variant(mask="document", mask_operands=1)(q, k, v)
    prog = attn_mlir.load(str(pytest.importorskip("conftest").ROOT / "examples" / "causal_gqa.mlir"))
    with pytest.raises(TypeError, match="argument 1 is f64"):
        prog(normal(rng, (1, 8, 4, 5, 64)), normal(rng, (1, 8, 5, 64), np.float64), normal(rng, (1, 8, 5, 64)))
    with pytest.raises(ValueError, match="argument 0"):
        prog(normal(rng, (1, 8, 4, 5, 32)), normal(rng, (1, 8, 5, 64)), normal(rng, (1, 8, 5, 64)))
    with pytest.raises(ValueError, match="do not fit"):
        prog(normal(rng, (1, 8, 4, 5, 64)), normal(rng, (1, 8, 6, 64)), normal(rng, (1, 8, 5, 64)))


def test_repeat_calls_recheck_what_they_skip(rng):
    """The second call of a signature takes the fast path; anything that path cannot
    vouch for goes back through the checks of the first."""
    variant = attn_mlir.Variant(mask="causal")
    q, k, v = (normal(rng, (1, 2, 24, 32)) for _ in range(3))
    first = variant(q, k, v)
    second = variant(q, k, v)
    assert np.array_equal(first, second) and second is not first
    # Same shape and dtype, not contiguous: copied, still right.
    qt = normal(rng, (1, 24, 2, 32)).transpose(0, 2, 1, 3)
    want, _ = reference(qt, k, v, visible=causal(24, 24))
    assert rel_err(variant(qt, k, v), want) < F32
    # A wrong out= after a good one still raises.
    out = np.empty((1, 2, 24, 32), np.float32)
    variant(q, k, v, out=out)
    with pytest.raises(ValueError, match="out\\[0\\]"):
        variant(q, k, v, out=np.empty((1, 2, 24, 32), np.float64))
    with pytest.raises(ValueError, match="writeable"):
        ro = np.empty((1, 2, 24, 32), np.float32)
        ro.flags.writeable = False
        variant(q, k, v, out=ro)
    # Extra operands: a keyword the variant does not take is refused even when the
    # arrays' signature matches one seen before.
    doc = attn_mlir.Variant(mask="document", mask_operands=1)
    seg = np.zeros((1, 24), np.int32)
    doc(q, k, v, mask_operands=[seg])
    doc(q, k, v, mask_operands=[seg])
    with pytest.raises(ValueError, match="not paged"):
        doc(q, k, v, mask_operands=[seg], page_table=seg)


_CACHE_CHILD = r"""
import sys, json
import numpy as np
import attn_mlir
attn_mlir.set_cache_dir(sys.argv[1])
rng = np.random.default_rng(0)
q, k, v = (rng.standard_normal((1, 4, 50, 64), dtype=np.float32) for _ in range(3))
variant = attn_mlir.Variant(mask="and(causal, window(8, 0))", return_lse=True)
out, lse = variant(q, k, v)
kernel = next(iter(variant._kernels.values())).kernel
print(json.dumps(dict(cached=kernel.from_cache, out=out.tolist(), lse=lse.tolist(),
                      info=attn_mlir.cache_info())))
"""


def test_disk_cache_across_processes(tmp_path):
    import json
    import os
    import subprocess
    import sys

    def run():
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        done = subprocess.run([sys.executable, "-c", _CACHE_CHILD, str(tmp_path)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = run()
    objects = list(tmp_path.glob("*.o"))
    assert not first["cached"] and len(objects) == 1
    second = run()
    assert second["cached"] and second["info"]["disk_hits"] == 1
    assert second["out"] == first["out"] and second["lse"] == first["lse"]
    q = np.random.default_rng(0).standard_normal((3, 1, 4, 50, 64), dtype=np.float32)
    want, want_lse = reference(q[0], q[1], q[2], visible=window(50, 50, 8))
    assert rel_err(np.array(second["out"]), want) < F32
    # A damaged entry is compiled again (and replaced), never loaded half.
    objects[0].write_bytes(objects[0].read_bytes()[:100])
    third = run()
    assert not third["cached"] and third["out"] == first["out"]
    assert run()["cached"]


def test_ready_made_score_mods(rng):
    from attn_mlir import score_mods
    assert np.allclose(score_mods.alibi_slopes(8), 2.0 ** -np.arange(1, 9))
    assert len(score_mods.alibi_slopes(12)) == 12
    q, k, v = normal(rng, (2, 4, 30, 32)), normal(rng, (2, 4, 30, 32)), normal(rng, (2, 4, 30, 32))
    slopes = score_mods.alibi_slopes(4)
    out = attn_mlir.attention(q, k, v, mask="causal", **score_mods.alibi(slopes))
    dist = np.arange(30)[None, :] - np.arange(30)[:, None]
    want, _ = reference(q, k, v, visible=causal(30, 30), bias=slopes[None, :, None, None].astype(np.float64) * dist)
    assert rel_err(out, want) < F32
    table = normal(rng, (2, 1, 30, 30))     # broadcast over heads
    out = attn_mlir.attention(q, k, v, **score_mods.bias(table))
    want, _ = reference(q, k, v, bias=table.astype(np.float64))
    assert rel_err(out, want) < F32


def test_block_layout_and_documents_operands(rng):
    """Two run-time mask operands of two kinds: a block layout [B, Hq, QB, KB] and
    document ids [B, Nk] (FlexAttention's BlockMask as data, packed documents)."""
    n, bq, bk = 100, 16, 32
    q, k, v = (normal(rng, (1, 2, n, 16)) for _ in range(3))
    layout = rng.integers(0, 2, size=(1, 2, -(-n // bq), -(-n // bk))).astype(np.int32)
    seg = np.sort(rng.integers(0, 3, size=(1, n))).astype(np.int32)
    out = attn_mlir.attention(q, k, v, mask=f"and(causal, or(blocks(0, {bq}, {bk}), document(1)))",
                              mask_operands=[layout, seg])
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    blocks = layout[0][:, i // bq, j // bk] != 0                       # [H, Nq, Nk]
    docs = (seg[0][:, None] == seg[0][None, :])
    visible = (j <= i)[None] & (blocks | docs[None])
    for h in range(2):
        want, _ = reference(q[:, h:h + 1], k[:, h:h + 1], v[:, h:h + 1], visible=visible[h])
        assert rel_err(out[:, h:h + 1], want) < F32


def test_load_iree_attention_with_bool_mask():
    """IREE's attention op (generic form) through attn_mlir.load: imported, run on
    NumPy arrays (a bool mask included), equal to IREE's own output."""
    from conftest import ROOT
    base = ROOT / "test" / "Integration" / "Inputs" / "frontends"
    prog = attn_mlir.load(str(base / "iree_bool_mask.mlir"))
    args = [np.load(base / "iree_bool_mask" / f"arg{i}.npy") for i in range(4)]
    assert args[3].dtype == np.bool_ and prog.arguments[3][0] == "i1"
    (out,) = prog(*args)
    iree = np.load(base / "iree_bool_mask" / "iree0.npy")
    assert rel_err(out, iree.astype(np.float64)) < F32
