#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace mlir::attn;

Value GenericBody::index(char letter) const {
  size_t pos = loops.find(letter);
  assert(pos != StringRef::npos && "letter is not a loop of this generic");
  return linalg::IndexOp::create(b, loc, pos);
}

OpFoldResult mlir::attn::getLetterSize(OpBuilder &b, Location loc, char letter,
                                       ArrayRef<Indexed> sources) {
  const Indexed *dynamicSource = nullptr;
  int64_t dynamicDim = 0;
  for (const Indexed &s : sources) {
    size_t pos = s.letters.find(letter);
    if (pos == std::string::npos)
      continue;
    auto type = cast<ShapedType>(s.value.getType());
    if (!type.isDynamicDim(pos))
      return b.getIndexAttr(type.getDimSize(pos));
    if (!dynamicSource) {
      dynamicSource = &s;
      dynamicDim = pos;
    }
  }
  assert(dynamicSource && "letter appears in no source; verifiers guarantee it does");
  return tensor::getMixedSize(b, loc, dynamicSource->value, dynamicDim);
}

static arith::FastMathFlags reorderable() {
  return arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
}

Value mlir::attn::multiplyAccumulate(const GenericBody &g) {
  Value product = arith::MulFOp::create(g.b, g.loc, g.args[0], g.args[1], reorderable());
  return arith::AddFOp::create(g.b, g.loc, g.args[2], product, reorderable());
}

Value mlir::attn::divideOrZero(const GenericBody &g) {
  Value den = g.args[1];
  Value zero = floatConstant(g.b, g.loc, den.getType(), 0.0);
  Value isZero = arith::CmpFOp::create(g.b, g.loc, arith::CmpFPredicate::OEQ, den, zero);
  Value quotient = arith::DivFOp::create(g.b, g.loc, g.args[0], den);
  return arith::SelectOp::create(g.b, g.loc, isZero, zero, quotient);
}

Value mlir::attn::scaleAndSoftcap(OpBuilder &b, Location loc, Value x, double scale,
                                  std::optional<double> softcap) {
  Type t = x.getType();
  x = arith::MulFOp::create(b, loc, x, floatConstant(b, loc, t, scale));
  if (!softcap)
    return x;
  Value c = floatConstant(b, loc, t, *softcap);
  Value capped = math::TanhOp::create(b, loc, arith::DivFOp::create(b, loc, x, c));
  return arith::MulFOp::create(b, loc, capped, c);
}

Value mlir::attn::floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value mlir::attn::negInfinity(OpBuilder &b, Location loc, Type type) {
  auto ft = cast<FloatType>(type);
  return arith::ConstantOp::create(
      b, loc, b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), /*Negative=*/true)));
}

Value mlir::attn::buildInit(OpBuilder &b, Location loc, Type elt, StringRef letters,
                            ArrayRef<Indexed> sources, std::optional<double> fill) {
  SmallVector<OpFoldResult> sizes;
  for (char c : letters)
    sizes.push_back(getLetterSize(b, loc, c, sources));
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elt);
  if (!fill)
    return empty;
  Value value = std::isinf(*fill) && *fill < 0 ? negInfinity(b, loc, elt)
                                                : floatConstant(b, loc, elt, *fill);
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty}).getResult(0);
}

