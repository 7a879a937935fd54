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
// Hybrids (BASED): a sliding-window softmax branch summed with a causal linear one
// runs in the same pass: per chunk, the chunk's rows against the keys of their window
// ([p - W, p], at most W + C keys per chunk) with an exact softmax, added to the
// linear rows before they are stored.
//
//===----------------------------------------------------------------------===//
#include "FlashKernel.h"
#include "KernelBuilder.h"

#include "attn/IR/AttnOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <thread>

using namespace mlir;
using namespace mlir::attn;

static int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/// The threads the parts are planned for: OMP_NUM_THREADS where set (the OpenMP
/// runtime will use as many), else the hardware's. Compile and run happen on the same
/// machine for the JIT; ahead of time, pass linear-parts explicitly.
static int64_t plannedThreads() {
  if (const char *env = std::getenv("OMP_NUM_THREADS")) {
    int64_t n = std::atoll(env);
    if (n > 0)
      return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

/// Length of one row of the kernel's feature layout (see the file comment).
static int64_t featureLayoutLength(FeatureKind kind, int64_t d, int64_t lanes) {
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

std::string mlir::attn::explainUnsupportedLinear(AttentionOp op, const KernelTiles &tiles) {
  if (op.getNormalizer() == Normalizer::Softmax)
    return "not linear attention";
  for (Value t : {op.getQuery(), op.getKey(), op.getValue(), op.getResult()})
    if (!cast<ShapedType>(t.getType()).getElementType().isF32())
      return "element type is not f32";
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

/// W when keys [p - W, p] are exactly the visible ones: window(W, 0), alone or and'ed
/// with causal.
static std::optional<int64_t> causalBand(MaskAttr mask) {
  if (!mask)
    return std::nullopt;
  auto band = [](MaskAttr m) -> std::optional<int64_t> {
    if (m.getKind() == MaskKind::Window)
      return m.getArgs()[0];
    return std::nullopt;
  };
  if (mask.getKind() == MaskKind::Window)
    return mask.getArgs()[1] == 0 ? band(mask) : std::nullopt;
  if (mask.getKind() != MaskKind::And || mask.getOperands().size() != 2)
    return std::nullopt;
  for (unsigned i = 0; i < 2; ++i)
    if (mask.getOperand(i).getKind() == MaskKind::Causal)
      return band(mask.getOperand(1 - i));
  return std::nullopt;
}

std::string mlir::attn::explainUnsupportedHybrid(AttentionOp linear, AttentionOp window,
                                                 const KernelTiles &tiles) {
  std::string reason = explainUnsupportedLinear(linear, tiles);
  if (!reason.empty())
    return "linear branch: " + reason;
  if (!(linear.getMaskAttr() && linear.getMaskAttr().getKind() == MaskKind::Causal))
    return "the linear branch is not causal";
  if (window.getNormalizer() != Normalizer::Softmax || window.getSoftcap() ||
      !window.getMaskOperands().empty())
    return "the window branch is not plain softmax attention";
  if (!causalBand(window.getMaskAttr()))
    return "the window branch's mask is not a causal band (window(W, 0) [and causal])";
  for (Value t : {window.getQuery(), window.getKey(), window.getValue()})
    if (!cast<ShapedType>(t.getType()).getElementType().isF32())
      return "the window branch is not f32";
  if (window.getType() != linear.getType())
    return "the branches' result types differ";
  auto heads = [](AttentionOp op) {
    return std::make_pair(op.getQuery().getType().getDimSize(1),
                          op.getKey().getType().getDimSize(1));
  };
  if (heads(window) != heads(linear))
    return "the branches' head counts differ";
  return "";
}

namespace {
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
} // namespace

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
  int64_t threads = plannedThreads();
  Value work = causal ? numKeyChunks : numQueryChunks;
  Value wanted = arith::CeilDivUIOp::create(b, loc, idx(threads), maxIndex(idx(1), units));
  Value most = maxIndex(idx(1), arith::DivUIOp::create(b, loc, work, idx(kMinChunksPerPart)));
  Value count = tiles.linearParts > 0 ? minIndex(idx(tiles.linearParts), maxIndex(idx(1), work))
                                      : maxIndex(idx(1), minIndex(wanted, most));
  Value per = maxIndex(idx(1), arith::CeilDivUIOp::create(b, loc, work, count));
  count = maxIndex(idx(1), arith::CeilDivUIOp::create(b, loc, work, per));
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
  Value log2l = scalar(0.0);
  if (std::optional<ArrayRef<double>> decay = op.getDecay())
    log2l = scalar(std::log2((*decay)[0])); // shared (else each part is one head: see below)
  if (op.getDecay() && op.getDecay()->size() > 1)
    for (size_t h = 1; h < op.getDecay()->size(); ++h)
      log2l = select(cmp(arith::CmpIPredicate::eq, firstHead, idx(h)),
                     scalar(std::log2((*op.getDecay())[h])), log2l);
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
void LinearKernel::decayTables(Value head) {
  Value log2l = scalar(0.0);
  if (std::optional<ArrayRef<double>> decay = op.getDecay()) {
    // The head's log2 l: a select chain over the (few) heads.
    log2l = scalar(std::log2((*decay)[0]));
    for (size_t h = 1; h < decay->size(); ++h)
      log2l = select(cmp(arith::CmpIPredicate::eq, head, idx(h)),
                     scalar(std::log2((*decay)[h])), log2l);
  }
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

/// The window branch for the chunk's rows (positions j0 + r): scores against keys
/// [j0 - span + C, j0 + C) masked to [p - W, p], an exact softmax per row, P V added
/// to the linear rows already in `out`.
void LinearKernel::windowChunk(Value batch, Value head, Value kvHead, Value firstRow,
                               Value j0) {
  Type i32 = b.getI32Type();
  auto lanesType = VectorType::get({lanes}, i32);
  Value first = sub(j0, idx(windowSpan - chunk)); // key of column 0 (may be negative)
  double scoreScale = window.getEffectiveScale() / std::log(2.0);
  // Rows of q, scaled so that scores come out in log2 units; zero outside [0, Nq).
  forLoop(idx(0), idx(chunk), 1, [&](Value r) {
    Value i = add(firstRow, r);
    Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, i, idx(0)),
                                         cmp(arith::CmpIPredicate::slt, i, numQueries));
    Value row = maxIndex(idx(0), minIndex(i, sub(numQueries, idx(1))));
    forLoop(idx(0), idx(windowDim), 1, [&](Value d) {
      Value x = fmul(loadScalar(wq, {batch, head, row, d}), scalar(scoreScale));
      storeScalar(select(inside, x, scalar(0.0)), windowRows, {r, d});
    });
  });
  // K^T and V of the span; keys outside [0, Nk) read as zero.
  Value dimI32 = arith::IndexCastOp::create(b, loc, i32, idx(windowDim));
  Value firstI32 = arith::IndexCastOp::create(b, loc, i32, first);
  Value keysI32 = arith::IndexCastOp::create(b, loc, i32, numKeys);
  SmallVector<Value> offsets, valid;
  for (int64_t c = 0; c < windowSpan; c += lanes) {
    SmallVector<APInt> cols;
    for (int64_t l = 0; l < lanes; ++l)
      cols.push_back(APInt(32, c + l));
    Value key = arith::AddIOp::create(
        b, loc, arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, cols)),
        vector::BroadcastOp::create(b, loc, lanesType, firstI32));
    Value zeroI32 = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, APInt(32, 0)));
    valid.push_back(arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, key, zeroI32),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, key,
                              vector::BroadcastOp::create(b, loc, lanesType, keysI32))));
    offsets.push_back(arith::MulIOp::create(
        b, loc, key, vector::BroadcastOp::create(b, loc, lanesType, dimI32)));
  }
  Value zeros = splat(0.0);
  forLoop(idx(0), idx(windowDim), 1, [&](Value d) {
    for (int64_t c = 0; c < windowSpan / lanes; ++c) {
      Value x = vector::GatherOp::create(b, loc, vec, wk, ValueRange{batch, kvHead, idx(0), d},
                                         offsets[c], valid[c], zeros);
      store(x, windowKeys, {d, idx(c * lanes)});
    }
  });
  forLoop(idx(0), idx(windowSpan), 1, [&](Value c) {
    Value j = add(first, c);
    Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, j, idx(0)),
                                         cmp(arith::CmpIPredicate::slt, j, numKeys));
    Value at = maxIndex(idx(0), minIndex(j, sub(numKeys, idx(1))));
    for (int64_t e = 0; e < valueDim; e += lanes)
      store(select(inside, load(wv, {batch, kvHead, at, idx(e)}), zeros), windowValues,
            {c, idx(e)});
  });
  // Scores, masked to the band: column c is key first + c, row r is position j0 + r.
  Value negInf = splat(-std::numeric_limits<double>::infinity());
  blockMatmul(
      chunk, windowSpan, {Term{windowRows, windowKeys, windowDim, Value()}},
      [&](Value, int64_t) { return splat(0.0); },
      [&](Value r, int64_t col, Value acc) {
        SmallVector<APInt> cols;
        for (int64_t l = 0; l < lanes; ++l)
          cols.push_back(APInt(32, col + l));
        Value c = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, cols));
        // key - position = c - (span - C) - r must lie in [-W, 0].
        Value rI32 = arith::IndexCastOp::create(b, loc, i32, add(r, idx(windowSpan - chunk)));
        Value delta = arith::SubIOp::create(b, loc, c, vector::BroadcastOp::create(b, loc, lanesType, rI32));
        Value lo = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, APInt(32, -band, true)));
        Value hi = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanesType, APInt(32, 0)));
        Value inBand = arith::AndIOp::create(
            b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, delta, lo),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, delta, hi));
        Value visible = arith::AndIOp::create(b, loc, inBand, valid[col / lanes]);
        store(select(visible, acc, negInf), windowScores, {r, idx(col)});
      });
  // Exact softmax per row (every key of the row is in the span): p = 2^(s - max).
  forLoop(idx(0), idx(chunk), 1, [&](Value r) {
    Value mx = negInf;
    for (int64_t c = 0; c < windowSpan; c += lanes)
      mx = arith::MaximumFOp::create(b, loc, mx, load(windowScores, {r, idx(c)}));
    Value m = vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXIMUMF, mx);
    // A row that sees nothing (past the keys) has max -inf: subtract 0 instead.
    Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m,
                                        scalar(-std::numeric_limits<double>::infinity()));
    Value shift = splat(select(empty, scalar(0.0), m));
    Value sum = splat(0.0);
    for (int64_t c = 0; c < windowSpan; c += lanes) {
      Value x = arith::SubFOp::create(b, loc, load(windowScores, {r, idx(c)}), shift);
      Value p = buildExp2(b, loc, x, tiles.avx512);
      store(p, windowScores, {r, idx(c)});
      sum = fadd(sum, p);
    }
    storeScalar(reduceAdd(sum), windowSums, r);
  });
  blockMatmul(
      chunk, valueDim, {Term{windowScores, windowValues, windowSpan, Value()}},
      [&](Value, int64_t) { return splat(0.0); },
      [&](Value r, int64_t col, Value acc) {
        Value i = add(firstRow, r);
        Value inside = arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, i, idx(0)),
                                             cmp(arith::CmpIPredicate::slt, i, numQueries));
        ifThen(inside, [&] {
          Value l = loadScalar(windowSums, r);
          Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, l, scalar(0.0));
          Value inverse = select(isZero, scalar(0.0), arith::DivFOp::create(b, loc, scalar(1.0), l));
          Value at[] = {batch, head, i, idx(col)};
          store(fadd(load(out, at), fmul(acc, splat(inverse))), out, at);
        });
      });
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
