//===- KeyPassAnalysis.cpp - passes over each reduced axis ----------------===//
//
// Dimensions of values are grouped into axes (classes of (value, dim) joined by the
// ops' index letters). For one axis X, in program order:
//   - a value indexed by X is streamed in some pass s >= 1: the latest pass of its
//     X-indexed inputs, and one after the pass that completed each X-free input;
//   - a value that reduces X away is complete after the pass that streams its inputs;
//   - a normalisation along X (softmax_features) needs its input's pass finished.
// The axis needs as many passes as the largest number reached.
//
//===----------------------------------------------------------------------===//
#include "attn/Transforms/KeyPassAnalysis.h"

#include "attn/IR/AttnOps.h"
#include "attn/IR/IndexNotation.h"

#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/Sequence.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
using Dim = std::pair<Value, unsigned>;

/// An op's operands and results with one letter per dimension.
struct Lettered {
  SmallVector<std::pair<Value, std::string>> inputs;
  SmallVector<std::pair<Value, std::string>> outputs;
  std::string normalizedAxis; // a letter the op normalises along, if any
};

std::string positional(Value v) {
  std::string letters;
  for (int64_t d = 0, e = cast<ShapedType>(v.getType()).getRank(); d < e; ++d)
    letters.push_back('a' + d);
  return letters;
}

std::optional<Lettered> letter(Operation *op) {
  Lettered l;
  if (auto einsum = dyn_cast<EinsumOp>(op)) {
    IndexSpec spec = einsum.getSpec().getValue();
    for (auto [v, s] : llvm::zip(einsum.getInputs(), spec.inputs))
      l.inputs.push_back({v, s});
    l.outputs.push_back({einsum.getResult(), spec.output});
  } else if (auto reduce = dyn_cast<ReduceOp>(op)) {
    IndexSpec spec = reduce.getSpec().getValue();
    l.inputs.push_back({reduce.getInput(), spec.inputs[0]});
    l.outputs.push_back({reduce.getResult(), spec.output});
  } else if (auto map = dyn_cast<MapOp>(op)) {
    if (IndexSpecAttr given = map.getSpecAttr()) {
      IndexSpec spec = given.getValue();
      for (auto [v, s] : llvm::zip(map.getInputs(), spec.inputs))
        l.inputs.push_back({v, s});
      l.outputs.push_back({map.getResult(), spec.output});
    } else {
      for (Value v : map.getInputs())
        l.inputs.push_back({v, positional(v)});
      l.outputs.push_back({map.getResult(), positional(map.getResult())});
    }
  } else if (auto mask = dyn_cast<MaskOp>(op)) {
    l.inputs.push_back({mask.getInput(), mask.getIndices().getValue().str()});
    l.outputs.push_back({mask.getResult(), mask.getIndices().getValue().str()});
  } else if (auto modify = dyn_cast<ModifyOp>(op)) {
    l.inputs.push_back({modify.getInput(), modify.getIndices().getValue().str()});
    l.outputs.push_back({modify.getResult(), modify.getIndices().getValue().str()});
  } else if (auto feature = dyn_cast<FeatureOp>(op)) {
    l.inputs.push_back({feature.getInput(), feature.getIndices().getValue().str()});
    l.outputs.push_back({feature.getResult(), feature.getIndices().getValue().str()});
    if (feature.getFeature() == FeatureKind::SoftmaxFeatures)
      l.normalizedAxis = feature.getAxis().getValue().str();
  } else if (auto attention = dyn_cast<AttentionOp>(op); attention && !attention.isPaged()) {
    // (Page pools have no key axis of their own: paged attention is not analysed.)
    // q [b, h, m, d], k [b, g, n, d], v [b, g, n, e] -> [b, h, m, e]; kv heads are
    // grouped query heads, the same axis for this analysis.
    l.inputs = {{attention.getQuery(), "bhmd"},
                {attention.getKey(), "bhnd"},
                {attention.getValue(), "bhne"}};
    l.outputs.push_back({attention.getResult(), "bhme"});
  } else {
    return std::nullopt;
  }
  return l;
}
} // namespace

