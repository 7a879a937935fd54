//===- ExpandSequences.cpp - paged and packed attention, one sequence at a time -===//
//
// attn.attention over packed sequences (varlen: cu_seqlens) or a paged KV cache becomes
// an scf.for over the sequences, each an attn.attention without varlen / pages over its
// own rows and keys, inserted into the result. Each sequence's positions are then its
// own (end-aligned over its lengths), as both ops define, and the inner ops lower like
// any other (the fused kernels, the linalg tile loops).
//   - varlen: the sequence's slices of q, k and v; rows outside every sequence keep the
//     result's initial 0 (lse -inf). Both CPU lowerings expand varlen first.
//   - pages: the sequence's query rows and its keys gathered through its page table into
//     [1, G, length, D] (tensor.generate). The vector kernel reads page tables itself;
//     the generic path (convert-attn-to-linalg) expands.
// Offsets, lengths and page ids are clamped into range, so that bad ones never read
// outside the tensors (the reference reports them).
//
//===----------------------------------------------------------------------===//
#include "attn/Transforms/Passes.h"

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {
/// One sequence's operands: its query rows (a slice of q, placed at `rowOffsets` of the
/// result), keys and values.
struct Sequence {
  Value query, key, value;
  SmallVector<OpFoldResult> rowOffsets;
};
using SequenceFn = function_ref<Sequence(OpBuilder &, Location, Value)>;
} // namespace

static Value clampIndex(OpBuilder &b, Location loc, Value x, Value lo, Value hi) {
  return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, x, lo), hi);
}

static Value indexAt(OpBuilder &b, Location loc, Value tensor, ValueRange at) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                    tensor::ExtractOp::create(b, loc, tensor, at));
}

/// `op` replaced by an scf.for over `count` sequences from `init` (the result, and the
/// lse when the op has one): each iteration clones `op` without pages or varlen over
/// `sequence(s)` and inserts its result(s) at the sequence's rows.
static void replaceBySequenceLoop(RewriterBase &rewriter, AttentionOp op, Value count,
                                  ValueRange init, SequenceFn sequence) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0),
        one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zero, count, one, init, [&](OpBuilder &b, Location loc, Value s, ValueRange acc) {
        Sequence seq = sequence(b, loc, s);
        auto inner = cast<AttentionOp>(b.clone(*op.getOperation()));
        inner.getQueryMutable().assign(seq.query);
        inner.getKeyMutable().assign(seq.key);
        inner.getValueMutable().assign(seq.value);
        inner.getPageTableMutable().clear();
        inner.getLengthsMutable().clear();
        inner.getCuSeqlensQMutable().clear();
        inner.getCuSeqlensKMutable().clear();
        SmallVector<int64_t> shape(cast<RankedTensorType>(seq.query.getType()).getShape());
        shape[3] = op.getType().getDimSize(3);
        inner.getResult().setType(RankedTensorType::get(shape, op.getType().getElementType()));
        SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, seq.query);
        sizes[3] = tensor::getMixedSize(b, loc, op.getValue(), 3);
        SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
        SmallVector<Value> next{tensor::InsertSliceOp::create(
            b, loc, inner.getResult(), acc[0], seq.rowOffsets, sizes, strides)};
        if (Value lse = inner.getLse()) {
          lse.setType(RankedTensorType::get(ArrayRef(shape).take_front(3), b.getF32Type()));
          next.push_back(tensor::InsertSliceOp::create(
              b, loc, lse, acc[1], ArrayRef(seq.rowOffsets).take_front(3),
              ArrayRef(sizes).take_front(3), ArrayRef(strides).take_front(3)));
        }
        scf::YieldOp::create(b, loc, next);
      });
  rewriter.replaceOp(op, loop.getResults());
}

/// Tensors shaped like `op`'s results (and lse), filled with `value` / `lseValue` when
/// given (else left empty: every row is written).
static SmallVector<Value> resultInit(OpBuilder &b, AttentionOp op,
                                     std::optional<double> value = std::nullopt,
                                     std::optional<double> lseValue = std::nullopt) {
  Location loc = op.getLoc();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, op.getQuery());
  sizes[3] = tensor::getMixedSize(b, loc, op.getValue(), 3);
  auto make = [&](RankedTensorType type, ArrayRef<OpFoldResult> shape,
                  std::optional<double> fill) -> Value {
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(getValueOrCreateConstantIndexOp(b, loc, shape[d]));
    Value empty = tensor::EmptyOp::create(b, loc, type, dynamic);
    if (!fill)
      return empty;
    Value x = arith::ConstantOp::create(b, loc, b.getFloatAttr(type.getElementType(), *fill));
    return linalg::FillOp::create(b, loc, x, empty).getResult(0);
  };
  SmallVector<Value> init{make(op.getType(), sizes, value)};
  if (Value lse = op.getLse())
    init.push_back(
        make(cast<RankedTensorType>(lse.getType()), ArrayRef(sizes).take_front(3), lseValue));
  return init;
}