Value mlir::attn::buildGeneric(OpBuilder &b, Location loc, ArrayRef<Indexed> inputs,
                               Indexed init, BodyFn body) {
  std::string loops = init.letters;
  for (const Indexed &in : inputs)
    for (char c : in.letters)
      if (loops.find(c) == std::string::npos)
        loops.push_back(c);
  MLIRContext *ctx = b.getContext();
  auto mapOf = [&](StringRef letters) {
    SmallVector<AffineExpr> exprs;
    for (char c : letters)
      exprs.push_back(getAffineDimExpr(loops.find(c), ctx));
    return AffineMap::get(loops.size(), 0, exprs, ctx);
  };
  SmallVector<AffineMap> maps;
  SmallVector<Value> inputValues;
  for (const Indexed &in : inputs) {
    maps.push_back(mapOf(in.letters));
    inputValues.push_back(in.value);
  }
  maps.push_back(mapOf(init.letters));
  SmallVector<utils::IteratorType> iterators;
  for (char c : loops)
    iterators.push_back(init.letters.find(c) == std::string::npos
                            ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.value.getType()}, inputValues, ValueRange{init.value}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(GenericBody{nb, nloc, args, loops});
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value mlir::attn::buildElementwise(OpBuilder &b, Location loc, ArrayRef<Indexed> inputs,
                                   StringRef outLetters, BodyFn body) {
  Type elt = cast<ShapedType>(inputs.front().value.getType()).getElementType();
  Value init = buildInit(b, loc, elt, outLetters, inputs);
  return buildGeneric(b, loc, inputs, {init, outLetters.str()}, body);
}

Value mlir::attn::buildReduction(OpBuilder &b, Location loc, Indexed input,
                                 StringRef outLetters, bool isMax) {
  Type elt = cast<ShapedType>(input.value.getType()).getElementType();
  Value init = buildInit(b, loc, elt, outLetters, {input},
                         isMax ? -std::numeric_limits<double>::infinity() : 0.0);
  return buildGeneric(b, loc, {input}, {init, outLetters.str()}, [&](const GenericBody &g) {
    return isMax ? (Value)arith::MaximumFOp::create(g.b, g.loc, g.args[1], g.args[0])
                 : (Value)arith::AddFOp::create(g.b, g.loc, g.args[1], g.args[0],
                                                reorderable());
  });
}

/// i1: entry [batch, head, row / bq, key / bk] of a block layout tensor is nonzero (and
/// within the layout; blocks past it, and rows before the first, are hidden).
static Value layoutEntrySet(OpBuilder &b, Location loc, Value layout, Value batch, Value head,
                            Value row, Value key, int64_t bq, int64_t bk) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  // Unsigned: negative rows land past the layout.
  Value qb = arith::DivUIOp::create(b, loc, row, index(bq));
  Value kb = arith::DivUIOp::create(b, loc, key, index(bk));
  Value numQ = tensor::DimOp::create(b, loc, layout, 2);
  Value numK = tensor::DimOp::create(b, loc, layout, 3);
  Value inside = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, qb, numQ),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, kb, numK));
  // Read a clamped entry (never out of bounds), then hide what the layout misses.
  Value one = index(1);
  qb = arith::MinUIOp::create(b, loc, qb, arith::SubIOp::create(b, loc, numQ, one));
  kb = arith::MinUIOp::create(b, loc, kb, arith::SubIOp::create(b, loc, numK, one));
  Value entry = tensor::ExtractOp::create(b, loc, layout, ValueRange{batch, head, qb, kb});
  Value set = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, entry,
                                    arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0));
  return arith::AndIOp::create(b, loc, set, inside);
}

Value mlir::attn::buildTensorMaskPredicate(OpBuilder &b, Location loc, MaskAttr mask,
                                           ValueRange maskOperands, Value batch,
                                           Value localHead, Value head, Value row, Value key,
                                           Value rowToPosition) {
  // Ids are read at positions clamped into [0, Nk): queries outside are hidden by the
  // predicate, keys outside (a key tile placed past the ids) read the nearest id.
  auto segmentIds = [&](unsigned i, bool isQuery) -> Value {
    Value segments = maskOperands[i];
    Value pos = isQuery ? arith::AddIOp::create(b, loc, row, rowToPosition) : key;
    Value last = arith::SubIOp::create(b, loc, tensor::DimOp::create(b, loc, segments, 1),
                                       arith::ConstantIndexOp::create(b, loc, 1));
    pos = arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, pos, last),
                                 arith::ConstantIndexOp::create(b, loc, 0));
    return tensor::ExtractOp::create(b, loc, segments, ValueRange{batch, pos});
  };
  auto blockVisible = [&](unsigned i, int64_t bq, int64_t bk) {
    return layoutEntrySet(b, loc, maskOperands[i], batch, localHead, row, key, bq, bk);
  };
  MaskOperandAccess access{segmentIds, nullptr, blockVisible, nullptr};
  return buildMaskPredicate(b, loc, mask, row, key, rowToPosition, head, &access);
}
