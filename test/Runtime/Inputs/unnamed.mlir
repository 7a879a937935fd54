// Dynamic dimensions without names: attn-run needs --inputs (sizes from the files).
func.func @unnamed(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}

func.func @second(%q: tensor<4xf32>) -> tensor<4xf32> {
  return %q : tensor<4xf32>
}
