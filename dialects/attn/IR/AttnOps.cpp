//===- AttnOps.cpp - verifiers of the attn ops ----------------------------===//
#include "attn/IR/AttnOps.h"
#include "attn/IR/IndexNotation.h"
#include "attn/IR/Limits.h"
#include "attn/IR/MaskTerm.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::attn;

#define GET_OP_CLASSES
#include "attn/IR/AttnOps.cpp.inc"

namespace {
/// A tensor whose dimensions are named by a list of letters.
struct IndexedTensor {
  StringRef letters;
  ShapedType type;
  std::string role; // "operand #0", "the result", ...
};
} // namespace

static std::string operandRole(unsigned i) { return "operand #" + std::to_string(i); }

/// Every tensor has one letter per dimension, and a letter has one size everywhere it
/// appears (dynamic sizes match anything).
static LogicalResult verifyIndexedTensors(Operation *op, ArrayRef<IndexedTensor> tensors) {
  llvm::StringMap<std::pair<int64_t, std::string>> sizes;
  for (const IndexedTensor &t : tensors) {
    if ((int64_t)t.letters.size() != t.type.getRank())
      return op->emitOpError() << "index list \"" << t.letters << "\" names "
                               << t.letters.size() << " dimensions, but " << t.role
                               << " has rank " << t.type.getRank();
    for (auto [i, c] : llvm::enumerate(t.letters)) {
      int64_t size = t.type.getDimSize(i);
      if (ShapedType::isDynamic(size))
        continue;
      auto [it, inserted] = sizes.try_emplace(StringRef(&c, 1), size, t.role);
      if (!inserted && it->second.first != size)
        return op->emitOpError() << "index '" << c << "' has size " << it->second.first
                                 << " in " << it->second.second << " but " << size
                                 << " in " << t.role;
    }
  }
  return success();
}

/// The first `numOperands` operands (all by default) share the result's element type.
static LogicalResult verifySameElementType(Operation *op, unsigned numOperands = ~0u) {
  Type elt = cast<ShapedType>(op->getResult(0).getType()).getElementType();
  for (auto [i, operand] :
       llvm::enumerate(op->getOperands().take_front(std::min(numOperands, op->getNumOperands()))))
    if (cast<ShapedType>(operand.getType()).getElementType() != elt)
      return op->emitOpError() << "operand #" << i << " has element type "
                               << cast<ShapedType>(operand.getType()).getElementType()
                               << ", but the result has " << elt;
  return success();
}

/// attn.attention's element types: K and V share one; the query has it, or is f32 over
/// 16-bit K and V; the result has the query's, or is f32 over a 16-bit query (16-bit
/// attention with f32 queries or an f32 output: every kernel accumulates in f32).
static LogicalResult verifyAttentionElementTypes(Operation *op, Type query, Type key,
                                                 Type value, Type result) {
  auto isHalf = [](Type t) { return t.isBF16() || t.isF16(); };
  if (key != value)
    return op->emitOpError() << "key and value element types differ: " << key << " and "
                             << value;
  if (query != key && !(query.isF32() && isHalf(key)))
    return op->emitOpError() << "query element type " << query << " differs from the key's "
                             << key << " (an f32 query goes with bf16 or f16 keys only)";
  if (result != query && !(result.isF32() && isHalf(query)))
    return op->emitOpError() << "result element type " << result << " differs from the "
                             << "query's " << query
                             << " (an f32 result goes with a bf16 or f16 query only)";
  return success();
}

/// The spec of an op with `numInputs` operands (parsed and verified when the IR was
/// read or built; only its operand count is the op's to check).
static FailureOr<IndexSpec> parseSpecOf(Operation *op, IndexSpecAttr spec, unsigned numInputs) {
  IndexSpec value = spec.getValue();
  if (numInputs && value.inputs.size() != numInputs)
    return op->emitOpError() << "index spec \"" << spec.str() << "\" has "
                             << value.inputs.size() << " operand lists, but the op has "
                             << numInputs << " operands",
           failure();
  return value;
}

static FailureOr<std::string> parseListOf(Operation *, IndexListAttr list) {
  return list.getValue().str();
}

//===----------------------------------------------------------------------===//
// EinsumOp
//===----------------------------------------------------------------------===//

LogicalResult EinsumOp::verify() {
  unsigned n = getInputs().size();
  if (n < 1 || n > 2)
    return emitOpError() << "takes one or two operands, got " << n;
  FailureOr<IndexSpec> spec = parseSpecOf(*this, getSpec(), n);
  if (failed(spec))
    return failure();
  if (n == 1 && getCombine() != CombineKind::Mul)
    return emitOpError() << "'combine' needs two operands";
  SmallVector<IndexedTensor> tensors;
  for (auto [i, input] : llvm::enumerate(getInputs()))
    tensors.push_back({spec->inputs[i], cast<ShapedType>(input.getType()), operandRole(i)});
  tensors.push_back({spec->output, getType(), "the result"});
  if (failed(verifyIndexedTensors(*this, tensors)))
    return failure();
  return verifySameElementType(*this);
}

