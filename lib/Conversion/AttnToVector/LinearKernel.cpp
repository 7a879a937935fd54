//===- LinearKernel.cpp - re-associated linear attention as a vector kernel -===//
//
// Linear attention phi(Q) (phi(K)^T V) for one (batch, kv head) per task, shared by
// the query heads that read it (one (batch, query head) per task when their decays
// differ):
//  * no mask (or full): one pass over key chunks accumulates the F x E state
//    S = phi(K)^T V and z = sum phi(K); a second pass over query chunks writes
//    phi(Q) S / phi(Q) z.
//  * causal (Lightning Attention-2): one pass over chunks of C positions; per chunk
//      A   = (phi(Q_c) phi(K_c)^T) .* W        W[r, j] = l^(r - j) for j <= r, else 0
//      O_c = l^(r + 1) phi(Q_c) S + A V_c      (den likewise with z and A 1)
//      S   = l^C S + (phi(K_c) .* l^(C - 1 - j))^T V_c,   z likewise,
//    with l the head's decay (1 without one). Work and memory are linear in N.
// Features are computed per chunk into scratch: phi(Q_c) row-major [C][F] and
// phi(K_c)^T [F][C] (K^T gathered, maps applied on vectors of keys). Every product is
// the same register block: rows x (panel of vectors) accumulators, a broadcast
// scalar of the left operand times a row of vectors of the right one.
// Feature layout (F): elementwise maps D rounded up to whole vectors (Dp); cosformer
// [relu(x) cos, relu(x) sin] as two Dp halves; taylor2 [1 (a whole vector), x (Dp),
// x_a x / sqrt 2 for each a (Dp each)]. Padding lanes are zero on both sides.
//
// Feature maps per chunk: LinearFeatures.cpp. Hybrids (BASED): LinearHybrid.cpp.
// Sequences with fewer (batch, kv head) units than threads are split into parts: the
// parts' own state contributions in parallel, combined in order, then every part runs
// from the state of those before it.
//
//===----------------------------------------------------------------------===//
#include "LinearKernel.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::linear;

std::string mlir::attn::explainUnsupportedLinear(AttentionOp op, const KernelTiles &tiles,
                                                 bool allowHalf) {
  if (!op.isLinear())
    return "not linear attention";
  // A tile's offsets matter only where positions or heads do (causal masks, decays,
  // cosFormer's distance weight): such tiles take the linalg path, which reads them.
  bool positional = (op.getMaskAttr() && op.getMaskAttr().getKind() != MaskKind::Full) ||
                    op.getDecay() || *op.getFeature() == FeatureKind::Cosformer;
  if (op.isTile() && positional)
    return "a tile of position-dependent linear attention (offsets): the kernel does not "
           "read offsets yet";
  for (Value t : {op.getQuery(), op.getKey(), op.getValue(), op.getResult()}) {
    Type elt = cast<ShapedType>(t.getType()).getElementType();
    if (!elt.isF32() && !(allowHalf && (elt.isBF16() || elt.isF16())))
      return "element type is not f32";
  }
  if (*op.getFeature() == FeatureKind::SoftmaxFeatures)
    return "softmax_features normalises keys over the whole sequence";
  if (*op.getFeature() == FeatureKind::Favor && op.getFeatureDim() % tiles.lanes != 0)
    return "the number of random features is not a multiple of the vector width";
  int64_t valueDim = op.getValue().getType().getDimSize(3);
  if (ShapedType::isDynamic(valueDim) || valueDim % tiles.lanes != 0)
    return "the value head dim is dynamic or not a multiple of the vector width";
  LinearSchedule schedule = op.getLinearSchedule();
  if (schedule.order != LinearOrder::Reassociated)
    return "the schedule is the quadratic order";
  if (schedule.chunk % tiles.lanes != 0)
    return "the chunk is not a multiple of the vector width";
  return "";
}

