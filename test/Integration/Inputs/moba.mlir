// MoBA-style top-k key-block selection (topk_blocks): [B, Hq, QB, K] i32 indices of
// the key blocks each query block attends to (-1 padding and indices past the last
// block select nothing), plus the query's own block, causal. Inputs from
// moba_inputs.py; the lowerings build a block layout from the indices in a prologue.

func.func @moba(%q: tensor<1x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x32xf32> {attn.dims = "bgnd"},
                %v: tensor<1x2x?x32xf32> {attn.dims = "bgnd"}, %idx: tensor<1x4x?x?xi32> {attn.dims = "bhxk"})
    -> tensor<1x4x?x32xf32> {
  %o = attn.attention mask #attn.mask<and(causal, or(topk_blocks(0, 32, 32), chunk(32)))>
      mask_operands(%idx : tensor<1x4x?x?xi32>)
      ins(%q, %k, %v : tensor<1x4x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// Non-causal selection with query blocks of 16 over key blocks of 32: rows whose block
// selects nothing see no key (zeros).
func.func @topk(%q: tensor<1x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x32xf32> {attn.dims = "bgnd"},
                %v: tensor<1x2x?x32xf32> {attn.dims = "bgnd"}, %idx: tensor<1x4x?x?xi32> {attn.dims = "bhxk"})
    -> tensor<1x4x?x32xf32> {
  %o = attn.attention mask #attn.mask<topk_blocks(0, 16, 32)> mask_operands(%idx : tensor<1x4x?x?xi32>)
      ins(%q, %k, %v : tensor<1x4x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}
