"""PyTorch integration: `torch.library` custom ops (with fake implementations, so that
`torch.compile`d models call them), and `scaled_dot_product_attention`, a drop-in for
`torch.nn.functional.scaled_dot_product_attention` on CPU tensors.

In eager mode the ops' Python bodies are called directly (no dispatcher round trip);
under `torch.compile` they are graph nodes. There is no backward yet: a call that
would need one (an input requires grad while grad mode is on) is refused rather than
silently cut from the graph."""

import math
from typing import List, Optional

import torch

from . import Variant, score_mods
from ._variant import Spec

_variants = {}


def _variant(spec_key, dynamic, options):
    key = (spec_key, dynamic, options)
    variant = _variants.get(key)
    if variant is None:
        variant = Variant(**Spec.from_key(spec_key).fields, dynamic=dynamic,
                          options=options or None)
        _variants[key] = variant
    return variant


def should_dispatch(*tensors):
    """Whether a call must go through the custom op (torch.compile is tracing)."""
    return torch.compiler.is_compiling()


def check_no_grad(tensors):
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
        raise RuntimeError("attn_mlir has no backward yet: call it under torch.no_grad() "
                           "or torch.inference_mode(), or on tensors that do not require "
                           "grad")


@torch.library.custom_op("attn_mlir::attention", mutates_args=(), device_types="cpu")
def attention_op(spec: str, dynamic: bool, options: str, q: torch.Tensor, k: torch.Tensor,
                 v: torch.Tensor, extras: List[torch.Tensor]) -> List[torch.Tensor]:
    """An attn_mlir.Variant (its Spec key) on q, k, v and its extra operands in the
    compiled function's order; returns [out] or [out, lse]."""
    variant = _variant(spec, dynamic, options)
    ops = [t.contiguous() for t in (q, k, v, *extras)]
    return variant._compiled_for(ops)(ops, None, None)


@attention_op.register_fake
def _(spec, dynamic, options, q, k, v, extras):
    s = Spec.from_key(spec)
    out = [q.new_empty(tuple(q.shape[:-1]) + (v.shape[-1],))]
    if s.return_lse:
        out.append(q.new_empty(tuple(q.shape[:-1]), dtype=torch.float32))
    return out


def call_variant(variant, q, k, v, mask_operands, projection, captures, page_table,
                 lengths, cu_seqlens_q, cu_seqlens_k, out, lse_out):
    """Variant.__call__ while torch.compile traces: one custom-op node."""
    ops = variant.operands(q, k, v, mask_operands, projection, captures, page_table,
                           lengths, cu_seqlens_q, cu_seqlens_k)
    results = torch.ops.attn_mlir.attention(variant.spec.key, variant.dynamic,
                                            variant.options, ops[0], ops[1], ops[2],
                                            ops[3:])
    for given, r in zip((out, lse_out), results):
        if given is not None:
            given.copy_(r)
    results = [g if g is not None else r for g, r in zip((out, lse_out), results)]
    return (results[0], results[1]) if variant.spec.return_lse else results[0]


# ---- scaled_dot_product_attention -------------------------------------------------

def _sdpa(query, key, value, attn_mask, is_causal, scale, enable_gqa):
    if query.dim() < 3 or query.dim() > 4 or key.dim() != query.dim() or \
            value.dim() != query.dim():
        raise ValueError("attn_mlir's scaled_dot_product_attention takes 3-D or 4-D "
                         f"query, key and value, got {query.dim()}-D, {key.dim()}-D, "
                         f"{value.dim()}-D")
    squeeze = query.dim() == 3
    if squeeze:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
    hq, hkv = query.shape[1], key.shape[1]
    if hq != hkv and not enable_gqa:
        raise ValueError(f"{hq} query heads over {hkv} key/value heads needs enable_gqa=True")
    if hq % hkv:
        raise ValueError(f"{hq} query heads are not a multiple of {hkv} key/value heads")
    if is_causal and attn_mask is not None:
        raise ValueError("is_causal and attn_mask are exclusive (as in PyTorch)")
    nq, nk = query.shape[2], key.shape[2]
    mask = "causal" if is_causal else None
    score_mod, captures = None, ()
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            # True takes part (PyTorch's convention): the additive form, 0 / -inf.
            attn_mask = torch.zeros(attn_mask.shape, dtype=torch.float32).masked_fill_(
                attn_mask.logical_not(), -math.inf)
        else:
            attn_mask = attn_mask.to(torch.float32)
        while attn_mask.dim() < 4:
            attn_mask = attn_mask.unsqueeze(0)
        want = (query.shape[0], hq, nq, nk)
        for d, (m, w) in enumerate(zip(attn_mask.shape, want)):
            if m not in (1, w):
                raise ValueError(f"attn_mask of shape {list(attn_mask.shape)} does not "
                                 f"broadcast to {list(want)}")
        # attn.read clamps its indices: a size-1 axis broadcasts.
        score_mod = score_mods.bias(attn_mask)["score_mod"]
        captures = (attn_mask,)
    top_left = is_causal and nq != nk
    bias_shape = tuple(captures[0].shape) if captures else None
    variant = _sdpa_variants.get((mask, scale, top_left, bias_shape))
    if variant is None:
        variant = Variant(mask=mask, scale=scale, score_mod=score_mod,
                          captures=("bias",) if captures else (), top_left=top_left)
        _sdpa_variants[(mask, scale, top_left, bias_shape)] = variant
    out = variant(query, key, value, captures=captures)
    return out.squeeze(1) if squeeze else out


_sdpa_variants = {}


@torch.library.custom_op("attn_mlir::scaled_dot_product_attention", mutates_args=(),
                         device_types="cpu")
def sdpa_op(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
            attn_mask: Optional[torch.Tensor], is_causal: bool, scale: Optional[float],
            enable_gqa: bool) -> torch.Tensor:
    return _sdpa(query, key, value, attn_mask, is_causal, scale, enable_gqa)


@sdpa_op.register_fake
def _(query, key, value, attn_mask, is_causal, scale, enable_gqa):
    return query.new_empty(tuple(query.shape[:-1]) + (value.shape[-1],))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """`torch.nn.functional.scaled_dot_product_attention` on CPU tensors through
    attn-mlir's fused kernels (f32, bf16, f16). attn_mask: bool (True takes part) or
    additive, broadcastable to [B, H, L, S]; is_causal: query row i sees keys j <= i
    (PyTorch's top-left alignment); enable_gqa: fewer key/value heads. No dropout."""
    if dropout_p:
        raise NotImplementedError("attn_mlir's attention has no dropout")
    if should_dispatch():
        return torch.ops.attn_mlir.scaled_dot_product_attention(
            query, key, value, attn_mask, is_causal, scale, enable_gqa)
    check_no_grad((query, key, value, attn_mask))
    return _sdpa(query, key, value, attn_mask, is_causal, scale, enable_gqa)
