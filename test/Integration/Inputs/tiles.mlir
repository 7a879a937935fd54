// Tiles of attn.attention placed by constant offsets(row, position, head): masks,
// per-head terms, decays, layouts and documents read the whole problem's coordinates.

// Rows at positions 30..77 of 96 keys, query heads 1..4 (heads(...) alternates by the
// global head: heads 1 and 3 get the window).
func.func @placed_heads(%q: tensor<1x4x48x32xf32>, %k: tensor<1x2x96x32xf32>, %v: tensor<1x2x96x32xf32>)
    -> tensor<1x4x48x32xf32> {
  %row = arith.constant 8 : index
  %position = arith.constant 30 : index
  %head = arith.constant 1 : index
  %o = attn.attention mask #attn.mask<heads(causal, and(causal, window(7, 0)))> offsets(%row, %position, %head)
      ins(%q, %k, %v : tensor<1x4x48x32xf32>, tensor<1x2x96x32xf32>, tensor<1x2x96x32xf32>) -> tensor<1x4x48x32xf32>
  return %o : tensor<1x4x48x32xf32>
}

// Rows 64..103 (query blocks 4..6 of the layout) at positions 100..139: past the last of
// 128 keys, where a query belongs to the last key's document.
func.func @placed_layout_documents(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>,
                                   %l: tensor<1x2x8x4xi32>, %s: tensor<1x128xi32>) -> tensor<1x2x40x16xf32> {
  %row = arith.constant 64 : index
  %position = arith.constant 100 : index
  %head = arith.constant 0 : index
  %o = attn.attention mask #attn.mask<and(causal, or(blocks(0, 16, 32), document(1)))>
      mask_operands(%l, %s : tensor<1x2x8x4xi32>, tensor<1x128xi32>) offsets(%row, %position, %head)
      ins(%q, %k, %v : tensor<1x2x40x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}

// Rows before the first key (positions -5..26): the first five see no key (zeros).
func.func @placed_before_keys(%q: tensor<1x2x32x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>)
    -> tensor<1x2x32x16xf32> {
  %row = arith.constant 0 : index
  %position = arith.constant -5 : index
  %head = arith.constant 0 : index
  %o = attn.attention mask #attn.mask<causal> offsets(%row, %position, %head)
      ins(%q, %k, %v : tensor<1x2x32x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x32x16xf32>
  return %o : tensor<1x2x32x16xf32>
}

// Linear attention with per-head decay: query heads 2 and 3 of four (decays 0.99 and
// 0.999) at positions 40..71 of 64 keys.
func.func @placed_decay(%q: tensor<1x2x32x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>)
    -> tensor<1x2x32x16xf32> {
  %row = arith.constant 0 : index
  %position = arith.constant 40 : index
  %head = arith.constant 2 : index
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> offsets(%row, %position, %head)
      normalizer sum decay [0.9, 0.95, 0.99, 0.999]
      ins(%q, %k, %v : tensor<1x2x32x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x32x16xf32>
  return %o : tensor<1x2x32x16xf32>
}

// Linear attention without positions (no mask, no decay): a tile is the op on its rows;
// the vector linear kernel takes it.
func.func @placed_linear(%q: tensor<1x2x32x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>)
    -> tensor<1x2x32x16xf32> {
  %row = arith.constant 32 : index
  %position = arith.constant 32 : index
  %head = arith.constant 2 : index
  %o = attn.attention feature #attn.feature<elu_plus_one> offsets(%row, %position, %head)
      normalizer sum order reassociated
      ins(%q, %k, %v : tensor<1x2x32x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x32x16xf32>
  return %o : tensor<1x2x32x16xf32>
}
