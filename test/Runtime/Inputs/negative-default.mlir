// attn.defaults with a negative size.
func.func @negative(%q: tensor<1x1x?x16xf32> {attn.dims = "bhnd"}) -> tensor<1x1x?x16xf32>
    attributes {attn.defaults = {n = -4}} {
  %0 = attn.attention ins(%q, %q, %q : tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32>
  return %0 : tensor<1x1x?x16xf32>
}
