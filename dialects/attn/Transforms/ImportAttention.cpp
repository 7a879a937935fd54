//===- ImportAttention.cpp - other compilers' attention ops to attn.attention ===//
//
// IREE (iree_linalg_ext.attention) and torch-mlir (tm_tensor.attention) each lower
// `scaled_dot_product_attention` to one attention op of their own. Their dialects are
// not linked here: the ops are read as unregistered operations in generic form, by
// name, operand order and the `indexing_maps` of IREE's op.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/AttnOps.h"
#include "attn/Transforms/AttentionLayout.h"
#include "attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>
#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNIMPORTATTENTION
#include "attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Attention over operands already in [batch..., rows, cols] order: Q [.., M, D],
/// K [.., Nk, D], V [.., Nk, E], mask [.., M, Nk] (batch dims possibly 1).
struct Canonical {
  Value q, k, v, mask;
  unsigned numBatch = 0;
  std::optional<double> scale;
  Type resultElement;
};

bool isHalf(Type t) { return t.isF16() || t.isBF16(); }

/// `value` with its dims reordered: result dim i is dim perm[i] of `value`.
Value transposed(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return value;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : perm)
    sizes.push_back(tensor::getMixedSize(b, loc, value, d));
  Type element = cast<RankedTensorType>(value.getType()).getElementType();
  Value init = tensor::EmptyOp::create(b, loc, sizes, element);
  return linalg::TransposeOp::create(b, loc, value, init, perm)->getResult(0);
}

/// A boolean mask (true: the pair takes part) as the additive 0 / -inf f32 mask.
Value additiveMask(OpBuilder &b, Location loc, Value mask) {
  auto type = cast<RankedTensorType>(mask.getType());
  if (!type.getElementType().isInteger(1))
    return mask;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(tensor::getMixedSize(b, loc, mask, d));
  Value init = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(), utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, init.getType(), mask, init, ArrayRef<AffineMap>{id, id}, parallel,
             [](OpBuilder &nb, Location nl, ValueRange args) {
               Value zero = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(0.0));
               Value hidden = arith::ConstantOp::create(
                   nb, nl, nb.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
               Value x = arith::SelectOp::create(nb, nl, args[0], zero, hidden);
               linalg::YieldOp::create(nb, nl, x);
             })
      ->getResult(0);
}

/// Checks what attn.attention's verifier would refuse, with the importer's words.
LogicalResult checkTypes(Operation *op, const Canonical &c) {
  Type q = getElementTypeOrSelf(c.q), k = getElementTypeOrSelf(c.k),
       v = getElementTypeOrSelf(c.v);
  if (!isa<FloatType>(q) || !isa<FloatType>(k) || !isa<FloatType>(v))
    return op->emitError("imports floating-point attention only");
  if (k != v)
    return op->emitError("key and value element types differ: ") << k << " and " << v;
  if (q != k && !(q.isF32() && isHalf(k)))
    return op->emitError("query element type ") << q << " over keys of " << k
                                                << " has no attn.attention form";
  if (c.resultElement != q && !(c.resultElement.isF32() && isHalf(q)))
    return op->emitError("result element type ") << c.resultElement << " over a query of "
                                                 << q << " has no attn.attention form";
  if (c.mask && !isa<FloatType>(getElementTypeOrSelf(c.mask)) &&
      !getElementTypeOrSelf(c.mask).isInteger(1))
    return op->emitError("the mask must be boolean (i1) or floating point, got ")
           << getElementTypeOrSelf(c.mask);
  // Several dynamic batch dims collapsed into one and expanded back trip LLVM 22's
  // expand-strided-metadata (docs/conventions.md, "Known toolchain limits").
  if (c.numBatch > 2) {
    auto qt = cast<RankedTensorType>(c.q.getType());
    unsigned dynamic = 0;
    for (unsigned d = 0; d + 1 < c.numBatch; ++d)
      dynamic += qt.isDynamicDim(d);
    if (dynamic > 1)
      return op->emitError("more than two batch dims with several of them dynamic are not "
                           "imported");
  }
  return success();
}

