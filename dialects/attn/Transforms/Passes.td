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

    Anything that does not match is left unchanged and still lowers through the generic
    path. Raising is a refinement at one point: a row whose keys are all masked is NaN
    in the literal cascade and zeros in `attn.attention`.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // ATTN_TRANSFORMS_PASSES_TD
