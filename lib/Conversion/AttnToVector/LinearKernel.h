//===- LinearKernel.h - the linear-attention vector kernel, private -------===//
//
// Shared by LinearKernel.cpp (tasks, parts, state, products), LinearFeatures.cpp
// (feature maps per chunk) and LinearHybrid.cpp (BASED's window branch). The
// algorithm is described in LinearKernel.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_ATTNTOVECTOR_LINEARKERNEL_H
#define ATTN_LIB_CONVERSION_ATTNTOVECTOR_LINEARKERNEL_H

#include "Kernels.h"
#include "KernelBuilder.h"
#include "VectorMath.h"

#include "attn/IR/AttnOps.h"

namespace mlir::attn::linear {

inline int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/// Length of one row of the kernel's feature layout (see the file comment).
inline int64_t featureLayoutLength(FeatureKind kind, int64_t d, int64_t lanes) {
  int64_t dp = roundUp(d, lanes);
  switch (kind) {
  case FeatureKind::Cosformer:
    return 2 * dp;
  case FeatureKind::Taylor2:
    return lanes + dp + d * dp;
  default:
    return dp;
  }
}

/// One product accumulated into the register block: acc(r, :) += sum_k a[r, k] b[k, :]
/// over k < depth, after multiplying acc(r, :) by rowScale[r] when given.
struct Term {
  Value a, b;
  int64_t depth;
  Value rowScale;
};

struct LinearKernel : KernelBuilder {
  LinearKernel(OpBuilder &b, Location loc, AttentionOp op, AttentionOp window,
               const KernelTiles &tiles)
      : KernelBuilder(b, loc, tiles.lanes), op(op), window(window), tiles(tiles),
        kind(*op.getFeature()),
        schedule(op.getLinearSchedule()),
        causal(op.getMaskAttr() && op.getMaskAttr().getKind() == MaskKind::Causal),
        normalize(op.getNormalizer() == Normalizer::Sum),
        headDim(op.getQuery().getType().getDimSize(3)),
        paddedDim(roundUp(headDim, tiles.lanes)),
        valueDim(op.getValue().getType().getDimSize(3)),
        features(kind == FeatureKind::Favor ? op.getFeatureDim()
                                            : featureLayoutLength(kind, headDim, tiles.lanes)),
        chunk(causal ? schedule.chunk : 4 * tiles.lanes) {}

  AttentionOp op;
  AttentionOp window; // the softmax branch of a hybrid, or null
  KernelTiles tiles;
  FeatureKind kind;
  LinearSchedule schedule;
  bool causal, normalize;
  int64_t headDim, paddedDim, valueDim, features, chunk;
  Value q, k, v, out, numQueries, numKeys, offset, ratio;
  // Per-task scratch.
  Value qf, kft, kxt, scores, vc, state, keySum, denom, weights, rowDecay, colDecay, chunkDecay;
  Value cosStep, sinStep; // cos / sin of j * pi / 2Nk, j < C (cosformer)
  Value cosFirst, sinFirst; // of the chunk's first position
  Value projection, projectionT, rowsIn, norms; // favor: W, W^T, scaled q rows, |x|^2
  // Window branch: its q/k/v, keys before the query (W), rows, K^T, weights.
  Value wq, wk, wv, windowRows, windowKeys, windowScores, windowValues, windowSums;
  int64_t band = 0, windowDim = 0, windowSpan = 0;

  Value build();
  /// A task's part of one head's sequence: parts split the key chunks (causal) or the
  /// query chunks (no mask) of a (batch, kv state) unit when there are fewer units
  /// than threads; partial states carry what earlier parts contribute.
  struct Part {
    Value index, count, chunks; // this part, how many, chunks per part
    Value unit;                 // row of the partial-state buffers
  };
  void setup(Value firstHead);
  void setFirstAngle(Value position);
  void task(Value batch, Value kvHead, Value firstHead, Value numHeads, const Part &part);
  void partialState(Value batch, Value kvHead, const Part &part);
  void combineParts(Value firstHead, const Part &part);
  Value partialStates, partialSums; // [units][parts][F][E], [units][parts][F]
  Value numKeyChunks, numQueryChunks;
  Value log2Decay(Value head);
  void decayTables(Value head);
  void queryFeatures(Value batch, Value head, Value firstRow, Value firstPosition);
  void keyFeatures(Value batch, Value kvHead, Value j0);
  void copyValues(Value batch, Value kvHead, Value j0);
  void prefetchRows(Value buffer, ValueRange at, Value first, Value count, int64_t width,
                    bool forWrite = false);
  void windowChunk(Value batch, Value head, Value kvHead, Value firstRow, Value j0);
  void favorFeatures(Value input, Value out, int64_t rows, bool transposed,
                     function_ref<Value(Value, int64_t)> keep);
  void chunkScores();
  void denominators(bool withScores);
  void outputs(Value batch, Value head, Value firstRow, bool withScores);
  void updateState(bool decayed);
  void blockMatmul(int64_t rows, int64_t width, ArrayRef<Term> terms,
                   function_ref<Value(Value, int64_t)> init,
                   function_ref<void(Value, int64_t, Value)> finish);

  Value alloc(ArrayRef<int64_t> shape) {
    return memref::AllocOp::create(b, loc, MemRefType::get(shape, f32),
                                   b.getI64IntegerAttr(64));
  }
  void zero(Value buffer, int64_t rows, int64_t width) {
    Value zeros = splat(0.0);
    forLoop(idx(0), idx(rows), 1, [&](Value r) {
      for (int64_t c = 0; c < width; c += lanes)
        store(zeros, buffer, {r, idx(c)});
    });
  }
  Value toF32(Value index) {
    return arith::SIToFPOp::create(
        b, loc, f32, arith::IndexCastOp::create(b, loc, b.getI64Type(), index));
  }
  /// l^x for l = 2^log2l (x >= 0 as f32).
  Value power(Value log2l, Value x) { return buildExp2(b, loc, fmul(log2l, x), tiles.avx512); }
  Value reduceAdd(Value x) {
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, x);
  }
  /// phi of a vector of (scaled) inputs for the elementwise maps.
  Value elementwise(Value x) {
    switch (kind) {
    case FeatureKind::Relu:
    case FeatureKind::Cosformer:
      return arith::MaximumFOp::create(b, loc, x, splat(0.0));
    case FeatureKind::EluPlusOne: {
      Value negative = arith::MinimumFOp::create(b, loc, x, splat(0.0));
      Value exp = buildExp2(b, loc, fmul(negative, splat(1.0 / std::log(2.0))), tiles.avx512);
      Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, splat(0.0));
      return select(positive, fadd(x, splat(1.0)), exp);
    }
    default:
      return x;
    }
  }
  /// Lanes [c, c + lanes) of a head-dim vector that lie below headDim.
  Value headLanes(int64_t c) {
    return vector::CreateMaskOp::create(b, loc, VectorType::get({lanes}, b.getI1Type()),
                                        ValueRange{idx(std::min(lanes, headDim - c))});
  }
};

/// W when keys [p - W, p] are exactly the visible ones (LinearHybrid.cpp).
std::optional<int64_t> causalBand(MaskAttr mask);

} // namespace mlir::attn::linear

#endif // ATTN_LIB_CONVERSION_ATTNTOVECTOR_LINEARKERNEL_H
