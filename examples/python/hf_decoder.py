"""A small Llama-style decoder (transformers, random weights from a config: no
download) with attn-mlir as its CPU attention, against the same model on PyTorch's
SDPA: logits of a prompt batch (one sequence left-padded) and greedy generation with
a KV cache.

    PYTHONPATH=build/python test/.venv/bin/python examples/python/hf_decoder.py
"""

import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

import attn_mlir
import attn_mlir.huggingface


def build(implementation, seed=0):
    config = LlamaConfig(vocab_size=512, hidden_size=256, intermediate_size=512,
                         num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2,
                         max_position_embeddings=256)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.config._attn_implementation = implementation
    return model.eval()


def run(prompt_length=40, new_tokens=8):
    attn_mlir.huggingface.register()
    stock, ours = build("sdpa"), build("attn_mlir")
    ours.load_state_dict(stock.state_dict())
    torch.manual_seed(1)
    ids = torch.randint(0, 512, (2, prompt_length))
    mask = torch.ones_like(ids)
    mask[1, :5] = 0  # left padding in the second sequence
    report = {}
    with torch.inference_mode():
        # Twice: the first pass compiles attn-mlir's kernels (one per query-length
        # class with dynamic sizes, one for the padded batch's mask shape).
        for rep in range(2):
            for name, model in (("sdpa", stock), ("attn_mlir", ours)):
                start = time.perf_counter()
                logits = model(input_ids=ids[:1]).logits
                padded = model(input_ids=ids, attention_mask=mask).logits
                tokens = model.generate(ids[:1], max_new_tokens=new_tokens, do_sample=False,
                                        pad_token_id=0)
                seconds = time.perf_counter() - start
                report[name] = (logits, padded, tokens, seconds)
    (l0, p0, t0, s0), (l1, p1, t1, s1) = report["sdpa"], report["attn_mlir"]
    err = ((l1 - l0).abs().max() / l0.abs().max()).item()
    keep = mask.bool()  # padded positions are not compared (no token there)
    err_padded = ((p1 - p0).abs()[keep].max() / p0.abs()[keep].max()).item()
    return dict(max_rel_err=err, max_rel_err_padded=err_padded,
                same_tokens=bool(torch.equal(t0, t1)), tokens=t1[0, -new_tokens:].tolist(),
                warm_seconds_sdpa=s0, warm_seconds_attn_mlir=s1,
                kernels_compiled=attn_mlir.cache_info()["compiles"])


if __name__ == "__main__":
    result = run()
    for key, value in result.items():
        print(f"{key}: {value}")