//===----------------------------------------------------------------------===//
// MapOp
//===----------------------------------------------------------------------===//

unsigned MapOp::getArity(MapFn fn) { return fn >= MapFn::Add ? 2 : 1; }

bool MapOp::needsConstant(MapFn fn) {
  return fn == MapFn::Scale || fn == MapFn::Shift || fn == MapFn::Softcap;
}

LogicalResult MapOp::verify() {
  MapFn fn = getFn();
  unsigned arity = getArity(fn);
  if (getInputs().size() != arity)
    return emitOpError() << "'" << stringifyMapFn(fn) << "' takes " << arity
                         << " operand(s), got " << getInputs().size();
  if (needsConstant(fn) && !getConstant())
    return emitOpError() << "'" << stringifyMapFn(fn) << "' needs a constant ('by c')";
  if (getConstant() && !needsConstant(fn) && fn != MapFn::Elu)
    return emitOpError() << "'" << stringifyMapFn(fn) << "' takes no constant";
  if (fn == MapFn::Softcap && !(getConstantAttr().getValueAsDouble() > 0))
    return emitOpError() << "soft-cap must be positive, got " << getConstantAttr();
  if (failed(verifySameElementType(*this)))
    return failure();

  SmallVector<IndexedTensor> tensors;
  if (IndexSpecAttr text = getSpecAttr()) {
    FailureOr<IndexSpec> spec = parseSpecOf(*this, text, arity);
    if (failed(spec))
      return failure();
    if (!spec->reducedIndices().empty())
      return emitOpError() << "index '" << spec->reducedIndices().front()
                           << "' of an operand is missing from the result; a map only "
                              "broadcasts (use attn.reduce to reduce)";
    for (auto [i, input] : llvm::enumerate(getInputs()))
      tensors.push_back(
          {spec->inputs[i], cast<ShapedType>(input.getType()), operandRole(i)});
    tensors.push_back({spec->output, getType(), "the result"});
    return verifyIndexedTensors(*this, tensors);
  }
  // Without a spec all operands and the result have one shape.
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    auto type = cast<ShapedType>(input.getType());
    if (type.getRank() != getType().getRank())
      return emitOpError() << "operand #" << i << " has rank " << type.getRank()
                           << " but the result has rank " << getType().getRank()
                           << "; write an index spec to broadcast";
    if (failed(mlir::verifyCompatibleShape(type, getType())))
      return emitOpError() << "operand #" << i << " shape " << type
                           << " does not match the result " << getType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ModifyOp
//===----------------------------------------------------------------------===//

LogicalResult ModifyOp::verifyRegions() {
  FailureOr<std::string> letters = parseListOf(*this, getIndices());
  if (failed(letters))
    return failure();
  if ((int64_t)letters->size() != getType().getRank())
    return emitOpError() << "index list \"" << *letters << "\" names " << letters->size()
                         << " dimensions, but the operand has rank " << getType().getRank();
  Block &body = getBody().front();
  Type elt = getType().getElementType();
  if (body.getNumArguments() != letters->size() + 1)
    return emitOpError() << "region takes the element and one index per letter ("
                         << letters->size() + 1 << " arguments), got "
                         << body.getNumArguments();
  if (body.getArgument(0).getType() != elt)
    return emitOpError() << "region argument #0 must be the element type " << elt
                         << ", got " << body.getArgument(0).getType();
  for (BlockArgument arg : body.getArguments().drop_front())
    if (!arg.getType().isIndex())
      return emitOpError() << "region argument #" << arg.getArgNumber()
                           << " must be an index, got " << arg.getType();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "region must end with attn.yield";
  if (yield.getValue().getType() != elt)
    return emitOpError() << "region yields " << yield.getValue().getType()
                         << ", expected the element type " << elt;
  return success();
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::verify() {
  FailureOr<IndexSpec> spec = parseSpecOf(*this, getSpec(), 1);
  if (failed(spec))
    return failure();
  if (failed(verifySameElementType(*this)))
    return failure();
  return verifyIndexedTensors(
      *this, {{spec->inputs[0], cast<ShapedType>(getInput().getType()), "the operand"},
              {spec->output, getType(), "the result"}});
}

//===----------------------------------------------------------------------===//
// MaskOp
//===----------------------------------------------------------------------===//

/// The run-time terms of `mask` by the mask operand they read.
static void collectOperandReaders(MaskAttr mask, std::map<int64_t, MaskKind> &readers,
                                  std::optional<std::pair<MaskKind, MaskKind>> &conflict) {
  if (std::optional<MaskOperandUse> use = getMaskTerm(mask.getKind()).operandUse(mask)) {
    auto [it, inserted] = readers.try_emplace(use->operand, mask.getKind());
    if (!inserted && it->second != mask.getKind())
      conflict = std::make_pair(it->second, mask.getKind());
  }
  for (Attribute m : mask.getOperands())
    collectOperandReaders(cast<MaskAttr>(m), readers, conflict);
}

/// The largest mask operand a run-time term of `mask` reads, or -1.
static int64_t lastMaskOperand(MaskAttr mask) {
  std::map<int64_t, MaskKind> readers;
  std::optional<std::pair<MaskKind, MaskKind>> conflict;
  collectOperandReaders(mask, readers, conflict);
  return readers.empty() ? -1 : readers.rbegin()->first;
}

LogicalResult MaskOp::verify() {
  if (containsMaskKind(getMask(), MaskKind::Heads))
    return emitOpError() << "per-head masks (heads(...)) need the head index: use them on "
                            "attn.attention";
  if (lastMaskOperand(getMask()) >= 0)
    return emitOpError() << "run-time mask terms (document(...)) read mask operands: use "
                            "them on attn.attention";
  FailureOr<std::string> letters = parseListOf(*this, getIndices());
  if (failed(letters))
    return failure();
  if ((int64_t)letters->size() != getType().getRank())
    return emitOpError() << "index list \"" << *letters << "\" names " << letters->size()
                         << " dimensions, but the operand has rank " << getType().getRank();
  for (auto [role, name] : {std::pair<StringRef, StringRef>{"query", getQuery().getValue()},
                            {"key", getKey().getValue()}}) {
    if (name.size() != 1)
      return emitOpError() << "the " << role << " index must be one letter, got \"" << name
                           << "\"";
    if (letters->find(name[0]) == std::string::npos)
      return emitOpError() << "the " << role << " index '" << name
                           << "' is not a dimension of the operand \"" << *letters
                           << "\"; a mask needs the query and key sequence indices";
  }
  if (getQuery() == getKey())
    return emitOpError() << "the query and key indices must differ, both are '"
                         << getQuery().getValue() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// FeatureOp
//===----------------------------------------------------------------------===//

/// Length of phi(x) along the feature axis for an input of length `d`.
static int64_t featureLength(FeatureKind kind, int64_t d) {
  if (ShapedType::isDynamic(d))
    return d;
  if (kind == FeatureKind::Taylor2)
    return 1 + d + d * d;
  return kind == FeatureKind::Cosformer ? 2 * d : d;
}

LogicalResult FeatureOp::verify() {
  FailureOr<std::string> letters = parseListOf(*this, getIndices());
  if (failed(letters))
    return failure();
  auto in = cast<ShapedType>(getInput().getType());
  if ((int64_t)letters->size() != in.getRank())
    return emitOpError() << "index list \"" << *letters << "\" names " << letters->size()
                         << " dimensions, but the operand has rank " << in.getRank();
  StringRef axisLetters = getAxis().getValue();
  if (axisLetters.size() != 1 || letters->find(axisLetters[0]) == std::string::npos)
    return emitOpError() << "feature axis \"" << axisLetters
                         << "\" is not one of the indices \"" << *letters << "\"";
  if (in.getElementType() != getType().getElementType())
    return emitOpError() << "result element type " << getType().getElementType()
                         << " differs from the operand's " << in.getElementType();
  if (getType().getRank() != in.getRank())
    return emitOpError() << "result rank " << getType().getRank()
                         << " differs from the operand's " << in.getRank();
  if (getFeature() == FeatureKind::Cosformer)
    return emitOpError() << "'cosformer' weights features by token position; use it on "
                            "attn.attention, which knows the positions";
  if (getFeature() == FeatureKind::Favor)
    return emitOpError() << "'favor' needs its projection matrix; use it on attn.attention "
                            "with projection(...)";
  size_t axis = letters->find(getAxis().getValue()[0]);
  if (getFeature() == FeatureKind::Taylor2 && in.isDynamicDim(axis))
    return emitOpError() << "'taylor2' needs a static feature axis";
  for (int64_t i = 0, e = in.getRank(); i < e; ++i) {
    int64_t expected = (size_t)i == axis ? featureLength(getFeature(), in.getDimSize(i))
                                         : in.getDimSize(i);
    int64_t got = getType().getDimSize(i);
    if (!ShapedType::isDynamic(expected) && !ShapedType::isDynamic(got) && expected != got)
      return emitOpError() << "result dimension " << i << " ('" << (*letters)[i]
                           << "') must have size " << expected << ", got " << got;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

/// The scale given, or softmax's default 1 / sqrt(D).
static double softmaxScale(FloatAttr scale, RankedTensorType query) {
  if (scale)
    return scale.getValueAsDouble();
  return 1.0 / std::sqrt((double)query.getDimSize(3));
}

double AttentionOp::getEffectiveScale() {
  if (isLinear() && !getScaleAttr())
    return 1.0;
  return softmaxScale(getScaleAttr(), getQuery().getType());
}

/// Whether `mask` is absent, `full` or `causal`: the masks re-association handles.
static bool isReassociable(MaskAttr mask) {
  return !mask || mask.getKind() == MaskKind::Full || mask.getKind() == MaskKind::Causal;
}

int64_t AttentionOp::getFeatureDim() {
  int64_t d = getQuery().getType().getDimSize(3);
  if (!isLinear())
    return d;
  if (getFeature() == FeatureKind::Favor && getProjection())
    return cast<RankedTensorType>(getProjection().getType()).getDimSize(0);
  return featureLength(*getFeature(), d);
}

LinearProblem AttentionOp::getLinearProblem() {
  auto length = [](RankedTensorType t) -> std::optional<int64_t> {
    if (t.isDynamicDim(2))
      return std::nullopt;
    return t.getDimSize(2);
  };
  bool causal = getMaskAttr() && getMaskAttr().getKind() == MaskKind::Causal;
  LinearProblem problem{length(getQuery().getType()), length(getKey().getType()),
                        getFeatureDim(), getValue().getType().getDimSize(3), causal,
                        isReassociable(getMaskAttr())};
  // A dynamic value dim: the model's ratios hardly depend on it.
  if (ShapedType::isDynamic(problem.valueDim))
    problem.valueDim = problem.featureDim;
  return problem;
}

LinearSchedule AttentionOp::getLinearSchedule() {
  LinearProblem problem = getLinearProblem();
  bool causal = problem.causal;
  LinearSchedule chosen = chooseLinearSchedule(problem);
  if (std::optional<LinearOrder> order = getOrder())
    chosen.order = *order;
  if (chosen.order == LinearOrder::Quadratic || !causal)
    chosen.chunk = 0;
  else if (std::optional<uint64_t> chunk = getChunk())
    chosen.chunk = *chunk;
  else if (chosen.chunk == 0)
    chosen.chunk = 64;
  // A chunk longer than both sequences only pads: keep the smallest vector-multiple
  // chunk that covers them, so a large user chunk never sizes scratch or unrolling.
  if (chosen.chunk > 0 && problem.numQueries && problem.numKeys) {
    int64_t longest = std::max<int64_t>({*problem.numQueries, *problem.numKeys, 1});
    chosen.chunk = std::min(chosen.chunk, (longest + 15) / 16 * 16);
  }
  return chosen;
}

LogicalResult AttentionOp::verifyLinearSchedule() {
  bool linear = isLinear();
  for (auto [name, present] : {std::pair<StringRef, bool>{"decay", getDecay().has_value()},
                               {"order", getOrder().has_value()},
                               {"chunk", getChunk().has_value()}})
    if (present && !linear)
      return emitOpError() << "'" << name << "' applies to linear attention only";
  bool favor = getFeature() == FeatureKind::Favor;
  if (favor != (getProjection() != nullptr))
    return emitOpError() << (favor ? "feature map 'favor' needs projection(%w : tensor<MxDx...>)"
                                   : "a projection belongs to feature map 'favor' only");
  if (Value projection = getProjection()) {
    auto type = cast<RankedTensorType>(projection.getType());
    int64_t d = getQuery().getType().getDimSize(3);
    if (type.getRank() != 2 || !type.hasStaticShape() || type.getDimSize(1) != d ||
        type.getDimSize(0) == 0)
      return emitOpError() << "expects the projection to be a static [features, " << d
                           << "] matrix, got " << type;
    if (type.getElementType() != getQuery().getType().getElementType())
      return emitOpError() << "projection element type " << type.getElementType()
                           << " differs from the query's";
  }
  if (std::optional<ArrayRef<double>> decay = getDecay()) {
    if (!getMaskAttr() || getMaskAttr().getKind() != MaskKind::Causal)
      return emitOpError() << "'decay' needs mask #attn.mask<causal>: l^(i - j) grows "
                              "without bound for keys after the query";
    int64_t heads = getQuery().getType().getDimSize(1);
    // A tile (offsets) reads the decays of the whole problem's heads.
    if (decay->size() != 1 && !isTile() &&
        (ShapedType::isDynamic(heads) || (int64_t)decay->size() != heads))
      return emitOpError() << "expects one decay or one per query head ("
                           << (ShapedType::isDynamic(heads) ? std::string("dynamic")
                                                            : std::to_string(heads))
                           << "), got " << decay->size();
    for (double l : *decay)
      if (!(l > 0.0 && l <= 1.0))
        return emitOpError() << "decay must be in (0, 1], got " << l;
  }
  if (getOrder() == LinearOrder::Reassociated && !isReassociable(getMaskAttr()))
    return emitOpError() << "order 'reassociated' needs no mask, 'full' or 'causal'; got "
                         << getMaskAttr();
  if (std::optional<uint64_t> chunk = getChunk()) {
    if ((int64_t)*chunk <= 0 || *chunk % 16 != 0)
      return emitOpError() << "chunk must be a positive multiple of 16 (the widest vector), "
                              "got "
                           << (int64_t)*chunk;
    // The kernel's per-chunk scratch is chunk x chunk scores and its inner loops are
    // unrolled per vector of the chunk: the size is a code-size and memory bound.
    if (*chunk > kMaxLinearChunk)
      return emitOpError() << "chunk " << *chunk << " exceeds the largest supported chunk "
                           << kMaxLinearChunk << " (the kernel unrolls its loops over a chunk)";
    if (getOrder() != LinearOrder::Reassociated ||
        !(getMaskAttr() && getMaskAttr().getKind() == MaskKind::Causal))
      return emitOpError() << "'chunk' sizes the causal re-associated order; it needs "
                              "order 'reassociated' and mask #attn.mask<causal>";
  }
  return success();
}

/// What attn.attention and attn.online_attention share: rank-4 q/k/v and output of one
/// element type, head sharing, sequence limits, a static head dimension, and the
/// number of offsets.
static LogicalResult verifyAttentionOperands(Operation *op, Value query, Value key, Value value,
                                             RankedTensorType out, ValueRange offsets,
                                             StringRef offsetNames) {
  auto q = cast<RankedTensorType>(query.getType()), k = cast<RankedTensorType>(key.getType()),
       v = cast<RankedTensorType>(value.getType());
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"query", q},
                            {"key", k},
                            {"value", v},
                            {"result", out}})
    if (type.getRank() != 4)
      return op->emitOpError() << "expects rank-4 [batch, heads, seq, dim] tensors, but the "
                               << name << " is " << type;
  if (isa<AttentionOp>(op)
          ? failed(verifyAttentionElementTypes(op, q.getElementType(), k.getElementType(),
                                               v.getElementType(), out.getElementType()))
          : failed(verifySameElementType(op, /*q, k, v=*/3)))
    return failure();
  size_t numOffsets = 1 + offsetNames.count(',');
  if (!offsets.empty() && offsets.size() != numOffsets)
    return op->emitOpError() << "offsets are (" << offsetNames << "): expected " << numOffsets
                             << " values, got " << offsets.size();
  // Constant offsets are checked here; run-time ones are the tiling's (or the caller's)
  // to keep in range.
  SmallVector<StringRef> names;
  offsetNames.split(names, ", ");
  for (auto [name, offset] : llvm::zip(names, offsets)) {
    std::optional<int64_t> c = getConstantIntValue(offset);
    if (!c)
      continue;
    if (*c <= -kMaxPosition || *c >= kMaxPosition)
      return op->emitOpError() << "the " << name << " offset " << *c
                               << " is not within +-(2^30 - 1) (positions are 32-bit lanes "
                                  "in the kernels)";
    if ((name == "head" || name == "key") && *c < 0)
      return op->emitOpError() << "the " << name << " offset must not be negative, got " << *c;
  }
  // q = bhmd, k/v = bgn., o = bhme: head h of q reads kv head h / (H / G).
  if (failed(verifyIndexedTensors(op, {{"bhmd", q, "the query"},
                                       {"bgnd", k, "the key"},
                                       {"bgne", v, "the value"},
                                       {"bhme", out, "the result"}})))
    return failure();
  // The kernels hold positions in 32-bit lanes and add mask parameters to them.
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"query", q}, {"key", k}})
    if (!type.isDynamicDim(2) && type.getDimSize(2) >= kMaxPosition)
      return op->emitOpError() << "the " << name << " sequence has " << type.getDimSize(2)
                               << " positions; at most 2^30 - 1 are supported (positions are "
                                  "32-bit lanes in the kernels)";
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) && hq % hkv != 0)
    return op->emitOpError() << "query heads (" << hq
                             << ") must be a multiple of key/value heads (" << hkv << ")";
  if (q.isDynamicDim(3))
    return op->emitOpError() << "the head dimension of the query must be static";
  if (q.getDimSize(3) == 0)
    return op->emitOpError() << "the head dimension must not be empty";
  return success();
}

