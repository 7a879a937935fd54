//===- KeyPassAnalysis.h - FuseMax's pass count of an attn cascade --------===//
//
// A cascade that reduces over an axis (a max, a sum, a contraction) must finish that
// sweep before anything consumes the result together with the axis' elements: each
// such dependency costs another pass over the axis. FuseMax (Nayak et al., 2024)
// counts these passes over the key axis: softmax written as max / exp / sum /
// divide / PV needs 3, with the division after PV 2, and the online form 1.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_TRANSFORMS_KEYPASSANALYSIS_H
#define ATTN_TRANSFORMS_KEYPASSANALYSIS_H

#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::attn {

/// Passes over one reduced axis of a function.
struct AxisPasses {
  std::string letter; // the axis' letter where it is first reduced
  int64_t passes;
  int64_t reductions; // ops reducing over it
};

/// Every axis the attn ops of `func` reduce over, with the passes it needs; most
/// passes first, then most reductions (in attention cascades that is the key axis). attn.attention counts
/// as one pass over its keys (its online-softmax lowering); ops from other dialects
/// count as depending on all their operands.
SmallVector<AxisPasses> analyzeKeyPasses(Operation *func);

} // namespace mlir::attn

#endif // ATTN_TRANSFORMS_KEYPASSANALYSIS_H