/// attn.attention for `c`, in the [batch..., M, E] layout of the original result.
Value buildAttention(OpBuilder &b, Location loc, const Canonical &c) {
  unsigned numBatch = c.numBatch > 0 ? c.numBatch - 1 : 0;
  unsigned numHeads = c.numBatch > 0 ? 1 : 0;
  Value q = toAttentionLayout(b, loc, c.q, numBatch, numHeads);
  Value k = toAttentionLayout(b, loc, c.k, numBatch, numHeads);
  Value v = toAttentionLayout(b, loc, c.v, numBatch, numHeads);
  Value bias = c.mask ? toAttentionLayout(b, loc, additiveMask(b, loc, c.mask), numBatch,
                                          numHeads)
                      : Value();
  auto qType = cast<RankedTensorType>(q.getType());
  auto vType = cast<RankedTensorType>(v.getType());
  auto type = RankedTensorType::get({qType.getDimSize(0), qType.getDimSize(1),
                                     qType.getDimSize(2), vType.getDimSize(3)},
                                    c.resultElement);
  MLIRContext *ctx = b.getContext();
  auto attention = AttentionOp::create(
      b, loc, type, /*lse=*/Type(), q, k, v, /*maskOperands=*/ValueRange{},
      /*projection=*/Value(), /*offsets=*/ValueRange{},
      /*captures=*/bias ? ValueRange{bias} : ValueRange{}, /*pageTable=*/Value(),
      /*lengths=*/Value(), /*cuSeqlensQ=*/Value(), /*cuSeqlensK=*/Value(), MaskAttr(),
      FeatureKindAttr(), NormalizerAttr::get(ctx, Normalizer::Softmax),
      c.scale ? b.getF64FloatAttr(*c.scale) : FloatAttr(), /*softcap=*/FloatAttr(),
      /*shift=*/FloatAttr(), RowDivisorAttr(), DenseF64ArrayAttr(), LinearOrderAttr(),
      IntegerAttr());
  if (bias) {
    // score + bias[b, h, i, j]: attn.read clamps, so broadcast (size-1) dims read 0.
    Type score = getElementTypeOrSelf(c.q).isF64() ? b.getF64Type() : b.getF32Type();
    Block *block = &attention.getScoreMod().emplaceBlock();
    SmallVector<Type> argTypes = {score};
    argTypes.append(AttentionOp::kScoreModIndices, b.getIndexType());
    argTypes.push_back(bias.getType());
    block->addArguments(argTypes, SmallVector<Location>(argTypes.size(), loc));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(block);
    Value x = ReadOp::create(b, loc, block->getArgument(1 + AttentionOp::kScoreModIndices),
                             block->getArguments().slice(1, 4));
    if (x.getType() != score)
      x = cast<FloatType>(x.getType()).getWidth() < cast<FloatType>(score).getWidth()
              ? Value(arith::ExtFOp::create(b, loc, score, x))
              : Value(arith::TruncFOp::create(b, loc, score, x));
    YieldOp::create(b, loc, Value(arith::AddFOp::create(b, loc, block->getArgument(0), x)));
  }
  // Back to [batch..., M, E].
  auto cq = cast<RankedTensorType>(c.q.getType());
  SmallVector<OpFoldResult> shape;
  SmallVector<int64_t> staticShape;
  for (unsigned d = 0; d + 1 < cq.getRank(); ++d)
    shape.push_back(tensor::getMixedSize(b, loc, c.q, d));
  shape.push_back(tensor::getMixedSize(b, loc, c.v, cq.getRank() - 1));
  for (OpFoldResult s : shape)
    staticShape.push_back(getConstantIntValue(s).value_or(ShapedType::kDynamic));
  return fromAttentionLayout(b, loc, attention.getResult(), numBatch, numHeads,
                             RankedTensorType::get(staticShape, c.resultElement), shape);
}

