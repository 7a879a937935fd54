// score_mod regions on the GPU kernel (per element of the score fragments): captured
// slopes, tables, i32 bucket maps and bias tensors, a region that masks and divides,
// soft-cap + window + region, and exp / tanh in a region (the kernel's ex2.approx), in
// f32 and f16.

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

// exp and tanh in a region, f16 inputs (the region computes in f32).
func.func @exp_tanh_f16(%q: tensor<1x4x?x64xf16>, %k: tensor<1x4x?x64xf16>, %v: tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16> {
  %o = attn.attention mask #attn.mask<causal> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index, %p: index):
    %t = math.tanh %s : f32
    %e = math.exp %t : f32
    %y = arith.addf %s, %e : f32
    attn.yield %y : f32
  } ins(%q, %k, %v : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// Pointwise normalisers on the GPU: no running max, no rescale; divided by nothing, Nk
// or the row sum; a region-defined weight (identity).
func.func @pointwise(%q: tensor<1x4x?x64xf16>, %k: tensor<1x4x?x64xf16>, %v: tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16> {
  %a = attn.attention mask #attn.mask<causal> normalizer sigmoid shift -5.0 ins(%q, %k, %v : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  %b = attn.attention mask #attn.mask<causal> normalizer relu2 divide length ins(%a, %k, %v : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  %c = attn.attention normalizer softplus divide sum ins(%b, %k, %v : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  %d = attn.attention mask #attn.mask<causal> normalizer identity divide sum score_mod {
  ^bb0(%s: f32, %bi: index, %h: index, %i: index, %j: index, %p: index):
    %e = math.exp %s : f32
    attn.yield %e : f32
  } ins(%c, %k, %v : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %d : tensor<1x4x?x64xf16>
}

// abs, floor, sqrt and fma in a region: LLVM's NVPTX intrinsics, not libdevice.
func.func @arith_math(%q: tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32> {
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
  } ins(%q, %q, %q : tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}
