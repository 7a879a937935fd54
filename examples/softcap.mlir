// Tanh soft-capped scores (Gemma 2, Grok): s = c * tanh(s / c) before the softmax,
// here with a causal mask. The cascade is raised to attn.attention with `softcap`.
// The cap is small (5) so that it bends the scores of random inputs visibly.
//
//   attn-run examples/softcap.mlir --check [--input-scale 4]
func.func @softcap(%q: tensor<2x4x?x64xf32> {attn.dims = "bhmd"},
                   %k: tensor<2x4x?x64xf32> {attn.dims = "bhnd"},
                   %v: tensor<2x4x?x64xf32> {attn.dims = "bhnd"}) -> tensor<2x4x?x64xf32>
    attributes {attn.defaults = {m = 160, n = 160}} {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.125
      : (tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>) -> tensor<2x4x?x?xf32>
  %c = attn.map softcap %s by 5.0 : (tensor<2x4x?x?xf32>) -> tensor<2x4x?x?xf32>
  %masked = attn.mask #attn.mask<causal> %c "bhmn" query "m" key "n" : tensor<2x4x?x?xf32>
  %max = attn.reduce max "bhmn->bhm" %masked : tensor<2x4x?x?xf32> -> tensor<2x4x?xf32>
  %shifted = attn.map sub "bhmn,bhm->bhmn" %masked, %max
      : (tensor<2x4x?x?xf32>, tensor<2x4x?xf32>) -> tensor<2x4x?x?xf32>
  %e = attn.map exp %shifted : (tensor<2x4x?x?xf32>) -> tensor<2x4x?x?xf32>
  %sum = attn.reduce add "bhmn->bhm" %e : tensor<2x4x?x?xf32> -> tensor<2x4x?xf32>
  // Normalise after the value contraction: the raising pass matches this form too.
  %pv = attn.einsum "bhmn,bhnd->bhmd" %e, %v
      : (tensor<2x4x?x?xf32>, tensor<2x4x?x64xf32>) -> tensor<2x4x?x64xf32>
  %o = attn.map div "bhmd,bhm->bhmd" %pv, %sum
      : (tensor<2x4x?x64xf32>, tensor<2x4x?xf32>) -> tensor<2x4x?x64xf32>
  return %o : tensor<2x4x?x64xf32>
}
