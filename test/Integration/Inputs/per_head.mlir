// Per-head masks (DuoAttention's streaming and full heads, MoA's per-head windows):
// query head h uses the (h mod k)-th mask of heads(...). See per-head-masks.test.

func.func @duo(%q: tensor<1x8x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x32xf32> {attn.dims = "bgnd"},
               %v: tensor<1x2x?x32xf32> {attn.dims = "bgnd"}) -> tensor<1x8x?x32xf32>
    attributes {attn.defaults = {m = 150, n = 150}} {
  %o = attn.attention mask #attn.mask<heads(causal, or(sink(4), and(causal, window(15, 0))), causal, and(causal, window(40, 0)))>
      ins(%q, %k, %v : tensor<1x8x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x8x?x32xf32>
  return %o : tensor<1x8x?x32xf32>
}

// One window per head, nested under a shared causal mask.
func.func @moa(%q: tensor<1x4x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"},
               %v: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x16xf32>
    attributes {attn.defaults = {m = 77, n = 131}} {
  %o = attn.attention mask #attn.mask<and(causal, heads(window(3, 0), window(17, 0), full, window(64, 0)))>
      ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}
