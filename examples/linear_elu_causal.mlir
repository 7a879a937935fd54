// Causal linear attention with phi = elu + 1, as the recognised op:
//   o_i = sum_{j<=i} (phi(q_i).phi(k_j)) v_j / sum_{j<=i} phi(q_i).phi(k_j)
// (masked pairs contribute 0 on linear paths).
//
//   attn-run examples/linear_elu_causal.mlir --check
func.func @linear_elu_causal(%q: tensor<2x4x?x32xf32> {attn.dims = "bhnd"},
                             %k: tensor<2x4x?x32xf32> {attn.dims = "bhnd"},
                             %v: tensor<2x4x?x32xf32> {attn.dims = "bhnd"})
    -> tensor<2x4x?x32xf32> attributes {attn.defaults = {n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one>
      normalizer sum
      ins(%q, %k, %v : tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>)
      -> tensor<2x4x?x32xf32>
  return %o : tensor<2x4x?x32xf32>
}