Value LinearKernel::build() {
  q = toBuffer(op.getQuery());
  k = toBuffer(op.getKey());
  v = toBuffer(op.getValue());
  if (kind == FeatureKind::Favor)
    projection = toBuffer(op.getProjection());
  if (window) {
    wq = toBuffer(window.getQuery());
    wk = toBuffer(window.getKey());
    wv = toBuffer(window.getValue());
    band = *causalBand(window.getMaskAttr());
    windowDim = window.getQuery().getType().getDimSize(3);
    // Keys [j0 - roundUp(W), j0 + C): whole vectors, the first one ending at j0.
    windowSpan = roundUp(band, lanes) + chunk;
  }
  numQueries = dim(q, 2);
  numKeys = dim(k, 2);
  offset = sub(numKeys, numQueries);
  ratio = arith::DivUIOp::create(b, loc, dim(q, 1), dim(k, 1));
  out = allocResult(op.getResult(), q, v);
  numKeyChunks = ceilDiv(numKeys, chunk);
  numQueryChunks = ceilDiv(numQueries, chunk);
  // Query heads that read the same kv head share its state (computed once per task)
  // unless their decays differ: a unit is (batch, kv head) or (batch, query head).
  bool share = !op.getDecay() || op.getDecay()->size() == 1;
  Value groups = share ? dim(k, 1) : dim(q, 1);
  Value units = mul(dim(q, 0), groups);
  // Fewer units than threads: split each sequence into parts of at least
  // kMinChunksPerPart chunks, at the cost of one more pass over the keys for the
  // partial states.
  constexpr int64_t kMinChunksPerPart = 64;
  Value work = causal ? numKeyChunks : numQueryChunks;
  Value count, per;
  std::tie(count, per) =
      planParts(units, work, plannedThreads(), kMinChunksPerPart, tiles.linearParts);
  partialStates = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, features, valueDim}, f32),
      ValueRange{units, count}, b.getI64IntegerAttr(64));
  partialSums = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, features}, f32),
      ValueRange{units, count}, b.getI64IntegerAttr(64));
  auto unitTask = [&](Value unit, Value index, auto body) {
    Value batch = arith::DivUIOp::create(b, loc, unit, groups);
    Value g = arith::RemUIOp::create(b, loc, unit, groups);
    Part part{index, count, per, unit};
    if (share)
      body(batch, g, mul(g, ratio), ratio, part);
    else
      body(batch, arith::DivUIOp::create(b, loc, g, ratio), g, idx(1), part);
  };
  ifThen(cmp(arith::CmpIPredicate::sgt, count, idx(1)), [&] {
    // Every part's own contribution to the state (the last part's is never needed when
    // causal), then the state each part starts from.
    parallel({units, causal ? sub(count, idx(1)) : count}, [&](ValueRange ids) {
      unitTask(ids[0], ids[1], [&](Value batch, Value kvHead, Value firstHead, Value, const Part &p) {
        setup(firstHead);
        partialState(batch, kvHead, p);
      });
    });
    parallel({units}, [&](ValueRange ids) {
      unitTask(ids[0], idx(0), [&](Value, Value, Value firstHead, Value, const Part &p) {
        combineParts(firstHead, p);
      });
    });
  });
  parallel({units, count}, [&](ValueRange ids) {
    unitTask(ids[0], ids[1], [&](Value batch, Value kvHead, Value firstHead, Value numHeads,
                                 const Part &p) { task(batch, kvHead, firstHead, numHeads, p); });
  });
  return bufferization::ToTensorOp::create(b, loc, op.getType(), out, /*restrict=*/true,
                                           /*writable=*/true);
}

