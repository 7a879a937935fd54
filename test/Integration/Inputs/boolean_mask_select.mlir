// (Copied from test/Transforms/attn-raise-linalg.mlir.)
// A boolean causal mask materialised by one generic (cmpi on linalg.index) and applied
// with select(mask, scores, -inf) in another; K^T through the batch_matmul's own
// indexing maps; softmax without max subtraction.
#id3 = affine_map<(a, b, c) -> (a, b, c)>
#row3 = affine_map<(a, b, c) -> (a, b)>
#mask3 = affine_map<(a, b, c) -> (b, c)>
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
