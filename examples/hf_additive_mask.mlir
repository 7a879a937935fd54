// A HuggingFace-style additive attention mask / pair bias: a [B, Nq, Nk] tensor
// (HF's [B, 1, Nq, Nk] without its unit head dim; broadcast over heads) added to the scores, written as a cascade (`attn.map add` with
// a tensor indexed by batch, query and key). attn-raise-cascade makes the tensor a
// captured operand of attn.attention's score_mod region, and the vector kernel reads it
// along the keys with vector loads.
//
//   attn-run examples/hf_additive_mask.mlir --check
func.func @hf_mask(%q: tensor<2x4x?x64xf32> {attn.dims = "bhmd"},
                   %k: tensor<2x4x?x64xf32> {attn.dims = "bhnd"},
                   %v: tensor<2x4x?x64xf32> {attn.dims = "bhnd"},
                   %mask: tensor<2x?x?xf32> {attn.dims = "bmn"}) -> tensor<2x4x?x64xf32>
    attributes {attn.defaults = {m = 100, n = 100}} {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.125
      : (tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>) -> tensor<2x4x?x?xf32>
  %biased = attn.map add "bhmn,bmn->bhmn" %s, %mask
      : (tensor<2x4x?x?xf32>, tensor<2x?x?xf32>) -> tensor<2x4x?x?xf32>
  %max = attn.reduce max "bhmn->bhm" %biased : tensor<2x4x?x?xf32> -> tensor<2x4x?xf32>
  %shifted = attn.map sub "bhmn,bhm->bhmn" %biased, %max
      : (tensor<2x4x?x?xf32>, tensor<2x4x?xf32>) -> tensor<2x4x?x?xf32>
  %e = attn.map exp %shifted : (tensor<2x4x?x?xf32>) -> tensor<2x4x?x?xf32>
  %sum = attn.reduce add "bhmn->bhm" %e : tensor<2x4x?x?xf32> -> tensor<2x4x?xf32>
  %p = attn.map div "bhmn,bhm->bhmn" %e, %sum
      : (tensor<2x4x?x?xf32>, tensor<2x4x?xf32>) -> tensor<2x4x?x?xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %p, %v
      : (tensor<2x4x?x?xf32>, tensor<2x4x?x64xf32>) -> tensor<2x4x?x64xf32>
  return %o : tensor<2x4x?x64xf32>
}
