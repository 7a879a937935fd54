//===- RaiseLinalg.cpp - attention in linalg IR to attn.attention ---------===//
//
// Every candidate contraction is tried in a sandbox: its backward slice is copied into
// a scratch function, named ops are generalised (linalg.softmax decomposed), each
// linalg.generic is lifted to the attn cascade op that its maps and body describe, and
// the attn-raise-cascade patterns run. The rewrite is copied back only when the sandbox
// ends as a single attn.attention, so unmatched IR is never touched.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/AttnOps.h"
#include "attn/Transforms/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/Support/Debug.h"

#include <cmath>
#include <limits>

#define DEBUG_TYPE "attn-raise-linalg"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNRAISELINALG
#include "attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// A tensor and the letters of its dimensions.
struct Lifted {
  Value value;
  std::string letters;
};

std::optional<double> scalarConstant(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

/// The value every element of `init` holds, when it is a fill or a splat constant.
std::optional<double> splatValue(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return scalarConstant(fill.getInputs()[0]);
  DenseFPElementsAttr dense;
  if (matchPattern(init, m_Constant(&dense)) && dense.isSplat())
    return dense.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

bool isNegInfOrLowest(std::optional<double> v) {
  return v && ((std::isinf(*v) && *v < 0) || *v <= -std::numeric_limits<float>::max());
}

/// linalg.index of a loop, possibly behind index casts.
std::optional<unsigned> loopIndex(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(def)) {
      v = def->getOperand(0);
      continue;
    }
    if (auto index = dyn_cast<linalg::IndexOp>(def))
      return index.getDim();
    return std::nullopt;
  }
  return std::nullopt;
}

/// Lifts one linalg.generic to attn ops.
class GenericLifter {
public:
  GenericLifter(RewriterBase &rewriter, linalg::GenericOp op)
      : rewriter(rewriter), op(op), loc(op.getLoc()) {
    for (unsigned i = 0; i < op.getNumLoops(); ++i)
      loops.push_back('a' + i);
    outLetters = lettersOf(op.getMatchingIndexingMap(op.getDpsInitOperand(0)));
    outType = cast<RankedTensorType>(op.getResult(0).getType());
  }

  FailureOr<Value> lift() {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 || op.getNumLoops() > 26 ||
        !llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }))
      return failure();
    Block &body = op.getRegion().front();
    Value yielded = body.getTerminator()->getOperand(0);
    if (op.getNumReductionLoops() > 0)
      return liftReduction(yielded);
    return liftElementwise(yielded);
  }