/// Scratch, tables and a zero state for a task whose decay is that of `firstHead`.
void LinearKernel::setup(Value firstHead) {
  qf = alloc({chunk, features});
  kft = alloc({features, chunk});
  kxt = alloc({paddedDim, chunk});
  vc = alloc({chunk, valueDim});
  state = alloc({features, valueDim});
  keySum = alloc({features});
  denom = alloc({chunk});
  // Padding rows and lanes of the feature layouts stay zero from here on.
  zero(qf, chunk, features);
  zero(kft, features, chunk);
  zero(kxt, paddedDim, chunk);
  zero(state, features, valueDim);
  forLoop(idx(0), idx(features), 1, [&](Value f) { storeScalar(scalar(0.0), keySum, f); });
  if (kind == FeatureKind::Favor) {
    // W^T [Dp][m] for the query side (rows past D stay zero), scaled rows of q, norms.
    projectionT = alloc({paddedDim, features});
    rowsIn = alloc({chunk, paddedDim});
    norms = alloc({chunk});
    zero(projectionT, paddedDim, features);
    forLoop(idx(0), idx(features), 1, [&](Value f) {
      forLoop(idx(0), idx(headDim), 1, [&](Value d) {
        storeScalar(loadScalar(projection, {f, d}), projectionT, {d, f});
      });
    });
  }
  if (kind == FeatureKind::Cosformer) {
    // Angles pi p / 2Nk by angle addition: per-chunk cos/sin of the first position,
    // per-task tables for the offsets j < C.
    cosStep = memref::AllocOp::create(b, loc, MemRefType::get({chunk}, f32),
                                      b.getI64IntegerAttr(64));
    sinStep = memref::AllocOp::create(b, loc, MemRefType::get({chunk}, f32),
                                      b.getI64IntegerAttr(64));
    Value unit = arith::DivFOp::create(b, loc, scalar(M_PI / 2), toF32(numKeys));
    forLoop(idx(0), idx(chunk), 1, [&](Value j) {
      Value angle = fmul(toF32(j), unit);
      storeScalar(math::CosOp::create(b, loc, angle), cosStep, j);
      storeScalar(math::SinOp::create(b, loc, angle), sinStep, j);
    });
  }
  if (causal) {
    scores = alloc({chunk, chunk});
    weights = alloc({chunk, chunk});
    rowDecay = alloc({chunk});
    colDecay = alloc({chunk});
    decayTables(firstHead);
    if (window) {
      windowRows = alloc({chunk, windowDim});
      windowKeys = alloc({windowDim, windowSpan});
      windowScores = alloc({chunk, windowSpan});
      windowValues = alloc({windowSpan, valueDim});
      windowSums = alloc({chunk});
    }
  }
}

void LinearKernel::setFirstAngle(Value position) {
  if (kind != FeatureKind::Cosformer)
    return;
  Value angle = arith::DivFOp::create(b, loc, fmul(toF32(position), scalar(M_PI / 2)),
                                      toF32(numKeys));
  cosFirst = math::CosOp::create(b, loc, angle);
  sinFirst = math::SinOp::create(b, loc, angle);
}

/// Chunks [index * per, min((index + 1) * per, total)) of a part.
static std::pair<Value, Value> partRange(OpBuilder &b, Location loc, Value index, Value per,
                                         Value total) {
  Value first = arith::MulIOp::create(b, loc, index, per);
  Value end = arith::MinSIOp::create(b, loc, arith::AddIOp::create(b, loc, first, per), total);
  return {first, end};
}

/// The state (and key sums) that the keys of part `part` alone contribute, stored as
/// row (unit, index) of the partial buffers.
void LinearKernel::partialState(Value batch, Value kvHead, const Part &part) {
  // Without a mask the parts split the queries; the keys split in as many parts.
  Value per = causal ? part.chunks
                     : maxIndex(idx(1), arith::CeilDivUIOp::create(b, loc, numKeyChunks, part.count));
  auto [first, end] = partRange(b, loc, part.index, per, numKeyChunks);
  forLoop(first, end, 1, [&](Value c) {
    Value j0 = mul(c, idx(chunk));
    setFirstAngle(j0);
    keyFeatures(batch, kvHead, j0);
    copyValues(batch, kvHead, j0);
    updateState(/*decayed=*/causal && op.getDecay().has_value());
  });
  forLoop(idx(0), idx(features), 1, [&](Value f) {
    for (int64_t e = 0; e < valueDim; e += lanes)
      store(load(state, {f, idx(e)}), partialStates, {part.unit, part.index, f, idx(e)});
    storeScalar(loadScalar(keySum, f), partialSums, {part.unit, part.index, f});
  });
}

