// causal_gqa with dynamic group letters (g, r); see dynamic-shapes.test.
// Causal grouped-query attention: 32 query heads over 8 key/value heads. GQA is index
// naming: the query heads are split into (g = kv head, r = query head within the
// group), and k/v carry only g. attn-to-cpu raises the cascade to attn.attention.
//
//   attn-run examples/causal_gqa.mlir --check [--dims n=512]
func.func @causal_gqa(%q: tensor<1x?x?x?x64xf32> {attn.dims = "bgrnd"},
                      %k: tensor<1x?x?x64xf32> {attn.dims = "bgnd"},
                      %v: tensor<1x?x?x64xf32> {attn.dims = "bgnd"}) -> tensor<1x?x?x?x64xf32>
    attributes {attn.defaults = {n = 20, g = 2, r = 3}} {
  %s = attn.einsum "bgrmd,bgnd->bgrmn" %q, %k scale 0.125
      : (tensor<1x?x?x?x64xf32>, tensor<1x?x?x64xf32>) -> tensor<1x?x?x?x?xf32>
  %masked = attn.mask #attn.mask<causal> %s "bgrmn" query "m" key "n"
      : tensor<1x?x?x?x?xf32>
  %max = attn.reduce max "bgrmn->bgrm" %masked : tensor<1x?x?x?x?xf32> -> tensor<1x?x?x?xf32>
  %shifted = attn.map sub "bgrmn,bgrm->bgrmn" %masked, %max
      : (tensor<1x?x?x?x?xf32>, tensor<1x?x?x?xf32>) -> tensor<1x?x?x?x?xf32>
  %e = attn.map exp %shifted : (tensor<1x?x?x?x?xf32>) -> tensor<1x?x?x?x?xf32>
  %sum = attn.reduce add "bgrmn->bgrm" %e : tensor<1x?x?x?x?xf32> -> tensor<1x?x?x?xf32>
  %p = attn.map div "bgrmn,bgrm->bgrmn" %e, %sum
      : (tensor<1x?x?x?x?xf32>, tensor<1x?x?x?xf32>) -> tensor<1x?x?x?x?xf32>
  %o = attn.einsum "bgrmn,bgnd->bgrmd" %p, %v
      : (tensor<1x?x?x?x?xf32>, tensor<1x?x?x64xf32>) -> tensor<1x?x?x?x64xf32>
  return %o : tensor<1x?x?x?x64xf32>
}
