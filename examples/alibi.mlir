// ALiBi (Press et al. 2022) as an arbitrary score modification: the region sees each
// score with its indices and adds -slope_h * (m - n), slope_h = 2^(-8 (h+1) / H).
// attn.modify is not raised: this runs through the generic path, checked against the
// reference like everything else.
//
//   attn-run examples/alibi.mlir --check
func.func @alibi(%q: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                 %k: tensor<1x8x?x64xf32> {attn.dims = "bhnd"},
                 %v: tensor<1x8x?x64xf32> {attn.dims = "bhnd"}) -> tensor<1x8x?x64xf32>
    attributes {attn.defaults = {n = 128}} {
  %s = attn.einsum "bhmd,bhnd->bhmn" %q, %k scale 0.125
      : (tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x?xf32>
  %biased = attn.modify %s "bhmn" {
  ^bb0(%x: f32, %b: index, %h: index, %m: index, %n: index):
    %c1 = arith.constant 1 : index
    %h1 = arith.addi %h, %c1 : index
    %hi = arith.index_cast %h1 : index to i64
    %hf = arith.sitofp %hi : i64 to f32
    %minus_one = arith.constant -1.0 : f32     // -8 / H
    %e = arith.mulf %hf, %minus_one : f32
    %slope = math.exp2 %e : f32
    %d = arith.subi %m, %n : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %bias = arith.mulf %slope, %df : f32
    %y = arith.subf %x, %bias : f32
    attn.yield %y : f32
  } : tensor<1x8x?x?xf32>
  %masked = attn.mask #attn.mask<causal> %biased "bhmn" query "m" key "n" : tensor<1x8x?x?xf32>
  %max = attn.reduce max "bhmn->bhm" %masked : tensor<1x8x?x?xf32> -> tensor<1x8x?xf32>
  %shifted = attn.map sub "bhmn,bhm->bhmn" %masked, %max
      : (tensor<1x8x?x?xf32>, tensor<1x8x?xf32>) -> tensor<1x8x?x?xf32>
  %e = attn.map exp %shifted : (tensor<1x8x?x?xf32>) -> tensor<1x8x?x?xf32>
  %sum = attn.reduce add "bhmn->bhm" %e : tensor<1x8x?x?xf32> -> tensor<1x8x?xf32>
  %p = attn.map div "bhmn,bhm->bhmn" %e, %sum
      : (tensor<1x8x?x?xf32>, tensor<1x8x?xf32>) -> tensor<1x8x?x?xf32>
  %o = attn.einsum "bhmn,bhnd->bhmd" %p, %v
      : (tensor<1x8x?x?xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}