static void expandVarlen(RewriterBase &rewriter, AttentionOp op) {
  Location loc = op.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  SmallVector<Value> init =
      resultInit(b, op, 0.0, -std::numeric_limits<double>::infinity());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0),
        one = arith::ConstantIndexOp::create(b, loc, 1);
  Value entries = tensor::DimOp::create(b, loc, op.getCuSeqlensQ(), 0);
  Value sequences = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, entries, one), zero);
  Value queryRows = tensor::DimOp::create(b, loc, q, 2), keyRows = tensor::DimOp::create(b, loc, k, 2);
  replaceBySequenceLoop(rewriter, op, sequences, init,
                        [&](OpBuilder &b, Location loc, Value s) -> Sequence {
    // [start, end) of sequence s in `offsets`, clamped into [0, rows].
    auto range = [&](Value offsets, Value rows) {
      Value start = clampIndex(b, loc, indexAt(b, loc, offsets, ValueRange{s}), zero, rows);
      Value next = arith::AddIOp::create(b, loc, s, one);
      Value end = clampIndex(b, loc, indexAt(b, loc, offsets, next), start, rows);
      return std::make_pair(start, arith::SubIOp::create(b, loc, end, start).getResult());
    };
    auto [q0, qn] = range(op.getCuSeqlensQ(), queryRows);
    auto [k0, kn] = range(op.getCuSeqlensK(), keyRows);
    auto slice = [&](Value t, Value start, Value size) {
      SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0), start,
                                        b.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, t);
      sizes[2] = size;
      return tensor::ExtractSliceOp::create(b, loc, t, offsets, sizes,
                                            SmallVector<OpFoldResult>(4, b.getIndexAttr(1)))
          .getResult();
    };
    SmallVector<OpFoldResult> rowOffsets{b.getIndexAttr(0), b.getIndexAttr(0), q0,
                                         b.getIndexAttr(0)};
    return Sequence{slice(q, q0, qn), slice(k, k0, kn), slice(v, k0, kn), rowOffsets};
  });
}

/// `pool` [P, S, G, W] gathered for sequence `batch` into [1, G, length, W].
static Value gatherSequence(OpBuilder &b, Location loc, Value pool, Value table, Value batch,
                            Value length) {
  auto poolType = cast<RankedTensorType>(pool.getType());
  SmallVector<int64_t> shape{1, poolType.getDimSize(2), ShapedType::kDynamic,
                             poolType.getDimSize(3)};
  SmallVector<Value> dynamic;
  if (poolType.isDynamicDim(2))
    dynamic.push_back(tensor::DimOp::create(b, loc, pool, 2));
  dynamic.push_back(length);
  if (poolType.isDynamicDim(3))
    dynamic.push_back(tensor::DimOp::create(b, loc, pool, 3));
  auto type = RankedTensorType::get(shape, poolType.getElementType());
  return tensor::GenerateOp::create(
      b, loc, type, dynamic, [&](OpBuilder &b, Location loc, ValueRange at) {
        Value pageSize = tensor::DimOp::create(b, loc, pool, 1);
        Value lastPage = arith::SubIOp::create(b, loc, tensor::DimOp::create(b, loc, pool, 0),
                                               arith::ConstantIndexOp::create(b, loc, 1));
        Value entry =
            indexAt(b, loc, table, {batch, arith::DivUIOp::create(b, loc, at[2], pageSize)});
        Value page =
            clampIndex(b, loc, entry, arith::ConstantIndexOp::create(b, loc, 0), lastPage);
        Value slot = arith::RemUIOp::create(b, loc, at[2], pageSize);
        tensor::YieldOp::create(
            b, loc, tensor::ExtractOp::create(b, loc, pool, ValueRange{page, slot, at[1], at[3]}));
      }).getResult();
}

static LogicalResult expandPaged(RewriterBase &rewriter, AttentionOp op) {
  if (op.hasScoreMod() && !op.getScoreMod().front().getArgument(1).use_empty())
    return op.emitOpError() << "the generic path runs paged attention one sequence at a time "
                               "and cannot give a score_mod region its batch index (the vector "
                               "kernel can)";
  Location loc = op.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  Value q = op.getQuery(), table = op.getPageTable();
  SmallVector<Value> init = resultInit(b, op);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value capacity = arith::MulIOp::create(b, loc, tensor::DimOp::create(b, loc, table, 1),
                                         tensor::DimOp::create(b, loc, op.getKey(), 1));
  Value batches = tensor::DimOp::create(b, loc, q, 0);
  replaceBySequenceLoop(rewriter, op, batches, init,
                        [&](OpBuilder &b, Location loc, Value s) -> Sequence {
    Value length =
        clampIndex(b, loc, indexAt(b, loc, op.getLengths(), ValueRange{s}), zero, capacity);
    SmallVector<OpFoldResult> offsets{s, b.getIndexAttr(0), b.getIndexAttr(0),
                                      b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, q);
    sizes[0] = b.getIndexAttr(1);
    Value rows = tensor::ExtractSliceOp::create(b, loc, q, offsets, sizes,
                                                SmallVector<OpFoldResult>(4, b.getIndexAttr(1)));
    return Sequence{rows, gatherSequence(b, loc, op.getKey(), table, s, length),
                    gatherSequence(b, loc, op.getValue(), table, s, length), offsets};
  });
  return success();
}

LogicalResult mlir::attn::expandVarlenAttention(Operation *root) {
  SmallVector<AttentionOp> ops;
  root->walk([&](AttentionOp op) {
    if (op.isVarlen())
      ops.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (AttentionOp op : ops)
    expandVarlen(rewriter, op);
  return success();
}

LogicalResult mlir::attn::expandPagedAttention(Operation *root) {
  SmallVector<AttentionOp> ops;
  root->walk([&](AttentionOp op) {
    if (op.isPaged())
      ops.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (AttentionOp op : ops)
    if (failed(expandPaged(rewriter, op)))
      return failure();
  return success();
}