private:
  RewriterBase &rewriter;
  linalg::GenericOp op;
  Location loc;
  std::string loops, outLetters;
  RankedTensorType outType;
  DenseMap<Value, Lifted> lifted;

  std::string lettersOf(AffineMap map) {
    std::string letters;
    for (AffineExpr e : map.getResults())
      letters.push_back(loops[cast<AffineDimExpr>(e).getPosition()]);
    return letters;
  }

  Lifted input(unsigned i) {
    OpOperand *operand = op.getDpsInputOperand(i);
    return {operand->get(), lettersOf(op.getMatchingIndexingMap(operand))};
  }

  std::optional<unsigned> inputNumber(Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != &op.getRegion().front() ||
        arg.getArgNumber() >= op.getNumDpsInputs())
      return std::nullopt;
    return arg.getArgNumber();
  }

  bool isOutput(Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner() == &op.getRegion().front() &&
           arg.getArgNumber() == op.getNumDpsInputs();
  }

  /// The spec of `inputs` -> the output's letters; null when they do not form one
  /// (a repeated letter, an output letter no input has).
  IndexSpecAttr specOf(ArrayRef<std::string> inputs) {
    std::string error;
    return IndexSpecAttr::fromText(rewriter.getContext(),
                                   llvm::join(inputs, ",") + "->" + outLetters, error);
  }

  /// acc = acc + a * b (contraction) or acc = max/add(acc, a) (reduction).
  FailureOr<Value> liftReduction(Value yielded) {
    Operation *combine = yielded.getDefiningOp();
    if (!combine || combine->getNumOperands() != 2 || combine->getBlock() != &op.getRegion().front())
      return failure();
    Value acc = combine->getOperand(0), term = combine->getOperand(1);
    if (!isOutput(acc))
      std::swap(acc, term);
    if (!isOutput(acc))
      return failure();
    std::optional<double> init = splatValue(op.getDpsInits()[0]);
    bool isAdd = isa<arith::AddFOp>(combine);
    bool isMax = isa<arith::MaximumFOp, arith::MaxNumFOp>(combine);
    // maxnumf ignores NaN, so NaN is its identity (linalg.softmax's decomposition).
    bool maxInit = isNegInfOrLowest(init) ||
                   (init && std::isnan(*init) && isa<arith::MaxNumFOp>(combine));
    if ((isAdd && (!init || *init != 0.0)) || (isMax && !maxInit) || (!isAdd && !isMax))
      return failure();
    if (op.getNumDpsInputs() == 1 && inputNumber(term)) {
      IndexSpecAttr spec = specOf({input(0).letters});
      if (!spec)
        return failure();
      return ReduceOp::create(rewriter, loc, outType,
                              isMax ? ReduceKind::Max : ReduceKind::Add, spec,
                              op.getDpsInputs()[0])
          .getResult();
    }
    auto mul = term.getDefiningOp<arith::MulFOp>();
    if (!isAdd || op.getNumDpsInputs() != 2 || !mul)
      return failure();
    std::optional<unsigned> a = inputNumber(mul.getLhs()), b = inputNumber(mul.getRhs());
    IndexSpecAttr spec = specOf({input(0).letters, input(1).letters});
    if (!a || !b || *a == *b || !spec)
      return failure();
    return EinsumOp::create(rewriter, loc, outType, ValueRange{op.getDpsInputs()}, spec,
                            CombineKind::Mul, ReduceKind::Add, FloatAttr())
        .getResult();
  }

  FailureOr<Value> liftElementwise(Value yielded) {
    // A pure permutation of one input is a one-operand einsum.
    if (std::optional<unsigned> i = inputNumber(yielded)) {
      Lifted in = input(*i);
      std::string sorted = in.letters, outSorted = outLetters;
      llvm::sort(sorted);
      llvm::sort(outSorted);
      IndexSpecAttr spec = specOf({in.letters});
      if (sorted != outSorted || !spec)
        return failure();
      return EinsumOp::create(rewriter, loc, outType, ValueRange{in.value}, spec,
                              CombineKind::Mul, ReduceKind::Add, FloatAttr())
          .getResult();
    }
    FailureOr<Lifted> result = liftValue(yielded);
    if (failed(result) || result->letters != outLetters)
      return failure();
    return result->value;
  }

  Value map(MapFn fn, ArrayRef<Lifted> operands, std::optional<double> constant = {}) {
    SmallVector<Value> values;
    SmallVector<std::string> letters;
    bool same = true;
    for (const Lifted &l : operands) {
      values.push_back(l.value);
      letters.push_back(l.letters);
      same &= l.letters == outLetters;
    }
    IndexSpecAttr spec = same ? IndexSpecAttr() : specOf(letters);
    return MapOp::create(rewriter, loc, outType, fn, values, spec,
                         constant ? rewriter.getF64FloatAttr(*constant) : FloatAttr());
  }

  FailureOr<Lifted> liftValue(Value v) {
    if (auto it = lifted.find(v); it != lifted.end())
      return it->second;
    FailureOr<Lifted> result = liftValueImpl(v);
    if (succeeded(result))
      lifted[v] = *result;
    return result;
  }

  FailureOr<Lifted> liftValueImpl(Value v) {
    if (std::optional<unsigned> i = inputNumber(v))
      return input(*i);
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != &op.getRegion().front())
      return failure();
    auto unary = [&](MapFn fn) -> FailureOr<Lifted> {
      FailureOr<Lifted> x = liftValue(def->getOperand(0));
      if (failed(x))
        return failure();
      return Lifted{map(fn, {*x}), outLetters};
    };
    if (isa<math::ExpOp>(def))
      return unary(MapFn::Exp);
    if (isa<math::LogOp>(def))
      return unary(MapFn::Log);
    if (isa<math::TanhOp>(def))
      return unary(MapFn::Tanh);
    if (isa<arith::NegFOp>(def))
      return unary(MapFn::Neg);
    if (auto select = dyn_cast<arith::SelectOp>(def))
      return liftSelect(select);
    if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp, arith::MaximumFOp>(def))
      return failure();
    Value lhs = def->getOperand(0), rhs = def->getOperand(1);
    std::optional<double> cl = scalarConstant(lhs), cr = scalarConstant(rhs);
    if (cl && cr)
      return failure();
    if (cl || cr) {
      // One operand is a constant: scale / shift / relu.
      double c = cl ? *cl : *cr;
      FailureOr<Lifted> x = liftValue(cl ? rhs : lhs);
      if (failed(x))
        return failure();
      if (isa<arith::MulFOp>(def))
        return Lifted{map(MapFn::Scale, {*x}, c), outLetters};
      if (isa<arith::DivFOp>(def) && cr && c != 0.0)
        return Lifted{map(MapFn::Scale, {*x}, 1.0 / c), outLetters};
      if (isa<arith::AddFOp>(def))
        return Lifted{map(MapFn::Shift, {*x}, c), outLetters};
      if (isa<arith::SubFOp>(def) && cr)
        return Lifted{map(MapFn::Shift, {*x}, -c), outLetters};
      if (isa<arith::MaximumFOp>(def) && c == 0.0)
        return Lifted{map(MapFn::Relu, {*x}), outLetters};
      return failure();
    }
    FailureOr<Lifted> x = liftValue(lhs), y = liftValue(rhs);
    if (failed(x) || failed(y))
      return failure();
    MapFn fn = isa<arith::AddFOp>(def)   ? MapFn::Add
               : isa<arith::SubFOp>(def) ? MapFn::Sub
               : isa<arith::MulFOp>(def) ? MapFn::Mul
               : isa<arith::DivFOp>(def) ? MapFn::Div
                                         : MapFn::Max;
    return Lifted{map(fn, {*x, *y}), outLetters};
  }

  /// The index comparison behind a select condition, with the loops (of this generic)
  /// it compares: computed in the body, or read from an i1 tensor that another generic
  /// computes from its indices (a materialised boolean mask).
  arith::CmpIOp conditionOf(Value cond, std::optional<std::pair<unsigned, unsigned>> &dims) {
    if (auto cmp = cond.getDefiningOp<arith::CmpIOp>()) {
      std::optional<unsigned> l = loopIndex(cmp.getLhs()), r = loopIndex(cmp.getRhs());
      if (!l || !r || cmp->getBlock() != &op.getRegion().front())
        return {};
      dims = {*l, *r};
      return cmp;
    }
    std::optional<unsigned> i = inputNumber(cond);
    if (!i)
      return {};
    OpOperand *operand = op.getDpsInputOperand(*i);
    auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
    if (!producer || producer.getNumDpsInits() != 1 || producer.getNumReductionLoops() ||
        !producer.getMatchingIndexingMap(producer.getDpsInitOperand(0)).isIdentity())
      return {};
    auto cmp = producer.getRegion().front().getTerminator()->getOperand(0)
                   .getDefiningOp<arith::CmpIOp>();
    if (!cmp)
      return {};
    std::optional<unsigned> l = loopIndex(cmp.getLhs()), r = loopIndex(cmp.getRhs());
    if (!l || !r)
      return {};
    // The producer's loop k is dimension k of the mask tensor, which this generic
    // reads through its indexing map.
    AffineMap read = op.getMatchingIndexingMap(operand);
    dims = {read.getDimPosition(*l), read.getDimPosition(*r)};
    return cmp;
  }

  /// select(j <= i, x, -inf) and its mirrored forms become a causal mask; a select
  /// between the constants 0 and -inf (a materialised additive mask) masks zeros.
  FailureOr<Lifted> liftSelect(arith::SelectOp select) {
    std::optional<std::pair<unsigned, unsigned>> dims;
    arith::CmpIOp cmp = conditionOf(select.getCondition(), dims);
    if (!cmp)
      return failure();
    std::optional<unsigned> l = dims->first, r = dims->second;
    if (*l == *r)
      return failure();
    Value kept = select.getTrueValue(), hidden = select.getFalseValue();
    bool visibleWhenTrue = true;
    std::optional<double> hiddenValue = scalarConstant(hidden);
    if (!isNegInfOrLowest(hiddenValue) || !std::isinf(*hiddenValue)) {
      std::swap(kept, hidden);
      visibleWhenTrue = false;
      hiddenValue = scalarConstant(hidden);
      if (!hiddenValue || !std::isinf(*hiddenValue) || *hiddenValue > 0)
        return failure();
    }
    // Normalise to "key <= query" on the visible side.
    using P = arith::CmpIPredicate;
    P pred = cmp.getPredicate();
    if (!visibleWhenTrue)
      pred = arith::invertPredicate(pred);
    unsigned key, query;
    if (pred == P::sle || pred == P::ule) {
      key = *l;
      query = *r;
    } else if (pred == P::sge || pred == P::uge) {
      key = *r;
      query = *l;
    } else {
      return failure();
    }
    // Torch's causal masks are top-left aligned; ours are end-aligned. They agree when
    // both sequence lengths are static and equal.
    size_t qPos = outLetters.find(loops[query]), kPos = outLetters.find(loops[key]);
    if (qPos == std::string::npos || kPos == std::string::npos ||
        outType.isDynamicDim(qPos) || outType.getDimSize(qPos) != outType.getDimSize(kPos))
      return failure();
    Value input;
    if (std::optional<double> c = scalarConstant(kept)) {
      if (*c != 0.0)
        return failure();
      Value zero = arith::ConstantOp::create(rewriter, loc,
                                             rewriter.getFloatAttr(outType.getElementType(), 0.0));
      Value init = tensor::EmptyOp::create(
          rewriter, loc, tensor::getMixedSizes(rewriter, loc, op.getDpsInits()[0]),
          outType.getElementType());
      input = linalg::FillOp::create(rewriter, loc, ValueRange{zero}, ValueRange{init})
                  .getResult(0);
    } else {
      FailureOr<Lifted> x = liftValue(kept);
      if (failed(x) || x->letters != outLetters)
        return failure();
      input = x->value;
    }
    MLIRContext *ctx = rewriter.getContext();
    std::string error;
    IndexListAttr letters = IndexListAttr::fromText(ctx, outLetters, error),
                  queryLetter = IndexListAttr::fromText(ctx, std::string(1, loops[query]), error),
                  keyLetter = IndexListAttr::fromText(ctx, std::string(1, loops[key]), error);
    if (!letters || !queryLetter || !keyLetter)
      return failure();
    Value masked = MaskOp::create(rewriter, loc, outType, MaskAttr::getLeaf(ctx, MaskKind::Causal),
                                  input, letters, queryLetter, keyLetter, FillKind::NegInf);
    return Lifted{masked, outLetters};
  }
};

