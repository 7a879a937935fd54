// RUN: attn-opt %s -split-input-file --convert-attn-to-vector="target=avx512" | FileCheck %s
// RUN: attn-opt %s -split-input-file --convert-attn-to-vector="target=avx2" | FileCheck %s --check-prefix=AVX2
// RUN: attn-opt %s -split-input-file --convert-attn-to-vector="target=avx512 rows=4 kv-tile=32 q-block=50" | FileCheck %s --check-prefix=OPTS
// RUN: not attn-opt %s -split-input-file --convert-attn-to-vector="target=sse9" 2>&1 | FileCheck %s --check-prefix=BADTARGET
// RUN: attn-opt %s -split-input-file --convert-attn-to-vector="target=avx512 decode-rows=0" | FileCheck %s --check-prefix=NODECODE
// RUN: not attn-opt %s -split-input-file --convert-attn-to-vector="target=avx512 kv-parts=-1" 2>&1 | FileCheck %s --check-prefix=BADPARTS
// RUN: not attn-opt %s -split-input-file --convert-attn-to-vector="target=avx512 kv-tile=40" 2>&1 | FileCheck %s --check-prefix=BADTILE
// RUN: attn-opt %s -split-input-file --convert-attn-to-vector="target=avx512bf16" | FileCheck %s --check-prefix=BF16
// RUN: attn-opt %s -split-input-file --convert-attn-to-vector="target=amx amx-kv-tile=64 amx-q-block=64" | FileCheck %s --check-prefix=AMX
// RUN: not attn-opt %s -split-input-file --convert-attn-to-vector="target=amx amx-kv-tile=48" 2>&1 | FileCheck %s --check-prefix=BADAMX

// BADTARGET: error: convert-attn-to-vector: unknown target 'sse9' (expected host, amx, avx512bf16, avx512 or avx2)
// BADPARTS: error: convert-attn-to-vector: kv-parts must be between 0 and 4096 and decode-rows between 0 and 1024, got kv-parts=-1 decode-rows=16
// BADAMX: error: convert-attn-to-vector: amx-kv-tile (at most 1024) and amx-q-block (at most 4096) must be multiples of 32, got amx-kv-tile=48 amx-q-block=0
// BADTILE: error: convert-attn-to-vector: {{.*}} a multiple of the vector width, 16 lanes) must not be negative; got rows=0 kv-tile=40 q-block=0

// The AVX-512 model: 4 query rows x 4 vectors of 16 keys, 192 rows per task. K is
// packed once into K^T tiles, tasks are (batch, head, query block), scratch is per task.
// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x?x64xf32>, %[[K:.*]]: tensor<2x8x?x64xf32>, %[[V:.*]]: tensor<2x8x?x64xf32>)
// CHECK-DAG: bufferization.to_buffer %[[Q]] read_only
// CHECK-DAG: bufferization.to_buffer %[[K]] read_only
// CHECK-DAG: bufferization.to_buffer %[[V]] read_only
// CHECK: %[[KT:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x?x?x?x64xf32>
// CHECK: scf.forall
// CHECK: vector.gather
// CHECK: vector.store {{.*}}, %[[KT]]
// CHECK: %[[OUT:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<2x8x?x64xf32>
// CHECK: scf.forall
// CHECK: memref.alloca_scope
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<192x64xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<192x16xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<4x64xf32>
// The score block: 16 accumulators, each step 4 K^T loads and 4 x 4 FMAs.
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: vector.load %[[KT]]
// CHECK-COUNT-16: vector.fma
// CHECK: scf.yield
// Ragged kv tiles are masked per element (no mask attribute: bounds only).
// CHECK: scf.if
// CHECK: arith.cmpi slt, {{.*}} : vector<16xi32>
// CHECK: vector.reduction <maxnumf>
// PV: the accumulator reloaded, rescaled, and updated over the tile's keys.
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-16: vector.fma
// CHECK: vector.reduction <add>
// CHECK: vector.store {{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// AVX2-LABEL: func.func @dense
// AVX2: memref<?x?x?x?x16xf32>
// AVX2: memref.alloca() {alignment = 64 : i64} : memref<4x16xf32>
// AVX2: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// OPTS-LABEL: func.func @dense
// OPTS: memref<?x?x?x?x32xf32>
// OPTS: arith.constant 50 : index
// OPTS-DAG: memref.alloca() {alignment = 64 : i64} : memref<52x64xf32>
// OPTS-DAG: memref.alloca() {alignment = 64 : i64} : memref<4x32xf32>
// OPTS: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
func.func @dense(%q: tensor<2x8x?x64xf32>, %k: tensor<2x8x?x64xf32>, %v: tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32>
  return %o : tensor<2x8x?x64xf32>
}

