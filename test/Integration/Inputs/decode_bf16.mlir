// decode.mlir in bf16 (generated from it: every 4-D tensor bf16; captures and the
// log-sum-exp stay f32): the decode kernel's bf16 pair products, for decode-bf16.test.
// Decoding shapes: a static query length of at most 16 rows per head takes the decode
// form of the softmax kernel (all query heads of a kv head per task, K and V read
// once, the keys split into parts whose partial states merge in order). decode.test
// checks every entry against the fp64 reference for several part counts and lengths.

// GQA 8/2, batch 2, one query row per head (decoding).
func.func @gqa(%q: tensor<2x8x1x64xbf16>, %k: tensor<2x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<2x2x?x64xbf16> {attn.dims = "bgnd"})
    -> tensor<2x8x1x64xbf16> attributes {attn.defaults = {n = 1000}} {
  %o = attn.attention 
      ins(%q, %k, %v : tensor<2x8x1x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>) -> tensor<2x8x1x64xbf16>
  return %o : tensor<2x8x1x64xbf16>
}

// Speculative decoding: 4 query rows per head, causal (end-aligned), MHA.
func.func @causal_spec(%q: tensor<1x4x4x64xbf16>, %k: tensor<1x4x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x4x?x64xbf16> {attn.dims = "bgnd"})
    -> tensor<1x4x4x64xbf16> attributes {attn.defaults = {n = 517}} {
  %o = attn.attention mask #attn.mask<causal>
      ins(%q, %k, %v : tensor<1x4x4x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>) -> tensor<1x4x4x64xbf16>
  return %o : tensor<1x4x4x64xbf16>
}

// MQA (8 query heads, one kv head), 3 rows, sliding window plus attention sinks.
func.func @mqa_window_sinks(%q: tensor<1x8x3x32xbf16>, %k: tensor<1x1x?x32xbf16> {attn.dims = "bgnd"}, %v: tensor<1x1x?x32xbf16> {attn.dims = "bgnd"})
    -> tensor<1x8x3x32xbf16> attributes {attn.defaults = {n = 700}} {
  %o = attn.attention mask #attn.mask<or(sink(4), and(causal, window(40, 0)))>
      ins(%q, %k, %v : tensor<1x8x3x32xbf16>, tensor<1x1x?x32xbf16>, tensor<1x1x?x32xbf16>) -> tensor<1x8x3x32xbf16>
  return %o : tensor<1x8x3x32xbf16>
}

// Per-head masks: heads alternate causal and a causal window of 7; GQA 4/2.
func.func @per_head(%q: tensor<1x4x2x32xbf16>, %k: tensor<1x2x?x32xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x32xbf16> {attn.dims = "bgnd"})
    -> tensor<1x4x2x32xbf16> attributes {attn.defaults = {n = 300}} {
  %o = attn.attention mask #attn.mask<heads(causal, and(causal, window(7, 0)))>
      ins(%q, %k, %v : tensor<1x4x2x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x32xbf16>) -> tensor<1x4x2x32xbf16>
  return %o : tensor<1x4x2x32xbf16>
}

// Documents (run-time segment ids) under causal, batch 2, GQA 4/2.
func.func @documents(%q: tensor<2x4x2x32xbf16>, %k: tensor<2x2x?x32xbf16> {attn.dims = "bgnd"}, %v: tensor<2x2x?x32xbf16> {attn.dims = "bgnd"}, %seg: tensor<2x?xi32> {attn.dims = "bn"})
    -> tensor<2x4x2x32xbf16> attributes {attn.defaults = {n = 400}} {
  %o = attn.attention mask #attn.mask<and(causal, document)> mask_operands(%seg : tensor<2x?xi32>)
      ins(%q, %k, %v : tensor<2x4x2x32xbf16>, tensor<2x2x?x32xbf16>, tensor<2x2x?x32xbf16>) -> tensor<2x4x2x32xbf16>
  return %o : tensor<2x4x2x32xbf16>
}

// A run-time block layout [B, Hq, ceil(Nq / 16), ceil(Nk / 32)], GQA 4/2.
func.func @layout(%q: tensor<1x4x2x32xbf16>, %k: tensor<1x2x?x32xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x32xbf16> {attn.dims = "bgnd"}, %l: tensor<1x4x1x?xi32> {attn.dims = "bhxy"})
    -> tensor<1x4x2x32xbf16> attributes {attn.defaults = {n = 300, y = 10}} {
  %o = attn.attention mask #attn.mask<blocks(0, 16, 32)> mask_operands(%l : tensor<1x4x1x?xi32>)
      ins(%q, %k, %v : tensor<1x4x2x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x32xbf16>) -> tensor<1x4x2x32xbf16>
  return %o : tensor<1x4x2x32xbf16>
}

