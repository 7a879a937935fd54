// Sequence packing: documents given by run-time segment ids (a [B, Nk] i32 mask
// operand). attn-run fills i32 arguments with random documents; see documents.test.

func.func @causal_documents(%q: tensor<?x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<?x2x?x32xf32> {attn.dims = "bgnd"},
                            %v: tensor<?x2x?x32xf32> {attn.dims = "bgnd"}, %seg: tensor<?x?xi32> {attn.dims = "bn"})
    -> tensor<?x4x?x32xf32> attributes {attn.defaults = {b = 2, m = 300, n = 300}} {
  %o = attn.attention mask #attn.mask<and(causal, document)> mask_operands(%seg : tensor<?x?xi32>)
      ins(%q, %k, %v : tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>) -> tensor<?x4x?x32xf32>
  return %o : tensor<?x4x?x32xf32>
}

// Bidirectional within a document, plus a sliding window across documents.
func.func @documents_or_window(%q: tensor<1x2x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x16xf32> {attn.dims = "bhnd"},
                               %v: tensor<1x2x?x16xf32> {attn.dims = "bhnd"}, %seg: tensor<1x?xi32> {attn.dims = "bn"})
    -> tensor<1x2x?x16xf32> attributes {attn.defaults = {m = 140, n = 140}} {
  %o = attn.attention mask #attn.mask<or(document, window(3, 3))> mask_operands(%seg : tensor<1x?xi32>)
      ins(%q, %k, %v : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}

// Two segmentations (e.g. documents and turns): the second operand.
func.func @two_operands(%q: tensor<1x2x?x16xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x16xf32> {attn.dims = "bhnd"},
                        %v: tensor<1x2x?x16xf32> {attn.dims = "bhnd"}, %docs: tensor<1x?xi32> {attn.dims = "bn"},
                        %turns: tensor<1x?xi32> {attn.dims = "bn"})
    -> tensor<1x2x?x16xf32> attributes {attn.defaults = {m = 100, n = 100}} {
  %o = attn.attention mask #attn.mask<and(causal, document(0), not(document(1)))>
      mask_operands(%docs, %turns : tensor<1x?xi32>, tensor<1x?xi32>)
      ins(%q, %k, %v : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}
