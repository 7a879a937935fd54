// A modification before the scale is outside attn.attention's evaluation order: the
// cascade is not raised and the GPU pass says so at its first op.
func.func @modify_before_scale(%q: tensor<1x2x16x32xf32>, %k: tensor<1x2x32x32xf32>, %v: tensor<1x2x32x32xf32>) -> tensor<1x2x16x32xf32> {
  %s0 = attn.einsum "bhmd,bhnd->bhmn" %q, %k : (tensor<1x2x16x32xf32>, tensor<1x2x32x32xf32>) -> tensor<1x2x16x32xf32>
  %s1 = attn.modify %s0 "bhmn" {
  ^bb0(%x: f32, %b: index, %h: index, %m: index, %n: index):
    attn.yield %x : f32
  } : tensor<1x2x16x32xf32>
  %s = attn.map scale %s1 by 0.5 : (tensor<1x2x16x32xf32>) -> tensor<1x2x16x32xf32>
  %e = attn.map exp %s : (tensor<1x2x16x32xf32>) -> tensor<1x2x16x32xf32>
  %l = attn.reduce add "bhmn->bhm" %e : tensor<1x2x16x32xf32> -> tensor<1x2x16xf32>
  %p = attn.map div "bhmn,bhm->bhmn" %e, %l : (tensor<1x2x16x32xf32>, tensor<1x2x16xf32>) -> tensor<1x2x16x32xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %p, %v : (tensor<1x2x16x32xf32>, tensor<1x2x32x32xf32>) -> tensor<1x2x16x32xf32>
  return %o : tensor<1x2x16x32xf32>
}
