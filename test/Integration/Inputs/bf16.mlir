// bf16 and f16 attention on the CPU kernels (bf16.test checks every entry against the
// fp64 reference of the rounded inputs): bf16 q/k/v with head dims that are multiples of
// 32 take the pair-product kernel (AVX512-BF16) or, with --target=amx, the AMX kernel;
// other head dims, decoding shapes and f16 run on the f32 kernels with q/k/v widened.
// Query and key lengths are dynamic (m, n) so the test can vary them.

// MHA, Nq != Nk (end-aligned), no mask.
func.func @mha(%q: tensor<1x2x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<1x2x?x64xbf16> attributes {attn.defaults = {m = 100, n = 130}} {
  %o = attn.attention 
      ins(%q, %k, %v : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x2x?x64xbf16>
  return %o : tensor<1x2x?x64xbf16>
}

// Causal GQA 8/2, batch 2, head dim 128.
func.func @causal_gqa(%q: tensor<2x8x?x128xbf16> {attn.dims = "bhmd"}, %k: tensor<2x2x?x128xbf16> {attn.dims = "bgnd"}, %v: tensor<2x2x?x128xbf16> {attn.dims = "bgne"})
    -> tensor<2x8x?x128xbf16> attributes {attn.defaults = {m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> 
      ins(%q, %k, %v : tensor<2x8x?x128xbf16>, tensor<2x2x?x128xbf16>, tensor<2x2x?x128xbf16>) -> tensor<2x8x?x128xbf16>
  return %o : tensor<2x8x?x128xbf16>
}

// Sliding window plus attention sinks, GQA 4/1 (MQA).
func.func @window_sinks(%q: tensor<1x4x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x1x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x1x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<1x4x?x64xbf16> attributes {attn.defaults = {m = 300, n = 300}} {
  %o = attn.attention mask #attn.mask<or(sink(4), and(causal, window(40, 0)))> 
      ins(%q, %k, %v : tensor<1x4x?x64xbf16>, tensor<1x1x?x64xbf16>, tensor<1x1x?x64xbf16>) -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}

// Per-head masks (causal, causal window of 7), GQA 4/2, head dim 32.
func.func @per_head(%q: tensor<1x4x?x32xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x32xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x32xbf16> {attn.dims = "bgne"})
    -> tensor<1x4x?x32xbf16> attributes {attn.defaults = {m = 150, n = 150}} {
  %o = attn.attention mask #attn.mask<heads(causal, and(causal, window(7, 0)))> 
      ins(%q, %k, %v : tensor<1x4x?x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x32xbf16>) -> tensor<1x4x?x32xbf16>
  return %o : tensor<1x4x?x32xbf16>
}

// Documents (run-time segment ids) under causal, batch 2, GQA 4/2.
func.func @documents(%q: tensor<2x4x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<2x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<2x2x?x64xbf16> {attn.dims = "bgne"}, %seg: tensor<2x?xi32> {attn.dims = "bn"})
    -> tensor<2x4x?x64xbf16> attributes {attn.defaults = {m = 260, n = 260}} {
  %o = attn.attention mask #attn.mask<and(causal, document)> mask_operands(%seg : tensor<2x?xi32>)
      ins(%q, %k, %v : tensor<2x4x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>) -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// A run-time block layout [B, Hq, ceil(Nq / 16), ceil(Nk / 32)], GQA 4/2.
func.func @layout(%q: tensor<1x4x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgne"}, %l: tensor<1x4x?x?xi32> {attn.dims = "bhxy"})
    -> tensor<1x4x?x64xbf16> attributes {attn.defaults = {m = 200, n = 200, x = 13, y = 7}} {
  %o = attn.attention mask #attn.mask<blocks(0, 16, 32)> mask_operands(%l : tensor<1x4x?x?xi32>)
      ins(%q, %k, %v : tensor<1x4x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}

// ALiBi from captured per-head slopes (a score_mod region), causal, GQA 8/2.
func.func @alibi(%q: tensor<1x8x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgne"}, %slopes: tensor<8xf32>)
    -> tensor<1x8x?x64xbf16> attributes {attn.defaults = {m = 180, n = 180}} {
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
      ins(%q, %k, %v : tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16>
  return %o : tensor<1x8x?x64xbf16>
}

// Soft-capped scores (Gemma 2), causal.
func.func @softcap(%q: tensor<1x2x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<1x2x?x64xbf16> attributes {attn.defaults = {m = 140, n = 140}} {
  %o = attn.attention mask #attn.mask<causal> softcap 30.0 
      ins(%q, %k, %v : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x2x?x64xbf16>
  return %o : tensor<1x2x?x64xbf16>
}

// Sigmoid attention (a pointwise normaliser), causal, GQA 4/2.
func.func @sigmoid(%q: tensor<1x4x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<1x4x?x64xbf16> attributes {attn.defaults = {m = 150, n = 150}} {
  %o = attn.attention mask #attn.mask<causal> normalizer sigmoid shift -4.6 
      ins(%q, %k, %v : tensor<1x4x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}

// The log-sum-exp result beside the output, causal, Nq != Nk.
func.func @lse(%q: tensor<1x2x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x1x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x1x?x64xbf16> {attn.dims = "bgne"})
    -> (tensor<1x2x?x64xbf16>, tensor<1x2x?xf32>) attributes {attn.defaults = {m = 90, n = 170}} {
  %o, %l = attn.attention mask #attn.mask<causal> 
      ins(%q, %k, %v : tensor<1x2x?x64xbf16>, tensor<1x1x?x64xbf16>, tensor<1x1x?x64xbf16>) -> tensor<1x2x?x64xbf16>, tensor<1x2x?xf32>
  return %o, %l : tensor<1x2x?x64xbf16>, tensor<1x2x?xf32>
}

// Value head dim 32 against query head dim 96, causal.
func.func @value_dim(%q: tensor<1x2x?x96xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x96xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x32xbf16> {attn.dims = "bgne"})
    -> tensor<1x2x?x32xbf16> attributes {attn.defaults = {m = 100, n = 130}} {
  %o = attn.attention mask #attn.mask<causal> 
      ins(%q, %k, %v : tensor<1x2x?x96xbf16>, tensor<1x2x?x96xbf16>, tensor<1x2x?x32xbf16>) -> tensor<1x2x?x32xbf16>
  return %o : tensor<1x2x?x32xbf16>
}

// f16: widened to f32 (no f16 products on this ISA), causal GQA 4/2.
func.func @f16_causal(%q: tensor<1x4x?x64xf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xf16> {attn.dims = "bgne"})
    -> tensor<1x4x?x64xf16> attributes {attn.defaults = {m = 100, n = 130}} {
  %o = attn.attention mask #attn.mask<causal> 
      ins(%q, %k, %v : tensor<1x4x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// A decoding step (one query row per head, GQA 8/2): the decode kernel, widened.
func.func @decode(%q: tensor<1x8x1x64xbf16>, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<1x8x1x64xbf16> attributes {attn.defaults = {n = 500}} {
  %o = attn.attention 
      ins(%q, %k, %v : tensor<1x8x1x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x1x64xbf16>
  return %o : tensor<1x8x1x64xbf16>
}

// Head dim 48 (not a multiple of 32): the f32 kernel on widened inputs.
func.func @head_dim_48(%q: tensor<1x2x?x48xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x48xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x48xbf16> {attn.dims = "bgne"})
    -> tensor<1x2x?x48xbf16> attributes {attn.defaults = {m = 100, n = 130}} {
  %o = attn.attention mask #attn.mask<causal> 
      ins(%q, %k, %v : tensor<1x2x?x48xbf16>, tensor<1x2x?x48xbf16>, tensor<1x2x?x48xbf16>) -> tensor<1x2x?x48xbf16>
  return %o : tensor<1x2x?x48xbf16>
}

// A paged bf16 KV cache (vLLM's layout) in one decode step, GQA 8/2, with the
// log-sum-exp: the decode kernel reads the bf16 pools as they are.
func.func @paged_decode(%q: tensor<4x8x1x64xbf16>,
                        %k_pool: tensor<?x16x2x64xbf16> {attn.dims = "psgd"},
                        %v_pool: tensor<?x16x2x64xbf16> {attn.dims = "psgd"},
                        %page_table: tensor<4x?xi32> {attn.dims = "bt"},
                        %lengths: tensor<4xi32>)
    -> (tensor<4x8x1x64xbf16>, tensor<4x8x1xf32>) attributes {attn.defaults = {p = 64, t = 20}} {
  %o, %lse = attn.attention pages(%page_table, %lengths : tensor<4x?xi32>, tensor<4xi32>)
      ins(%q, %k_pool, %v_pool : tensor<4x8x1x64xbf16>, tensor<?x16x2x64xbf16>, tensor<?x16x2x64xbf16>)
      -> tensor<4x8x1x64xbf16>, tensor<4x8x1xf32>
  return %o, %lse : tensor<4x8x1x64xbf16>, tensor<4x8x1xf32>
}

// Mixed precision: an f32 query over a bf16 cache (decode and prefill), and bf16
// attention returning f32.
func.func @f32_query(%q: tensor<1x8x?x64xf32> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<1x8x?x64xf32> attributes {attn.defaults = {m = 100, n = 130}} {
  %o = attn.attention mask #attn.mask<causal>
      ins(%q, %k, %v : tensor<1x8x?x64xf32>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}

func.func @f32_query_decode(%q: tensor<2x8x1x64xf32>, %k: tensor<2x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<2x2x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<2x8x1x64xf32> attributes {attn.defaults = {n = 300}} {
  %o = attn.attention
      ins(%q, %k, %v : tensor<2x8x1x64xf32>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>) -> tensor<2x8x1x64xf32>
  return %o : tensor<2x8x1x64xf32>
}

func.func @f32_output(%q: tensor<1x4x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x2x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x2x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<1x4x?x64xf32> attributes {attn.defaults = {m = 100, n = 130}} {
  %o = attn.attention mask #attn.mask<causal>
      ins(%q, %k, %v : tensor<1x4x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// Causal linear attention (elu + 1 features) in bf16: the linear kernel on widened inputs.
func.func @linear_elu(%q: tensor<1x4x?x64xbf16> {attn.dims = "bhmd"}, %k: tensor<1x4x?x64xbf16> {attn.dims = "bgnd"}, %v: tensor<1x4x?x64xbf16> {attn.dims = "bgne"})
    -> tensor<1x4x?x64xbf16> attributes {attn.defaults = {m = 200, n = 200}} {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum
      ins(%q, %k, %v : tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>) -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}
