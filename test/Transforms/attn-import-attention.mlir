// RUN: attn-opt %s --allow-unregistered-dialect -split-input-file --attn-import-attention | FileCheck %s
// RUN: attn-opt %s --allow-unregistered-dialect -split-input-file --attn-import-attention --mlir-print-op-generic | attn-opt --allow-unregistered-dialect --attn-import-attention | FileCheck %s --check-prefix=ROUNDTRIP

// IREE's op as `iree-opt --mlir-print-op-generic` prints it: maps in properties, BHSD.
// CHECK-LABEL: func.func @iree_bhsd
// CHECK-NOT: iree_linalg_ext
// CHECK: %[[O:.+]] = attn.attention scale 1.250000e-01 ins(%arg0, %arg1, %arg2 : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x32xf32>) -> tensor<2x4x?x32xf32>
// CHECK: return %[[O]]
// ROUNDTRIP-LABEL: func.func @iree_bhsd
// ROUNDTRIP: attn.attention
func.func @iree_bhsd(%q: tensor<2x4x?x64xf32>, %k: tensor<2x4x?x64xf32>, %v: tensor<2x4x?x32xf32>, %out: tensor<2x4x?x32xf32>) -> tensor<2x4x?x32xf32> {
  %scale = arith.constant 0.125 : f32
  %0 = "iree_linalg_ext.attention"(%q, %k, %v, %scale, %out) <{indexing_maps = [
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d4)>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3)>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> ()>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>]}> ({
  ^bb0(%s: f32):
    "iree_linalg_ext.yield"(%s) : (f32) -> ()
  }) : (tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x32xf32>, f32, tensor<2x4x?x32xf32>) -> tensor<2x4x?x32xf32>
  return %0 : tensor<2x4x?x32xf32>
}

// -----

// BSHD (what torch's [B, S, H, D] tensors give without a transpose), maps as a plain
// attribute: transposes in, attention, transpose out.
// CHECK-LABEL: func.func @iree_bshd
// CHECK-DAG: linalg.transpose ins(%arg0 : tensor<1x50x4x32xf32>) {{.*}} permutation = [0, 2, 1, 3]
// CHECK-DAG: linalg.transpose ins(%arg1 : tensor<1x70x4x32xf32>) {{.*}} permutation = [0, 2, 1, 3]
// CHECK: %[[O:.+]] = attn.attention scale 5.000000e-01
// CHECK: linalg.transpose ins(%[[O]] : tensor<1x4x50x32xf32>) {{.*}} permutation = [0, 2, 1, 3]
func.func @iree_bshd(%q: tensor<1x50x4x32xf32>, %k: tensor<1x70x4x32xf32>, %v: tensor<1x70x4x32xf32>, %out: tensor<1x50x4x32xf32>) -> tensor<1x50x4x32xf32> {
  %scale = arith.constant 0.5 : f32
  %0 = "iree_linalg_ext.attention"(%q, %k, %v, %scale, %out) ({
  ^bb0(%s: f32):
    "iree_linalg_ext.yield"(%s) : (f32) -> ()
  }) {indexing_maps = [
      affine_map<(b, h, m, n, k1, k2) -> (b, m, h, k1)>,
      affine_map<(b, h, m, n, k1, k2) -> (b, k2, h, k1)>,
      affine_map<(b, h, m, n, k1, k2) -> (b, k2, h, n)>,
      affine_map<(b, h, m, n, k1, k2) -> ()>,
      affine_map<(b, h, m, n, k1, k2) -> (b, m, h, n)>]} : (tensor<1x50x4x32xf32>, tensor<1x70x4x32xf32>, tensor<1x70x4x32xf32>, f32, tensor<1x50x4x32xf32>) -> tensor<1x50x4x32xf32>
  return %0 : tensor<1x50x4x32xf32>
}

// -----