/// Replaces each part's own contribution by the state it starts from: causal, the
/// decayed sum of the earlier parts'; without a mask, every part gets the total.
void LinearKernel::combineParts(Value firstHead, const Part &part) {
  Value runState = alloc({features, valueDim}), runSum = alloc({features});
  zero(runState, features, valueDim);
  forLoop(idx(0), idx(features), 1, [&](Value f) { storeScalar(scalar(0.0), runSum, f); });
  Value log2l = log2Decay(firstHead);
  Value parts = causal ? sub(part.count, idx(1)) : part.count;
  forLoop(idx(0), parts, 1, [&](Value p) {
    // Keys of part p: a whole number of chunks (only the last part may end ragged).
    auto [first, end] = partRange(b, loc, p, part.chunks, numKeyChunks);
    Value keep = causal ? power(log2l, toF32(mul(sub(end, first), idx(chunk)))) : scalar(1.0);
    forLoop(idx(0), idx(features), 1, [&](Value f) {
      for (int64_t e = 0; e < valueDim; e += lanes) {
        Value at[] = {part.unit, p, f, idx(e)};
        Value own = load(partialStates, at), before = load(runState, {f, idx(e)});
        if (causal)
          store(before, partialStates, at);
        store(fma(splat(keep), before, own), runState, {f, idx(e)});
      }
      Value own = loadScalar(partialSums, {part.unit, p, f}), before = loadScalar(runSum, f);
      if (causal)
        storeScalar(before, partialSums, {part.unit, p, f});
      storeScalar(arith::AddFOp::create(b, loc, fmul(keep, before), own), runSum, f);
    });
  });
  // Causal: the last part starts from everything before it. Without a mask: part 0
  // holds the total, which every part reads.
  Value last = causal ? sub(part.count, idx(1)) : idx(0);
  forLoop(idx(0), idx(features), 1, [&](Value f) {
    for (int64_t e = 0; e < valueDim; e += lanes)
      store(load(runState, {f, idx(e)}), partialStates, {part.unit, last, f, idx(e)});
    storeScalar(loadScalar(runSum, f), partialSums, {part.unit, last, f});
  });
}