// ALiBi from captured per-head slopes (a score_mod region), causal, GQA 8/2.
func.func @alibi(%q: tensor<1x8x1x64xbf16>, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %slopes: tensor<8xf32>)
    -> tensor<1x8x1x64xbf16> attributes {attn.defaults = {n = 333}} {
  %o = attn.attention mask #attn.mask<causal> captures(%slopes : tensor<8xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %sl: tensor<8xf32>):
    %slope = attn.read %sl[%h] : tensor<8xf32>
    %d = arith.subi %p, %j : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %c = arith.constant 0.0625 : f32
    %m = arith.mulf %slope, %c : f32
    %bias = arith.mulf %m, %df : f32
    %y = arith.subf %s, %bias : f32
    attn.yield %y : f32
  }
      ins(%q, %k, %v : tensor<1x8x1x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x1x64xbf16>
  return %o : tensor<1x8x1x64xbf16>
}

// Sigmoid attention (pointwise: no running max; parts are added), causal, GQA 4/1.
func.func @sigmoid(%q: tensor<1x4x2x64xbf16>, %k: tensor<1x1x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x1x?x64xbf16> {attn.dims = "bgnd"})
    -> tensor<1x4x2x64xbf16> attributes {attn.defaults = {n = 250}} {
  %o = attn.attention mask #attn.mask<causal> normalizer sigmoid shift -4.6
      ins(%q, %k, %v : tensor<1x4x2x64xbf16>, tensor<1x1x?x64xbf16>, tensor<1x1x?x64xbf16>) -> tensor<1x4x2x64xbf16>
  return %o : tensor<1x4x2x64xbf16>
}

// ReLU attention divided by the row sum, 5 rows, MHA.
func.func @relu_sum(%q: tensor<1x2x5x32xbf16>, %k: tensor<1x2x?x32xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x32xbf16> {attn.dims = "bgnd"})
    -> tensor<1x2x5x32xbf16> attributes {attn.defaults = {n = 260}} {
  %o = attn.attention normalizer relu divide sum
      ins(%q, %k, %v : tensor<1x2x5x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x32xbf16>) -> tensor<1x2x5x32xbf16>
  return %o : tensor<1x2x5x32xbf16>
}

// Soft-cap 30 with a scale, GQA 6/2 (ratio 3), head dim 48.
func.func @softcap(%q: tensor<1x6x2x48xbf16>, %k: tensor<1x2x?x48xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x48xbf16> {attn.dims = "bgnd"})
    -> tensor<1x6x2x48xbf16> attributes {attn.defaults = {n = 600}} {
  %o = attn.attention mask #attn.mask<causal> scale 0.5 softcap 30.0
      ins(%q, %k, %v : tensor<1x6x2x48xbf16>, tensor<1x2x?x48xbf16>, tensor<1x2x?x48xbf16>) -> tensor<1x6x2x48xbf16>
  return %o : tensor<1x6x2x48xbf16>
}

// Absorbed MLA shapes: 16 query heads over one kv head, Dqk = 576, Dv = 512.
func.func @mla(%q: tensor<1x16x1x576xbf16>, %k: tensor<1x1x?x576xbf16> {attn.dims = "bgnd"}, %v: tensor<1x1x?x512xbf16> {attn.dims = "bgnd"})
    -> tensor<1x16x1x512xbf16> attributes {attn.defaults = {n = 200}} {
  %o = attn.attention 
      ins(%q, %k, %v : tensor<1x16x1x576xbf16>, tensor<1x1x?x576xbf16>, tensor<1x1x?x512xbf16>) -> tensor<1x16x1x512xbf16>
  return %o : tensor<1x16x1x512xbf16>
}

// The log-sum-exp of decoding rows (merged across parts), with a window.
func.func @lse(%q: tensor<1x8x2x64xbf16>, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"})
    -> (tensor<1x8x2x64xbf16>, tensor<1x8x2xf32>) attributes {attn.defaults = {n = 900}} {
  %o, %l = attn.attention mask #attn.mask<and(causal, window(300, 0))>
      ins(%q, %k, %v : tensor<1x8x2x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x2x64xbf16>, tensor<1x8x2xf32>
  return %o, %l : tensor<1x8x2x64xbf16>, tensor<1x8x2xf32>
}
