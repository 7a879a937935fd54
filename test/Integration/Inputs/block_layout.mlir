// A run-time block layout (FlexAttention's BlockMask as data; MoBA-style selected kv
// blocks): [B, Hq, ceil(Nq / bq), ceil(Nk / bk)] i32, nonzero = visible. attn-run fills
// i32 arguments with runs of ids (0 = hidden), so some blocks of each row are hidden.

func.func @layout(%q: tensor<1x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x32xf32> {attn.dims = "bgnd"},
                  %v: tensor<1x2x?x32xf32> {attn.dims = "bgnd"}, %l: tensor<1x4x?x?xi32> {attn.dims = "bhxy"})
    -> tensor<1x4x?x32xf32> attributes {attn.defaults = {m = 150, n = 170, x = 10, y = 6}} {
  %o = attn.attention mask #attn.mask<blocks(0, 16, 32)> mask_operands(%l : tensor<1x4x?x?xi32>)
      ins(%q, %k, %v : tensor<1x4x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// Causal MoBA-like selection plus documents: two operands, two kinds.
func.func @causal_layout_documents(%q: tensor<1x2x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x16xf32> {attn.dims = "bhnd"},
                                   %v: tensor<1x2x?x16xf32> {attn.dims = "bhnd"}, %l: tensor<1x2x?x?xi32> {attn.dims = "bhxy"},
                                   %s: tensor<1x?xi32> {attn.dims = "bn"})
    -> tensor<1x2x?x16xf32> attributes {attn.defaults = {m = 128, n = 128, x = 8, y = 4}} {
  %o = attn.attention mask #attn.mask<and(causal, or(blocks(0, 16, 32), document(1)))>
      mask_operands(%l, %s : tensor<1x2x?x?xi32>, tensor<1x?xi32>)
      ins(%q, %k, %v : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}
