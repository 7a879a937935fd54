//===- AttentionLayout.cpp - to and from attn.attention's [B, H, N, D] ----===//
#include "attn/Transforms/AttentionLayout.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

/// Reassociation of a rank-(numBatch + numHeads + 2) tensor into [batch, heads, seq,
/// dim] groups; empty groups are omitted (they become unit dims).
static SmallVector<ReassociationIndices> groupsOf(unsigned numBatch, unsigned numHeads) {
  SmallVector<ReassociationIndices> groups;
  int64_t d = 0;
  for (unsigned n : {numBatch, numHeads}) {
    if (n == 0)
      continue;
    groups.emplace_back();
    for (unsigned i = 0; i < n; ++i)
      groups.back().push_back(d++);
  }
  groups.push_back({d});
  groups.push_back({d + 1});
  return groups;
}

/// Merges leading unit dims into the first group: [[0..missing], [missing+1], ...].
static SmallVector<ReassociationIndices> unitGroups(unsigned missing) {
  SmallVector<ReassociationIndices> groups(1);
  for (unsigned i = 0; i <= missing; ++i)
    groups[0].push_back(i);
  for (unsigned i = missing + 1; i < 4; ++i)
    groups.push_back({(int64_t)i});
  return groups;
}

static bool isTrivial(ArrayRef<ReassociationIndices> groups) {
  return llvm::all_of(groups, [](const ReassociationIndices &g) { return g.size() == 1; });
}

Value mlir::attn::toAttentionLayout(OpBuilder &b, Location loc, Value value, unsigned numBatch,
                        unsigned numHeads) {
  SmallVector<ReassociationIndices> groups = groupsOf(numBatch, numHeads);
  if (!isTrivial(groups))
    value = tensor::CollapseShapeOp::create(b, loc, value, groups);
  unsigned missing = (numBatch == 0) + (numHeads == 0);
  if (missing == 0)
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> shape(missing, b.getIndexAttr(1));
  for (int64_t i = 0; i < type.getRank(); ++i)
    shape.push_back(tensor::getMixedSize(b, loc, value, i));
  SmallVector<int64_t> staticShape;
  SmallVector<Value> dynamic;
  dispatchIndexOpFoldResults(shape, dynamic, staticShape);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(staticShape, type.getElementType()), value,
      unitGroups(missing), shape);
}

Value mlir::attn::fromAttentionLayout(OpBuilder &b, Location loc, Value value, unsigned numBatch,
                          unsigned numHeads, RankedTensorType type,
                          ArrayRef<OpFoldResult> shape) {
  unsigned missing = (numBatch == 0) + (numHeads == 0);
  if (missing)
    value = tensor::CollapseShapeOp::create(b, loc, value, unitGroups(missing));
  SmallVector<ReassociationIndices> groups = groupsOf(numBatch, numHeads);
  if (isTrivial(groups))
    return value;
  return tensor::ExpandShapeOp::create(b, loc, type, value, groups, shape);
}