static LogicalResult verifyMaskOperands(Operation *op, MaskAttr mask, ValueRange maskOperands,
                                        RankedTensorType q, RankedTensorType k,
                                        bool keysOfWholeProblem);

/// Paged attention: q [B, Hq, Nq, D], pools k [P, S, G, D] and v [P, S, G, Dv], the
/// page table [B, T] and lengths [B].
static LogicalResult verifyPagedOperands(AttentionOp op) {
  if (!op.getLengths())
    return op.emitOpError() << "a page table needs the sequence lengths beside it";
  if (!op.getMaskOperands().empty() || !op.getOffsets().empty())
    return op.emitOpError() << "paged attention takes no mask operands and no offsets "
                               "(its positions are each sequence's own)";
  auto q = op.getQuery().getType(), k = cast<RankedTensorType>(op.getKey().getType()),
       v = cast<RankedTensorType>(op.getValue().getType());
  auto table = cast<RankedTensorType>(op.getPageTable().getType()),
       lengths = cast<RankedTensorType>(op.getLengths().getType());
  RankedTensorType out = op.getType();
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"query", q},
                            {"key pool", k},
                            {"value pool", v},
                            {"result", out}})
    if (type.getRank() != 4)
      return op.emitOpError() << "expects rank-4 tensors ([B, H, N, D] queries and results, "
                                 "[pages, page size, kv heads, D] pools), but the "
                              << name << " is " << type;
  if (failed(verifyAttentionElementTypes(op, q.getElementType(), k.getElementType(),
                                         v.getElementType(), out.getElementType())))
    return failure();
  if (failed(verifyIndexedTensors(op, {{"bhmd", q, "the query"},
                                       {"psgd", k, "the key pool"},
                                       {"psge", v, "the value pool"},
                                       {"bhme", out, "the result"},
                                       {"bt", table, "the page table"},
                                       {"b", lengths, "the lengths"}})))
    return failure();
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(2);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) && hq % hkv != 0)
    return op.emitOpError() << "query heads (" << hq << ") must be a multiple of key/value heads ("
                            << hkv << ")";
  if (k.getDimSize(1) == 0)
    return op.emitOpError() << "pages must hold at least one key";
  if (q.isDynamicDim(3) || q.getDimSize(3) == 0)
    return op.emitOpError() << "the head dimension of the query must be static and not empty";
  if (!q.isDynamicDim(2) && q.getDimSize(2) >= kMaxPosition)
    return op.emitOpError() << "the query sequence has " << q.getDimSize(2)
                            << " positions; at most 2^30 - 1 are supported";
  return success();
}

