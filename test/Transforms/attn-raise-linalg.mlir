// RUN: attn-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(attn-raise-linalg),canonicalize)" | FileCheck %s

// The shape of an IREE / StableHLO-style lowering: named batch matmuls around
// linalg.softmax, K transposed by linalg.transpose, scale as an elementwise multiply.
// CHECK-LABEL: func.func @named_ops_softmax
// CHECK-SAME: (%[[Q:.*]]: tensor<8x128x64xf32>, %[[K:.*]]: tensor<8x128x64xf32>, %[[V:.*]]: tensor<8x128x64xf32>)
// CHECK: %[[Q4:.*]] = tensor.expand_shape %[[Q]]
// CHECK: %[[O:.*]] = attn.attention scale 1.250000e-01 ins(%[[Q4]], %{{.*}}, %{{.*}} : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) -> tensor<1x8x128x64xf32>
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[O]]
// CHECK-NEXT: return %[[R]]
// CHECK-NOT: linalg.
func.func @named_ops_softmax(%q: tensor<8x128x64xf32>, %k: tensor<8x128x64xf32>, %v: tensor<8x128x64xf32>) -> tensor<8x128x64xf32> {
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.125 : f32
  %kt_init = tensor.empty() : tensor<8x64x128xf32>
  %kt = linalg.transpose ins(%k : tensor<8x128x64xf32>) outs(%kt_init : tensor<8x64x128xf32>) permutation = [0, 2, 1]
  %s_init = tensor.empty() : tensor<8x128x128xf32>
  %s_zero = linalg.fill ins(%zero : f32) outs(%s_init : tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<8x128x64xf32>, tensor<8x64x128xf32>) outs(%s_zero : tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
  %scaled = linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, c)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<8x128x128xf32>) outs(%s_init : tensor<8x128x128xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<8x128x128xf32>
  %p = linalg.softmax dimension(2) ins(%scaled : tensor<8x128x128xf32>) outs(%s_init : tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
  %o_init = tensor.empty() : tensor<8x128x64xf32>
  %o_zero = linalg.fill ins(%zero : f32) outs(%o_init : tensor<8x128x64xf32>) -> tensor<8x128x64xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<8x128x128xf32>, tensor<8x128x64xf32>) outs(%o_zero : tensor<8x128x64xf32>) -> tensor<8x128x64xf32>
  return %o : tensor<8x128x64xf32>
}

// -----

