// Gemma-2 style local layer: tanh soft-cap (50), a causal sliding window of 4096 keys and
// GQA (8 query heads over 4 kv heads), scale 1/sqrt(256)... here D = 128, window 96 so
// that the default shape exercises it.
//
//   attn-run examples/gemma2.mlir --check
func.func @gemma2(%q: tensor<1x8x?x128xf32> {attn.dims = "bhnd"},
                  %k: tensor<1x4x?x128xf32> {attn.dims = "bgnd"},
                  %v: tensor<1x4x?x128xf32> {attn.dims = "bgnd"}) -> tensor<1x8x?x128xf32>
    attributes {attn.defaults = {n = 300}} {
  %o = attn.attention mask #attn.mask<and(causal, window(96, 0))> scale 0.0625 softcap 50.0
      ins(%q, %k, %v : tensor<1x8x?x128xf32>, tensor<1x4x?x128xf32>, tensor<1x4x?x128xf32>)
      -> tensor<1x8x?x128xf32>
  return %o : tensor<1x8x?x128xf32>
}
