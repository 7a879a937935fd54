// Further mask terms (chunk shift, absolute dilation phases, power-of-two distances)
// and the per-head patterns they serve (LongLoRA S2, LongNet); see mask-terms.test.

func.func @chunk_shift(%q: tensor<1x4x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}, %v: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x16xf32>
    attributes {attn.defaults = {m = 140, n = 150}} {
  %o = attn.attention mask #attn.mask<chunk(32, 16)> ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}

func.func @dilated_offset(%q: tensor<1x4x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}, %v: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x16xf32>
    attributes {attn.defaults = {m = 140, n = 150}} {
  %o = attn.attention mask #attn.mask<dilated(8, 4, 3)> ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}

func.func @power2(%q: tensor<1x4x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}, %v: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x16xf32>
    attributes {attn.defaults = {m = 140, n = 150}} {
  %o = attn.attention mask #attn.mask<power2> ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}

func.func @power2_local(%q: tensor<1x4x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}, %v: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x16xf32>
    attributes {attn.defaults = {m = 140, n = 150}} {
  %o = attn.attention mask #attn.mask<or(power2, and(causal, window(7, 0)))> ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}

func.func @longlora_s2(%q: tensor<1x4x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}, %v: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x16xf32>
    attributes {attn.defaults = {m = 140, n = 150}} {
  %o = attn.attention mask #attn.mask<heads(chunk(32), chunk(32, 16))> ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}

func.func @longnet(%q: tensor<1x4x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}, %v: tensor<1x4x?x16xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x16xf32>
    attributes {attn.defaults = {m = 140, n = 150}} {
  %o = attn.attention mask #attn.mask<heads(dilated(16, 4, 0), dilated(16, 4, 1), dilated(16, 4, 2), dilated(16, 4, 3))> ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}
