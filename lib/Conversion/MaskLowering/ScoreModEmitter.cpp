//===- ScoreModEmitter.cpp - a score_mod region inside the kernels -------===//
#include "attn/Conversion/ScoreModEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

static constexpr uint64_t kUnbounded = uint64_t(1) << 62;
static uint64_t boundedSum(uint64_t a, uint64_t b) { return std::min(a + b, kUnbounded); }
static uint64_t boundedProduct(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0)
    return 0;
  return a > kUnbounded / b ? kUnbounded : std::min(a * b, kUnbounded);
}
static std::string printed(Type t) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << t;
  return text;
}
static unsigned bitsOf(Type t) { return t.isIndex() ? 64 : t.getIntOrFloatBitWidth(); }
static bool isWideInteger(Type t) { return t.isIndex() || (t.isInteger() && !t.isInteger(1)); }

/// 32 when every integer of the region stays below 2^31 in magnitude (by interval
/// bounds: indices are below 2^30, as the verifier keeps sequences), else 64.
static unsigned laneWidth(Block &body) {
  llvm::DenseMap<Value, uint64_t> bound;
  for (unsigned i = 1; i <= AttentionOp::kScoreModIndices; ++i)
    bound[body.getArgument(i)] = uint64_t(1) << 30;
  auto of = [&](Value v) {
    auto it = bound.find(v);
    return it == bound.end() ? kUnbounded : it->second;
  };
  uint64_t largest = 0;
  for (Operation &op : body.without_terminator()) {
    if (op.getNumResults() != 1 || !isWideInteger(op.getResult(0).getType()))
      continue;
    uint64_t a = op.getNumOperands() > 0 ? of(op.getOperand(0)) : 0;
    uint64_t c = op.getNumOperands() > 1 ? of(op.getOperand(1)) : 0;
    uint64_t r = llvm::TypeSwitch<Operation *, uint64_t>(&op)
                     .Case([&](arith::ConstantOp k) -> uint64_t {
                       auto attr = dyn_cast<IntegerAttr>(k.getValue());
                       if (!attr)
                         return kUnbounded;
                       int64_t x = attr.getValue().getSExtValue();
                       return x == INT64_MIN ? kUnbounded : uint64_t(x < 0 ? -x : x);
                     })
                     .Case<arith::AddIOp, arith::SubIOp>([&](auto) { return boundedSum(a, c); })
                     .Case([&](arith::MulIOp) { return boundedProduct(a, c); })
                     .Case<arith::DivSIOp, arith::FloorDivSIOp, arith::CeilDivSIOp>(
                         [&](auto) { return boundedSum(a, 1); })
                     .Case([&](arith::RemSIOp) { return std::min(a, c); })
                     .Case<arith::MaxSIOp, arith::MinSIOp, arith::AndIOp>(
                         [&](auto) { return std::max(a, c); })
                     .Case([&](arith::SelectOp) { return std::max(c, of(op.getOperand(2))); })
                     .Case<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp>(
                         [&](auto) {
                           return std::min(a, uint64_t(1) << (bitsOf(op.getResult(0).getType()) - 1));
                         })
                     .Case([&](ReadOp) {
                       return uint64_t(1) << (bitsOf(op.getResult(0).getType()) - 1);
                     })
                     .Default([&](Operation *) { return kUnbounded; });
    bound[op.getResult(0)] = r;
    largest = std::max(largest, r);
  }
  return largest < (uint64_t(1) << 31) ? 32 : 64;
}

