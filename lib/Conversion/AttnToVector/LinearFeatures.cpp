//===- LinearFeatures.cpp - phi(Q_c) and phi(K_c)^T of a chunk -------------===//
//
// The feature maps of the linear kernel, computed per chunk into scratch on vectors:
// query rows row-major [C][F] (scaled by the op's scale first), keys transposed
// [F][C] from gathered K^T rows; rows and keys outside the sequence are zero. The
// layouts are described in LinearKernel.cpp.
//
//===----------------------------------------------------------------------===//
#include "LinearKernel.h"
#include "VectorMath.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::linear;

/// qf[r] = phi(scale q[firstRow + r]) at position firstPosition + r; zero for rows
/// outside [0, Nq).
void LinearKernel::queryFeatures(Value batch, Value head, Value firstRow, Value firstPosition) {
  Value scale = splat(op.getEffectiveScale());
  forLoop(idx(0), idx(chunk), 1, [&](Value r) {
    Value i = add(firstRow, r);
    Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, i, idx(0)),
                                         cmp(arith::CmpIPredicate::slt, i, numQueries));
    ifThenElse(
        inside,
        [&] {
          SmallVector<Value> x;
          for (int64_t c = 0; c < paddedDim; c += lanes) {
            Value at[] = {batch, head, i, idx(c)};
            Value loaded = c + lanes <= headDim
                               ? load(q, at)
                               : vector::MaskedLoadOp::create(b, loc, vec, q, at, headLanes(c),
                                                              splat(0.0));
            x.push_back(fmul(loaded, scale));
          }
          switch (kind) {
          case FeatureKind::Favor: {
            // Rows and norms now, W x for the whole chunk below.
            Value squares = splat(0.0);
            for (size_t c = 0; c < x.size(); ++c) {
              store(x[c], rowsIn, {r, idx(c * lanes)});
              squares = fma(x[c], x[c], squares);
            }
            storeScalar(reduceAdd(squares), norms, r);
            break;
          }
          case FeatureKind::Taylor2: {
            // [1, 0, ...], x, then x_a / sqrt 2 * x for each a.
            Value first = vector::InsertOp::create(b, loc, scalar(1.0), splat(0.0), 0);
            store(first, qf, {r, idx(0)});
            for (size_t c = 0; c < x.size(); ++c)
              store(x[c], qf, {r, idx(lanes + c * lanes)});
            Value factor = scalar(op.getEffectiveScale() / std::sqrt(2.0));
            forLoop(idx(0), idx(headDim), 1, [&](Value a) {
              Value xa = splat(fmul(loadScalar(q, {batch, head, i, a}), factor));
              Value base = add(idx(lanes + paddedDim), mul(a, idx(paddedDim)));
              for (size_t c = 0; c < x.size(); ++c)
                store(fmul(xa, x[c]), qf, {r, add(base, idx(c * lanes))});
            });
            break;
          }
          case FeatureKind::Cosformer: {
            Value cosR = loadScalar(cosStep, r), sinR = loadScalar(sinStep, r);
            // cos / sin of (first + r) pi / 2Nk.
            Value cosP = arith::SubFOp::create(b, loc, fmul(cosFirst, cosR), fmul(sinFirst, sinR));
            Value sinP = fadd(fmul(sinFirst, cosR), fmul(cosFirst, sinR));
            for (size_t c = 0; c < x.size(); ++c) {
              Value relu = elementwise(x[c]);
              store(fmul(relu, splat(cosP)), qf, {r, idx(c * lanes)});
              store(fmul(relu, splat(sinP)), qf, {r, idx(paddedDim + c * lanes)});
            }
            break;
          }
          default:
            for (size_t c = 0; c < x.size(); ++c) {
              Value phi = elementwise(x[c]);
              if ((int64_t)(c + 1) * lanes > headDim) // elu(0) + 1 = 1 on padding lanes
                phi = select(headLanes(c * lanes), phi, splat(0.0));
              store(phi, qf, {r, idx(c * lanes)});
            }
          }
        },
        [&] {
          Value zeros = splat(0.0);
          for (int64_t c = 0; c < features; c += lanes)
            store(zeros, qf, {r, idx(c)});
          if (kind == FeatureKind::Favor) {
            for (int64_t c = 0; c < paddedDim; c += lanes)
              store(zeros, rowsIn, {r, idx(c)});
            storeScalar(scalar(0.0), norms, r);
          }
        });
  });
  if (kind == FeatureKind::Favor)
    favorFeatures(rowsIn, qf, chunk, /*transposed=*/false, [&](Value r, int64_t) {
      Value i = add(firstRow, r);
      return arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, i, idx(0)),
                                   cmp(arith::CmpIPredicate::slt, i, numQueries))
          .getResult();
    });
}

/// out = exp(W x - |x|^2 / 2) / sqrt(m) where `keep` (else 0): rows of `input` [C][Dp]
/// times W^T into out [C][m], or W times the columns of `input` [Dp][C] into
/// out [m][C] (`transposed`, keys); norms[] holds |x|^2 per row / per column.
void LinearKernel::favorFeatures(Value input, Value out, int64_t rows, bool transposed,
                                 function_ref<Value(Value, int64_t)> keep) {
  Value log2e = splat(1.0 / std::log(2.0)), half = splat(0.5);
  Value normalizer = splat(1.0 / std::sqrt(double(features)));
  Term term = transposed ? Term{projection, input, headDim, Value()}
                         : Term{input, projectionT, headDim, Value()};
  blockMatmul(
      rows, transposed ? chunk : features, {term}, [&](Value, int64_t) { return splat(0.0); },
      [&](Value r, int64_t col, Value acc) {
        Value norm = transposed ? load(norms, {idx(col)}) : splat(loadScalar(norms, r));
        Value x = arith::SubFOp::create(b, loc, acc, fmul(norm, half));
        Value phi = fmul(buildExp2(b, loc, fmul(x, log2e), tiles.avx512), normalizer);
        store(select(keep(r, col), phi, splat(0.0)), out, {r, idx(col)});
      });
}

