// Every dimension but the head size dynamic, including batch and both head counts
// (the GQA ratio is only known at run time).
func.func @dynamic_gqa(%q: tensor<?x?x?x32xf32> {attn.dims = "bhmd"},
                       %k: tensor<?x?x?x32xf32> {attn.dims = "bgnd"},
                       %v: tensor<?x?x?x32xf32> {attn.dims = "bgnd"}) -> tensor<?x?x?x32xf32>
    attributes {attn.defaults = {b = 2, h = 6, g = 2, m = 40, n = 50}} {
  %o = attn.attention mask #attn.mask<and(causal, window(16, 0))>
      ins(%q, %k, %v : tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>, tensor<?x?x?x32xf32>)
      -> tensor<?x?x?x32xf32>
  return %o : tensor<?x?x?x32xf32>
}

func.func @dynamic_linear(%q: tensor<?x?x?x8xf32> {attn.dims = "bhmd"},
                          %k: tensor<?x?x?x8xf32> {attn.dims = "bgnd"},
                          %v: tensor<?x?x?x8xf32> {attn.dims = "bgnd"}) -> tensor<?x?x?x8xf32>
    attributes {attn.defaults = {b = 1, h = 4, g = 1, m = 30, n = 30}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2> normalizer sum
      ins(%q, %k, %v : tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>)
      -> tensor<?x?x?x8xf32>
  return %o : tensor<?x?x?x8xf32>
}
