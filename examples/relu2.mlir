// ReLU^2 attention (Primer-style squared ReLU weights; ReLU attention divides by the
// sequence length): o_i = sum_j relu(s_ij)^2 v_j / N, causal, GQA 8 / 2.
//
//   attn-run examples/relu2.mlir --check
func.func @relu2(%q: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                 %k: tensor<1x2x?x64xf32> {attn.dims = "bgnd"},
                 %v: tensor<1x2x?x64xf32> {attn.dims = "bgnd"}) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {n = 257}} {
  %o = attn.attention mask #attn.mask<causal> normalizer relu2 divide length
      ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}