std::string ScoreModEmitter::explainUnsupported(AttentionOp op) {
  for (Value capture : op.getCaptures()) {
    Type elt = cast<ShapedType>(capture.getType()).getElementType();
    if (!elt.isF32() && !isWideInteger(elt))
      return "a captured tensor of " + printed(elt) + " (f32 and integers only)";
  }
  std::string reason;
  op.getScoreMod().front().walk([&](Operation *inner) {
    if (isa<YieldOp, ReadOp, arith::ConstantOp>(inner))
      return WalkResult::advance();
    bool known = isa_and_nonnull<arith::ArithDialect, math::MathDialect>(inner->getDialect()) &&
                 inner->hasTrait<OpTrait::Elementwise>() && isMemoryEffectFree(inner) &&
                 inner->getNumResults() == 1;
    if (!known) {
      reason = "the score_mod region holds '" + inner->getName().getStringRef().str() +
               "', which the kernel does not vectorise";
      return WalkResult::interrupt();
    }
    for (Type t : llvm::concat<const Type>(inner->getOperandTypes(), inner->getResultTypes()))
      if (isa<FloatType>(t) && !t.isF32()) {
        reason = "the score_mod region computes in " + printed(t) + " (f32 only)";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return reason;
}

ScoreModEmitter::ScoreModEmitter(AttentionOp op, int64_t lanes)
    : op(op), body(op.getScoreMod().front()), lanes(lanes), width(laneWidth(body)) {
  levels[body.getArgument(0)] = Lane;                     // the score
  levels[body.getArgument(1)] = levels[body.getArgument(2)] = Task; // batch, head
  levels[body.getArgument(3)] = levels[body.getArgument(5)] = Row;  // row, position
  levels[body.getArgument(4)] = Lane;                     // the key
  for (BlockArgument capture : body.getArguments().drop_front(1 + AttentionOp::kScoreModIndices))
    levels[capture] = Task;
  for (Operation &inner : body.without_terminator()) {
    Level level = Constant;
    for (Value operand : inner.getOperands())
      level = std::max(level, levels.lookup(operand));
    for (Value result : inner.getResults())
      levels[result] = level;
  }
}

Value mlir::attn::buildDivisionOrZero(OpBuilder &b, Location loc, Operation &op, Value lhs,
                                      Value rhs, Type resultType) {
  auto constant = [&](int64_t v) -> Value {
    if (auto vec = dyn_cast<VectorType>(rhs.getType()))
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vec, b.getIntegerAttr(vec.getElementType(), v)));
    if (rhs.getType().isIndex())
      return arith::ConstantIndexOp::create(b, loc, v);
    return arith::ConstantIntOp::create(b, loc, rhs.getType(), v);
  };
  Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, constant(0));
  Value safe = arith::SelectOp::create(b, loc, isZero, constant(1), rhs);
  OperationState state(loc, op.getName());
  state.addOperands({lhs, safe});
  state.addTypes(resultType);
  state.addAttributes(op.getAttrs());
  Value quotient = b.create(state)->getResult(0);
  return arith::SelectOp::create(b, loc, isZero, constant(0), quotient);
}

/// Whether every dimension of `buffer` is non-empty (an empty tensor reads as 0).
static Value isNonEmpty(OpBuilder &b, Location loc, Value buffer) {
  Value nonEmpty = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  for (int64_t d = 0, e = cast<MemRefType>(buffer.getType()).getRank(); d < e; ++d)
    nonEmpty = arith::AndIOp::create(
        b, loc, nonEmpty,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                              memref::DimOp::create(b, loc, buffer, d), zero));
  return nonEmpty;
}

bool mlir::attn::isIntegerDivision(Operation *op) {
  return isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
             arith::FloorDivSIOp, arith::CeilDivSIOp, arith::CeilDivUIOp>(op);
}

void ScoreModEmitter::emitUniform(OpBuilder &b, Location loc, IRMapping &map, Level level) {
  for (Operation &inner : body.without_terminator()) {
    if (inner.getNumResults() == 0 || levels.lookup(inner.getResult(0)) != level)
      continue;
    if (auto read = dyn_cast<ReadOp>(inner)) {
      Value buffer = map.lookup(read.getSource());
      SmallVector<Value> at;
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      for (auto [d, index] : llvm::enumerate(read.getIndices())) {
        Value last = arith::SubIOp::create(b, loc, memref::DimOp::create(b, loc, buffer, d), one);
        at.push_back(arith::MinSIOp::create(
            b, loc, arith::MaxSIOp::create(b, loc, map.lookup(index), zero), last));
      }
      auto guarded = scf::IfOp::create(
          b, loc, isNonEmpty(b, loc, buffer),
          [&](OpBuilder &, Location) {
            scf::YieldOp::create(b, loc, memref::LoadOp::create(b, loc, buffer, at).getResult());
          },
          [&](OpBuilder &, Location) {
            scf::YieldOp::create(
                b, loc, arith::ConstantOp::create(b, loc, b.getZeroAttr(read.getType())).getResult());
          });
      map.map(read.getResult(), guarded.getResult(0));
      continue;
    }
    if (isIntegerDivision(&inner)) {
      map.map(inner.getResult(0),
              buildDivisionOrZero(b, loc, inner, map.lookup(inner.getOperand(0)),
                             map.lookup(inner.getOperand(1)), inner.getResult(0).getType()));
      continue;
    }
    if (scalarMath && isa_and_nonnull<math::MathDialect>(inner.getDialect())) {
      SmallVector<Value> operands;
      for (Value operand : inner.getOperands())
        operands.push_back(map.lookup(operand));
      if (Value x = scalarMath(b, loc, inner, operands)) {
        map.map(inner.getResult(0), x);
        continue;
      }
    }
    b.clone(inner, map);
  }
}