/// Packed sequences: batch 1, offsets [S + 1] for queries and keys.
static LogicalResult verifyVarlenOperands(AttentionOp op) {
  if (!op.getCuSeqlensK())
    return op.emitOpError() << "varlen needs the key offsets beside the query offsets";
  if (op.isPaged() || !op.getMaskOperands().empty() || !op.getOffsets().empty())
    return op.emitOpError() << "packed sequences take no pages, mask operands or offsets "
                               "(their positions are each sequence's own)";
  auto cuQ = cast<RankedTensorType>(op.getCuSeqlensQ().getType()),
       cuK = cast<RankedTensorType>(op.getCuSeqlensK().getType());
  if (cuQ.getRank() != 1 || cuK.getRank() != 1)
    return op.emitOpError() << "sequence offsets are rank-1 [S + 1] tensors, got " << cuQ
                            << " and " << cuK;
  if (!cuQ.isDynamicDim(0) && !cuK.isDynamicDim(0) && cuQ.getDimSize(0) != cuK.getDimSize(0))
    return op.emitOpError() << "query and key offsets must count the same sequences, got "
                            << cuQ.getDimSize(0) << " and " << cuK.getDimSize(0) << " entries";
  if ((!cuQ.isDynamicDim(0) && cuQ.getDimSize(0) == 0))
    return op.emitOpError() << "sequence offsets need at least one entry (S + 1 for S sequences)";
  if (!op.getQuery().getType().isDynamicDim(0) && op.getQuery().getType().getDimSize(0) != 1)
    return op.emitOpError() << "packed sequences have batch 1, got "
                            << op.getQuery().getType().getDimSize(0);
  return success();
}

