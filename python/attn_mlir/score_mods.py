"""Ready-made score_mod regions (FlexAttention's usual score_mods), as keyword
arguments for `attn_mlir.attention` / `Variant`:

    o = attn_mlir.attention(q, k, v, mask="causal", **score_mods.alibi(slopes), ...)

Each returns `score_mod` (the region body) and `captures` (name -> tensor)."""

import math

import numpy as np


def _type(array):
    from ._arrays import element_type
    return "tensor<" + "x".join(map(str, array.shape)) + f"x{element_type(array)}>"


def alibi_slopes(num_heads):
    """ALiBi's per-head slopes (Press et al.), f32: 2^(-8 i / H) for a power of two H,
    interleaved geometric sequences otherwise."""
    def power_of_two(n):
        return [2.0 ** (-8.0 * (i + 1) / n) for i in range(n)]
    closest = 2 ** int(math.floor(math.log2(num_heads)))
    slopes = power_of_two(closest)
    if closest < num_heads:
        slopes += power_of_two(2 * closest)[0::2][: num_heads - closest]
    return np.array(slopes, dtype=np.float32)


def alibi(slopes):
    """score + slope[h] * (j - p): linear distance bias per query head."""
    return dict(score_mod=f"""
        %slope = attn.read %slopes[%h] : {_type(slopes)}
        %d = arith.subi %j, %p : index
        %di = arith.index_cast %d : index to i64
        %df = arith.sitofp %di : i64 to f32
        %bias = arith.mulf %slope, %df : f32
        %r = arith.addf %score, %bias : f32
        attn.yield %r : f32
    """, captures={"slopes": slopes})


def bias(tensor):
    """score + bias[b, h, i, j] for a 4-D f32 tensor; size-1 axes broadcast (attn.read
    clamps its indices), e.g. [1, H, Nq, Nk] or [B, 1, Nq, Nk]."""
    if len(tensor.shape) != 4:
        raise ValueError(f"bias: expected a 4-D [B, H, Nq, Nk] tensor, got {len(tensor.shape)}-D")
    return dict(score_mod=f"""
        %x = attn.read %bias[%b, %h, %i, %j] : {_type(tensor)}
        %r = arith.addf %score, %x : f32
        attn.yield %r : f32
    """, captures={"bias": tensor})
