// Paged KV caches (vLLM layout): K and V as pools [P, S, G, D] read through page tables
// [B, T] and sequence lengths [B]. attn-run fills the table from a shuffled pool (pages
// out of order, shared when the tables need more than the pool holds) and the lengths
// with a full, an empty and random sequences; paged.test checks each entry against the
// fp64 reference, which gathers every sequence's keys from its definition.

// One decode step of a GQA model over 8 sequences of different lengths, pages of 16.
func.func @decode_gqa(%q: tensor<8x8x1x64xf32>,
                      %kp: tensor<?x16x2x64xf32> {attn.dims = "psgd"}, %vp: tensor<?x16x2x64xf32> {attn.dims = "psgd"},
                      %table: tensor<8x?xi32> {attn.dims = "bt"}, %len: tensor<8xi32>)
    -> tensor<8x8x1x64xf32> attributes {attn.defaults = {p = 64, t = 12}} {
  %o = attn.attention pages(%table, %len : tensor<8x?xi32>, tensor<8xi32>)
      ins(%q, %kp, %vp : tensor<8x8x1x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>) -> tensor<8x8x1x64xf32>
  return %o : tensor<8x8x1x64xf32>
}

// Causal, 3 new tokens per sequence (speculative decoding / appended prefill), pages of
// a size given at run time, a log-sum-exp result.
func.func @causal_lse(%q: tensor<4x4x3x32xf32>,
                      %kp: tensor<?x?x4x32xf32> {attn.dims = "psgd"}, %vp: tensor<?x?x4x32xf32> {attn.dims = "psgd"},
                      %table: tensor<4x?xi32> {attn.dims = "bt"}, %len: tensor<4xi32>)
    -> (tensor<4x4x3x32xf32>, tensor<4x4x3xf32>) attributes {attn.defaults = {p = 40, s = 7, t = 9}} {
  %o, %l = attn.attention mask #attn.mask<causal> pages(%table, %len : tensor<4x?xi32>, tensor<4xi32>)
      ins(%q, %kp, %vp : tensor<4x4x3x32xf32>, tensor<?x?x4x32xf32>, tensor<?x?x4x32xf32>)
      -> tensor<4x4x3x32xf32>, tensor<4x4x3xf32>
  return %o, %l : tensor<4x4x3x32xf32>, tensor<4x4x3xf32>
}

// A prefill of 40 new tokens per sequence (the prefill kernel: K^T packed through the
// page tables), sliding window with sinks, GQA 4/2, pages of 64.
func.func @prefill_window(%q: tensor<3x4x40x32xf32>,
                          %kp: tensor<?x64x2x32xf32> {attn.dims = "psgd"}, %vp: tensor<?x64x2x32xf32> {attn.dims = "psgd"},
                          %table: tensor<3x?xi32> {attn.dims = "bt"}, %len: tensor<3xi32>)
    -> tensor<3x4x40x32xf32> attributes {attn.defaults = {p = 10, t = 4}} {
  %o = attn.attention mask #attn.mask<or(sink(4), and(causal, window(50, 0)))> pages(%table, %len : tensor<3x?xi32>, tensor<3xi32>)
      ins(%q, %kp, %vp : tensor<3x4x40x32xf32>, tensor<?x64x2x32xf32>, tensor<?x64x2x32xf32>) -> tensor<3x4x40x32xf32>
  return %o : tensor<3x4x40x32xf32>
}

// Pages of one key, ALiBi from a score_mod region over the sequences' own positions.
func.func @alibi_pages_of_one(%q: tensor<3x4x1x32xf32>,
                              %kp: tensor<?x1x1x32xf32> {attn.dims = "psgd"}, %vp: tensor<?x1x1x32xf32> {attn.dims = "psgd"},
                              %table: tensor<3x?xi32> {attn.dims = "bt"}, %len: tensor<3xi32>, %slopes: tensor<4xf32>)
    -> tensor<3x4x1x32xf32> attributes {attn.defaults = {p = 150, t = 100}} {
  %o = attn.attention mask #attn.mask<causal> pages(%table, %len : tensor<3x?xi32>, tensor<3xi32>)
      captures(%slopes : tensor<4xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %sl: tensor<4xf32>):
    %slope = attn.read %sl[%h] : tensor<4xf32>
    %d = arith.subi %p, %j : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %bias = arith.mulf %slope, %df : f32
    %y = arith.subf %s, %bias : f32
    attn.yield %y : f32
  } ins(%q, %kp, %vp : tensor<3x4x1x32xf32>, tensor<?x1x1x32xf32>, tensor<?x1x1x32xf32>) -> tensor<3x4x1x32xf32>
  return %o : tensor<3x4x1x32xf32>
}