LogicalResult AttentionOp::verify() {
  if (isVarlen() && failed(verifyVarlenOperands(*this)))
    return failure();
  if (getCuSeqlensK() && !isVarlen())
    return emitOpError() << "key offsets go with query offsets (varlen(...))";
  if (isPaged()) {
    if (failed(verifyPagedOperands(*this)))
      return failure();
  } else if (getLengths()) {
    return emitOpError() << "sequence lengths go with a page table (pages(...))";
  } else if (failed(verifyAttentionOperands(*this, getQuery(), getKey(), getValue(), getType(),
                                            getOffsets(), "row, position, head"))) {
    return failure();
  }
  bool linear = isLinear();
  if (!linear && getFeature())
    return emitOpError() << "a feature map needs normalizer 'sum' or 'none'; '"
                         << stringifyNormalizer(getNormalizer())
                         << "' attention weighs the scores q.k themselves";
  if (linear && !getFeature())
    return emitOpError() << "normalizer '" << stringifyNormalizer(getNormalizer())
                         << "' needs a feature map (linear attention)";
  if (getSoftcap() && linear)
    return emitOpError() << "'softcap' applies to score-based attention only";
  if ((getShift() || getDivide()) && !isPointwise())
    return emitOpError() << "'shift' and 'divide' apply to the pointwise normalisers "
                            "(sigmoid, relu, relu2, softplus, identity) only";
  if (getShift() && !std::isfinite(getShiftValue()))
    return emitOpError() << "shift must be finite";
  if (linear && (hasScoreMod() || !getCaptures().empty()))
    return emitOpError() << "a score_mod region applies to score-based attention, not to "
                            "linear attention (its scores are never formed)";
  if (!getCaptures().empty() && !hasScoreMod())
    return emitOpError() << "captures are read by a score_mod region, but the op has none";
  if (getSoftcap() && !(*getSoftcapValue() > 0))
    return emitOpError() << "soft-cap must be positive, got " << getSoftcapAttr();
  if (getScale() && !std::isfinite(getScaleAttr().getValueAsDouble()))
    return emitOpError() << "scale must be finite";
  if (failed(verifyLinearSchedule()))
    return failure();
  if (Value lse = getLse()) {
    if (getNormalizer() != Normalizer::Softmax)
      return emitOpError() << "a log-sum-exp result needs normalizer 'softmax' (the '"
                           << stringifyNormalizer(getNormalizer())
                           << "' weights have no softmax denominator)";
    if (failed(verifyIndexedTensors(*this, {{"bhme", getType(), "the result"},
                                            {"bhm", cast<RankedTensorType>(lse.getType()),
                                             "the log-sum-exp"}})))
      return failure();
  }
  if (isPaged()) {
    if (isLinear())
      return emitOpError() << "paged KV caches hold the keys of score-based attention; "
                              "linear attention keeps a state instead";
    if (getMaskAttr() && readsMaskOperands(getMaskAttr()))
      return emitOpError() << "paged attention takes no mask operands: its mask cannot "
                              "read document ids or block layouts";
    return success();
  }
  return verifyMaskOperands(*this, getMaskAttr(), getMaskOperands(), getQuery().getType(),
                            getKey().getType(), /*keysOfWholeProblem=*/false);
}