// The shape of torch-mlir's decomposed scaled_dot_product_attention(is_causal=True):
// generic contractions on [B, H, S, D], division by sqrt(D), a causal mask materialised
// with linalg.index / arith.cmpi and added, and softmax as max / exp(x - max) / sum / div
// with torch's lowest-float max initialiser.
#id4 = affine_map<(b, h, m, n) -> (b, h, m, n)>
#row4 = affine_map<(b, h, m, n) -> (b, h, m)>
// CHECK-LABEL: func.func @torch_sdpa_causal
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x64x32xf32>, %[[K:.*]]: tensor<1x4x64x32xf32>, %[[V:.*]]: tensor<1x4x64x32xf32>)
// CHECK-NEXT: %[[O:.*]] = attn.attention mask #attn.mask<causal> scale 0.1767766{{[0-9]+}} ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x64x32xf32>, tensor<1x4x64x32xf32>, tensor<1x4x64x32xf32>) -> tensor<1x4x64x32xf32>
// CHECK-NEXT: return %[[O]]
func.func @torch_sdpa_causal(%q: tensor<1x4x64x32xf32>, %k: tensor<1x4x64x32xf32>, %v: tensor<1x4x64x32xf32>) -> tensor<1x4x64x32xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347E+38 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %sqrt_d = arith.constant 5.65685415 : f32
  %kt_init = tensor.empty() : tensor<1x4x32x64xf32>
  %kt = linalg.generic {indexing_maps = [affine_map<(b, h, d, n) -> (b, h, n, d)>, affine_map<(b, h, d, n) -> (b, h, d, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k : tensor<1x4x64x32xf32>) outs(%kt_init : tensor<1x4x32x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  } -> tensor<1x4x32x64xf32>
  %s_init = tensor.empty() : tensor<1x4x64x64xf32>
  %s_zero = linalg.fill ins(%zero : f32) outs(%s_init : tensor<1x4x64x64xf32>) -> tensor<1x4x64x64xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, d, n)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<1x4x64x32xf32>, tensor<1x4x32x64xf32>) outs(%s_zero : tensor<1x4x64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64x64xf32>
  %scaled = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x4x64x64xf32>) outs(%s_init : tensor<1x4x64x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.divf %x, %sqrt_d : f32
    linalg.yield %y : f32
  } -> tensor<1x4x64x64xf32>
  %mask = linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%s_init : tensor<1x4x64x64xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %i64 = arith.index_cast %i : index to i64
    %j64 = arith.index_cast %j : index to i64
    %keep = arith.cmpi sge, %i64, %j64 : i64
    %m = arith.select %keep, %zero, %ninf : f32
    linalg.yield %m : f32
  } -> tensor<1x4x64x64xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%scaled, %mask : tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>) outs(%s_init : tensor<1x4x64x64xf32>) {
  ^bb0(%x: f32, %m: f32, %out: f32):
    %y = arith.addf %x, %m : f32
    linalg.yield %y : f32
  } -> tensor<1x4x64x64xf32>
  %r_init = tensor.empty() : tensor<1x4x64xf32>
  %r_lowest = linalg.fill ins(%lowest : f32) outs(%r_init : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %max = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%masked : tensor<1x4x64x64xf32>) outs(%r_lowest : tensor<1x4x64xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.maximumf %acc, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x4x64xf32>
  %e = linalg.generic {indexing_maps = [#id4, #row4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%masked, %max : tensor<1x4x64x64xf32>, tensor<1x4x64xf32>) outs(%s_init : tensor<1x4x64x64xf32>) {
  ^bb0(%x: f32, %mx: f32, %out: f32):
    %d = arith.subf %x, %mx : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<1x4x64x64xf32>
  %r_zero = linalg.fill ins(%zero : f32) outs(%r_init : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %sum = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%e : tensor<1x4x64x64xf32>) outs(%r_zero : tensor<1x4x64xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  } -> tensor<1x4x64xf32>
  %p = linalg.generic {indexing_maps = [#id4, #row4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%e, %sum : tensor<1x4x64x64xf32>, tensor<1x4x64xf32>) outs(%s_init : tensor<1x4x64x64xf32>) {
  ^bb0(%x: f32, %l: f32, %out: f32):
    %y = arith.divf %x, %l : f32
    linalg.yield %y : f32
  } -> tensor<1x4x64x64xf32>
  %o_init = tensor.empty() : tensor<1x4x64x32xf32>
  %o_zero = linalg.fill ins(%zero : f32) outs(%o_init : tensor<1x4x64x32xf32>) -> tensor<1x4x64x32xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x4x64x64xf32>, tensor<1x4x64x32xf32>) outs(%o_zero : tensor<1x4x64x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %pr = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %pr : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64x32xf32>
  return %o : tensor<1x4x64x32xf32>
}

// -----

// Two matmuls without a softmax between them are not attention: untouched.
// CHECK-LABEL: func.func @matmul_chain
// CHECK-NOT: attn.
// CHECK: linalg.matmul
// CHECK: linalg.matmul
func.func @matmul_chain(%a: tensor<16x8xf32>, %b: tensor<8x16xf32>, %c: tensor<16x4xf32>) -> tensor<16x4xf32> {
  %zero = arith.constant 0.0 : f32
  %i0 = tensor.empty() : tensor<16x16xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%i0 : tensor<16x16xf32>) -> tensor<16x16xf32>
  %ab = linalg.matmul ins(%a, %b : tensor<16x8xf32>, tensor<8x16xf32>) outs(%z0 : tensor<16x16xf32>) -> tensor<16x16xf32>
  %i1 = tensor.empty() : tensor<16x4xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%i1 : tensor<16x4xf32>) -> tensor<16x4xf32>
  %abc = linalg.matmul ins(%ab, %c : tensor<16x16xf32>, tensor<16x4xf32>) outs(%z1 : tensor<16x4xf32>) -> tensor<16x4xf32>
  return %abc : tensor<16x4xf32>
}

// -----

// Softmax over the wrong axis (over queries) is not attention: untouched.
// CHECK-LABEL: func.func @softmax_wrong_axis
// CHECK-NOT: attn.
// CHECK: linalg.softmax dimension(1)
func.func @softmax_wrong_axis(%q: tensor<8x128x64xf32>, %kt: tensor<8x64x128xf32>, %v: tensor<8x128x64xf32>) -> tensor<8x128x64xf32> {
  %zero = arith.constant 0.0 : f32
  %s_init = tensor.empty() : tensor<8x128x128xf32>
  %s_zero = linalg.fill ins(%zero : f32) outs(%s_init : tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<8x128x64xf32>, tensor<8x64x128xf32>) outs(%s_zero : tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<8x128x128xf32>) outs(%s_init : tensor<8x128x128xf32>) -> tensor<8x128x128xf32>
  %o_init = tensor.empty() : tensor<8x128x64xf32>
  %o_zero = linalg.fill ins(%zero : f32) outs(%o_init : tensor<8x128x64xf32>) -> tensor<8x128x64xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<8x128x128xf32>, tensor<8x128x64xf32>) outs(%o_zero : tensor<8x128x64xf32>) -> tensor<8x128x64xf32>
  return %o : tensor<8x128x64xf32>
}

