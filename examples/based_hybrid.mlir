// BASED (Arora et al. 2024) as one layer: causal linear attention with second-order
// Taylor features over a 16-dim feature projection, plus exact softmax attention over
// a sliding window of the last 64 tokens, summed. convert-attn-to-vector fuses the two
// branches and the sum into one pass over the sequence (the linear kernel's chunks also
// compute each chunk's window); the reference evaluates both branches separately.
//
//   attn-run examples/based_hybrid.mlir --check [--dims n=16384 --bench]
func.func @based_hybrid(%ql: tensor<1x4x?x16xf32> {attn.dims = "bhnf"},
                        %kl: tensor<1x4x?x16xf32> {attn.dims = "bhnf"},
                        %q: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                        %k: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                        %v: tensor<1x4x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x64xf32>
    attributes {attn.defaults = {n = 1000}} {
  %linear = attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2>
      normalizer sum scale 0.25
      ins(%ql, %kl, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  %window = attn.attention mask #attn.mask<and(causal, window(63, 0))>
      ins(%q, %k, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  %o = attn.map add %linear, %window
      : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}
