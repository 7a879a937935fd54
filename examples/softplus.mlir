// Softplus attention with L1 normalisation: w_ij = softplus(s_ij), o_i = sum_j w_ij v_j /
// sum_j w_ij (a positive kernel without exp's dynamic range), sliding window of 64.
//
//   attn-run examples/softplus.mlir --check
func.func @softplus(%q: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                    %k: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                    %v: tensor<1x4x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x64xf32>
    attributes {attn.defaults = {n = 200}} {
  %o = attn.attention mask #attn.mask<and(causal, window(64, 0))> normalizer softplus divide sum
      ins(%q, %k, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}