LogicalResult MergeOp::verify() {
  if (getOutputs().empty())
    return emitOpError() << "needs at least one part";
  if (getOutputs().size() != getLses().size())
    return emitOpError() << "has " << getOutputs().size() << " outputs but "
                         << getLses().size() << " log-sum-exps: one per part";
  auto out = cast<RankedTensorType>(getResult().getType());
  auto lse = cast<RankedTensorType>(getLse().getType());
  for (Value o : getOutputs())
    if (o.getType() != out)
      return emitOpError() << "every output must have the result's type " << out << ", got "
                           << o.getType();
  for (Value l : getLses())
    if (l.getType() != lse)
      return emitOpError() << "every log-sum-exp must have the lse result's type " << lse
                           << ", got " << l.getType();
  if (out.getRank() < 1 || lse.getRank() != out.getRank() - 1 ||
      !verifyCompatibleShape(lse.getShape(), out.getShape().drop_back()).succeeded())
    return emitOpError() << "the log-sum-exps " << lse
                         << " must have the outputs' shape without the last dimension, "
                         << out;
  return success();
}

/// The score_mod block: (score, b, h, i, j, p, captures...) -> score, scalar ops only.
LogicalResult AttentionOp::verifyRegions() {
  if (!hasScoreMod())
    return success();
  Block &body = getScoreMod().front();
  Type elt = getScoreType();
  unsigned expected = 1 + kScoreModIndices + getCaptures().size();
  if (body.getNumArguments() != expected)
    return emitOpError() << "score_mod takes the score, (batch, head, row, key, position) "
                            "and one tensor per capture ("
                         << expected << " arguments), got " << body.getNumArguments();
  if (body.getArgument(0).getType() != elt)
    return emitOpError() << "score_mod argument #0 must be the score type " << elt << ", got "
                         << body.getArgument(0).getType();
  for (unsigned i = 1; i <= kScoreModIndices; ++i)
    if (!body.getArgument(i).getType().isIndex())
      return emitOpError() << "score_mod argument #" << i << " must be an index, got "
                           << body.getArgument(i).getType();
  for (auto [i, capture] : llvm::enumerate(getCaptures())) {
    Type argType = body.getArgument(1 + kScoreModIndices + i).getType();
    if (argType != capture.getType())
      return emitOpError() << "score_mod argument #" << 1 + kScoreModIndices + i
                           << " must have the type of capture #" << i << ", "
                           << capture.getType() << ", got " << argType;
  }
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "score_mod must end with attn.yield";
  if (yield.getValue().getType() != elt)
    return emitOpError() << "score_mod yields " << yield.getValue().getType()
                         << ", expected the score type " << elt;
  for (Operation &inner : body.without_terminator())
    for (Value result : inner.getResults())
      if (isa<ShapedType>(result.getType()))
        return inner.emitOpError() << "computes a " << result.getType()
                                   << " in a score_mod region, which works on scalars";
  return success();
}