void LinearKernel::task(Value batch, Value kvHead, Value firstHead, Value numHeads,
                        const Part &part) {
  auto eachHead = [&](function_ref<void(Value)> body) {
    forLoop(firstHead, add(firstHead, numHeads), 1, body);
  };
  setup(firstHead);
  Value split = cmp(arith::CmpIPredicate::sgt, part.count, idx(1));
  // A split sequence starts from its part's state (the total without a mask).
  ifThen(split, [&] {
    Value from = causal ? part.index : idx(0);
    forLoop(idx(0), idx(features), 1, [&](Value f) {
      for (int64_t e = 0; e < valueDim; e += lanes)
        store(load(partialStates, {part.unit, from, f, idx(e)}), state, {f, idx(e)});
      storeScalar(loadScalar(partialSums, {part.unit, from, f}), keySum, f);
    });
  });

  if (!causal) {
    // phi(K)^T V and sum phi(K) over every key (unless the parts did), then this part's
    // queries against them.
    Value whole = arith::XOrIOp::create(b, loc, split, arith::ConstantIntOp::create(b, loc, 1, 1));
    ifThen(whole, [&] {
      forLoop(idx(0), numKeyChunks, 1, [&](Value c) {
        Value j0 = mul(c, idx(chunk));
        prefetchRows(k, {batch, kvHead}, add(j0, idx(chunk)), numKeys, headDim);
        prefetchRows(v, {batch, kvHead}, add(j0, idx(chunk)), numKeys, valueDim);
        setFirstAngle(j0);
        keyFeatures(batch, kvHead, j0);
        copyValues(batch, kvHead, j0);
        updateState(/*decayed=*/false);
      });
    });
    auto [first, end] = partRange(b, loc, part.index, part.chunks, numQueryChunks);
    eachHead([&](Value head) {
      forLoop(first, end, 1, [&](Value c) {
        Value i0 = mul(c, idx(chunk));
        setFirstAngle(add(i0, offset));
        queryFeatures(batch, head, i0, add(i0, offset));
        if (normalize)
          denominators(/*withScores=*/false);
        outputs(batch, head, i0, /*withScores=*/false);
      });
    });
  } else {
    // Rows whose end-aligned position is negative (Nq > Nk) see no key (part 0 writes
    // their zeros).
    Value zeros = splat(0.0);
    ifThen(cmp(arith::CmpIPredicate::eq, part.index, idx(0)), [&] {
      eachHead([&](Value head) {
        forLoop(idx(0), maxIndex(idx(0), sub(numQueries, numKeys)), 1, [&](Value i) {
          for (int64_t e = 0; e < valueDim; e += lanes)
            store(zeros, out, {batch, head, i, idx(e)});
        });
      });
    });
    // Chunk c holds positions [cC, cC + C): keys j there, query rows j - offset.
    auto [first, end] = partRange(b, loc, part.index, part.chunks, numKeyChunks);
    forLoop(first, end, 1, [&](Value c) {
      Value j0 = mul(c, idx(chunk));
      Value i0 = sub(j0, offset);
      // The next chunk's rows, while this one computes (gathers do not train the
      // hardware prefetchers).
      prefetchRows(k, {batch, kvHead}, add(j0, idx(chunk)), numKeys, headDim);
      prefetchRows(v, {batch, kvHead}, add(j0, idx(chunk)), numKeys, valueDim);
      setFirstAngle(j0);
      keyFeatures(batch, kvHead, j0);
      copyValues(batch, kvHead, j0);
      // Every query head of the kv head against this chunk, before the state moves on.
      eachHead([&](Value head) {
        prefetchRows(q, {batch, head}, add(i0, idx(chunk)), numQueries, headDim);
        prefetchRows(out, {batch, head}, add(i0, idx(chunk)), numQueries, valueDim,
                     /*forWrite=*/true);
        queryFeatures(batch, head, i0, j0);
        chunkScores();
        if (normalize)
          denominators(/*withScores=*/true);
        outputs(batch, head, i0, /*withScores=*/true);
        if (window)
          windowChunk(batch, head, kvHead, i0, j0);
      });
      updateState(/*decayed=*/op.getDecay().has_value());
    });
  }
}

/// W[r, j] = l^(r - j) (j <= r), rowDecay[r] = l^(r + 1), colDecay[j] = l^(C - 1 - j),
/// chunkDecay = l^C, for this head's l (1 without a decay: W is the causal 0/1 mask).
/// log2 of query head `head`'s decay (0 without one): a select chain over the heads.
Value LinearKernel::log2Decay(Value head) {
  Value log2l = scalar(0.0);
  if (std::optional<ArrayRef<double>> decay = op.getDecay()) {
    log2l = scalar(std::log2((*decay)[0]));
    for (size_t h = 1; h < decay->size(); ++h)
      log2l = select(cmp(arith::CmpIPredicate::eq, head, idx(h)),
                     scalar(std::log2((*decay)[h])), log2l);
  }
  return log2l;
}