// -----

// torch-mlir's aten.matmul on [B, H, S, D] flattens batch and heads around
// linalg.batch_matmul (collapse_shape before, expand_shape after); here the scale is
// applied to q before the product and the softmax is linalg.softmax on dimension 3.
// CHECK-LABEL: func.func @torch_matmul_reshapes
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x32x16xf32>, %[[K:.*]]: tensor<2x4x32x16xf32>, %[[V:.*]]: tensor<2x4x32x16xf32>)
// CHECK-NEXT: %[[O:.*]] = attn.attention scale 2.500000e-01 ins(%[[Q]], %[[K]], %[[V]] : tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @torch_matmul_reshapes(%q: tensor<2x4x32x16xf32>, %k: tensor<2x4x32x16xf32>, %v: tensor<2x4x32x16xf32>) -> tensor<2x4x32x16xf32> {
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.25 : f32
  %qs_init = tensor.empty() : tensor<2x4x32x16xf32>
  %qs = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<2x4x32x16xf32>) outs(%qs_init : tensor<2x4x32x16xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<2x4x32x16xf32>
  %kt_init = tensor.empty() : tensor<2x4x16x32xf32>
  %kt = linalg.transpose ins(%k : tensor<2x4x32x16xf32>) outs(%kt_init : tensor<2x4x16x32xf32>) permutation = [0, 1, 3, 2]
  %q3 = tensor.collapse_shape %qs [[0, 1], [2], [3]] : tensor<2x4x32x16xf32> into tensor<8x32x16xf32>
  %k3 = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<2x4x16x32xf32> into tensor<8x16x32xf32>
  %s_init = tensor.empty() : tensor<8x32x32xf32>
  %s_zero = linalg.fill ins(%zero : f32) outs(%s_init : tensor<8x32x32xf32>) -> tensor<8x32x32xf32>
  %s3 = linalg.batch_matmul ins(%q3, %k3 : tensor<8x32x16xf32>, tensor<8x16x32xf32>) outs(%s_zero : tensor<8x32x32xf32>) -> tensor<8x32x32xf32>
  %s = tensor.expand_shape %s3 [[0, 1], [2], [3]] output_shape [2, 4, 32, 32] : tensor<8x32x32xf32> into tensor<2x4x32x32xf32>
  %p_init = tensor.empty() : tensor<2x4x32x32xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<2x4x32x32xf32>) outs(%p_init : tensor<2x4x32x32xf32>) -> tensor<2x4x32x32xf32>
  %p3 = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<2x4x32x32xf32> into tensor<8x32x32xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x4x32x16xf32> into tensor<8x32x16xf32>
  %o_init = tensor.empty() : tensor<8x32x16xf32>
  %o_zero = linalg.fill ins(%zero : f32) outs(%o_init : tensor<8x32x16xf32>) -> tensor<8x32x16xf32>
  %o3 = linalg.batch_matmul ins(%p3, %v3 : tensor<8x32x32xf32>, tensor<8x32x16xf32>) outs(%o_zero : tensor<8x32x16xf32>) -> tensor<8x32x16xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [2, 4, 32, 16] : tensor<8x32x16xf32> into tensor<2x4x32x16xf32>
  return %o : tensor<2x4x32x16xf32>
}

