// Log-sum-exp results from the GPU kernel: f16 causal GQA, and an f32 op with a captured
// tensor (the lse buffer is the kernel's last argument, after the captures).
func.func @lse_f16(%q: tensor<1x8x?x64xf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xf16> {attn.dims = "bhnd"},
                   %v: tensor<1x2x?x64xf16> {attn.dims = "bhnd"})
    -> (tensor<1x8x?x64xf16>, tensor<1x8x?xf32>) attributes {attn.defaults = {m = 100, n = 300}} {
  %o, %l = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>)
      -> tensor<1x8x?x64xf16>, tensor<1x8x?xf32>
  return %o, %l : tensor<1x8x?x64xf16>, tensor<1x8x?xf32>
}

func.func @lse_region(%q: tensor<1x4x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                      %v: tensor<1x4x?x64xf32> {attn.dims = "bhnd"}, %slopes: tensor<4xf32>)
    -> (tensor<1x4x?x64xf32>, tensor<1x4x?xf32>) attributes {attn.defaults = {m = 33, n = 70}} {
  %o, %l = attn.attention captures(%slopes : tensor<4xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %sl: tensor<4xf32>):
    %slope = attn.read %sl[%h] : tensor<4xf32>
    %y = arith.subf %s, %slope : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>, tensor<1x4x?xf32>
  return %o, %l : tensor<1x4x?x64xf32>, tensor<1x4x?xf32>
}
