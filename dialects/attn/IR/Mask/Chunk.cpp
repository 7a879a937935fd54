//===- Chunk.cpp - mask term `chunk(size[, shift])`: block-diagonal --------===//
//
// floor((p + shift) / size) == floor((j + shift) / size); LongLoRA's S2-attention
// shifts half the heads by size / 2.
//
//===----------------------------------------------------------------------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct ChunkTerm final : MaskTerm {
  MaskTermShape shape() const override { return {1, 2, 0}; }
  LogicalResult verify(function_ref<InFlightDiagnostic()> emitError, ArrayRef<int64_t> args,
                       ArrayRef<Attribute>) const override {
    if (args[0] == 0)
      return emitError() << "mask term 'chunk' needs positive sizes";
    return success();
  }
  static int64_t shift(MaskAttr term) {
    return term.getArgs().size() > 1 ? term.getArgs()[1] : 0;
  }
  bool isVisible(MaskAttr term, const MaskPoint &at, const MaskOperandValues *) const override {
    int64_t size = term.getArgs()[0], s = shift(term);
    return mask::floorDiv(at.position + s, size) == mask::floorDiv(at.key + s, size);
  }
  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    Value size = b.index(term.getArgs()[0]), s = b.index(shift(term));
    Value qChunk = arith::FloorDivSIOp::create(b.b, b.loc, b.add(b.pos, s), size);
    Value kChunk = arith::FloorDivSIOp::create(b.b, b.loc, b.add(b.key, s), size);
    return b.cmp(arith::CmpIPredicate::eq, qChunk, kChunk);
  }
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    Value size = c.idx(term.getArgs()[0]);
    int64_t s = shift(term);
    auto chunk = [&](Value x) {
      return arith::FloorDivSIOp::create(c.b, c.loc, c.add(x, s), size).getResult();
    };
    Value pFirst = chunk(c.pLo), pLast = chunk(c.pHi), jFirst = chunk(c.jLo), jLast = chunk(c.jHi);
    Value all = c.both(c.both(c.eq(pFirst, pLast), c.eq(jFirst, jLast)), c.eq(pFirst, jFirst));
    Value any = c.both(c.le(jFirst, pLast), c.le(pFirst, jLast));
    return {all, any};
  }
};
} // namespace

const MaskTerm &mask::chunkTerm() {
  static const ChunkTerm term;
  return term;
}
