// score_mod regions, captured tensors and pointwise normalisers, each checked against
// the fp64 reference (score-mod.test runs every entry on the vector kernel and on the
// generic path).

// ALiBi with per-head slopes from a tensor; GQA 8/2; end-aligned positions.
func.func @alibi_slopes(%q: tensor<1x8x?x64xf32> {attn.dims = "bhmd"},
                        %k: tensor<1x2x?x64xf32> {attn.dims = "bhnd"},
                        %v: tensor<1x2x?x64xf32> {attn.dims = "bhnd"},
                        %slopes: tensor<8xf32>) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {m = 45, n = 77}} {
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
  } ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
    -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}

// T5-style relative bias: a [H, 2R+1] table read at the clamped distance j - p + R
// (distances past R read the edge entries); Nq != Nk.
func.func @t5_table(%q: tensor<2x4x?x32xf32> {attn.dims = "bhmd"},
                    %k: tensor<2x4x?x32xf32> {attn.dims = "bhnd"},
                    %v: tensor<2x4x?x32xf32> {attn.dims = "bhnd"},
                    %table: tensor<4x33xf32>) -> tensor<2x4x?x32xf32>
    attributes {attn.defaults = {m = 37, n = 101}} {
  %o = attn.attention captures(%table : tensor<4x33xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %t: tensor<4x33xf32>):
    %r = arith.constant 16 : index
    %d = arith.subi %j, %p : index
    %at = arith.addi %d, %r : index
    %bias = attn.read %t[%h, %at] : tensor<4x33xf32>
    %y = arith.addf %s, %bias : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>)
    -> tensor<2x4x?x32xf32>
  return %o : tensor<2x4x?x32xf32>
}

// T5 with learned buckets: an i32 bucket map [2R+1] (two reads, the second at a
// run-time index) and the table [H, buckets].
func.func @t5_buckets(%q: tensor<1x4x?x32xf32> {attn.dims = "bhmd"},
                      %k: tensor<1x4x?x32xf32> {attn.dims = "bhnd"},
                      %v: tensor<1x4x?x32xf32> {attn.dims = "bhnd"},
                      %buckets: tensor<1x65xi32>, %table: tensor<4x8xf32>) -> tensor<1x4x?x32xf32>
    attributes {attn.defaults = {m = 50, n = 50}} {
  %o = attn.attention mask #attn.mask<causal>
      captures(%buckets, %table : tensor<1x65xi32>, tensor<4x8xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index,
       %bk: tensor<1x65xi32>, %t: tensor<4x8xf32>):
    %c0 = arith.constant 0 : index
    %r = arith.constant 32 : index
    %d = arith.subi %j, %p : index
    %at = arith.addi %d, %r : index
    %bucket = attn.read %bk[%c0, %at] : tensor<1x65xi32>
    %bi = arith.index_cast %bucket : i32 to index
    %bias = attn.read %t[%h, %bi] : tensor<4x8xf32>
    %y = arith.addf %s, %bias : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>)
    -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// HuggingFace-style additive mask / pair bias [B, 1, Nq, Nk], broadcast over heads,
// read along the keys (contiguous loads inside, clamped gathers at the ragged edge).
func.func @hf_bias(%q: tensor<2x4x?x64xf32> {attn.dims = "bhmd"},
                   %k: tensor<2x4x?x64xf32> {attn.dims = "bhnd"},
                   %v: tensor<2x4x?x64xf32> {attn.dims = "bhnd"},
                   %bias: tensor<2x1x?x?xf32> {attn.dims = "bxmn"}) -> tensor<2x4x?x64xf32>
    attributes {attn.defaults = {m = 70, n = 70}} {
  %o = attn.attention mask #attn.mask<causal> captures(%bias : tensor<2x1x?x?xf32>) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index, %t: tensor<2x1x?x?xf32>):
    %c0 = arith.constant 0 : index
    %x = attn.read %t[%b, %c0, %i, %j] : tensor<2x1x?x?xf32>
    %y = arith.addf %s, %x : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>)
    -> tensor<2x4x?x64xf32>
  return %o : tensor<2x4x?x64xf32>
}

// A region that masks (-inf: keys more than 20 positions back, a sliding window
// written by hand) and divides by zero (integer division by 0 yields 0); Nq > Nk
// leaves rows without a visible key.
func.func @region_mask(%q: tensor<1x2x?x32xf32> {attn.dims = "bhmd"},
                       %k: tensor<1x2x?x32xf32> {attn.dims = "bhnd"},
                       %v: tensor<1x2x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x2x?x32xf32>
    attributes {attn.defaults = {m = 60, n = 40}} {
  %o = attn.attention mask #attn.mask<causal> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %w = arith.constant 20 : index
    %d = arith.subi %p, %j : index
    %far = arith.cmpi sgt, %d, %w : index
    %zero = arith.subi %i, %i : index
    %q0 = arith.divsi %j, %zero : index
    %qi = arith.index_cast %q0 : index to i64
    %qf = arith.sitofp %qi : i64 to f32
    %t = arith.addf %s, %qf : f32
    %ninf = arith.constant 0xFF800000 : f32
    %y = arith.select %far, %ninf, %t : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>)
    -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}

