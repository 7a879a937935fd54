// Shapes for the GPU kernel (convert-attn-to-gpu): each element type, head dims 32 to
// 128, GQA, static and per-head masks, soft-cap, Nq != Nk (see ptxas.test and
// cuda-execution.test).

func.func @f16_causal_gqa(%q: tensor<2x8x?x64xf16> {attn.dims = "bhmd"}, %k: tensor<2x2x?x64xf16> {attn.dims = "bgnd"},
                          %v: tensor<2x2x?x64xf16> {attn.dims = "bgnd"}) -> tensor<2x8x?x64xf16>
    attributes {attn.defaults = {m = 300, n = 300}} {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<2x8x?x64xf16>, tensor<2x2x?x64xf16>, tensor<2x2x?x64xf16>) -> tensor<2x8x?x64xf16>
  return %o : tensor<2x8x?x64xf16>
}

func.func @bf16_d128(%q: tensor<1x4x?x128xbf16> {attn.dims = "bhmd"}, %k: tensor<1x4x?x128xbf16> {attn.dims = "bhnd"},
                     %v: tensor<1x4x?x128xbf16> {attn.dims = "bhnd"}) -> tensor<1x4x?x128xbf16>
    attributes {attn.defaults = {m = 200, n = 333}} {
  %o = attn.attention ins(%q, %k, %v : tensor<1x4x?x128xbf16>, tensor<1x4x?x128xbf16>, tensor<1x4x?x128xbf16>) -> tensor<1x4x?x128xbf16>
  return %o : tensor<1x4x?x128xbf16>
}

func.func @f32_window_softcap(%q: tensor<1x4x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x32xf32> {attn.dims = "bhnd"},
                              %v: tensor<1x4x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x32xf32>
    attributes {attn.defaults = {m = 150, n = 150}} {
  %o = attn.attention mask #attn.mask<or(sink(4), and(causal, window(40, 0)))> softcap 30.0
      ins(%q, %k, %v : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

func.func @f16_per_head(%q: tensor<1x4x?x64xf16> {attn.dims = "bhmd"}, %k: tensor<1x4x?x64xf16> {attn.dims = "bhnd"},
                        %v: tensor<1x4x?x64xf16> {attn.dims = "bhnd"}) -> tensor<1x4x?x64xf16>
    attributes {attn.defaults = {m = 100, n = 250}} {
  %o = attn.attention mask #attn.mask<heads(causal, and(causal, window(31, 0)), full, chunk(64))>
      ins(%q, %k, %v : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

func.func @f16_documents_layout(%q: tensor<2x4x?x64xf16> {attn.dims = "bhmd"}, %k: tensor<2x4x?x64xf16> {attn.dims = "bhnd"},
                                %v: tensor<2x4x?x64xf16> {attn.dims = "bhnd"}, %seg: tensor<2x?xi32> {attn.dims = "bn"},
                                %layout: tensor<2x4x?x?xi32> {attn.dims = "bhxy"}) -> tensor<2x4x?x64xf16>
    attributes {attn.defaults = {m = 200, n = 200, x = 7, y = 4}} {
  %o = attn.attention mask #attn.mask<and(causal, or(document(0), blocks(1, 32, 64)))>
      mask_operands(%seg, %layout : tensor<2x?xi32>, tensor<2x4x?x?xi32>)
      ins(%q, %k, %v : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>) -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}
