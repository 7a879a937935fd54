"""attn_mlir on torch CPU tensors: Variants, the SDPA drop-in against PyTorch's own
SDPA and the fp64 reference, the custom ops (opcheck, torch.compile), zero copy."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

import attn_mlir  # noqa: E402
from attn_mlir import torch_ops  # noqa: E402
from conftest import causal, reference, rel_err  # noqa: E402


def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, dtype=torch.float32).to(dtype)


@pytest.fixture(autouse=True)
def seed():
    torch.manual_seed(0)


def test_variant_on_tensors_writes_in_place():
    q, k, v = randn(2, 8, 50, 64), randn(2, 2, 70, 64), randn(2, 2, 70, 64)
    variant = attn_mlir.Variant(mask="causal", return_lse=True)
    out, lse = torch.full((2, 8, 50, 64), math.nan), torch.empty(2, 8, 50)
    ptr = out.data_ptr()
    got, got_lse = variant(q, k, v, out=out, lse_out=lse)
    assert got is out and got_lse is lse and out.data_ptr() == ptr
    want, want_lse = reference(q.numpy(), k.numpy(), v.numpy(), visible=causal(50, 70))
    assert rel_err(out.numpy(), want) < 1e-5
    assert np.abs(lse.numpy() - want_lse).max() < 1e-5 * np.abs(want_lse).max()


@pytest.mark.parametrize("dtype,tol", [(torch.bfloat16, 1e-2), (torch.float16, 5e-3)])
def test_16_bit_tensors(dtype, tol):
    q, k, v = randn(1, 4, 65, 64, dtype=dtype), randn(1, 2, 65, 64, dtype=dtype), randn(1, 2, 65, 64, dtype=dtype)
    out = attn_mlir.attention(q, k, v, mask="causal")
    assert out.dtype == dtype
    want, _ = reference(q.double().numpy(), k.double().numpy(), v.double().numpy(), visible=causal(65, 65))
    assert rel_err(out.double().numpy(), want) < tol


CASES = [
    dict(),
    dict(is_causal=True),
    dict(is_causal=True, nk=90),            # PyTorch's top-left causal for Nq != Nk
    dict(mask="bool"),
    dict(mask="float2d"),
    dict(mask="float4d", scale=0.3),
    dict(hkv=2, enable_gqa=True, is_causal=True),
    dict(three_d=True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()) or "plain")
def test_sdpa_drop_in_matches_pytorch(case):
    b, h, nq, d = 2, 4, 40, 32
    nk, hkv = case.get("nk", nq), case.get("hkv", h)
    if case.get("three_d"):
        q, k, v = randn(b, nq, d), randn(b, nk, d), randn(b, nk, d)
    else:
        q, k, v = randn(b, h, nq, d), randn(b, hkv, nk, d), randn(b, hkv, nk, d)
    mask = None
    if case.get("mask") == "bool":
        mask = torch.rand(b, 1, nq, nk) > 0.3
        mask[0, 0, 3] = False  # a row that sees nothing: 0 in both
    elif case.get("mask") == "float2d":
        mask = randn(nq, nk)
    elif case.get("mask") == "float4d":
        mask = randn(b, h, nq, nk)
    kwargs = dict(attn_mask=mask, is_causal=case.get("is_causal", False),
                  scale=case.get("scale"), enable_gqa=case.get("enable_gqa", False))
    got = torch_ops.scaled_dot_product_attention(q, k, v, **kwargs)
    want = F.scaled_dot_product_attention(q.double(), k.double(), v.double(), **{
        **kwargs, "attn_mask": mask if mask is None or mask.dtype == torch.bool else mask.double()})
    want = torch.nan_to_num(want, nan=0.0)
    assert got.shape == want.shape
    assert rel_err(got.numpy(), want.numpy()) < 1e-5


def test_sdpa_errors():
    q = randn(1, 4, 8, 16)
    with pytest.raises(ValueError, match="enable_gqa"):
        torch_ops.scaled_dot_product_attention(q, randn(1, 2, 8, 16), randn(1, 2, 8, 16))
    with pytest.raises(ValueError, match="exclusive"):
        torch_ops.scaled_dot_product_attention(q, q, q, attn_mask=randn(8, 8), is_causal=True)
    with pytest.raises(ValueError, match="broadcast"):
        torch_ops.scaled_dot_product_attention(q, q, q, attn_mask=randn(3, 8))
    with pytest.raises(NotImplementedError, match="dropout"):
        torch_ops.scaled_dot_product_attention(q, q, q, dropout_p=0.1)
    with pytest.raises(RuntimeError, match="no backward"):
        torch_ops.scaled_dot_product_attention(q.requires_grad_(), q, q)


def test_opcheck_custom_ops():
    q, k, v = randn(1, 4, 16, 32), randn(1, 2, 16, 32), randn(1, 2, 16, 32)
    torch.library.opcheck(torch.ops.attn_mlir.scaled_dot_product_attention.default,
                          (q, k, v, None, True, None, True))
    torch.library.opcheck(torch.ops.attn_mlir.scaled_dot_product_attention.default,
                          (q, k, v, randn(16, 16), False, 0.5, True))
    spec = attn_mlir.Variant(mask="causal", return_lse=True).spec.key
    torch.library.opcheck(torch.ops.attn_mlir.attention.default, (spec, False, "", q, k, v, []))


class Block(torch.nn.Module):
    """Projections around attention: what torch.compile sees in a model."""

    def __init__(self, d=64, h=4, hkv=2):
        super().__init__()
        self.h, self.hkv, self.hd = h, hkv, d // h
        self.q = torch.nn.Linear(d, d)
        self.kv = torch.nn.Linear(d, 2 * hkv * self.hd)
        self.window = attn_mlir.Variant(mask="and(causal, window(8, 0))", softcap=20.0)

    def forward(self, x):
        b, n, _ = x.shape
        q = self.q(x).view(b, n, self.h, self.hd).transpose(1, 2)
        k, v = self.kv(x).view(b, n, 2, self.hkv, self.hd).permute(2, 0, 3, 1, 4)
        a = torch_ops.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        w = self.window(q, k, v)
        return (a + w).transpose(1, 2).reshape(b, n, -1)


def test_torch_compile_calls_the_custom_ops():
    block = Block().eval()
    x = randn(2, 24, 64)
    with torch.no_grad():
        eager = block(x)
        compiled = torch.compile(block, fullgraph=True)
        got = compiled(x)
        again = compiled(randn(2, 24, 64))
    assert again.shape == got.shape
    assert rel_err(got.numpy(), eager.double().numpy()) < 1e-5
    # Reference: the same block through PyTorch's SDPA and an fp64 windowed soft-capped attention.
    with torch.no_grad():
        q = block.q(x).view(2, 24, 4, 16).transpose(1, 2)
        k, v = block.kv(x).view(2, 24, 2, 2, 16).permute(2, 0, 3, 1, 4)
        ref_a = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    vis = causal(24, 24) & (np.arange(24)[None, :] >= np.arange(24)[:, None] - 8)
    ref_w, _ = reference(q.numpy(), k.numpy(), v.numpy(), visible=vis, softcap=20.0)
    want = (ref_a.double().numpy() + ref_w).transpose(0, 2, 1, 3).reshape(2, 24, -1)
    assert rel_err(got.numpy(), want) < 1e-5


def test_huggingface_decoder_matches_the_stock_model():
    pytest.importorskip("transformers")
    import pathlib
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"))
    import hf_decoder
    result = hf_decoder.run()
    assert result["max_rel_err"] < 1e-5
    assert result["max_rel_err_padded"] < 1e-5
    assert result["same_tokens"]


def test_repeat_calls_on_tensors_recheck():
    variant = attn_mlir.Variant(mask="causal")
    q = randn(1, 2, 16, 32)
    first = variant(q, q, q)
    assert torch.equal(first, variant(q, q, q))
    with pytest.raises(RuntimeError, match="no backward"):
        variant(q.clone().requires_grad_(), q, q)
    with torch.no_grad():
        assert torch.equal(first, variant(q.clone().requires_grad_(), q, q))
    with pytest.raises(ValueError, match="out\\[0\\]"):
        variant(q, q, q, out=torch.empty(1, 2, 16, 32, dtype=torch.float64))
    # NumPy arrays of the same signature take their own path.
    assert np.array_equal(variant(q.numpy(), q.numpy(), q.numpy()), first.numpy())