// Sigmoid attention with SigmoidAttn's bias -log(N) (N = 101 here) and a causal mask.
func.func @sigmoid(%q: tensor<1x4x?x64xf32> {attn.dims = "bhmd"},
                   %k: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                   %v: tensor<1x4x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x64xf32>
    attributes {attn.defaults = {m = 101, n = 101}} {
  %o = attn.attention mask #attn.mask<causal> normalizer sigmoid shift -4.615
      ins(%q, %k, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// ReLU^2 attention divided by the number of keys, GQA 4/1, window mask.
func.func @relu2_length(%q: tensor<1x4x?x32xf32> {attn.dims = "bhmd"},
                        %k: tensor<1x1x?x32xf32> {attn.dims = "bhnd"},
                        %v: tensor<1x1x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x4x?x32xf32>
    attributes {attn.defaults = {m = 33, n = 90}} {
  %o = attn.attention mask #attn.mask<and(causal, window(24, 0))> normalizer relu2 divide length
      ins(%q, %k, %v : tensor<1x4x?x32xf32>, tensor<1x1x?x32xf32>, tensor<1x1x?x32xf32>)
      -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// ReLU attention divided by the row sum; softplus with L1 normalisation.
func.func @relu_sum(%q: tensor<1x2x?x32xf32> {attn.dims = "bhmd"},
                    %k: tensor<1x2x?x32xf32> {attn.dims = "bhnd"},
                    %v: tensor<1x2x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x2x?x32xf32>
    attributes {attn.defaults = {m = 19, n = 83}} {
  %o = attn.attention mask #attn.mask<causal> normalizer relu divide sum
      ins(%q, %k, %v : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>)
      -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}
func.func @softplus_sum(%q: tensor<1x8x?x64xf32> {attn.dims = "bhmd"},
                        %k: tensor<1x2x?x64xf32> {attn.dims = "bhnd"},
                        %v: tensor<1x2x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {m = 64, n = 64}} {
  %o = attn.attention normalizer softplus divide sum
      ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}

// A user-defined normaliser: the region computes the weight (1 + s / 2 + s^2 / 8, a
// second-order Taylor exp, always positive), `identity` takes it as is, rows divided by
// their sum; the region uses tanh and exp on lanes.
func.func @identity_weights(%q: tensor<1x2x?x32xf32> {attn.dims = "bhmd"},
                            %k: tensor<1x2x?x32xf32> {attn.dims = "bhnd"},
                            %v: tensor<1x2x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x2x?x32xf32>
    attributes {attn.defaults = {m = 40, n = 57}} {
  %o = attn.attention mask #attn.mask<causal> normalizer identity divide sum score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %half = arith.constant 0.5 : f32
    %eighth = arith.constant 0.125 : f32
    %one = arith.constant 1.0 : f32
    %t = math.tanh %s : f32
    %a = arith.mulf %t, %half : f32
    %sq = arith.mulf %t, %t : f32
    %c = arith.mulf %sq, %eighth : f32
    %e = math.exp %c : f32
    %w0 = arith.addf %one, %a : f32
    %w = arith.addf %w0, %e : f32
    attn.yield %w : f32
  } ins(%q, %k, %v : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>)
    -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}

// Gemma-2 style: soft-cap, then the region (a per-head constant shift), then a sliding
// window with GQA.
func.func @gemma2(%q: tensor<1x8x?x64xf32> {attn.dims = "bhmd"},
                  %k: tensor<1x4x?x64xf32> {attn.dims = "bhnd"},
                  %v: tensor<1x4x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {m = 130, n = 130}} {
  %o = attn.attention mask #attn.mask<and(causal, window(32, 0))> softcap 5.0 score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %hi = arith.index_cast %h : index to i32
    %hf = arith.sitofp %hi : i32 to f32
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %hf, %c : f32
    %y = arith.addf %s, %x : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
    -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}

// A region that yields NaN at key 5: NaN propagates into every row that sees key 5,
// as in the reference (softmax and a pointwise normaliser).
func.func @nan_region(%q: tensor<1x2x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x32xf32> {attn.dims = "bhnd"},
                      %v: tensor<1x2x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x2x?x32xf32>
    attributes {attn.defaults = {m = 20, n = 40}} {
  %o = attn.attention mask #attn.mask<causal> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %c5 = arith.constant 5 : index
    %hit = arith.cmpi eq, %j, %c5 : index
    %nan = arith.constant 0x7FC00000 : f32
    %y = arith.select %hit, %nan, %s : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  %r = attn.attention mask #attn.mask<causal> normalizer relu score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %c5 = arith.constant 5 : index
    %hit = arith.cmpi eq, %j, %c5 : index
    %nan = arith.constant 0x7FC00000 : f32
    %y = arith.select %hit, %nan, %s : f32
    attn.yield %y : f32
  } ins(%o, %k, %v : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  return %r : tensor<1x2x?x32xf32>
}

// abs, sqrt, floor and fma in a region (a distance penalty floor(sqrt|p - j|) / 2).
func.func @arith_math(%q: tensor<1x2x?x32xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x32xf32> {attn.dims = "bhnd"},
                      %v: tensor<1x2x?x32xf32> {attn.dims = "bhnd"}) -> tensor<1x2x?x32xf32>
    attributes {attn.defaults = {m = 90, n = 90}} {
  %o = attn.attention mask #attn.mask<causal> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %d = arith.subi %p, %j : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %a = math.absf %df : f32
    %r = math.sqrt %a : f32
    %fl = math.floor %r : f32
    %c = arith.constant -0.5 : f32
    %y = math.fma %fl, %c, %s : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}
