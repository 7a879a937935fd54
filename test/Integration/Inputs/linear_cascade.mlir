// Linear attention written as a cascade in its quadratic order (phi(q) phi(k)^T masked
// with zeros, times V, over the row sums): attn-raise-cascade makes it an attn.attention,
// which the cost model evaluates re-associated in chunks (see linear-kernel.test).
func.func @linear_causal(%q: tensor<1x4x?x32xf32> {attn.dims = "bhnd"}, %k: tensor<1x4x?x32xf32> {attn.dims = "bhnd"},
                         %v: tensor<1x4x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x32xf32> attributes {attn.defaults = {n = 300}} {
  %qs = attn.map scale %q by 0.5 : (tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  %pq = attn.feature #attn.feature<elu_plus_one> %qs "bhmd" over "d" : tensor<1x4x?x32xf32> -> tensor<1x4x?x32xf32>
  %pk = attn.feature #attn.feature<elu_plus_one> %k "bhnd" over "d" : tensor<1x4x?x32xf32> -> tensor<1x4x?x32xf32>
  %a = attn.einsum "bhmd,bhnd->bhmn" %pq, %pk : (tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x?xf32>
  %am = attn.mask #attn.mask<causal> %a "bhmn" query "m" key "n" fill zero : tensor<1x4x?x?xf32>
  %num = attn.einsum "bhmn,bhne->bhme" %am, %v : (tensor<1x4x?x?xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  %den = attn.reduce add "bhmn->bhm" %am : tensor<1x4x?x?xf32> -> tensor<1x4x?xf32>
  %o = attn.map div "bhme,bhm->bhme" %num, %den : (tensor<1x4x?x32xf32>, tensor<1x4x?xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}
