// Sigmoid attention (Ramapuram et al. 2024, SigmoidAttn / FlashSigmoid):
// o_i = sum_j sigmoid(s_ij - log N) v_j, no row normalisation, here causal. No running
// max and no rescale: the kernel weighs each score on its own.
//
//   attn-run examples/sigmoid.mlir --check
func.func @sigmoid(%q: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                   %k: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                   %v: tensor<1x4x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x64xf32>
    attributes {attn.defaults = {n = 2048}} {
  // shift = -log(2048)
  %o = attn.attention mask #attn.mask<causal> normalizer sigmoid shift -7.6246189861593985
      ins(%q, %k, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}