/// The sandbox for one candidate.
struct Sandbox {
  OwningOpRef<ModuleOp> module;
  func::FuncOp func;
  SmallVector<Value> inputs; // values of the original function the slice reads
};

bool isSliceOp(Operation *op) {
  return isa<linalg::LinalgOp, linalg::SoftmaxOp, tensor::EmptyOp, arith::ConstantOp,
             tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op);
}

FailureOr<Sandbox> buildSandbox(Operation *root) {
  BackwardSliceOptions options;
  options.inclusive = true;
  options.filter = [&](Operation *op) {
    return op->getBlock() == root->getBlock() && isSliceOp(op);
  };
  SetVector<Operation *> slice;
  if (failed(getBackwardSlice(root, &slice, options)))
    return failure();
  // Constants that bodies capture from above travel with the slice (a scale factor
  // must stay visible to the lifting).
  SetVector<Operation *> captured;
  for (Operation *op : slice)
    op->walk([&](Operation *inner) {
      for (Value operand : inner->getOperands())
        if (auto cst = operand.getDefiningOp<arith::ConstantOp>())
          if (!slice.contains(cst) && cst->getBlock() == root->getBlock())
            captured.insert(cst);
    });
  if (!captured.empty()) {
    SetVector<Operation *> ordered = captured;
    ordered.insert(slice.begin(), slice.end());
    slice = std::move(ordered);
  }
  Sandbox box;
  OpBuilder b(root->getContext());
  box.module = ModuleOp::create(root->getLoc());
  SetVector<Value> inputs;
  for (Operation *op : slice)
    for (Value operand : op->getOperands())
      if (!slice.contains(operand.getDefiningOp()))
        inputs.insert(operand);
  // Values captured by bodies (e.g. a scale defined outside) are inputs too.
  for (Operation *op : slice)
    op->walk([&](Operation *inner) {
      for (Value operand : inner->getOperands())
        if (!op->isAncestor(operand.getParentBlock()->getParentOp()) &&
            !slice.contains(operand.getDefiningOp()))
          inputs.insert(operand);
    });
  box.inputs = inputs.takeVector();
  b.setInsertionPointToEnd(box.module->getBody());
  SmallVector<Type> argTypes;
  for (Value v : box.inputs)
    argTypes.push_back(v.getType());
  box.func = func::FuncOp::create(b, root->getLoc(), "sandbox",
                                  b.getFunctionType(argTypes, root->getResultTypes()));
  Block *entry = box.func.addEntryBlock();
  IRMapping mapping;
  for (auto [v, arg] : llvm::zip(box.inputs, entry->getArguments()))
    mapping.map(v, arg);
  b.setInsertionPointToEnd(entry);
  for (Operation *op : slice)
    b.clone(*op, mapping);
  func::ReturnOp::create(b, root->getLoc(), llvm::map_to_vector(root->getResults(), [&](Value r) {
                           return mapping.lookup(r);
                         }));
  return box;
}

