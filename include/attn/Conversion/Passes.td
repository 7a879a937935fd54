#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg"> {
  let summary = "Lower every attn op to linalg.generic on tensors";
  let description = [{
    The generic, always-correct path: each cascade op becomes one `linalg.generic`
    whose indexing maps come from its index notation; masks become a predicate on
    `linalg.index` values. Softmax `attn.attention` becomes query-tile x key-tile
    `scf.for` loops with an online softmax (running max, sum and accumulator; O(N)
    memory), or with `online-softmax=false` the unfused cascade (scores, row max, exp,
    row sum, weighted values); linear attention is the quadratic form. GQA is expressed
    by splitting the query heads into (kv head, group); rows where no key is visible
    are zeros. Vectorised micro-kernels come from other passes. A
    `linalg.softmax` left in the module is decomposed into generics on the way, so
    that attn-to-cpu accepts the linalg other front ends emit.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"onlineSoftmax", "online-softmax", "bool", /*default=*/"true",
           "Lower softmax attn.attention as query x key tile loops with an online "
           "softmax (no N x N buffer) instead of the materialised cascade">,
    Option<"queryTile", "q-tile", "int64_t", /*default=*/"64", "Query rows per tile">,
    Option<"keyTile", "kv-tile", "int64_t", /*default=*/"64", "Keys per tile">
  ];
}

def AttnBalanceParallelLoops : Pass<"attn-balance-parallel-loops"> {
  let summary = "Give OpenMP worksharing loops a dynamic schedule";
  let description = [{
    Query tiles of masked attention cost unequal work (under a causal mask the last
    tile sees every key, the first almost none), so the contiguous chunks of OpenMP's
    default static schedule leave threads idle. Every `omp.wsloop` without an explicit
    schedule gets `schedule(dynamic)`: tiles are large enough that the dispatch cost
    does not matter.
  }];
  let dependentDialects = ["::mlir::omp::OpenMPDialect"];
}

#endif // ATTN_CONVERSION_PASSES_TD
