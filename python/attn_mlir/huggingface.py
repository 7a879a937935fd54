"""attn-mlir as the attention of HuggingFace transformers models on the CPU.

    import attn_mlir.huggingface
    attn_mlir.huggingface.register()                      # once
    model = AutoModelForCausalLM.from_config(config, attn_implementation="attn_mlir")

Masks are built as for "sdpa" (transformers' own sdpa_mask): no mask where the model is
plain causal (then the fused causal kernel runs, end-aligned, which is also right for
a KV cache: the queries are the last positions), a boolean [B, 1, Nq, Nk] mask with
padding (then it is an additive bias read by a score_mod region). GQA runs on the kv
heads (no repeat_kv); a model's soft-cap (Gemma 2) and sliding window are the
kernel's own `softcap` and `window` mask term."""

import torch

from . import Variant
from .torch_ops import check_no_grad, scaled_dot_product_attention

NAME = "attn_mlir"
_variants = {}


def _variant(softcap, window, scaling):
    key = (softcap, window, scaling)
    if key not in _variants:
        mask = "causal" if window is None else f"and(causal, window({int(window) - 1}, 0))"
        # dynamic: one kernel for every prompt and cache length (and one per short
        # query length, the decode kernel's).
        _variants[key] = Variant(mask=mask, softcap=softcap, scale=scaling, dynamic=True)
    return _variants[key]


def attention_forward(module, query, key, value, attention_mask, dropout=0.0, scaling=None,
                      is_causal=None, softcap=None, sliding_window=None, **kwargs):
    """transformers' attention-function signature: q [B, Hq, Nq, D], k / v
    [B, Hkv, Nk, D]; returns ([B, Nq, Hq, D], None)."""
    if dropout and module.training:
        raise NotImplementedError("attn_mlir's attention has no dropout")
    if kwargs.get("position_bias") is not None:
        raise NotImplementedError("position_bias: pass it as a score_mod capture")
    is_causal = getattr(module, "is_causal", True) if is_causal is None else is_causal
    if attention_mask is None and (is_causal or softcap is not None or sliding_window):
        check_no_grad((query, key, value))
        if is_causal or query.shape[2] == 1:
            out = _variant(softcap, sliding_window, scaling)(query, key, value)
        else:
            out = Variant(softcap=softcap, scale=scaling, dynamic=True)(query, key, value)
    else:
        if softcap is not None or sliding_window:
            raise NotImplementedError("softcap / sliding_window with an explicit mask")
        out = scaled_dot_product_attention(
            query, key, value, attn_mask=attention_mask,
            is_causal=bool(is_causal) and attention_mask is None and query.shape[2] > 1,
            scale=scaling, enable_gqa=True)
    return out.transpose(1, 2).contiguous(), None


def register(name=NAME):
    """Registers `name` with transformers' AttentionInterface and its mask interface."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(name, attention_forward)
    AttentionMaskInterface.register(name, sdpa_mask)