// -----

// A boolean causal mask materialised by one generic (cmpi on linalg.index) and applied
// with select(mask, scores, -inf) in another; K^T through the batch_matmul's own
// indexing maps; softmax without max subtraction.
#id3 = affine_map<(a, b, c) -> (a, b, c)>
#row3 = affine_map<(a, b, c) -> (a, b)>
#mask3 = affine_map<(a, b, c) -> (b, c)>
// CHECK-LABEL: func.func @boolean_mask_select
// CHECK: attn.attention mask #attn.mask<causal> scale 1.000000e+00 ins(
// CHECK-NOT: linalg.generic
func.func @boolean_mask_select(%q: tensor<4x16x8xf32>, %k: tensor<4x16x8xf32>, %v: tensor<4x16x8xf32>) -> tensor<4x16x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %b_init = tensor.empty() : tensor<16x16xi1>
  %allowed = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]}
      outs(%b_init : tensor<16x16xi1>) {
  ^bb0(%out: i1):
    %m = linalg.index 0 : index
    %n = linalg.index 1 : index
    %c = arith.cmpi ule, %n, %m : index
    linalg.yield %c : i1
  } -> tensor<16x16xi1>
  %s_init = tensor.empty() : tensor<4x16x16xf32>
  %s_zero = linalg.fill ins(%zero : f32) outs(%s_init : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, d) -> (b, m, d)>, affine_map<(b, m, n, d) -> (b, n, d)>, affine_map<(b, m, n, d) -> (b, m, n)>]
      ins(%q, %k : tensor<4x16x8xf32>, tensor<4x16x8xf32>) outs(%s_zero : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  %masked = linalg.generic {indexing_maps = [#id3, #mask3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %allowed : tensor<4x16x16xf32>, tensor<16x16xi1>) outs(%s_init : tensor<4x16x16xf32>) {
  ^bb0(%x: f32, %ok: i1, %out: f32):
    %y = arith.select %ok, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<4x16x16xf32>
  %e = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%masked : tensor<4x16x16xf32>) outs(%s_init : tensor<4x16x16xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<4x16x16xf32>
  %r_init = tensor.empty() : tensor<4x16xf32>
  %r_zero = linalg.fill ins(%zero : f32) outs(%r_init : tensor<4x16xf32>) -> tensor<4x16xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%e : tensor<4x16x16xf32>) outs(%r_zero : tensor<4x16xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %acc, %x : f32
    linalg.yield %y : f32
  } -> tensor<4x16xf32>
  %p = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%e, %sum : tensor<4x16x16xf32>, tensor<4x16xf32>) outs(%s_init : tensor<4x16x16xf32>) {
  ^bb0(%x: f32, %l: f32, %out: f32):
    %y = arith.divf %x, %l : f32
    linalg.yield %y : f32
  } -> tensor<4x16x16xf32>
  %o_init = tensor.empty() : tensor<4x16x8xf32>
  %o_zero = linalg.fill ins(%zero : f32) outs(%o_init : tensor<4x16x8xf32>) -> tensor<4x16x8xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x16x16xf32>, tensor<4x16x8xf32>) outs(%o_zero : tensor<4x16x8xf32>) -> tensor<4x16x8xf32>
  return %o : tensor<4x16x8xf32>
}