// -----

// Masks: a whole task-sized tile is tested first, then each block of rows; only
// partial blocks evaluate the mask per element, on i32 position vectors. GQA 8/2: kv head =
// head / 4. Soft-cap goes through the polynomial tanh (a division per score).
// CHECK-LABEL: func.func @causal_gqa_softcap
// CHECK: %[[RATIO:.*]] = arith.divui
// CHECK: memref.alloc({{.*}}) {alignment = 64 : i64} : memref<1x8x?x128xf32>
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %{{.*}}) in
// CHECK: arith.divui %[[H]], %[[RATIO]] : index
// CHECK: scf.for
// CHECK: arith.cmpi sle
// CHECK: scf.if
// CHECK: scf.for
// CHECK: arith.cmpi sle
// CHECK: scf.if
// CHECK: vector.fma
// CHECK: arith.divf {{.*}} : vector<16xf32>
// CHECK: scf.if
// CHECK: arith.cmpi sle, {{.*}} : vector<16xi32>
// CHECK: arith.select {{.*}} : vector<16xi1>, vector<16xf32>
func.func @causal_gqa_softcap(%q: tensor<1x8x?x128xf32>, %k: tensor<1x2x?x128xf32>, %v: tensor<1x2x?x128xf32>) -> tensor<1x8x?x128xf32> {
  %o = attn.attention mask #attn.mask<causal> softcap 30.0 ins(%q, %k, %v : tensor<1x8x?x128xf32>, tensor<1x2x?x128xf32>, tensor<1x2x?x128xf32>) -> tensor<1x8x?x128xf32>
  return %o : tensor<1x8x?x128xf32>
}

// -----

// Left for convert-attn-to-linalg: f64, linear attention the
// kernel does not take (quadratic order, softmax_features), and value head dims that
// are not whole vectors.
// CHECK-LABEL: func.func @unsupported
// CHECK: attn.attention ins({{.*}}) -> tensor<1x4x?x64xf64>
// CHECK: attn.attention feature #attn.feature<elu_plus_one> normalizer sum order quadratic
// CHECK: attn.attention feature #attn.feature<softmax_features> normalizer sum
// CHECK: attn.attention ins({{.*}}) -> tensor<1x4x?x72xf32>
// CHECK-NOT: vector.fma
func.func @unsupported(%q64: tensor<1x4x?x64xf64>, %q: tensor<1x4x?x64xf32>, %v72: tensor<1x4x?x72xf32>)
    -> (tensor<1x4x?x64xf64>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x72xf32>) {
  %0 = attn.attention ins(%q64, %q64, %q64 : tensor<1x4x?x64xf64>, tensor<1x4x?x64xf64>, tensor<1x4x?x64xf64>) -> tensor<1x4x?x64xf64>
  %1 = attn.attention feature #attn.feature<elu_plus_one> normalizer sum order quadratic ins(%q, %q, %q : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  %2 = attn.attention feature #attn.feature<softmax_features> normalizer sum ins(%q, %q, %q : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  %3 = attn.attention ins(%q, %q, %v72 : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x72xf32>) -> tensor<1x4x?x72xf32>
  return %0, %1, %2, %3 : tensor<1x4x?x64xf64>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x72xf32>
}

// -----