/// Generalises, lifts and raises inside the sandbox; success when one attn.attention
/// and no other attn op remains.
LogicalResult raiseInSandbox(Sandbox &box) {
  IRRewriter rewriter(box.func.getContext());
  SmallVector<Operation *> named;
  box.func.walk([&](Operation *op) {
    if (isa<linalg::SoftmaxOp>(op) ||
        (isa<linalg::LinalgOp>(op) && !isa<linalg::GenericOp, linalg::FillOp>(op)))
      named.push_back(op);
  });
  for (Operation *op : named) {
    rewriter.setInsertionPoint(op);
    if (auto softmax = dyn_cast<linalg::SoftmaxOp>(op)) {
      FailureOr<SmallVector<Value>> parts = softmax.decomposeOperation(rewriter);
      if (failed(parts))
        return failure();
      rewriter.replaceOp(op, *parts);
      continue;
    }
    if (failed(linalg::generalizeNamedOp(rewriter, cast<linalg::LinalgOp>(op))))
      return failure();
  }
  // Front ends flatten batch and heads around batch matmuls (collapse_shape before,
  // expand_shape after); folding the reshapes into the generics by expanding their
  // loops gives one consistent iteration space per tensor again.
  {
    RewritePatternSet reshapes(box.func.getContext());
    linalg::populateFoldReshapeOpsByExpansionPatterns(
        reshapes, [](OpOperand *) { return true; });
    tensor::populateFoldTensorEmptyPatterns(reshapes);
    if (failed(applyPatternsGreedily(box.func, std::move(reshapes))))
      return failure();
  }
  SmallVector<linalg::GenericOp> generics;
  box.func.walk([&](linalg::GenericOp g) { generics.push_back(g); });
  for (linalg::GenericOp g : generics) {
    rewriter.setInsertionPoint(g);
    FailureOr<Value> liftedValue = GenericLifter(rewriter, g).lift();
    if (succeeded(liftedValue))
      rewriter.replaceOp(g, *liftedValue);
  }
  RewritePatternSet patterns(box.func.getContext());
  populateAttnRaiseCascadePatterns(patterns);
  for (RegisteredOperationName name : box.func.getContext()->getRegisteredOperations())
    if (name.getDialectNamespace() == "attn" || name.getDialectNamespace() == "tensor")
      name.getCanonicalizationPatterns(patterns, box.func.getContext());
  if (failed(applyPatternsGreedily(box.func, std::move(patterns))))
    return failure();
  LLVM_DEBUG(llvm::dbgs() << "[attn-raise-linalg] sandbox after raising:\n"
                          << *box.func << "\n");
  unsigned attentions = 0, cascade = 0;
  box.func.walk([&](Operation *op) {
    if (isa<AttentionOp>(op))
      ++attentions;
    else if (isa_and_nonnull<AttnDialect>(op->getDialect()))
      ++cascade;
  });
  return success(attentions == 1 && cascade == 0);
}

