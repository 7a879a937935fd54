// Untiled attention; tiling_spec.mlir tiles it with upstream transform ops, and
// tiling.test checks that the tiled program computes what the untiled one does.

func.func @gqa_documents(%q: tensor<2x8x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<2x2x?x32xf32> {attn.dims = "bgnd"},
                         %v: tensor<2x2x?x32xf32> {attn.dims = "bgnd"}, %s: tensor<2x?xi32> {attn.dims = "bn"})
    -> tensor<2x8x?x32xf32> attributes {attn.defaults = {m = 100, n = 130}} {
  %o = attn.attention mask #attn.mask<and(causal, document(0))> mask_operands(%s : tensor<2x?xi32>)
      ins(%q, %k, %v : tensor<2x8x?x32xf32>, tensor<2x2x?x32xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return %o : tensor<2x8x?x32xf32>
}

func.func @layout_heads(%q: tensor<1x8x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x32xf32> {attn.dims = "bgnd"},
                        %v: tensor<1x4x?x32xf32> {attn.dims = "bgnd"}, %l: tensor<1x8x?x?xi32> {attn.dims = "bhxy"})
    -> tensor<1x8x?x32xf32> attributes {attn.defaults = {m = 150, n = 170, x = 10, y = 6}} {
  %o = attn.attention mask #attn.mask<or(heads(causal, window(9, 9)), blocks(0, 16, 32))>
      mask_operands(%l : tensor<1x8x?x?xi32>)
      ins(%q, %k, %v : tensor<1x8x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x8x?x32xf32>
  return %o : tensor<1x8x?x32xf32>
}

func.func @decay_heads(%q: tensor<1x4x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x16xf32> {attn.dims = "bhnd"},
                       %v: tensor<1x4x?x16xf32> {attn.dims = "bhnd"})
    -> tensor<1x4x?x16xf32> attributes {attn.defaults = {m = 70, n = 90}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum
      decay [0.9, 0.95, 0.99, 0.999]
      ins(%q, %k, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}