// Causal linear attention with a decay: one task per (batch, head); per chunk K^T is
// gathered, phi applied on vectors of keys, and the chunk's quadratic form, the
// outputs and the state update are register-blocked broadcast FMAs. The scratch is
// sized by the chunk and the feature/value dims only (no N x N buffer).
// CHECK-LABEL: func.func @linear_causal_decay
// CHECK: scf.forall
// CHECK-NOT: memref.alloc({{.*}}) {{.*}} : memref<?x?xf32>
// CHECK-DAG: memref.alloc() {alignment = 64 : i64} : memref<32x64xf32>
// CHECK-DAG: memref.alloc() {alignment = 64 : i64} : memref<64x32xf32>
// CHECK-DAG: memref.alloc() {alignment = 64 : i64} : memref<32x32xf32>
// CHECK: scf.for
// CHECK: memref.prefetch
// CHECK: vector.gather
// CHECK: vector.fma
// CHECK: vector.reduction <add>
// CHECK-NOT: memref<?x?xf32>
// AVX2-LABEL: func.func @linear_causal_decay
// AVX2: vector.fma {{.*}} : vector<8xf32>
func.func @linear_causal_decay(%q: tensor<1x4x?x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %o = attn.attention mask #attn.mask<causal> feature #attn.feature<elu_plus_one> normalizer sum decay [0.9, 0.95, 0.99, 1.0] order reassociated chunk 32
      ins(%q, %k, %v : tensor<1x4x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// -----

// Without a mask: one pass accumulates phi(K)^T V, a second applies it to the queries
// (no chunk-by-chunk quadratic form).
// CHECK-LABEL: func.func @linear_full_taylor2
// CHECK: scf.forall
// CHECK: memref<288x32xf32>
// CHECK-NOT: memref<64x64xf32>
// CHECK: return
func.func @linear_full_taylor2(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32> {
  %o = attn.attention feature #attn.feature<taylor2> normalizer sum order reassociated
      ins(%q, %k, %v : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  return %o : tensor<1x2x?x32xf32>
}

// -----

// BASED: a causal linear branch plus a sliding-window softmax branch, summed, become
// one kernel: (when sequences are split into parts, the parts' partial states and
// their combination first, under scf.if), then one task loop where the window's keys
// are gathered per chunk next to the linear state.
// CHECK-LABEL: func.func @based_hybrid
// CHECK-NOT: attn.attention
// CHECK-NOT: attn.map
// CHECK: scf.if
// CHECK: scf.forall
// CHECK: scf.forall
// CHECK: scf.forall
// CHECK-NOT: scf.forall
// CHECK: vector.reduction <maximumf>
// CHECK-NOT: attn.
// CHECK: return
func.func @based_hybrid(%ql: tensor<1x4x?x16xf32>, %q: tensor<1x4x?x64xf32>, %v: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %lin = attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2> normalizer sum scale 0.25
      ins(%ql, %ql, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  %win = attn.attention mask #attn.mask<and(causal, window(63, 0))>
      ins(%q, %q, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  %o = attn.map add %lin, %win : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// -----

// Not a causal band (the window looks 3 keys ahead): two kernels and the sum.
// CHECK-LABEL: func.func @hybrid_not_band
// CHECK: scf.forall
// CHECK: scf.forall
// CHECK: attn.map add
func.func @hybrid_not_band(%ql: tensor<1x4x?x16xf32>, %q: tensor<1x4x?x64xf32>, %v: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %lin = attn.attention mask #attn.mask<causal> feature #attn.feature<taylor2> normalizer sum scale 0.25
      ins(%ql, %ql, %v : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  %win = attn.attention mask #attn.mask<window(63, 3)>
      ins(%q, %q, %v : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  %o = attn.map add %lin, %win : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// -----

// Decoding (a static query length of at most 16): no K^T pack (no gather); one task per
// (batch, kv head, part of the keys) holding the 4 query heads' rows of its kv head, the
// parts' states in [slots x rows] buffers, q.k reduced from K's rows into a 4-tile
// (256-key) score buffer, then a second forall merging the parts per (batch, kv head).
// CHECK-LABEL: func.func @decode_gqa
// CHECK-NOT: vector.gather
// CHECK: %[[ACC:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK: %[[MAX:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?xf32>
// CHECK: %[[SUM:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x16xf32>
// CHECK: scf.forall ({{.*}}, {{.*}}, {{.*}}) in
// CHECK: memref.alloca_scope
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<4x64xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<4x256xf32>
// CHECK: vector.reduction <add>
// CHECK: vector.reduction <maxnumf>
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x8x1x64xf32>
// CHECK: scf.forall ({{.*}}, {{.*}}) in
// CHECK: memref.load %[[MAX]]
// CHECK: vector.store {{.*}}, %[[OUT]]
// NODECODE-LABEL: func.func @decode_gqa
// NODECODE: vector.gather
func.func @decode_gqa(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>) -> tensor<1x8x1x64xf32> {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x1x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}

// -----

// bf16 prefill. avx512 (no bf16 products): q/k/v widened to f32 by elementwise
// generics, the f32 kernel, the result narrowed back. avx512bf16: K^T packed as bf16
// pairs (a 16 x 16 transpose of 32-bit pairs in shuffles), V as interleaved key pairs,
// both products as vdpbf16ps, the weights rounded to bf16, the output rounded on store.
// amx: the same packs, 16 x 32 bf16 tiles, tdpbf16ps products into 16 x 16 f32 tiles.
// CHECK-LABEL: func.func @bf16_causal
// CHECK: linalg.generic
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK: vector.fma
// CHECK: arith.truncf {{.*}} : f32 to bf16
// BF16-LABEL: func.func @bf16_causal
// BF16-NOT: linalg.generic
// BF16: memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x?x?x32x128xbf16>
// BF16: vector.shuffle
// BF16: vector.interleave {{.*}} : vector<32xbf16> -> vector<64xbf16>
// BF16: x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// BF16: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
// BF16: x86vector.avx512.dot
// BF16: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
// BF16-NOT: vector.fma %{{.*}}bf16
// AMX-LABEL: func.func @bf16_causal
// AMX: memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x?x?x32x128xbf16>
// AMX: amx.tile_zero : !amx.tile<16x16xf32>
// AMX: amx.tile_load {{.*}} into !amx.tile<16x32xbf16>
// AMX: amx.tile_mulf {{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// AMX: amx.tile_store
// AMX: amx.tile_load {{.*}} into !amx.tile<16x16xf32>
// AMX: amx.tile_mulf
func.func @bf16_causal(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16> {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16>
  return %o : tensor<1x8x?x64xbf16>
}

// -----

// f16 has no products on these targets: widened for every target. Decoding shapes read
// 16-bit K and V in the decode kernel itself, never copied: widened in registers
// (avx512), or as pair products (avx512bf16: K rows against bf16 q, pairs of V rows
// interleaved).
// CHECK-LABEL: func.func @f16_prefill
// CHECK: arith.extf {{.*}} : f16 to f32
// BF16-LABEL: func.func @f16_prefill
// BF16: arith.extf {{.*}} : f16 to f32
// BF16-NOT: x86vector.avx512.dot
// AMX-LABEL: func.func @f16_prefill
// AMX-NOT: amx.tile_mulf
func.func @f16_prefill(%q: tensor<1x4x?x64xf16>, %k: tensor<1x4x?x64xf16>, %v: tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16> {
  %o = attn.attention ins(%q, %k, %v : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// -----

// CHECK-LABEL: func.func @bf16_decode
// CHECK-NOT: linalg.generic
// CHECK: vector.load {{.*}} : memref<1x2x?x64xbf16>, vector<16xbf16>
// CHECK: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
// CHECK: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
// BF16-LABEL: func.func @bf16_decode
// BF16-NOT: linalg.generic
// BF16: x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// BF16: vector.interleave {{.*}} : vector<16xbf16> -> vector<32xbf16>
// BF16: x86vector.avx512.dot
// AMX-LABEL: func.func @bf16_decode
// AMX-NOT: amx.tile_mulf
func.func @bf16_decode(%q: tensor<1x8x1x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>) -> tensor<1x8x1x64xbf16> {
  %o = attn.attention ins(%q, %k, %v : tensor<1x8x1x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x1x64xbf16>
  return %o : tensor<1x8x1x64xbf16>
}
