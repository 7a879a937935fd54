// BASED-style linear attention (Arora et al. 2024): a second-order Taylor feature map
// phi(x) = [1, x, vec(x x^T)/sqrt(2)] over a small feature dimension (16 -> 273
// features), so that phi(q).phi(k) = 1 + q.k + (q.k)^2/2 ~ exp(q.k); causal, normalised.
// The scale 1/sqrt(16) is applied to q before the feature map.
//
//   attn-run examples/based_taylor2.mlir --check
func.func @based(%q: tensor<1x4x?x16xf32> {attn.dims = "bhnd"},
                 %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"},
                 %v: tensor<1x4x?x64xf32> {attn.dims = "bhne"}) -> tensor<1x4x?x64xf32>
    attributes {attn.defaults = {n = 256}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2>
      normalizer sum scale 0.25
      ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}
