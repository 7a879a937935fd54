//===- VectorScoreMod.h - a score_mod region on lanes of scores -----------===//
//
// Private to convert-attn-to-vector. The flash kernel applies an attn.attention's
// score_mod region to vectors of `lanes` scores (one query row, consecutive keys).
// Each value of the region is computed where it changes: constants and what depends on
// the batch, head and captures once per task; what depends on the query row (row,
// position) once per row of a micro-tile; what depends on the key or the score on
// vectors, every scalar op becoming its vector op. Integers on lanes are 32-bit when an
// interval bound shows that no value of the region can leave the i32 range, 64-bit
// otherwise, so the vector form never wraps where the scalar one would not.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOVECTOR_VECTORSCOREMOD_H
#define ATTN_LIB_CONVERSION_ATTNTOVECTOR_VECTORSCOREMOD_H

#include "attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <string>

namespace mlir::attn {

class VectorScoreMod {
public:
  /// Empty when the kernel can evaluate `op`'s region on lanes (f32 arithmetic,
  /// integers, arith/math ops without side effects, attn.read of f32 or integer
  /// captures), else why not.
  static std::string explainUnsupported(AttentionOp op);

  VectorScoreMod(AttentionOp op, int64_t lanes);

  /// Emits the region's constants and what depends on (batch, head) and the captures
  /// (given as buffers); the mapping the rows start from.
  IRMapping taskValues(OpBuilder &b, Location loc, ValueRange captureBuffers, Value batch,
                       Value head);
  /// Emits what depends on the query row; the mapping the row's vectors use.
  IRMapping rowValues(OpBuilder &b, Location loc, const IRMapping &task, Value row,
                      Value position);
  /// The region on `scores` (a vector) whose keys are firstKey + [0, lanes).
  Value apply(OpBuilder &b, Location loc, const IRMapping &row, Value scores, Value firstKey);

private:
  enum Level { Constant, Task, Row, Lane };
  AttentionOp op;
  Block &body;
  int64_t lanes;
  unsigned width; // bits of integers on lanes
  llvm::DenseMap<Value, Level> levels;

  Level levelOf(Value v) const;
  void emitUniform(OpBuilder &b, Location loc, IRMapping &map, Level level);
};

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_VECTORSCOREMOD_H
