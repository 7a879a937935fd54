//===- LinearCostModel.h - evaluation order of linear attention ----------===//
//
// Linear attention can be evaluated as (phi(Q) phi(K)^T) V, quadratic in the sequence
// length, or re-associated as phi(Q) (phi(K)^T V), linear in it (for a causal mask,
// in chunks: Lightning Attention-2). Which is cheaper depends on the lengths, the
// feature and value dims and the mask; this is the model that decides, shared by
// attn-reassociate-linear and the lowerings (documented in docs/conventions.md).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_IR_LINEARCOSTMODEL_H
#define ATTN_IR_LINEARCOSTMODEL_H

#include "attn/IR/AttnAttrs.h"

#include <cstdint>
#include <optional>

namespace mlir::attn {

/// How a linear attention is evaluated; `chunk` is the keys per chunk of the causal
/// re-associated order (0 otherwise).
struct LinearSchedule {
  LinearOrder order;
  int64_t chunk;
};

/// The shape facts the model reads; a length is nullopt when it is dynamic.
struct LinearProblem {
  std::optional<int64_t> numQueries, numKeys;
  int64_t featureDim, valueDim;
  bool causal;       // mask #attn.mask<causal> (else no mask or full)
  bool reassociable; // the mask allows re-association at all
};

/// Estimated cost in FLOP-equivalents of one head (see docs/conventions.md).
double estimateLinearCost(const LinearProblem &problem, LinearSchedule schedule);

/// The cheapest schedule: chunk from {16, 32, ..., 256} for causal masks, quadratic
/// when the lengths are known and short enough, re-associated when a length is
/// dynamic (the order that stays linear whatever it turns out to be).
LinearSchedule chooseLinearSchedule(const LinearProblem &problem);

} // namespace mlir::attn

#endif // ATTN_IR_LINEARCOSTMODEL_H
