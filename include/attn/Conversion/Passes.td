#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg"> {
  let summary = "Lower every attn op to linalg.generic on tensors";
  let description = [{
    The generic, always-correct path: each cascade op becomes one `linalg.generic`
    whose indexing maps come from its index notation; masks become a predicate on
    `linalg.index` values; `attn.attention` becomes the unfused cascade (scores,
    row max, exp, row sum, weighted values) with GQA expressed by splitting the query
    heads into (kv head, group) and with zero rows where no key is visible. Score
    matrices are materialised: the fused kernels come from other passes. A
    `linalg.softmax` left in the module is decomposed into generics on the way, so
    that attn-to-cpu accepts the linalg other front ends emit.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

#endif // ATTN_CONVERSION_PASSES_TD