SmallVector<AxisPasses> mlir::attn::analyzeKeyPasses(Operation *func) {
  // Axes: (value, dim) pairs joined by equal letters within each op.
  llvm::EquivalenceClasses<Dim> axes;
  llvm::MapVector<Operation *, Lettered> lettered;
  // Reduced axes, by a representative dim, with the letter that names them, and how
  // many reductions each axis sees (ties in passes go to the most reduced axis: the
  // keys of softmax are reduced by max, sum and P V, the head dim only by Q K^T).
  llvm::MapVector<Dim, std::string> reduced;
  SmallVector<Dim> reductions;
  func->walk([&](Operation *op) {
    std::optional<Lettered> l = letter(op);
    if (!l)
      return;
    llvm::StringMap<Dim> first;
    auto join = [&](Value v, StringRef letters) {
      for (auto [d, c] : llvm::enumerate(letters)) {
        Dim dim{v, unsigned(d)};
        axes.insert(dim);
        auto [it, inserted] = first.try_emplace(StringRef(&c, 1), dim);
        if (!inserted)
          axes.unionSets(it->second, dim);
      }
    };
    for (auto &[v, s] : l->inputs)
      join(v, s);
    for (auto &[v, s] : l->outputs)
      join(v, s);
    std::string outLetters = l->outputs.front().second;
    std::string counted;
    for (auto &[v, s] : l->inputs)
      for (auto [d, c] : llvm::enumerate(s))
        if (outLetters.find(c) == std::string::npos || l->normalizedAxis == std::string(1, c)) {
          reduced.try_emplace(Dim{v, unsigned(d)}, std::string(1, c));
          if (counted.find(c) == std::string::npos) {
            counted.push_back(c);
            reductions.push_back(Dim{v, unsigned(d)});
          }
        }
    // attn.attention reduces its keys for the softmax statistics and for P V.
    if (auto attention = dyn_cast<AttentionOp>(op); attention && !attention.isPaged())
      reductions.push_back(Dim{attention.getKey(), 2});
    lettered.insert({op, std::move(*l)});
  });

  SmallVector<AxisPasses> result;
  SmallVector<Dim> analyzed;
  for (auto &[dim, name] : reduced) {
    Dim leader = axes.getLeaderValue(dim);
    if (llvm::is_contained(analyzed, leader))
      continue;
    analyzed.push_back(leader);
    // Does `v` carry the axis? Which dim?
    auto carries = [&](Value v) {
      auto type = dyn_cast<ShapedType>(v.getType());
      if (!type || !type.hasRank())
        return false;
      for (unsigned d = 0, e = type.getRank(); d < e; ++d)
        if (axes.contains(Dim{v, d}) && axes.getLeaderValue(Dim{v, d}) == leader)
          return true;
      return false;
    };
    // stream[v]: pass streaming an axis-carrying v; done[v]: passes completed before
    // an axis-free v exists.
    DenseMap<Value, int64_t> stream, done;
    auto streamOf = [&](Value v) { return std::max<int64_t>(1, stream.lookup(v)); };
    int64_t most = 0;
    func->walk([&](Operation *op) {
      if (op->getNumResults() == 0 || op == func)
        return;
      auto it = lettered.find(op);
      bool normalizes = false;
      if (it != lettered.end() && !it->second.normalizedAxis.empty()) {
        const Lettered &l = it->second;
        size_t pos = l.inputs.front().second.find(l.normalizedAxis);
        normalizes = pos != std::string::npos && carries(l.inputs.front().first) &&
                     axes.getLeaderValue(Dim{l.inputs.front().first, unsigned(pos)}) == leader;
      }
      // The pass in which this op streams its axis-carrying inputs, if any.
      int64_t pass = 1;
      bool readsAxis = false;
      for (Value in : op->getOperands()) {
        if (!isa<ShapedType>(in.getType()))
          continue;
        if (carries(in)) {
          readsAxis = true;
          pass = std::max(pass, streamOf(in));
        } else {
          pass = std::max(pass, done.lookup(in) + 1);
        }
      }
      for (Value out : op->getResults()) {
        if (carries(out)) {
          int64_t s = normalizes ? pass + 1 : pass;
          stream[out] = s;
          most = std::max(most, s);
        } else {
          int64_t d = 0;
          if (readsAxis)
            d = pass;
          else
            for (Value in : op->getOperands())
              d = std::max(d, done.lookup(in));
          done[out] = d;
          most = std::max(most, d);
        }
      }
    });
    int64_t count = llvm::count_if(
        reductions, [&](Dim r) { return axes.getLeaderValue(r) == leader; });
    result.push_back({name, most, count});
  }
  // Remaining ties: the axis reduced first (K's keys before Q's features in linear
  // attention).
  SmallVector<unsigned> order = llvm::to_vector(llvm::seq<unsigned>(0, result.size()));
  llvm::sort(order, [&](unsigned a, unsigned b) {
    return std::make_tuple(-result[a].passes, -result[a].reductions, a) <
           std::make_tuple(-result[b].passes, -result[b].reductions, b);
  });
  return llvm::map_to_vector(order, [&](unsigned i) { return result[i]; });
}
