// Differential attention (Ye et al. 2024, Diff Transformer): two softmax attention maps
// over the two halves of q and k, subtracted with a weight lambda (0.8 here), applied to
// the same v. Written as a cascade; attn-raise-cascade raises each softmax into its own
// fused attn.attention and the difference stays an attn.map.
//
//   attn-run examples/diff_attention.mlir --check
func.func @diff(%q1: tensor<1x4x?x64xf32> {attn.dims = "bhmd"},
                %k1: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                %q2: tensor<1x4x?x64xf32> {attn.dims = "bhmd"},
                %k2: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                %v: tensor<1x4x?x128xf32> {attn.dims = "bhne"}) -> tensor<1x4x?x128xf32>
    attributes {attn.defaults = {m = 150, n = 150}} {
  %s1 = attn.einsum "bhmd,bhnd->bhmn" %q1, %k1 scale 0.125
      : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x?xf32>
  %c1 = attn.mask #attn.mask<causal> %s1 "bhmn" query "m" key "n" : tensor<1x4x?x?xf32>
  %m1 = attn.reduce max "bhmn->bhm" %c1 : tensor<1x4x?x?xf32> -> tensor<1x4x?xf32>
  %d1 = attn.map sub "bhmn,bhm->bhmn" %c1, %m1 : (tensor<1x4x?x?xf32>, tensor<1x4x?xf32>) -> tensor<1x4x?x?xf32>
  %e1 = attn.map exp %d1 : (tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32>
  %l1 = attn.reduce add "bhmn->bhm" %e1 : tensor<1x4x?x?xf32> -> tensor<1x4x?xf32>
  %p1 = attn.map div "bhmn,bhm->bhmn" %e1, %l1 : (tensor<1x4x?x?xf32>, tensor<1x4x?xf32>) -> tensor<1x4x?x?xf32>
  %o1 = attn.einsum "bhmn,bhne->bhme" %p1, %v : (tensor<1x4x?x?xf32>, tensor<1x4x?x128xf32>) -> tensor<1x4x?x128xf32>
  %s2 = attn.einsum "bhmd,bhnd->bhmn" %q2, %k2 scale 0.125
      : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x?xf32>
  %c2 = attn.mask #attn.mask<causal> %s2 "bhmn" query "m" key "n" : tensor<1x4x?x?xf32>
  %m2 = attn.reduce max "bhmn->bhm" %c2 : tensor<1x4x?x?xf32> -> tensor<1x4x?xf32>
  %d2 = attn.map sub "bhmn,bhm->bhmn" %c2, %m2 : (tensor<1x4x?x?xf32>, tensor<1x4x?xf32>) -> tensor<1x4x?x?xf32>
  %e2 = attn.map exp %d2 : (tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32>
  %l2 = attn.reduce add "bhmn->bhm" %e2 : tensor<1x4x?x?xf32> -> tensor<1x4x?xf32>
  %p2 = attn.map div "bhmn,bhm->bhmn" %e2, %l2 : (tensor<1x4x?x?xf32>, tensor<1x4x?xf32>) -> tensor<1x4x?x?xf32>
  %o2 = attn.einsum "bhmn,bhne->bhme" %p2, %v : (tensor<1x4x?x?xf32>, tensor<1x4x?x128xf32>) -> tensor<1x4x?x128xf32>
  %lo2 = attn.map scale %o2 by 0.8 : (tensor<1x4x?x128xf32>) -> tensor<1x4x?x128xf32>
  %o = attn.map sub %o1, %lo2 : (tensor<1x4x?x128xf32>, tensor<1x4x?x128xf32>) -> tensor<1x4x?x128xf32>
  return %o : tensor<1x4x?x128xf32>
}
