// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu | FileCheck %s
// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu="warps=2 kv-tile=32" | FileCheck %s --check-prefix=TILES
// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu="async-copy=false" | FileCheck %s --check-prefix=SYNC


// Causal GQA in f16: one block of 4 warps per (64 query rows, head, batch); Q, K and V
// tiles in shared memory; ldmatrix fragments, m16n8k16 MMAs with f32 accumulators;
// the quad shuffles of the online softmax; tiles classified by the mask.
// CHECK-LABEL: func.func @causal_gqa
// CHECK: %[[Q:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK: %[[O:.*]] = gpu.alloc (%{{.*}}) : memref<1x8x?x64xf16>
// CHECK: %[[QBLOCKS:.*]] = arith.ceildivui %{{.*}}, %c64
// CHECK: gpu.launch_func @attn_kernels::@attention_0 blocks in (%[[QBLOCKS]], %{{.*}}, %{{.*}}) threads in (%c128, %c1{{.*}}, %c1{{.*}}) args(%[[Q]] : memref<1x8x?x64xf16>, %{{.*}} : memref<1x2x?x64xf16>, %{{.*}} : memref<1x2x?x64xf16>, %[[O]] : memref<1x8x?x64xf16>)
// CHECK: bufferization.to_tensor %[[O]]
// CHECK: gpu.module @attn_kernels
// f16 inputs: K and V double-buffered ([2][Bc][D]) with cp.async; the next tile's
// copies are issued before waiting for the current one (at most one group pending).
// CHECK: gpu.func @attention_0({{.*}}) workgroup(%{{.*}} : memref<64x64xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x64x64xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x64x64xf16, #gpu.address_space<workgroup>>) kernel
// CHECK: gpu.barrier
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x64xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK: nvgpu.device_async_copy
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for
// CHECK: nvgpu.device_async_copy %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}], 8, %{{.*}} : memref<1x2x?x64xf16> to memref<2x64x64xf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 2 : i32, transpose = false}
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: gpu.shuffle xor
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 2 : i32, transpose = true}
// CHECK: gpu.return
// SYNC-LABEL: func.func @causal_gqa
// SYNC-NOT: nvgpu.device_async_copy
// SYNC: workgroup(%{{.*}} : memref<64x64xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x64xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x64xf16, #gpu.address_space<workgroup>>)
// TILES-LABEL: func.func @causal_gqa
// TILES: arith.ceildivui %{{.*}}, %c32
// TILES: threads in (%c64
// TILES: workgroup(%{{.*}} : memref<32x64xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x32x64xf16, #gpu.address_space<workgroup>>
func.func @causal_gqa(%q: tensor<1x8x?x64xf16>, %k: tensor<1x2x?x64xf16>, %v: tensor<1x2x?x64xf16>) -> tensor<1x8x?x64xf16> {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>) -> tensor<1x8x?x64xf16>
  return %o : tensor<1x8x?x64xf16>
}

// -----

// f32 inputs are converted to f16 while staged (synchronously); the result is stored
// as f32.
// CHECK-LABEL: func.func @f32_softcap
// CHECK: gpu.func @attention_0
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: arith.truncf {{.*}} : vector<8xf32> to vector<8xf16>
// CHECK: nvgpu.mma.sync
// CHECK: vector.store {{.*}} : memref<1x4x?x32xf32>, vector<2xf32>
func.func @f32_softcap(%q: tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32> {
  %o = attn.attention softcap 30.0 ins(%q, %q, %q : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// -----

// Run-time documents and block layouts: the kernel takes the mask operands after the
// output; tiles are classified from segment-id ranges and layout entries it loads.
// CHECK-LABEL: func.func @documents_layout
// CHECK: gpu.launch_func @attn_kernels::@attention_0 {{.*}} args(%{{.*}} : memref<1x4x?x64xf16>, %{{.*}} : memref<1x4x?x64xf16>, %{{.*}} : memref<1x4x?x64xf16>, %{{.*}} : memref<1x4x?x64xf16>, %{{.*}} : memref<1x?xi32>, %{{.*}} : memref<1x4x?x?xi32>)
// CHECK: gpu.func @attention_0({{.*}}, %[[SEG:.*]]: memref<1x?xi32>, %[[LAYOUT:.*]]: memref<1x4x?x?xi32>)
// CHECK: memref.load %[[SEG]]
// CHECK: memref.load %[[LAYOUT]]
func.func @documents_layout(%q: tensor<1x4x?x64xf16>, %s: tensor<1x?xi32>, %l: tensor<1x4x?x?xi32>) -> tensor<1x4x?x64xf16> {
  %o = attn.attention mask #attn.mask<and(causal, or(document(0), blocks(1, 32, 64)))> mask_operands(%s, %l : tensor<1x?xi32>, tensor<1x4x?x?xi32>)
      ins(%q, %q, %q : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}

// -----

// A log-sum-exp result: one more kernel argument (after the captures), written by the
// first lane of each quad (m ln 2 + log l, -inf for rows without a key), and a second
// device buffer returned beside the output.
// CHECK-LABEL: func.func @lse
// CHECK: %[[LSE:.*]] = gpu.alloc  (%{{.*}}) : memref<1x4x?xf32>
// CHECK: gpu.launch_func  @attn_kernels::@attention_0 {{.*}} args({{.*}}, %[[LSE]] : memref<1x4x?xf32>)
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[LSE]]
// CHECK: return %{{.*}}, %[[T]]
// CHECK: gpu.func @attention_0({{.*}}, %{{.*}}: memref<1x4x?xf32>)
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x4x?xf32>
func.func @lse(%q: tensor<1x4x?x64xf16>) -> (tensor<1x4x?x64xf16>, tensor<1x4x?xf32>) {
  %o, %l = attn.attention ins(%q, %q, %q : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>)
      -> tensor<1x4x?x64xf16>, tensor<1x4x?xf32>
  return %o, %l : tensor<1x4x?x64xf16>, tensor<1x4x?xf32>
}
