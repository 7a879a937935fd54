// (Copied from test/Transforms/attn-raise-linalg.mlir.)
// torch-mlir's aten.matmul on [B, H, S, D] flattens batch and heads around
// linalg.batch_matmul (collapse_shape before, expand_shape after); here the scale is
// applied to q before the product and the softmax is linalg.softmax on dimension 3.
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