/// The value of a constant float scale.
std::optional<double> constantFloat(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

/// `indexing_maps` of an unregistered op: in its properties (generic form `<{...}>`) or
/// its attributes.
ArrayAttr indexingMaps(Operation *op) {
  if (auto dict = dyn_cast_or_null<DictionaryAttr>(op->getPropertiesAsAttribute()))
    if (auto maps = dict.getAs<ArrayAttr>("indexing_maps"))
      return maps;
  return op->getAttrOfType<ArrayAttr>("indexing_maps");
}

LogicalResult importIree(OpBuilder &b, Operation *op) {
  Location loc = op->getLoc();
  unsigned n = op->getNumOperands();
  if ((n != 5 && n != 6) || op->getNumResults() != 1)
    return op->emitError("expected (query, key, value, scale, [mask,] output) and one result");
  ArrayAttr mapsAttr = indexingMaps(op);
  if (!mapsAttr || mapsAttr.size() != n ||
      !llvm::all_of(mapsAttr, [](Attribute a) { return isa<AffineMapAttr>(a); }))
    return op->emitError("expected one affine map per operand in 'indexing_maps'");
  SmallVector<AffineMap> maps;
  for (Attribute a : mapsAttr)
    maps.push_back(cast<AffineMapAttr>(a).getValue());
  AffineMap qMap = maps[0], kMap = maps[1], vMap = maps[2], oMap = maps.back();
  std::optional<AffineMap> maskMap = n == 6 ? std::optional(maps[4]) : std::nullopt;
  for (unsigned i = 0; i < n; ++i)
    if (i != 3 && (!isa<RankedTensorType>(op->getOperand(i).getType()) ||
                   !maps[i].isProjectedPermutation() ||
                   maps[i].getNumResults() !=
                       cast<RankedTensorType>(op->getOperand(i).getType()).getRank()))
      return op->emitError("indexing map ") << i << " is not a projected permutation of "
                                              "its operand's dims";
  if (maps[3].getNumResults() != 0 || !isa<FloatType>(op->getOperand(3).getType()))
    return op->emitError("the scale (operand 3) must be a float scalar");
  // Dimension roles from where each loop dim appears.
  unsigned numDims = qMap.getNumDims();
  auto uses = [](AffineMap m, unsigned d) { return m.isFunctionOfDim(d); };
  SmallVector<int64_t> batch;
  int64_t m = -1, d = -1, nk = -1, e = -1;
  for (unsigned dim = 0; dim < numDims; ++dim) {
    bool inQ = uses(qMap, dim), inK = uses(kMap, dim), inV = uses(vMap, dim),
         inO = uses(oMap, dim);
    int64_t *role = nullptr;
    if (inQ && inK && inV && inO)
      batch.push_back(dim);
    else if (inQ && inO && !inK && !inV)
      role = &m;
    else if (inQ && inK && !inV && !inO)
      role = &d;
    else if (inK && inV && !inQ && !inO)
      role = &nk;
    else if (inV && inO && !inQ && !inK)
      role = &e;
    else
      return op->emitError("loop dim d") << dim << " has no attention role (batch dims must "
                                            "index query, key, value and output)";
    if (role) {
      if (*role >= 0)
        return op->emitError("several loop dims play one role (d")
               << *role << " and d" << dim << "): not imported";
      *role = dim;
    }
  }
  if (m < 0 || d < 0 || nk < 0 || e < 0)
    return op->emitError("expected a query sequence, head, key sequence and value dim");
  // Each operand's permutation to its canonical [batch..., x, y].
  auto permutation = [&](AffineMap map, ArrayRef<int64_t> order) {
    SmallVector<int64_t> perm;
    for (int64_t dim : order)
      if (auto pos = map.getResultPosition(b.getAffineDimExpr(dim)))
        perm.push_back(*pos);
    return perm;
  };
  auto with = [&](int64_t x, int64_t y) {
    SmallVector<int64_t> order(batch);
    order.push_back(x);
    order.push_back(y);
    return order;
  };
  Canonical c;
  c.numBatch = batch.size();
  c.resultElement = getElementTypeOrSelf(op->getResult(0));
  c.scale = constantFloat(op->getOperand(3));
  if (!c.scale)
    return op->emitError("the scale must be a constant");
  Block *region = op->getNumRegions() == 1 && !op->getRegion(0).empty()
                      ? &op->getRegion(0).front()
                      : nullptr;
  if (!region || region->getNumArguments() != 1 || region->empty() ||
      region->back().getNumOperands() != 1 ||
      region->back().getOperand(0) != region->getArgument(0))
    return op->emitError("only a region that yields its score unchanged is imported");
  b.setInsertionPoint(op);
  c.q = transposed(b, loc, op->getOperand(0), permutation(qMap, with(m, d)));
  c.k = transposed(b, loc, op->getOperand(1), permutation(kMap, with(nk, d)));
  c.v = transposed(b, loc, op->getOperand(2), permutation(vMap, with(nk, e)));
  if (maskMap) {
    // Broadcast batch dims of the mask become unit dims.
    Value mask = op->getOperand(4);
    SmallVector<int64_t> present;
    for (int64_t dim : with(m, nk))
      if (maskMap->isFunctionOfDim(dim))
        present.push_back(dim);
    if (!maskMap->isFunctionOfDim(m) || !maskMap->isFunctionOfDim(nk))
      return op->emitError("the mask must index the query and key sequences");
    mask = transposed(b, loc, mask, permutation(*maskMap, present));
    if (present.size() != batch.size() + 2) {
      // Absent (broadcast) dims join the group of the next present one; the rows and
      // keys are always present, so every group ends in one.
      auto type = cast<RankedTensorType>(mask.getType());
      SmallVector<int64_t> shape;
      SmallVector<OpFoldResult> sizes;
      SmallVector<ReassociationIndices> groups;
      ReassociationIndices pending;
      unsigned src = 0;
      for (int64_t dim : with(m, nk)) {
        pending.push_back(shape.size());
        if (llvm::is_contained(present, dim)) {
          shape.push_back(type.getDimSize(src));
          sizes.push_back(tensor::getMixedSize(b, loc, mask, src++));
          groups.push_back(pending);
          pending.clear();
        } else {
          shape.push_back(1);
          sizes.push_back(b.getIndexAttr(1));
        }
      }
      mask = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get(shape, type.getElementType()), mask, groups, sizes);
    }
    c.mask = mask;
  }
  if (failed(checkTypes(op, c)))
    return failure();
  Value result = buildAttention(b, loc, c);
  // [batch..., M, E] -> the output map's order.
  SmallVector<int64_t> canonical = with(m, e), perm;
  for (AffineExpr r : oMap.getResults())
    perm.push_back(llvm::find(canonical, cast<AffineDimExpr>(r).getPosition()) -
                   canonical.begin());
  result = transposed(b, loc, result, perm);
  if (result.getType() != op->getResult(0).getType())
    result = tensor::CastOp::create(b, loc, op->getResult(0).getType(), result);
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
  return success();
}