IRMapping ScoreModEmitter::taskValues(OpBuilder &b, Location loc, ValueRange captureBuffers,
                                     Value batch, Value head) {
  IRMapping map;
  map.map(body.getArgument(1), batch);
  map.map(body.getArgument(2), head);
  for (auto [i, buffer] : llvm::enumerate(captureBuffers))
    map.map(body.getArgument(1 + AttentionOp::kScoreModIndices + i), buffer);
  emitUniform(b, loc, map, Constant);
  emitUniform(b, loc, map, Task);
  return map;
}

IRMapping ScoreModEmitter::rowValues(OpBuilder &b, Location loc, const IRMapping &task, Value row,
                                    Value position) {
  IRMapping map = task;
  map.map(body.getArgument(3), row);
  map.map(body.getArgument(5), position);
  emitUniform(b, loc, map, Row);
  return map;
}

Value ScoreModEmitter::applyScalar(OpBuilder &b, Location loc, const IRMapping &row,
                                   Value score, Value key) {
  IRMapping map = row;
  map.map(body.getArgument(0), score);
  map.map(body.getArgument(4), key);
  emitUniform(b, loc, map, Lane);
  return map.lookup(cast<YieldOp>(body.getTerminator()).getValue());
}

Value ScoreModEmitter::apply(OpBuilder &b, Location loc, const IRMapping &row, Value scores,
                            Value firstKey) {
  Type laneInt = b.getIntegerType(width);
  auto laneType = [&](Type t) -> VectorType {
    return VectorType::get({lanes}, isWideInteger(t) ? laneInt : t);
  };
  // A scalar integer as a lane integer (index_cast / extsi / trunci to `width`).
  auto toLaneInt = [&](Value x) -> Value {
    Type t = x.getType();
    if (t.isIndex())
      return arith::IndexCastOp::create(b, loc, laneInt, x);
    if (bitsOf(t) < width)
      return arith::ExtSIOp::create(b, loc, laneInt, x);
    if (bitsOf(t) > width)
      return arith::TruncIOp::create(b, loc, laneInt, x);
    return x;
  };
  llvm::DenseMap<Value, Value> vectors;
  // Lanes known to be base + [0, lanes): reads along them are contiguous.
  llvm::DenseMap<Value, Value> linearBase;
  auto get = [&](Value v) -> Value {
    if (Value x = vectors.lookup(v))
      return x;
    Value scalar = row.lookup(v);
    if (isWideInteger(scalar.getType()))
      scalar = toLaneInt(scalar);
    return vector::BroadcastOp::create(b, loc, laneType(v.getType()), scalar);
  };
  auto laneConstant = [&](Type elt, ArrayRef<int64_t> values) -> Value {
    SmallVector<Attribute> attrs;
    for (int64_t x : values)
      attrs.push_back(b.getIntegerAttr(elt, x));
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(VectorType::get({lanes}, elt), attrs));
  };
  SmallVector<int64_t> iota(lanes);
  for (int64_t l = 0; l < lanes; ++l)
    iota[l] = l;
  Value key = body.getArgument(4);
  vectors[body.getArgument(0)] = scores;
  vectors[key] = arith::AddIOp::create(
      b, loc, vector::BroadcastOp::create(b, loc, laneType(key.getType()), toLaneInt(firstKey)),
      laneConstant(laneInt, iota));
  linearBase[key] = firstKey;
  // Narrower integers of the region keep their wrap-around on wider lanes.
  auto wrapTo = [&](Value x, Type t) -> Value {
    if (!isWideInteger(t) || bitsOf(t) >= width)
      return x;
    auto narrow = VectorType::get({lanes}, t);
    return arith::ExtSIOp::create(b, loc, laneType(t),
                                  arith::TruncIOp::create(b, loc, narrow, x));
  };

  for (Operation &inner : body.without_terminator()) {
    if (inner.getNumResults() == 0 || levels.lookup(inner.getResult(0)) != Lane)
      continue;
    Value result = inner.getResult(0);
    Type type = result.getType();
    Value out;
    if (auto read = dyn_cast<ReadOp>(inner)) {
      Value buffer = row.lookup(read.getSource());
      auto bufferType = cast<MemRefType>(buffer.getType());
      Type elt = bufferType.getElementType();
      int64_t rank = bufferType.getRank();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      // Offsets wide enough for the whole tensor.
      bool narrowOffsets = width == 32 && bufferType.hasStaticShape() &&
                           bufferType.getNumElements() < (int64_t(1) << 31);
      Type offsetInt = narrowOffsets ? laneInt : b.getI64Type();
      auto toOffsetLanes = [&](Value lanesOfInt) -> Value {
        if (offsetInt == laneInt)
          return lanesOfInt;
        return arith::ExtSIOp::create(b, loc, VectorType::get({lanes}, offsetInt), lanesOfInt);
      };
      SmallVector<Value> base, sizes;
      Value offsets;
      Value stride;
      bool contiguous = true;
      for (int64_t d = rank - 1; d >= 0; --d) {
        Value index = read.getIndices()[d];
        Value size = memref::DimOp::create(b, loc, buffer, d);
        Value last = arith::SubIOp::create(b, loc, size, one);
        sizes.insert(sizes.begin(), size);
        if (!vectors.count(index)) {
          Value x = row.lookup(index);
          base.insert(base.begin(), arith::MinSIOp::create(
                                        b, loc, arith::MaxSIOp::create(b, loc, x, zero), last));
        } else {
          base.insert(base.begin(), zero);
          contiguous &= d == rank - 1 && linearBase.count(index);
          Value lastLanes = vector::BroadcastOp::create(b, loc, laneType(index.getType()),
                                                        toLaneInt(last));
          Value clamped = arith::MinSIOp::create(
              b, loc,
              arith::MaxSIOp::create(b, loc, vectors[index],
                                     laneConstant(laneInt, SmallVector<int64_t>(lanes, 0))),
              lastLanes);
          Value term = toOffsetLanes(clamped);
          if (stride)
            term = arith::MulIOp::create(
                b, loc, term,
                vector::BroadcastOp::create(
                    b, loc, VectorType::get({lanes}, offsetInt),
                    arith::IndexCastOp::create(b, loc, offsetInt, stride)));
          offsets = offsets ? arith::AddIOp::create(b, loc, offsets, term).getResult() : term;
        }
        stride = stride ? arith::MulIOp::create(b, loc, stride, size).getResult() : size;
      }
      auto vecType = VectorType::get({lanes}, elt);
      Value nonEmpty = isNonEmpty(b, loc, buffer);
      auto gather = [&]() -> Value {
        // No lane reads a tensor that is empty at run time (it reads as 0).
        Value mask = vector::BroadcastOp::create(
            b, loc, VectorType::get({lanes}, b.getI1Type()), nonEmpty);
        Value passThrough = arith::ConstantOp::create(b, loc, b.getZeroAttr(vecType));
        return vector::GatherOp::create(b, loc, vecType, buffer, base, offsets, mask,
                                        passThrough);
      };
      if (contiguous) {
        // Along the keys, in range: one vector load; across an edge, the clamped gather.
        Value first = linearBase.lookup(read.getIndices()[rank - 1]);
        Value inRange = arith::AndIOp::create(
            b, loc,
            arith::AndIOp::create(
                b, loc, nonEmpty,
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, first, zero)),
            arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::sle,
                arith::AddIOp::create(b, loc, first, arith::ConstantIndexOp::create(b, loc, lanes)),
                sizes.back()));
        SmallVector<Value> at = base;
        at.back() = first;
        // Tensors that stay in cache (a relative-position table) need no prefetch.
        bool large = !bufferType.hasStaticShape() ||
                     bufferType.getNumElements() * bitsOf(elt) / 8 > (int64_t(1) << 18);
        if (prefetchKeys > 0 && large) {
          // A prefetch never faults: past the end it only wastes the hint.
          SmallVector<Value> ahead = at;
          ahead.back() = arith::AddIOp::create(
              b, loc, first, arith::ConstantIndexOp::create(b, loc, prefetchKeys));
          memref::PrefetchOp::create(b, loc, buffer, ahead, /*isWrite=*/false,
                                     /*localityHint=*/3, /*isDataCache=*/true);
        }
        // Lanes all before the tensor or all past its end clamp to one entry (a relative
        // table read far from the diagonal): one scalar load, broadcast.
        Value lanesValue = arith::ConstantIndexOp::create(b, loc, lanes);
        Value last = arith::SubIOp::create(b, loc, sizes.back(), one);
        Value before = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                             arith::AddIOp::create(b, loc, first, lanesValue), one);
        Value past = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, first, last);
        Value edge = arith::AndIOp::create(b, loc, nonEmpty,
                                           arith::OrIOp::create(b, loc, before, past));
        auto edgeOrGather = [&]() -> Value {
          return scf::IfOp::create(
                     b, loc, edge,
                     [&](OpBuilder &, Location) {
                       SmallVector<Value> clamped = base;
                       clamped.back() = arith::SelectOp::create(b, loc, before, zero, last);
                       Value x = memref::LoadOp::create(b, loc, buffer, clamped);
                       scf::YieldOp::create(
                           b, loc, vector::BroadcastOp::create(b, loc, vecType, x).getResult());
                     },
                     [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, gather()); })
              .getResult(0);
        };
        out = scf::IfOp::create(
                  b, loc, inRange,
                  [&](OpBuilder &, Location) {
                    scf::YieldOp::create(
                        b, loc, vector::LoadOp::create(b, loc, vecType, buffer, at).getResult());
                  },
                  [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, edgeOrGather()); })
                  .getResult(0);
      } else {
        out = gather();
      }
      if (isWideInteger(elt) && bitsOf(elt) != width)
        out = bitsOf(elt) < width
                  ? arith::ExtSIOp::create(b, loc, laneType(elt), out).getResult()
                  : arith::TruncIOp::create(b, loc, laneType(elt), out).getResult();
    } else if (isIntegerDivision(&inner)) {
      out = wrapTo(buildDivisionOrZero(b, loc, inner, get(inner.getOperand(0)),
                                  get(inner.getOperand(1)), laneType(type)),
                   type);
    } else if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp, arith::ExtUIOp,
                   arith::TruncIOp>(inner)) {
      Value source = inner.getOperand(0);
      Value x = get(source);
      if (source.getType().isInteger(1)) {
        out = isa<arith::ExtSIOp>(inner)
                  ? arith::ExtSIOp::create(b, loc, laneType(type), x).getResult()
                  : arith::ExtUIOp::create(b, loc, laneType(type), x).getResult();
      } else if (isa<arith::ExtUIOp, arith::IndexCastUIOp>(inner) &&
                 bitsOf(source.getType()) < width) {
        // Zero-extend the source's own bits.
        auto narrow = VectorType::get({lanes}, source.getType());
        out = arith::ExtUIOp::create(b, loc, laneType(type),
                                     arith::TruncIOp::create(b, loc, narrow, x));
      } else {
        out = wrapTo(x, type);
      }
      // A linear index stays linear through casts that do not wrap it.
      if (Value base = linearBase.lookup(source); base && bitsOf(type) >= 32)
        linearBase[result] = base;
    } else if (isa<arith::UIToFPOp>(inner) && bitsOf(inner.getOperand(0).getType()) < width) {
      auto narrow = VectorType::get({lanes}, inner.getOperand(0).getType());
      out = arith::UIToFPOp::create(
          b, loc, laneType(type),
          arith::TruncIOp::create(b, loc, narrow, get(inner.getOperand(0))));
    } else {
      // Every other elementwise arith/math op: the same op on vectors.
      OperationState state(loc, inner.getName());
      for (Value operand : inner.getOperands())
        state.addOperands(get(operand));
      state.addTypes(laneType(type));
      state.addAttributes(inner.getAttrs());
      out = wrapTo(b.create(state)->getResult(0), type);
      // base + uniform and uniform + base, base - uniform stay linear.
      if (isa<arith::AddIOp, arith::SubIOp>(inner)) {
        Value lhs = inner.getOperand(0), rhs = inner.getOperand(1);
        bool lhsLinear = linearBase.count(lhs) && !vectors.count(rhs);
        bool rhsLinear = isa<arith::AddIOp>(inner) && linearBase.count(rhs) && !vectors.count(lhs);
        if ((lhsLinear || rhsLinear) && type.isIndex()) {
          Value base = linearBase.lookup(lhsLinear ? lhs : rhs);
          Value other = row.lookup(lhsLinear ? rhs : lhs);
          linearBase[result] = isa<arith::AddIOp>(inner)
                                   ? arith::AddIOp::create(b, loc, base, other).getResult()
                                   : arith::SubIOp::create(b, loc, base, other).getResult();
        }
      }
    }
    vectors[result] = out;
  }
  return get(cast<YieldOp>(body.getTerminator()).getValue());
}
