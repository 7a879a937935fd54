//===- Sink.cpp - mask term `sink(n)`: j < n (StreamingLLM's sinks) -------===//
#include "Terms.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct SinkTerm final : MaskTerm {
  MaskTermShape shape() const override { return {1, 1, 0}; }
  bool isVisible(MaskAttr term, const MaskPoint &at, const MaskOperandValues *) const override {
    return at.key < term.getArgs()[0];
  }
  Value predicate(MaskAttr term, MaskPredicateBuilder &b) const override {
    return b.cmp(arith::CmpIPredicate::slt, b.key, b.index(term.getArgs()[0]));
  }
  TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const override {
    Value n = c.idx(term.getArgs()[0]);
    return {c.lt(c.jHi, n), c.lt(c.jLo, n)};
  }
};
} // namespace

const MaskTerm &mask::sinkTerm() {
  static const SinkTerm term;
  return term;
}