//===----------------------------------------------------------------------===//
// ReadOp
//===----------------------------------------------------------------------===//

LogicalResult ReadOp::verify() {
  auto type = cast<RankedTensorType>(getSource().getType());
  if ((int64_t)getIndices().size() != type.getRank())
    return emitOpError() << "reads a rank-" << type.getRank() << " tensor with "
                         << getIndices().size() << " indices";
  if (type.hasStaticShape() && type.getNumElements() == 0)
    return emitOpError() << "reads an empty tensor " << type;
  return success();
}

/// The mask operands `mask` reads: their number, and each one's shape for its reader.
/// `keysOfWholeProblem`: segment ids span the whole problem's keys, not the op's.
static LogicalResult verifyMaskOperands(Operation *op, MaskAttr mask, ValueRange maskOperands,
                                        RankedTensorType q, RankedTensorType k,
                                        bool keysOfWholeProblem) {
  auto emitOpError = [&] { return op->emitOpError(); };
  int64_t needed = mask ? lastMaskOperand(mask) + 1 : 0;
  if ((int64_t)maskOperands.size() != needed)
    return emitOpError() << "the mask reads " << needed << " mask operand(s), got "
                         << maskOperands.size();
  std::map<int64_t, MaskKind> readers;
  std::optional<std::pair<MaskKind, MaskKind>> conflict;
  if (mask)
    collectOperandReaders(mask, readers, conflict);
  if (conflict)
    return emitOpError() << "a mask operand is read by both '"
                         << stringifyMaskKind(conflict->first) << "' and '"
                         << stringifyMaskKind(conflict->second)
                         << "' terms, which read different tensors";
  for (auto [i, operand] : llvm::enumerate(maskOperands)) {
    auto type = cast<RankedTensorType>(operand.getType());
    std::string name = "mask operand #" + std::to_string(i);
    MaskKind reader = readers.count(i) ? readers[i] : MaskKind::Document;
    bool layout = reader == MaskKind::Blocks || reader == MaskKind::TopkBlocks;
    if (type.getRank() != (layout ? 4 : 2))
      return emitOpError() << "expects " << name
                           << (reader == MaskKind::Blocks
                                   ? " to be a [batch, query heads, query blocks, key blocks] "
                                     "layout, got "
                               : reader == MaskKind::TopkBlocks
                                   ? " to be [batch, query heads, query blocks, k] key-block "
                                     "indices, got "
                                   : " to be [batch, keys] segment ids, got ")
                           << type;
    // Segment ids of online_attention cover the whole problem's keys (a key tile reads
    // them beyond its own keys): only the batch must agree there.
    StringRef segmentLetters = keysOfWholeProblem ? "bz" : "bn";
    if (layout ? failed(verifyIndexedTensors(op, {{"bhmd", q, "the query"},
                                                  {"bhxy", type, name}}))
               : failed(verifyIndexedTensors(op, {{"bgnd", k, "the key"},
                                                  {segmentLetters, type, name}})))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// OnlineAttentionOp
//===----------------------------------------------------------------------===//

double OnlineAttentionOp::getEffectiveScale() {
  return softmaxScale(getScaleAttr(), getQuery().getType());
}

LogicalResult OnlineAttentionOp::verify() {
  if (getOutputs().size() != 3 || getResults().size() != 3)
    return emitOpError() << "expects outs(acc, max, sum) and their three results";
  auto acc = cast<RankedTensorType>(getAcc().getType());
  if (failed(verifyAttentionOperands(*this, getQuery(), getKey(), getValue(), acc, getOffsets(),
                                     "row, position, head, key")))
    return failure();
  for (auto [name, state] : {std::pair<StringRef, Value>{"max", getMax()}, {"sum", getSum()}}) {
    auto type = cast<RankedTensorType>(state.getType());
    if (type.getRank() != 3)
      return emitOpError() << "expects the " << name << " state to be [batch, heads, rows], got "
                           << type;
    if (failed(verifyIndexedTensors(*this, {{"bhme", acc, "the accumulator"},
                                            {"bhm", type, "the " + name.str() + " state"}})))
      return failure();
  }
  for (auto [init, result] : llvm::zip(getOutputs(), getResults()))
    if (init.getType() != result.getType())
      return emitOpError() << "result types must be the outs types, got " << result.getType()
                           << " for " << init.getType();
  if (getSoftcap() && !(*getSoftcapValue() > 0))
    return emitOpError() << "soft-cap must be positive, got " << getSoftcapAttr();
  if (getScale() && !std::isfinite(getScaleAttr().getValueAsDouble()))
    return emitOpError() << "scale must be finite";
  return verifyMaskOperands(*this, getMaskAttr(), getMaskOperands(), getQuery().getType(),
                            getKey().getType(), /*keysOfWholeProblem=*/true);
}
