//===- MaskTerm.cpp - the registry of mask terms and the whole-mask entries ===//
#include "Terms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::attn;

const MaskTerm &mlir::attn::getMaskTerm(MaskKind kind) {
  switch (kind) {
  case MaskKind::Full:
    return mask::fullTerm();
  case MaskKind::Causal:
    return mask::causalTerm();
  case MaskKind::Window:
    return mask::windowTerm();
  case MaskKind::Sink:
    return mask::sinkTerm();
  case MaskKind::Chunk:
    return mask::chunkTerm();
  case MaskKind::Dilated:
    return mask::dilatedTerm();
  case MaskKind::Power2:
    return mask::power2Term();
  case MaskKind::Prefix:
    return mask::prefixTerm();
  case MaskKind::And:
    return mask::andTerm();
  case MaskKind::Or:
    return mask::orTerm();
  case MaskKind::Not:
    return mask::notTerm();
  case MaskKind::Heads:
    return mask::headsTerm();
  case MaskKind::Neighborhood:
    return mask::neighborhoodTerm();
  case MaskKind::Document:
    return mask::documentTerm();
  case MaskKind::Blocks:
    return mask::blocksTerm();
  case MaskKind::TopkBlocks:
    return mask::topkBlocksTerm();
  }
  llvm_unreachable("unknown mask kind");
}

//===----------------------------------------------------------------------===//
// MaskPredicateBuilder
//===----------------------------------------------------------------------===//

Value MaskPredicateBuilder::build(MaskAttr mask) {
  return getMaskTerm(mask.getKind()).predicate(mask, *this);
}

Value MaskPredicateBuilder::constant(Type elt, Attribute value) {
  if (auto vec = dyn_cast<VectorType>(pos.getType()))
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vec.clone(elt), value));
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(value));
}

Value MaskPredicateBuilder::index(int64_t v) {
  Type elt = getElementTypeOrSelf(pos.getType());
  return constant(elt, b.getIntegerAttr(elt, v));
}

Value MaskPredicateBuilder::boolean(bool v) { return constant(b.getI1Type(), b.getBoolAttr(v)); }

Value MaskPredicateBuilder::cmp(arith::CmpIPredicate pred, Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, loc, pred, lhs, rhs);
}
Value MaskPredicateBuilder::both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
Value MaskPredicateBuilder::either(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
Value MaskPredicateBuilder::add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
Value MaskPredicateBuilder::sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
Value MaskPredicateBuilder::div(Value x, int64_t y) {
  return arith::DivSIOp::create(b, loc, x, index(y));
}
Value MaskPredicateBuilder::rem(Value x, int64_t y) {
  return arith::RemSIOp::create(b, loc, x, index(y));
}

//===----------------------------------------------------------------------===//
// MaskTileClassifier
//===----------------------------------------------------------------------===//

TileVisibility MaskTileClassifier::classify(MaskAttr mask) {
  return getMaskTerm(mask.getKind()).classify(mask, *this);
}

Value MaskTileClassifier::idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
Value MaskTileClassifier::boolean(bool v) { return arith::ConstantIntOp::create(b, loc, v, 1); }
Value MaskTileClassifier::le(Value x, Value y) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, x, y);
}
Value MaskTileClassifier::lt(Value x, Value y) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
}
Value MaskTileClassifier::eq(Value x, Value y) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
}
Value MaskTileClassifier::add(Value x, int64_t y) { return arith::AddIOp::create(b, loc, x, idx(y)); }
Value MaskTileClassifier::sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
Value MaskTileClassifier::div(Value x, int64_t y) {
  return arith::DivSIOp::create(b, loc, x, idx(y));
}
Value MaskTileClassifier::rem(Value x, int64_t y) {
  return arith::RemSIOp::create(b, loc, x, idx(y));
}
Value MaskTileClassifier::both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
Value MaskTileClassifier::either(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
Value MaskTileClassifier::negate(Value x) {
  return arith::XOrIOp::create(b, loc, x, boolean(true));
}
Value MaskTileClassifier::select(Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}

TileVisibility MaskTileClassifier::band(std::optional<int64_t> lo, std::optional<int64_t> hi) {
  Value minDiff = sub(jLo, pHi), maxDiff = sub(jHi, pLo);
  Value all = boolean(true), any = boolean(true);
  if (lo) {
    all = both(all, le(idx(*lo), minDiff));
    any = both(any, le(idx(*lo), maxDiff));
  }
  if (hi) {
    all = both(all, le(maxDiff, idx(*hi)));
    any = both(any, le(minDiff, idx(*hi)));
  }
  return {all, any};
}

//===----------------------------------------------------------------------===//
// Whole masks
//===----------------------------------------------------------------------===//

bool mlir::attn::isMaskVisible(MaskAttr mask, const MaskPoint &at,
                               const MaskOperandValues *operands) {
  return getMaskTerm(mask.getKind()).isVisible(mask, at, operands);
}

bool mlir::attn::readsMaskOperands(MaskAttr mask) {
  return getMaskTerm(mask.getKind()).operandUse(mask).has_value() ||
         llvm::any_of(mask.getOperands(),
                      [](Attribute m) { return readsMaskOperands(cast<MaskAttr>(m)); });
}

Value mlir::attn::buildMaskPredicate(OpBuilder &b, Location loc, MaskAttr mask, Value row,
                                     Value key, Value rowToPosition, Value head,
                                     const MaskOperandAccess *operands) {
  Value offset = rowToPosition;
  Type elt = getElementTypeOrSelf(row.getType());
  if (!elt.isIndex())
    offset = arith::IndexCastOp::create(b, loc, elt, offset);
  if (auto vec = dyn_cast<VectorType>(row.getType()))
    offset = vector::BroadcastOp::create(b, loc, vec, offset);
  Value pos = arith::AddIOp::create(b, loc, row, offset);
  MaskPredicateBuilder builder(b, loc, pos, key, head, operands);
  return builder.build(mask);
}

TileVisibility mlir::attn::classifyTile(OpBuilder &b, Location loc, MaskAttr mask, Value pLo,
                                        Value pHi, Value jLo, Value jHi, Value head,
                                        const MaskOperandAccess *operands) {
  MaskTileClassifier classifier(b, loc, pLo, pHi, jLo, jHi, head, operands);
  return classifier.classify(mask);
}

Value mlir::attn::selectByHead(OpBuilder &b, Location loc, MaskAttr heads, Value head,
                               function_ref<Value(MaskAttr)> build) {
  ArrayRef<Attribute> masks = heads.getOperands();
  // Distinct masks once each (attributes are uniqued), in first-use order.
  SmallVector<Attribute> distinct;
  for (Attribute m : masks)
    if (!llvm::is_contained(distinct, m))
      distinct.push_back(m);
  Value result = build(cast<MaskAttr>(distinct.back()));
  if (distinct.size() == 1 || !head)
    return head ? result : build(cast<MaskAttr>(masks.front()));
  Value which = arith::RemUIOp::create(
      b, loc, head, arith::ConstantIndexOp::create(b, loc, masks.size()));
  for (Attribute m : llvm::reverse(ArrayRef(distinct).drop_back())) {
    Value uses = arith::ConstantIntOp::create(b, loc, 0, 1);
    for (auto [i, other] : llvm::enumerate(masks))
      if (other == m)
        uses = arith::OrIOp::create(
            b, loc, uses,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, which,
                                  arith::ConstantIndexOp::create(b, loc, i)));
    result = arith::SelectOp::create(b, loc, uses, build(cast<MaskAttr>(m)), result);
  }
  return result;
}