void LinearKernel::decayTables(Value head) {
  Value log2l = log2Decay(head);
  forLoop(idx(0), idx(chunk), 1, [&](Value r) {
    storeScalar(power(log2l, toF32(add(r, idx(1)))), rowDecay, r);
    storeScalar(power(log2l, toF32(sub(idx(chunk - 1), r))), colDecay, r);
    forLoop(idx(0), idx(chunk), 1, [&](Value j) {
      Value visible = cmp(arith::CmpIPredicate::sle, j, r);
      Value distance = toF32(maxIndex(sub(r, j), idx(0)));
      storeScalar(select(visible, power(log2l, distance), scalar(0.0)), weights, {r, j});
    });
  });
  chunkDecay = power(log2l, scalar(double(chunk)));
}

/// Prefetches rows [first, first + C) of buffer[at..., row, :] (clamped to the rows
/// that exist), one cache line at a time.
void LinearKernel::prefetchRows(Value buffer, ValueRange at, Value first, Value count,
                                int64_t width, bool forWrite) {
  Value last = sub(count, idx(1));
  forLoop(idx(0), idx(chunk), 1, [&](Value r) {
    Value row = maxIndex(idx(0), minIndex(add(first, r), last));
    for (int64_t c = 0; c < width; c += 16) {
      SmallVector<Value> indices(at.begin(), at.end());
      indices.append({row, idx(c)});
      memref::PrefetchOp::create(b, loc, buffer, indices, forWrite,
                                 /*localityHint=*/3, /*isDataCache=*/true);
    }
  });
}

/// scores = (qf kft) .* weights: the masked, decayed quadratic form inside the chunk.
void LinearKernel::chunkScores() {
  blockMatmul(
      chunk, chunk, {Term{qf, kft, features, Value()}},
      [&](Value, int64_t) { return splat(0.0); },
      [&](Value r, int64_t col, Value acc) {
        store(fmul(acc, load(weights, {r, idx(col)})), scores, {r, idx(col)});
      });
}

/// denom[r] = rowDecay[r] qf[r].z (+ sum_j scores[r, j]).
void LinearKernel::denominators(bool withScores) {
  forLoop(idx(0), idx(chunk), 1, [&](Value r) {
    Value acc = splat(0.0);
    for (int64_t f = 0; f < features; f += lanes)
      acc = fma(load(qf, {r, idx(f)}), load(keySum, {idx(f)}), acc);
    Value inter = reduceAdd(acc);
    if (withScores) {
      inter = fmul(inter, loadScalar(rowDecay, r));
      Value sum = splat(0.0);
      for (int64_t j = 0; j < chunk; j += lanes)
        sum = fadd(sum, load(scores, {r, idx(j)}));
      inter = fadd(inter, reduceAdd(sum));
    }
    storeScalar(inter, denom, r);
  });
}

/// out[firstRow + r] = (rowDecay[r] qf[r] S + scores[r] vc) / denom[r] (0 where the
/// denominator is 0), for rows inside [0, Nq).
void LinearKernel::outputs(Value batch, Value head, Value firstRow, bool withScores) {
  SmallVector<Term> terms = {Term{qf, state, features, Value()}};
  if (withScores)
    terms.push_back(Term{scores, vc, chunk, op.getDecay() ? rowDecay : Value()});
  blockMatmul(
      chunk, valueDim, terms, [&](Value, int64_t) { return splat(0.0); },
      [&](Value r, int64_t col, Value acc) {
        Value i = add(firstRow, r);
        Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, i, idx(0)),
                                             cmp(arith::CmpIPredicate::slt, i, numQueries));
        ifThen(inside, [&] {
          Value o = acc;
          if (normalize) {
            Value d = loadScalar(denom, r);
            Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, d, scalar(0.0));
            Value inverse = select(isZero, scalar(0.0),
                                   arith::DivFOp::create(b, loc, scalar(1.0), d));
            o = fmul(o, splat(inverse));
          }
          store(o, out, {batch, head, i, idx(col)});
        });
      });
}

