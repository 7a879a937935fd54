// T5-style relative position bias: a learned [H, 2R+1] table indexed by the clamped
// distance j - p (p the query's end-aligned position), added to the scores before the
// causal mask. The table is a captured tensor of the score_mod region; attn.read clamps
// the index, so distances beyond R read the table's edge entries.
//
//   attn-run examples/t5_relative_bias.mlir --check
func.func @t5(%q: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
              %k: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
              %v: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
              %table: tensor<8x65xf32>) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {n = 300}} {
  %o = attn.attention mask #attn.mask<causal> captures(%table : tensor<8x65xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %t: tensor<8x65xf32>):
    %radius = arith.constant 32 : index
    %d = arith.subi %j, %p : index
    %at = arith.addi %d, %radius : index
    %bias = attn.read %t[%h, %at] : tensor<8x65xf32>
    %y = arith.addf %s, %bias : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
    -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}