// A boolean mask broadcast over heads: 0 / -inf in f32, expanded to [B, 1, M, N], added
// by the score_mod region (attn.read clamps the unit head index).
// CHECK-LABEL: func.func @iree_bool_mask
// CHECK: tensor.expand_shape %arg3 {{.*}} into tensor<2x1x16x24xi1>
// CHECK: %[[BIAS:.+]] = linalg.generic
// CHECK:   %[[NEG:.+]] = arith.constant 0xFF800000 : f32
// CHECK:   arith.select %{{.+}}, %{{.+}}, %[[NEG]] : f32
// CHECK: attn.attention scale 2.500000e-01 captures(%[[BIAS]] : tensor<2x1x16x24xf32>) score_mod {
// CHECK: ^bb0(%[[S:.+]]: f32, %[[B:.+]]: index, %[[H:.+]]: index, %[[I:.+]]: index, %[[J:.+]]: index, %{{.+}}: index, %[[T:.+]]: tensor<2x1x16x24xf32>):
// CHECK:   %[[X:.+]] = attn.read %[[T]][%[[B]], %[[H]], %[[I]], %[[J]]]
// CHECK:   %[[R:.+]] = arith.addf %[[S]], %[[X]] : f32
// CHECK:   attn.yield %[[R]] : f32
func.func @iree_bool_mask(%q: tensor<2x3x16x32xf32>, %k: tensor<2x3x24x32xf32>, %v: tensor<2x3x24x32xf32>, %mask: tensor<2x16x24xi1>, %out: tensor<2x3x16x32xf32>) -> tensor<2x3x16x32xf32> {
  %scale = arith.constant 0.25 : f32
  %0 = "iree_linalg_ext.attention"(%q, %k, %v, %scale, %mask, %out) <{indexing_maps = [
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4)>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d4)>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d5, d3)>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> ()>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d5)>,
      affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>]}> ({
  ^bb0(%s: f32):
    "iree_linalg_ext.yield"(%s) : (f32) -> ()
  }) : (tensor<2x3x16x32xf32>, tensor<2x3x24x32xf32>, tensor<2x3x24x32xf32>, f32, tensor<2x16x24xi1>, tensor<2x3x16x32xf32>) -> tensor<2x3x16x32xf32>
  return %0 : tensor<2x3x16x32xf32>
}

// -----

// One batch dim ([B*H, S, D]): a unit batch is added and removed.
// CHECK-LABEL: func.func @iree_3d
// CHECK: tensor.expand_shape %arg0 {{.*}} into tensor<1x6x64x32xf16>
// CHECK: attn.attention scale 1.250000e-01 {{.*}} -> tensor<1x6x64x32xf16>
// CHECK: tensor.collapse_shape {{.*}} into tensor<6x64x32xf16>
func.func @iree_3d(%q: tensor<6x64x32xf16>, %k: tensor<6x80x32xf16>, %v: tensor<6x80x32xf16>, %out: tensor<6x64x32xf16>) -> tensor<6x64x32xf16> {
  %scale = arith.constant 0.125 : f16
  %0 = "iree_linalg_ext.attention"(%q, %k, %v, %scale, %out) <{indexing_maps = [
      affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3)>,
      affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d3)>,
      affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2)>,
      affine_map<(d0, d1, d2, d3, d4) -> ()>,
      affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>]}> ({
  ^bb0(%s: f32):
    "iree_linalg_ext.yield"(%s) : (f32) -> ()
  }) : (tensor<6x64x32xf16>, tensor<6x80x32xf16>, tensor<6x80x32xf16>, f16, tensor<6x64x32xf16>) -> tensor<6x64x32xf16>
  return %0 : tensor<6x64x32xf16>
}

// -----

// torch-mlir's op: [..., N, D], scale 1/sqrt(D) (attn.attention's default), a float mask.
// CHECK-LABEL: func.func @tm_tensor_float_mask
// CHECK: attn.attention captures(%arg3 : tensor<2x3x10x12xf32>) score_mod
// CHECK-NOT: scale
// CHECK: -> tensor<2x3x10x8xf32>
func.func @tm_tensor_float_mask(%q: tensor<2x3x10x16xf32>, %k: tensor<2x3x12x16xf32>, %v: tensor<2x3x12x8xf32>, %mask: tensor<2x3x10x12xf32>, %out: tensor<2x3x10x8xf32>) -> tensor<2x3x10x8xf32> {
  %0 = "tm_tensor.attention"(%q, %k, %v, %mask, %out) <{operandSegmentSizes = array<i32: 4, 1>}> : (tensor<2x3x10x16xf32>, tensor<2x3x12x16xf32>, tensor<2x3x12x8xf32>, tensor<2x3x10x12xf32>, tensor<2x3x10x8xf32>) -> tensor<2x3x10x8xf32>
  return %0 : tensor<2x3x10x8xf32>
}

// -----

// Other unregistered ops are left alone.
// CHECK-LABEL: func.func @not_attention
// CHECK: "other.attention"
// CHECK-NOT: attn.attention
func.func @not_attention(%q: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = "other.attention"(%q) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}
