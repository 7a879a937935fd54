// A bf16 model's attention, prefill and decode (Llama-style GQA: 32 query heads over 8
// kv heads, D = 128): a causal prefill of the prompt that returns its log-sum-exp, and
// one decode step of a batch of 8 sequences over a paged bf16 KV cache (vLLM's layout).
// On a CPU with AVX512-BF16 the prefill runs both products as bf16 pair products
// (vdpbf16ps) on K and V packed once per kv head, the decode step reads the bf16 pages
// as they are; everything accumulates in f32, the outputs are rounded to bf16 once.
//
//   attn-run examples/bf16_serving.mlir --entry prefill --check [--dims n=4096 --bench]
//   attn-run examples/bf16_serving.mlir --entry decode --check
//   attn-run examples/bf16_serving.mlir --entry prefill --check --target=amx --emulate-amx
func.func @prefill(%q: tensor<1x32x?x128xbf16> {attn.dims = "bhnd"},
                   %k: tensor<1x8x?x128xbf16> {attn.dims = "bgnd"},
                   %v: tensor<1x8x?x128xbf16> {attn.dims = "bgnd"})
    -> (tensor<1x32x?x128xbf16>, tensor<1x32x?xf32>) attributes {attn.defaults = {n = 300}} {
  %o, %lse = attn.attention mask #attn.mask<causal>
      ins(%q, %k, %v : tensor<1x32x?x128xbf16>, tensor<1x8x?x128xbf16>, tensor<1x8x?x128xbf16>)
      -> tensor<1x32x?x128xbf16>, tensor<1x32x?xf32>
  return %o, %lse : tensor<1x32x?x128xbf16>, tensor<1x32x?xf32>
}

func.func @decode(%q: tensor<8x32x1x128xbf16>,
                  %k_pool: tensor<?x16x8x128xbf16> {attn.dims = "psgd"},
                  %v_pool: tensor<?x16x8x128xbf16> {attn.dims = "psgd"},
                  %page_table: tensor<8x?xi32> {attn.dims = "bt"},
                  %lengths: tensor<8xi32>)
    -> tensor<8x32x1x128xbf16> attributes {attn.defaults = {p = 256, t = 40}} {
  %o = attn.attention pages(%page_table, %lengths : tensor<8x?xi32>, tensor<8xi32>)
      ins(%q, %k_pool, %v_pool : tensor<8x32x1x128xbf16>, tensor<?x16x8x128xbf16>, tensor<?x16x8x128xbf16>)
      -> tensor<8x32x1x128xbf16>
  return %o : tensor<8x32x1x128xbf16>
}
