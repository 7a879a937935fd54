// Standard multi-head softmax attention, written as the einsum cascade that defines
// it: S = Q K^T / sqrt(D), P = softmax_n(S), O = P V. attn-to-cpu raises it to
// attn.attention. Sequence lengths are dynamic (default 256).
//
//   attn-run examples/mha.mlir --check [--dims m=512,n=512] [--bench]
func.func @mha(%q: tensor<1x8x?x64xf32> {attn.dims = "bhmd"},
               %k: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
               %v: tensor<1x8x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {m = 256, n = 256}} {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.125
      : (tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x?xf32>
  %max = attn.reduce max "bhmn->bhm" %s : tensor<1x8x?x?xf32> -> tensor<1x8x?xf32>
  %shifted = attn.map sub "bhmn,bhm->bhmn" %s, %max
      : (tensor<1x8x?x?xf32>, tensor<1x8x?xf32>) -> tensor<1x8x?x?xf32>
  %e = attn.map exp %shifted : (tensor<1x8x?x?xf32>) -> tensor<1x8x?x?xf32>
  %sum = attn.reduce add "bhmn->bhm" %e : tensor<1x8x?x?xf32> -> tensor<1x8x?xf32>
  %p = attn.map div "bhmn,bhm->bhmn" %e, %sum
      : (tensor<1x8x?x?xf32>, tensor<1x8x?xf32>) -> tensor<1x8x?x?xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %p, %v
      : (tensor<1x8x?x?xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}
