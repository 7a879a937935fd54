// Pointwise normalisers written as cascades: attn-raise-cascade raises each to
// attn.attention with its normalizer, shift and divide; the reference evaluates the
// cascade as written (pointwise-cascades.test).

// sigmoid(s - 4) with a causal mask (fill -inf) before the sigmoid.
func.func @sigmoid(%q: tensor<1x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x32xf32> {attn.dims = "bhnd"},
                   %v: tensor<1x4x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x32xf32>
    attributes {attn.defaults = {m = 50, n = 70}} {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.17 : (tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x?xf32>
  %m = attn.mask #attn.mask<causal> %s "bhmn" query "m" key "n" : tensor<1x4x?x?xf32>
  %x = attn.map shift %m by -4.0 : (tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32>
  %w = attn.map sigmoid %x : (tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %w, %v : (tensor<1x4x?x?xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// relu(s)^2 / N (static N = 64), causal mask (fill 0) after the weights.
func.func @relu2_length(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32> {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.17 : (tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) -> tensor<1x2x64x64xf32>
  %r = attn.map relu %s : (tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32>
  %r2 = attn.map mul %r, %r : (tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32>
  %m = attn.mask #attn.mask<causal> %r2 "bhmn" query "m" key "n" fill zero : tensor<1x2x64x64xf32>
  %w = attn.map scale %m by 0.015625 : (tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %w, %v : (tensor<1x2x64x64xf32>, tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32>
  return %o : tensor<1x2x64x32xf32>
}

// softplus(s) with L1 normalisation after P V, GQA as letters.
func.func @softplus_l1(%q: tensor<1x2x2x?x32xf32> {attn.dims = "bgrmd"}, %k: tensor<1x2x?x32xf32> {attn.dims = "bgnd"},
                       %v: tensor<1x2x?x32xf32> {attn.dims = "bgnd"}) -> tensor<1x2x2x?x32xf32>
    attributes {attn.defaults = {m = 33, n = 33}} {
  %s = attn.einsum "bgrmd,bgnd->bgrmn" %q, %k scale 0.17 : (tensor<1x2x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x2x?x?xf32>
  %w = attn.map softplus %s : (tensor<1x2x2x?x?xf32>) -> tensor<1x2x2x?x?xf32>
  %l = attn.reduce add "bgrmn->bgrm" %w : tensor<1x2x2x?x?xf32> -> tensor<1x2x2x?xf32>
  %pv = attn.einsum "bgrmn,bgnd->bgrmd" %w, %v : (tensor<1x2x2x?x?xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x2x?x32xf32>
  %o = attn.map div "bgrmd,bgrm->bgrmd" %pv, %l : (tensor<1x2x2x?x32xf32>, tensor<1x2x2x?xf32>) -> tensor<1x2x2x?x32xf32>
  return %o : tensor<1x2x2x?x32xf32>
}

// relu weights divided by their row sum before P V.
func.func @relu_sum(%q: tensor<1x2x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x32xf32> {attn.dims = "bhnd"},
                    %v: tensor<1x2x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x2x?x32xf32>
    attributes {attn.defaults = {m = 40, n = 40}} {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.17 : (tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x?xf32>
  %w = attn.map relu %s : (tensor<1x2x?x?xf32>) -> tensor<1x2x?x?xf32>
  %l = attn.reduce add "bhmn->bhm" %w : tensor<1x2x?x?xf32> -> tensor<1x2x?xf32>
  %p = attn.map div "bhmn,bhm->bhmn" %w, %l : (tensor<1x2x?x?xf32>, tensor<1x2x?xf32>) -> tensor<1x2x?x?xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %p, %v : (tensor<1x2x?x?xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}
