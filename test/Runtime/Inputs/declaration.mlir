// A declaration next to a function with a body (attn-run --entry must not run it).
func.func private @declared(tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32>
func.func @defined(%q: tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32> {
  %0 = attn.attention ins(%q, %q, %q : tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32>
  return %0 : tensor<1x1x4x16xf32>
}