/// kft = phi(K[j0 : j0 + C])^T: K^T gathered a vector of keys at a time (keys past Nk
/// read 0), the map applied on those vectors, keys past Nk zeroed.
void LinearKernel::keyFeatures(Value batch, Value kvHead, Value j0) {
  Type i32 = b.getI32Type();
  auto lanesType = VectorType::get({lanes}, i32);
  Value rowStride = arith::IndexCastOp::create(b, loc, i32, idx(headDim));
  Value keysLeft = arith::IndexCastOp::create(b, loc, i32, sub(numKeys, j0));
  SmallVector<Value> offsets, valid;
  for (int64_t c = 0; c < chunk; c += lanes) {
    SmallVector<APInt> keys;
    for (int64_t l = 0; l < lanes; ++l)
      keys.push_back(APInt(32, c + l));
    Value key = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, keys));
    offsets.push_back(arith::MulIOp::create(
        b, loc, key, vector::BroadcastOp::create(b, loc, lanesType, rowStride)));
    valid.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, key,
                                          vector::BroadcastOp::create(b, loc, lanesType,
                                                                      keysLeft)));
  }
  Value zeros = splat(0.0);
  // Keys past the end of the sequence stay at the end of the buffer: clamp the base.
  forLoop(idx(0), idx(headDim), 1, [&](Value d) {
    for (int64_t c = 0; c < chunk / lanes; ++c) {
      Value x = vector::GatherOp::create(b, loc, vec, k, ValueRange{batch, kvHead, j0, d},
                                         offsets[c], valid[c], zeros);
      store(x, kxt, {d, idx(c * lanes)});
    }
  });
  if (kind == FeatureKind::Favor) {
    // |k_j|^2 per key, then exp(W k_j - |k_j|^2 / 2) / sqrt(m) for every feature row.
    for (int64_t c = 0; c < chunk; c += lanes) {
      Value squares = forLoop(idx(0), idx(headDim), ValueRange{splat(0.0)},
                              [&](Value d, ValueRange acc) -> SmallVector<Value> {
                                Value x = load(kxt, {d, idx(c)});
                                return {fma(x, x, acc[0])};
                              })[0];
      store(squares, norms, {idx(c)});
    }
    favorFeatures(kxt, kft, features, /*transposed=*/true,
                  [&](Value, int64_t col) { return valid[col / lanes]; });
    return;
  }
  SmallVector<Value> cosK, sinK;
  if (kind == FeatureKind::Cosformer)
    for (int64_t c = 0; c < chunk; c += lanes) {
      Value cosJ = load(cosStep, {idx(c)}), sinJ = load(sinStep, {idx(c)});
      cosK.push_back(arith::SubFOp::create(b, loc, fmul(splat(cosFirst), cosJ),
                                           fmul(splat(sinFirst), sinJ)));
      sinK.push_back(fadd(fmul(splat(sinFirst), cosJ), fmul(splat(cosFirst), sinJ)));
    }
  if (kind == FeatureKind::Taylor2)
    for (int64_t c = 0; c < chunk / lanes; ++c)
      store(select(valid[c], splat(1.0), zeros), kft, {idx(0), idx(c * lanes)});
  Value rootHalf = splat(1.0 / std::sqrt(2.0));
  forLoop(idx(0), idx(headDim), 1, [&](Value d) {
    for (int64_t c = 0; c < chunk / lanes; ++c) {
      Value col = idx(c * lanes);
      Value x = load(kxt, {d, col});
      switch (kind) {
      case FeatureKind::Taylor2: {
        store(x, kft, {add(d, idx(lanes)), col});
        Value xa = fmul(x, rootHalf);
        Value base = add(idx(lanes + paddedDim), mul(d, idx(paddedDim)));
        forLoop(idx(0), idx(headDim), 1, [&](Value e) {
          store(fmul(xa, load(kxt, {e, col})), kft, {add(base, e), col});
        });
        break;
      }
      case FeatureKind::Cosformer: {
        Value relu = elementwise(x);
        store(fmul(relu, cosK[c]), kft, {d, col});
        store(fmul(relu, sinK[c]), kft, {add(d, idx(paddedDim)), col});
        break;
      }
      default:
        store(select(valid[c], elementwise(x), zeros), kft, {d, col});
      }
    }
  });
}

/// vc = V[j0 : j0 + C], zero past the last key.
void LinearKernel::copyValues(Value batch, Value kvHead, Value j0) {
  Value count = minIndex(idx(chunk), sub(numKeys, j0));
  Value zeros = splat(0.0);
  forLoop(idx(0), idx(chunk), 1, [&](Value j) {
    Value inside = cmp(arith::CmpIPredicate::slt, j, count);
    ifThenElse(
        inside,
        [&] {
          for (int64_t e = 0; e < valueDim; e += lanes)
            store(load(v, {batch, kvHead, add(j0, j), idx(e)}), vc, {j, idx(e)});
        },
        [&] {
          for (int64_t e = 0; e < valueDim; e += lanes)
            store(zeros, vc, {j, idx(e)});
        });
  });
}
