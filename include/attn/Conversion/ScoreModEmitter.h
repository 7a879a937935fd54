//===- ScoreModEmitter.h - a score_mod region inside the kernels ---------===//
//
// The CPU flash kernel applies an attn.attention's score_mod region to vectors of
// `lanes` scores (one query row, consecutive keys), the GPU kernel to the scalar
// elements of its score fragments (applyScalar).
// Each value of the region is computed where it changes: constants and what depends on
// the batch, head and captures once per task; what depends on the query row (row,
// position) once per row of a micro-tile; what depends on the key or the score on
// vectors, every scalar op becoming its vector op. Integers on lanes are 32-bit when an
// interval bound shows that no value of the region can leave the i32 range, 64-bit
// otherwise, so the vector form never wraps where the scalar one would not.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_CONVERSION_SCOREMODEMITTER_H
#define ATTN_CONVERSION_SCOREMODEMITTER_H

#include "attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <functional>
#include <string>

namespace mlir::attn {

/// Whether `op` is an integer division or remainder: wherever a region is emitted, a
/// zero divisor yields 0 (the reference's rule; hardware divides would trap).
bool isIntegerDivision(Operation *op);

/// `op` (an integer division) rebuilt on `lhs` and `rhs` (scalars or vectors) with a
/// zero divisor replaced by 1 and 0 as the result there.
Value buildDivisionOrZero(OpBuilder &b, Location loc, Operation &op, Value lhs, Value rhs,
                          Type resultType);

class ScoreModEmitter {
public:
  /// Empty when the kernel can evaluate `op`'s region on lanes (f32 arithmetic,
  /// integers, arith/math ops without side effects, attn.read of f32 or integer
  /// captures), else why not.
  static std::string explainUnsupported(AttentionOp op);

  ScoreModEmitter(AttentionOp op, int64_t lanes);

  /// Emits the region's constants and what depends on (batch, head) and the captures
  /// (given as buffers); the mapping the rows start from.
  IRMapping taskValues(OpBuilder &b, Location loc, ValueRange captureBuffers, Value batch,
                       Value head);
  /// Emits what depends on the query row; the mapping the row's vectors use.
  IRMapping rowValues(OpBuilder &b, Location loc, const IRMapping &task, Value row,
                      Value position);
  /// The region on `scores` (a vector) whose keys are firstKey + [0, lanes).
  Value apply(OpBuilder &b, Location loc, const IRMapping &row, Value scores, Value firstKey);
  /// The region on one scalar score at `key` (everything emitted as scalar ops).
  Value applyScalar(OpBuilder &b, Location loc, const IRMapping &row, Value score, Value key);

  /// How a target emits scalar math ops of the region (the GPU kernel: its own exp2 and
  /// tanh, no libdevice); null to clone the op.
  using ScalarMath = std::function<Value(OpBuilder &, Location, Operation &, ValueRange)>;
  void setScalarMath(ScalarMath hook) { scalarMath = std::move(hook); }

  /// Reads along the keys also prefetch the entry `keys` further (the kernel's next kv
  /// tile): a bias row is touched once per tile, too rarely for the hardware prefetcher.
  void setPrefetchDistance(int64_t keys) { prefetchKeys = keys; }

private:
  enum Level { Constant, Task, Row, Lane };
  AttentionOp op;
  Block &body;
  int64_t lanes;
  unsigned width; // bits of integers on lanes
  llvm::DenseMap<Value, Level> levels;
  ScalarMath scalarMath;
  int64_t prefetchKeys = 0;

  void emitUniform(OpBuilder &b, Location loc, IRMapping &map, Level level);
};

} // namespace mlir::attn

#endif // ATTN_CONVERSION_SCOREMODEMITTER_H
