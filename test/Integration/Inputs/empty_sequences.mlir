// Empty key or query sequences (dynamic lengths of zero).
func.func @zero_keys(%q: tensor<1x2x?x8xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x8xf32> {attn.dims = "bhnd"}, %v: tensor<1x2x?x8xf32> {attn.dims = "bhnd"}) -> tensor<1x2x?x8xf32> attributes {attn.defaults = {m = 5, n = 0}} {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
