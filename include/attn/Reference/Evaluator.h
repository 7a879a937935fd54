//===- Evaluator.h - the fp64 reference evaluator of attn programs ---------===//
//
// The oracle of every numeric test. It interprets a function's attn ops element by
// element in double precision, following the definitions in the op and attribute
// descriptions (and reference/variants.md), and shares no code with the lowering.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_REFERENCE_EVALUATOR_H
#define ATTN_REFERENCE_EVALUATOR_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <vector>

namespace mlir::attn::reference {

/// A dense row-major tensor of doubles.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> data;

  static Tensor zeros(std::vector<int64_t> shape);
  int64_t numElements() const;
};

struct Options {
  /// Propagate shapes and count FLOPs without computing values (sizes a benchmark).
  bool shapesOnly = false;
};

struct Result {
  std::vector<Tensor> outputs;
  /// Multiply-adds of the contractions counted as 2 FLOPs; `attn.attention` counted as
  /// 4 * B * Hq * Nq * Nk * D (the dense softmax convention) or, with a feature map,
  /// 2 * B * Hq * Nq * Nk * (F + Dv) for its quadratic form.
  double flops = 0;
};

/// Whether every op of `func` is one the evaluator interprets (attn ops, tensor.cast,
/// func.return); the first one it does not is returned through `unsupported`.
bool canEvaluate(func::FuncOp func, Operation **unsupported = nullptr);

/// Evaluates `func` on `args`. Unsupported ops or shape errors are reported as
/// diagnostics on the offending op and yield failure.
FailureOr<Result> evaluate(func::FuncOp func, ArrayRef<Tensor> args,
                           const Options &options = {});

} // namespace mlir::attn::reference

#endif // ATTN_REFERENCE_EVALUATOR_H