struct AttnRaiseLinalgPass : attn::impl::AttnRaiseLinalgBase<AttnRaiseLinalgPass> {
  void runOnOperation() override {
    // Candidates are contractions (the P V product, or any other); later ones first so
    // that an attention's own Q K^T is not tried before the P V that contains it.
    SmallVector<Operation *> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumDpsInputs() >= 1 &&
          op->getNumResults() == 1 && !isa<linalg::FillOp>(op))
        candidates.push_back(op);
    });
    DenseSet<Operation *> erased;
    for (Operation *root : llvm::reverse(candidates)) {
      if (erased.contains(root) || root->use_empty())
        continue;
      FailureOr<Sandbox> box = buildSandbox(root);
      if (failed(box) || failed(raiseInSandbox(*box)))
        continue;
      // Copy the raised body back in front of the root.
      OpBuilder b(root);
      IRMapping mapping;
      Block &entry = box->func.getBody().front();
      for (auto [arg, v] : llvm::zip(entry.getArguments(), box->inputs))
        mapping.map(arg, v);
      for (Operation &op : entry.without_terminator())
        b.clone(op, mapping);
      auto ret = cast<func::ReturnOp>(entry.getTerminator());
      SmallVector<Value> results =
          llvm::map_to_vector(ret.getOperands(), [&](Value v) { return mapping.lookup(v); });
      root->replaceAllUsesWith(results);
      // Erase what the attention made dead (walking the slice backwards).
      SmallVector<Operation *> worklist = {root};
      while (!worklist.empty()) {
        Operation *op = worklist.pop_back_val();
        // An op can be queued twice (two operands with one producer): check `erased`
        // before touching it.
        if (erased.contains(op) || !op->use_empty() || !isMemoryEffectFree(op))
          continue;
        for (Value operand : op->getOperands())
          if (Operation *def = operand.getDefiningOp())
            worklist.push_back(def);
        erased.insert(op);
        op->erase();
      }
    }
  }
};

} // namespace
