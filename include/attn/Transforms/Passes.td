#ifndef ATTN_TRANSFORMS_PASSES_TD
#define ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnRaiseCascade : Pass<"attn-raise-cascade"> {
  let summary = "Recognise softmax attention cascades and raise them to attn.attention";
  let description = [{
    Finds `softmax(mask(softcap(scale * Q K^T))) V` written as attn cascade ops, with
    the division either before or after the value contraction and with or without the
    max subtraction, and replaces it by one `attn.attention` (reshaping batch/head
    letters into its [B, H, N, D] layout; grouped letters of the query become GQA).
    The roles come from the index letters: the contracted letter of Q K^T is the head
    dimension, the letter only Q has is the query sequence, the letter only K has is
    the key sequence.

    Linear attention written in its quadratic order is raised too: weights
    `einsum(feature(q'), feature(k))` (the same map on both sides, `q'` possibly scaled:
    the op's scale), optionally masked with zero fill, times V, divided by the row sums
    before or after the value contraction (`normalizer sum`) or not at all (`none`).
    The evaluation order is then the cost model's (attn-reassociate-linear).

    Anything that does not match is left unchanged and still lowers through the generic
    path. Raising is a refinement at one point: a row whose keys are all masked is NaN
    in the literal cascade and zeros in `attn.attention`.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AttnImportIreeFunctions : Pass<"attn-import-iree-functions", "::mlir::ModuleOp"> {
  let summary = "Rewrite IREE's util.func functions (input or ABI phase) into func.func";
  let description = [{
    IREE's `--compile-to=input` output holds `util.func` / `util.return` (generic form,
    unregistered here); `--compile-to=abi` adds `!hal.buffer_view` arguments and
    results with `hal.tensor.import` / `hal.tensor.export` at the boundary. Each
    `util.func` becomes a `func.func` of the same name and visibility over tensors:
    an argument whose only use is a `hal.tensor.import` takes the imported tensor
    type, a result produced by `hal.tensor.export` returns the exported tensor. The
    import attributes (names, encodings) are dropped: attn-mlir reads and writes
    row-major host tensors. Functions with other boundary types get a located error.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def AttnImportAttention : Pass<"attn-import-attention", "::mlir::func::FuncOp"> {
  let summary = "Rewrite IREE's iree_linalg_ext.attention and torch-mlir's "
                "tm_tensor.attention into attn.attention";
  let description = [{
    The attention ops other compilers emit for `scaled_dot_product_attention`, read
    as unregistered operations in MLIR's generic form (attn-opt
    `--allow-unregistered-dialect`; attn-run accepts them):

    - `"iree_linalg_ext.attention"(%q, %k, %v, %scale, [%mask,] %out)` with
      `indexing_maps` (properties or attributes): the dimension roles come from the
      maps (batch: in Q, K, V and O; the query sequence: Q and O; the head dim: Q and K;
      the key sequence: K and V; the value dim: V and O), operands in other orders are
      transposed, `%scale` must be a constant, the region must yield its score
      unchanged.
    - `"tm_tensor.attention"(%q, %k, %v, [%mask,] %out)`: `[..., N, D]` operands, scale
      `1/sqrt(D)`.

    Batch dims become attn.attention's [B, H] (more than two are collapsed into B; at
    most one of the collapsed ones dynamic). A mask (`[batch..., Nq, Nk]`, batch dims
    possibly broadcast) is added to the scores by a score_mod region reading it as a
    captured tensor: a float mask as is, a boolean one (true: the pair takes part) as 0
    / -inf. Anything else gets a located error.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect"];
}

def AttnRaiseLinalg : Pass<"attn-raise-linalg", "::mlir::func::FuncOp"> {
  let summary = "Find softmax attention in linalg IR and rewrite it into attn.attention";
  let description = [{
    For the IR other front ends produce (torch-mlir, IREE, StableHLO pipelines): matmul,
    batch_matmul, transpose and `linalg.generic` contractions around `linalg.softmax` or
    its decomposed max/sub/exp/sum/div form, with the scale before or after, and masks
    written as a select on `linalg.index` comparisons or added as a materialised 0/-inf
    tensor (a causal mask built from `linalg.index` and `arith.cmpi` becomes
    `#attn.mask<causal>`).

    Each candidate is tried in a sandbox: its backward slice is copied into a scratch
    function, named ops are generalised, every `linalg.generic` is lifted to the attn
    op its indexing maps and body describe, and `attn-raise-cascade` runs. Only when
    that yields a single `attn.attention` is the result copied back; anything else is
    left untouched.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AttnPrintKeyPasses : Pass<"attn-print-key-passes", "::mlir::func::FuncOp"> {
  let summary = "Report how many passes over the key axis a cascade needs, as written "
                "and after attn-raise-cascade (FuseMax's pass analysis)";
  let description = [{
    Emits one remark per function with attn ops: the number of passes over the key
    axis (the reduced axis needing the most) the cascade needs as written, and after
    the rewrite `attn-raise-cascade` would make (the IR itself is unchanged). A value
    reduced over an axis (max, sum, contraction) can be combined with that axis'
    elements only in a later pass: softmax written as max, exp, sum, divide, PV takes
    3 passes over the keys; dividing after PV takes 2; `attn.attention`, lowered with
    an online softmax, takes 1. Other reduced axes (the head dim of Q K^T, ...) are
    listed after it.

    ```
    remark: key-axis passes: 3 over 'n' as written, 1 after attn-raise-cascade; other reduced axes: 'd' 1
    ```
  }];
  // The raised copy is built with the dialects attn-raise-cascade creates.
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AttnReassociateLinear : Pass<"attn-reassociate-linear"> {
  let summary = "Choose quadratic or re-associated order (and the chunk) for linear attention";
  let description = [{
    Linear attention `(phi(Q) phi(K)^T) V` can be evaluated as `phi(Q) (phi(K)^T V)`:
    O(N F E) instead of O(N^2 (F + E)), with no N x N weights. Under a causal mask the
    re-associated order runs in chunks (Lightning Attention-2): the masked quadratic
    form inside a chunk of C keys, a running state `phi(K)^T V` (and `sum phi(K)`,
    decayed when the op has a `decay`) across chunks.

    For every linear `attn.attention` without an `order`, this pass asks the cost
    model (FLOPs plus the N x N traffic of the quadratic order and the per-chunk state
    traffic; docs/conventions.md) and writes its decision: `order quadratic` when the
    sequences are short enough (or the mask is not `full`/`causal`, which the
    re-associated order cannot express), else `order reassociated`, with `chunk C`
    for causal masks. Dynamic lengths get the re-associated order. An `order` already
    in the IR is kept; the lowerings make the same choice when the pass did not run.
  }];
  let options = [
    Option<"chunk", "chunk", "int64_t", /*default=*/"0",
           "Keys per chunk of the causal re-associated order (0: the cost model's)">,
    Option<"emitRemarks", "remarks", "bool", /*default=*/"false",
           "Remark each decision with the estimated costs">
  ];
}

def AttnMaterializeBlockIndices : Pass<"attn-materialize-block-indices"> {
  let summary = "Turn top-k key-block indices (MoBA) into a block layout in a prologue";
  let description = [{
    `topk_blocks(i, bq, bk)` terms read `[B, Hq, QB, K]` key-block indices. This pass
    builds, per (indices operand, bk), the `[B, Hq, QB, ceil(Nk / bk)]` i32 layout they
    describe (a `linalg.generic` over layout entries x K) and rewrites the terms into
    `blocks(j, bq, bk)` over it, so that the kernels classify tiles from the layout
    exactly as for `blocks`. Operands no other term reads are dropped, the rest
    renumbered. `convert-attn-to-vector` and `convert-attn-to-linalg` run it first.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // ATTN_TRANSFORMS_PASSES_TD
