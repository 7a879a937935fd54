// Sequences packed back to back without padding (varlen, cu_seqlens). attn-run cuts the
// packed rows at random points (an empty second sequence); varlen.test checks each entry
// against the fp64 reference, which slices every sequence from the definition.

// Causal self-attention prefill of 5 packed sequences (the same offsets for q and k).
func.func @self_causal(%q: tensor<1x8x?x64xf32> {attn.dims = "bhnd"}, %k: tensor<1x2x?x64xf32> {attn.dims = "bgnd"},
                       %v: tensor<1x2x?x64xf32> {attn.dims = "bgnd"}, %cu: tensor<6xi32>)
    -> tensor<1x8x?x64xf32> attributes {attn.defaults = {n = 700}} {
  %o = attn.attention mask #attn.mask<causal> varlen(%cu, %cu : tensor<6xi32>, tensor<6xi32>)
      ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}

// Queries and keys packed differently (new tokens against each sequence's cache), a
// sliding window, a log-sum-exp.
func.func @cross_window_lse(%q: tensor<1x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x32xf32> {attn.dims = "bhnd"},
                            %v: tensor<1x4x?x32xf32> {attn.dims = "bhnd"}, %cq: tensor<?xi32> {attn.dims = "s"},
                            %ck: tensor<?xi32> {attn.dims = "s"})
    -> (tensor<1x4x?x32xf32>, tensor<1x4x?xf32>) attributes {attn.defaults = {m = 90, n = 500, s = 5}} {
  %o, %l = attn.attention mask #attn.mask<and(causal, window(64, 0))> varlen(%cq, %ck : tensor<?xi32>, tensor<?xi32>)
      ins(%q, %k, %v : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>, tensor<1x4x?xf32>
  return %o, %l : tensor<1x4x?x32xf32>, tensor<1x4x?xf32>
}
