// Linear attention (Katharopoulos et al. 2020) with phi(x) = elu(x) + 1, written in
// its re-associated, linear-time order:
//   o_m = phi(q_m) (sum_n phi(k_n)^T v_n) / (phi(q_m) . sum_n phi(k_n))
// The state phi(K)^T V is D x D: no N x N matrix exists anywhere.
//
//   attn-run examples/linear_elu.mlir --check [--dims n=4096]
func.func @linear_elu(%q: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                      %k: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                      %v: tensor<1x8x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {n = 512}} {
  %pq = attn.feature #attn.feature<elu_plus_one> %q "bhmd" over "d"
      : tensor<1x8x?x64xf32> -> tensor<1x8x?x64xf32>
  %pk = attn.feature #attn.feature<elu_plus_one> %k "bhnd" over "d"
      : tensor<1x8x?x64xf32> -> tensor<1x8x?x64xf32>
  %kv = attn.einsum "bhnd,bhne->bhde" %pk, %v
      : (tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x64x64xf32>
  %z = attn.reduce add "bhnd->bhd" %pk : tensor<1x8x?x64xf32> -> tensor<1x8x64xf32>
  %num = attn.einsum "bhmd,bhde->bhme" %pq, %kv
      : (tensor<1x8x?x64xf32>, tensor<1x8x64x64xf32>) -> tensor<1x8x?x64xf32>
  %den = attn.einsum "bhmd,bhd->bhm" %pq, %z
      : (tensor<1x8x?x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x?xf32>
  %o = attn.map div "bhme,bhm->bhme" %num, %den
      : (tensor<1x8x?x64xf32>, tensor<1x8x?xf32>) -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}