/// S = l^C S + (kft .* colDecay)^T vc, z = l^C z + sum_j kft .* colDecay.
void LinearKernel::updateState(bool decayed) {
  if (decayed)
    forLoop(idx(0), idx(features), 1, [&](Value f) {
      for (int64_t j = 0; j < chunk; j += lanes)
        store(fmul(load(kft, {f, idx(j)}), load(colDecay, {idx(j)})), kft, {f, idx(j)});
    });
  if (normalize)
    forLoop(idx(0), idx(features), 1, [&](Value f) {
      Value sum = splat(0.0);
      for (int64_t j = 0; j < chunk; j += lanes)
        sum = fadd(sum, load(kft, {f, idx(j)}));
      Value old = loadScalar(keySum, f);
      if (decayed)
        old = fmul(old, chunkDecay);
      storeScalar(fadd(old, reduceAdd(sum)), keySum, f);
    });
  Value keep = decayed ? splat(chunkDecay) : Value();
  // kft is [F][C]: rows f of the state take kft[f, j] times vc[j].
  blockMatmul(
      features, valueDim, {Term{kft, vc, chunk, Value()}},
      [&](Value f, int64_t col) {
        Value old = load(state, {f, idx(col)});
        return keep ? fmul(old, keep) : old;
      },
      [&](Value f, int64_t col, Value acc) { store(acc, state, {f, idx(col)}); });
}

/// For each block of tiles.rows rows and panel of tiles.columnVectors vectors, keeps
/// rows x panel accumulators in registers through every term.
void LinearKernel::blockMatmul(int64_t rows, int64_t width, ArrayRef<Term> terms,
                               function_ref<Value(Value, int64_t)> init,
                               function_ref<void(Value, int64_t, Value)> finish) {
  int64_t panel = tiles.columnVectors * lanes;
  for (int64_t c0 = 0; c0 < width; c0 += panel) {
    int64_t vectors = std::min(panel, width - c0) / lanes;
    auto block = [&](Value r0, int64_t blockRows) {
      SmallVector<Value> acc;
      for (int64_t i = 0; i < blockRows; ++i)
        for (int64_t c = 0; c < vectors; ++c)
          acc.push_back(init(add(r0, idx(i)), c0 + c * lanes));
      for (const Term &term : terms) {
        if (term.rowScale)
          for (int64_t i = 0; i < blockRows; ++i) {
            Value s = splat(loadScalar(term.rowScale, add(r0, idx(i))));
            for (int64_t c = 0; c < vectors; ++c)
              acc[i * vectors + c] = fmul(acc[i * vectors + c], s);
          }
        acc = forLoop(idx(0), idx(term.depth), acc, [&](Value kk, ValueRange a) {
          SmallVector<Value> right, next(a.begin(), a.end());
          for (int64_t c = 0; c < vectors; ++c)
            right.push_back(load(term.b, {kk, idx(c0 + c * lanes)}));
          for (int64_t i = 0; i < blockRows; ++i) {
            Value left = splat(loadScalar(term.a, {add(r0, idx(i)), kk}));
            for (int64_t c = 0; c < vectors; ++c)
              next[i * vectors + c] = fma(left, right[c], next[i * vectors + c]);
          }
          return next;
        });
      }
      for (int64_t i = 0; i < blockRows; ++i)
        for (int64_t c = 0; c < vectors; ++c)
          finish(add(r0, idx(i)), c0 + c * lanes, acc[i * vectors + c]);
    };
    int64_t whole = rows / tiles.rows * tiles.rows;
    forLoop(idx(0), idx(whole), tiles.rows, [&](Value r0) { block(r0, tiles.rows); });
    if (rows % tiles.rows)
      block(idx(whole), rows % tiles.rows);
  }
}

Value mlir::attn::buildLinearKernel(OpBuilder &b, Location loc, AttentionOp op,
                                    const KernelTiles &tiles, AttentionOp window) {
  return LinearKernel(b, loc, op, window, tiles).build();
}
