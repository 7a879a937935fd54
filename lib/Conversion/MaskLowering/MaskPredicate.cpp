//===- MaskPredicate.cpp - #attn.mask terms as arith on indices -----------===//
//
// Each term of the mask algebra (AttnAttrs.td) becomes a few index comparisons. Query
// rows sit at positions p = i + rowToPosition (Nk - Nq: end-aligned). Positions may be
// vectors of index (one lane per (query, key) pair): constants are then splats.
//
//===----------------------------------------------------------------------===//
#include "attn/Conversion/MaskLowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
struct PredicateBuilder {
  OpBuilder &b;
  Location loc;
  Value pos;  // query position p
  Value key;  // key position j
  Value head; // query head (index), for heads(...); null: head 0
  const MaskOperandAccess *operands;

  /// A constant shaped like the positions (scalar or splat vector).
  Value constant(Type elt, Attribute value) {
    if (auto vec = dyn_cast<VectorType>(pos.getType()))
      return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vec.clone(elt), value));
    return arith::ConstantOp::create(b, loc, cast<TypedAttr>(value));
  }
  /// A position constant, in the positions' integer type (index, or i32 in vectors).
  Value index(int64_t v) {
    Type elt = getElementTypeOrSelf(pos.getType());
    return constant(elt, b.getIntegerAttr(elt, v));
  }
  Value cmp(arith::CmpIPredicate pred, Value lhs, Value rhs) {
    return arith::CmpIOp::create(b, loc, pred, lhs, rhs);
  }
  Value boolean(bool v) { return constant(b.getI1Type(), b.getBoolAttr(v)); }

  Value build(MaskAttr mask) {
    using P = arith::CmpIPredicate;
    ArrayRef<int64_t> args = mask.getArgs();
    switch (mask.getKind()) {
    case MaskKind::Full:
      return boolean(true);
    case MaskKind::Causal:
      return cmp(P::sle, key, pos);
    case MaskKind::Window: {
      Value lo = arith::SubIOp::create(b, loc, pos, index(args[0]));
      Value hi = arith::AddIOp::create(b, loc, pos, index(args[1]));
      return arith::AndIOp::create(b, loc, cmp(P::sge, key, lo), cmp(P::sle, key, hi));
    }
    case MaskKind::Sink:
      return cmp(P::slt, key, index(args[0]));
    case MaskKind::Chunk: {
      Value size = index(args[0]);
      Value shift = index(args.size() > 1 ? args[1] : 0);
      Value qChunk =
          arith::FloorDivSIOp::create(b, loc, arith::AddIOp::create(b, loc, pos, shift), size);
      Value kChunk =
          arith::FloorDivSIOp::create(b, loc, arith::AddIOp::create(b, loc, key, shift), size);
      return cmp(P::eq, qChunk, kChunk);
    }
    case MaskKind::Dilated: {
      Value dist = arith::SubIOp::create(b, loc, pos, key);
      Value rate = index(args[1]);
      Value inRange = arith::AndIOp::create(b, loc, cmp(P::sge, dist, index(0)),
                                            cmp(P::slt, dist, index(args[0] * args[1])));
      // Relative stride, or (with an offset) keys on an absolute phase; key >= 0.
      Value onStride = args.size() > 2
                           ? cmp(P::eq, arith::RemSIOp::create(b, loc, key, rate),
                                 index(args[2] % args[1]))
                           : cmp(P::eq, arith::RemSIOp::create(b, loc, dist, rate), index(0));
      return arith::AndIOp::create(b, loc, inRange, onStride);
    }
    case MaskKind::Power2: {
      Value dist = arith::SubIOp::create(b, loc, pos, key);
      Value low = arith::AndIOp::create(b, loc, dist,
                                        arith::SubIOp::create(b, loc, dist, index(1)));
      return arith::AndIOp::create(b, loc, cmp(P::sge, dist, index(0)),
                                   cmp(P::eq, low, index(0)));
    }
    case MaskKind::Prefix:
      return arith::OrIOp::create(b, loc, cmp(P::slt, key, index(args[0])),
                                  cmp(P::sle, key, pos));
    case MaskKind::And:
    case MaskKind::Or: {
      Value acc = build(mask.getOperand(0));
      for (unsigned i = 1, e = mask.getOperands().size(); i < e; ++i) {
        Value next = build(mask.getOperand(i));
        acc = mask.getKind() == MaskKind::And
                  ? (Value)arith::AndIOp::create(b, loc, acc, next)
                  : (Value)arith::OrIOp::create(b, loc, acc, next);
      }
      return acc;
    }
    case MaskKind::Not:
      return arith::XOrIOp::create(b, loc, build(mask.getOperand(0)), boolean(true));
    case MaskKind::Neighborhood:
      return neighborhood(mask.getNeighborhood());
    case MaskKind::Heads:
      return selectByHead(b, loc, mask, head, [&](MaskAttr m) { return build(m); });
    case MaskKind::Document: {
      if (!operands || !operands->segments)
        llvm::report_fatal_error("document(...) mask lowered without its mask operands");
      Value same = cmp(P::eq, operands->segments(args[0], /*query=*/true),
                       operands->segments(args[0], /*query=*/false));
      return arith::AndIOp::create(b, loc, cmp(P::sge, pos, index(0)), same);
    }
    case MaskKind::Blocks:
      if (!operands || !operands->blockVisible)
        llvm::report_fatal_error("blocks(...) mask lowered without its mask operands");
      return operands->blockVisible(args[0], args[1], args[2]);
    case MaskKind::TopkBlocks:
      // attn-materialize-block-indices (run by every lowering) turns these into blocks.
      llvm::report_fatal_error("topk_blocks(...) lowered before its indices became a layout");
    }
    llvm_unreachable("unknown mask kind");
  }

  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value div(Value x, int64_t y) { return arith::DivSIOp::create(b, loc, x, index(y)); }
  Value rem(Value x, int64_t y) { return arith::RemSIOp::create(b, loc, x, index(y)); }

  /// NATTEN's window on one axis (see the attribute's description): is key coordinate
  /// y in the window of query coordinate x's stride-group leader?
  Value inWindow(Value x, Value y, int64_t length, int64_t kernel, int64_t dilation,
                 bool causal, int64_t stride) {
    using P = arith::CmpIPredicate;
    Value visible = boolean(true);
    Value xs = x, ys = y, groupLength = index(length);
    if (dilation > 1) {
      Value group = rem(x, dilation);
      visible = cmp(P::eq, group, rem(y, dilation));
      xs = div(x, dilation);
      ys = div(y, dilation);
      groupLength = arith::DivSIOp::create(
          b, loc, arith::SubIOp::create(b, loc, index(length + dilation - 1), group),
          index(dilation));
    }
    Value groupStart = stride > 1 ? arith::MulIOp::create(b, loc, div(xs, stride), index(stride))
                                  : xs;
    Value lastInGroup = arith::SubIOp::create(b, loc, groupLength, index(1));
    auto leaderAt = [&](int64_t offset) -> Value {
      if (stride == 1)
        return xs;
      return arith::MinSIOp::create(
          b, loc, arith::AddIOp::create(b, loc, groupStart, index(offset)), lastInGroup);
    };
    if (causal) {
      Value leader = leaderAt(stride - 1);
      Value first = arith::SubIOp::create(b, loc, leader, index(kernel - 1));
      return both(visible, both(cmp(P::sle, first, ys), cmp(P::sle, ys, xs)));
    }
    Value centred = arith::SubIOp::create(b, loc, leaderAt(stride / 2), index(kernel / 2));
    Value last = arith::SubIOp::create(b, loc, groupLength, index(kernel));
    Value start = arith::MaxSIOp::create(b, loc, index(0),
                                         arith::MinSIOp::create(b, loc, centred, last));
    Value end = arith::AddIOp::create(b, loc, start, index(kernel));
    return both(visible, both(cmp(P::sle, start, ys), cmp(P::slt, ys, end)));
  }

  Value neighborhood(const MaskAttr::Neighborhood &n) {
    using P = arith::CmpIPredicate;
    int64_t tokens = 1;
    for (int64_t g : n.grid)
      tokens *= g;
    // Tokens past the grid (and query positions before the keys) take no part.
    Value visible = both(both(cmp(P::sge, pos, index(0)), cmp(P::slt, pos, index(tokens))),
                         cmp(P::slt, key, index(tokens)));
    Value x = pos, y = key;
    for (int64_t a = n.grid.size() - 1; a >= 0; --a) {
      visible = both(visible, inWindow(rem(x, n.grid[a]), rem(y, n.grid[a]), n.grid[a],
                                       n.kernel[a], n.dilation[a], n.causal[a] != 0,
                                       n.stride[a]));
      if (a > 0) {
        x = div(x, n.grid[a]);
        y = div(y, n.grid[a]);
      }
    }
    return visible;
  }
};
} // namespace

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

bool mlir::attn::readsMaskOperands(MaskAttr mask) {
  return mask.getKind() == MaskKind::Document || mask.getKind() == MaskKind::Blocks ||
         mask.getKind() == MaskKind::TopkBlocks ||
         llvm::any_of(mask.getOperands(),
                      [](Attribute m) { return readsMaskOperands(cast<MaskAttr>(m)); });
}

Value mlir::attn::buildMaskPredicate(OpBuilder &b, Location loc, MaskAttr mask, Value query,
                                     Value key, Value rowToPosition, Value head,
                                     const MaskOperandAccess *operands) {
  Value offset = rowToPosition;
  Type elt = getElementTypeOrSelf(query.getType());
  if (!elt.isIndex())
    offset = arith::IndexCastOp::create(b, loc, elt, offset);
  if (auto vec = dyn_cast<VectorType>(query.getType()))
    offset = vector::BroadcastOp::create(b, loc, vec, offset);
  Value pos = arith::AddIOp::create(b, loc, query, offset);
  return PredicateBuilder{b, loc, pos, key, head, operands}.build(mask);
}
