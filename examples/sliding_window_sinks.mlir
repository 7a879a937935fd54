// A StreamingLLM / DuoAttention streaming head: every query sees the first 4 tokens
// (attention sinks) and the 64 most recent ones (itself included). Written directly
// as the recognised op. Default length 300 is not a multiple of any tile.
//
//   attn-run examples/sliding_window_sinks.mlir --check [--dims n=1000]
func.func @streaming_head(%q: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                          %k: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                          %v: tensor<1x8x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {n = 300}} {
  %o = attn.attention mask #attn.mask<or(sink(4), and(causal, window(63, 0)))> scale 0.125
      ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
      -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}
