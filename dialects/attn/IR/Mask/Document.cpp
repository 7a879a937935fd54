//===- Document.cpp - mask term `document(i)`: seg[p] == seg[j] ------------===//
//
// Sequence packing: operand i of attn.attention holds [B, Nk] i32 segment (document)
// ids per key position; a query at position p belongs to segment seg[p]. Queries
// before the keys belong to no document; a tile's queries placed past the last key
// belong to the last key's, and keys outside the ids to the nearest one's. `document`
// alone reads operand 0.
//
//===----------------------------------------------------------------------===//
#include "Terms.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;

namespace {
struct DocumentTerm final : MaskTerm {
  MaskTermShape shape() const override { return {1, 1, 0}; }
  SmallVector<int64_t> defaultArgs() const override { return {0}; }
  std::optional<MaskOperandUse> operandUse(MaskAttr term) const override {
    return MaskOperandUse{term.getArgs()[0], MaskOperandKind::SegmentIds};
  }

  bool isVisible(MaskAttr term, const MaskPoint &at,
                 const MaskOperandValues *operands) const override {
    if (!operands || at.position < 0)
      return false;
    unsigned i = term.getArgs()[0];
    int64_t last = operands->shape(i)[1] - 1;
    // Keys outside the ids (a key tile placed past them) read the nearest id, as
    // queries past the last key do.
    int64_t key = std::clamp<int64_t>(at.key, 0, last);
    return operands->at(i, {at.batch, std::min(at.position, last)}) ==
           operands->at(i, {at.batch, key});
  }

  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    using P = arith::CmpIPredicate;
    const MaskOperandAccess *operands = b.operands;
    if (!operands || !operands->segments)
      llvm::report_fatal_error("document(...) mask lowered without its mask operands");
    unsigned i = term.getArgs()[0];
    Value same = b.cmp(P::eq, operands->segments(i, /*query=*/true),
                       operands->segments(i, /*query=*/false));
    return b.both(b.cmp(P::sge, b.pos, b.index(0)), same);
  }

  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    if (!c.operands || !c.operands->segmentRange)
      return c.partial();
    unsigned i = term.getArgs()[0];
    auto [qMin, qMax] = c.operands->segmentRange(i, /*query=*/true);
    auto [kMin, kMax] = c.operands->segmentRange(i, /*query=*/false);
    Value any = c.both(c.le(qMin, kMax), c.le(kMin, qMax));
    // One document on both sides, and no query before the keys.
    Value all = c.both(c.both(c.eq(qMin, qMax), c.eq(kMin, kMax)), c.eq(qMin, kMin));
    return {c.both(all, c.le(c.idx(0), c.pLo)), any};
  }
};
} // namespace

const MaskTerm &mask::documentTerm() {
  static const DocumentTerm term;
  return term;
}