LogicalResult importTmTensor(OpBuilder &b, Operation *op) {
  unsigned n = op->getNumOperands();
  if ((n != 4 && n != 5) || op->getNumResults() != 1)
    return op->emitError("expected (query, key, value, [mask,] output) and one result");
  auto rank = [&](unsigned i) -> int64_t {
    auto type = dyn_cast<RankedTensorType>(op->getOperand(i).getType());
    return type ? type.getRank() : -1;
  };
  int64_t r = rank(0);
  for (unsigned i = 0; i < n; ++i)
    if (rank(i) != r || r < 0)
      return op->emitError("operands must be tensors of one rank");
  if (r < 2)
    return op->emitError("operands must be [..., N, D]");
  Canonical c;
  c.q = op->getOperand(0);
  c.k = op->getOperand(1);
  c.v = op->getOperand(2);
  c.mask = n == 5 ? op->getOperand(3) : Value();
  c.numBatch = r - 2;
  c.resultElement = getElementTypeOrSelf(op->getResult(0));
  // torch-mlir's op scales by 1/sqrt(D), attn.attention's default.
  if (failed(checkTypes(op, c)))
    return failure();
  b.setInsertionPoint(op);
  Value result = buildAttention(b, op->getLoc(), c);
  if (result.getType() != op->getResult(0).getType())
    result = tensor::CastOp::create(b, op->getLoc(), op->getResult(0).getType(), result);
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
  return success();
}

struct AttnImportAttentionPass
    : public attn::impl::AttnImportAttentionBase<AttnImportAttentionPass> {
  void runOnOperation() override {
    SmallVector<Operation *> found;
    getOperation()->walk([&](Operation *op) {
      StringRef name = op->getName().getStringRef();
      if (name == "iree_linalg_ext.attention" || name == "tm_tensor.attention")
        found.push_back(op);
    });
    OpBuilder b(&getContext());
    for (Operation *op : found) {
      bool isIree = op->getName().getStringRef() == "iree_linalg_ext.attention";
      if (!llvm::all_of(op->getOperandTypes(), [&](Type t) {
            return isa<RankedTensorType>(t) || isa<FloatType>(t);
          }) ||
          !llvm::all_of(op->getResultTypes(), [](Type t) { return isa<RankedTensorType>(t); })) {
        op->emitError("expected ranked tensor operands and results");
        return signalPassFailure();
      }
      // The scale constant and the output's tensor.empty die with the op.
      SmallVector<Operation *> producers;
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          producers.push_back(def);
      if (failed(isIree ? importIree(b, op) : importTmTensor(b, op)))
        return signalPassFailure();
      for (Operation *def : producers)
        if (def->use_empty() && isOpTriviallyDead(def))
          def->erase();
    }
  }
};
} // namespace
