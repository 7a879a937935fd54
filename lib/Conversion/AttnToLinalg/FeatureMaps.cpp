//===- FeatureMaps.cpp - #attn.feature maps as linalg ----------------------===//
#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::attn;

/// taylor2: phi(x) = [1, x_0..x_{d-1}, x_a x_b / sqrt(2) for (a, b) in d x d row-major],
/// so that phi(q).phi(k) = 1 + q.k + (q.k)^2 / 2. Built as a gather: output feature f
/// reads at most two input features, chosen with selects so every read is in bounds.
static Value buildTaylor2(OpBuilder &b, Location loc, Indexed input, char axis) {
  auto type = cast<RankedTensorType>(input.value.getType());
  size_t axisPos = input.letters.find(axis);
  int64_t d = type.getDimSize(axisPos);
  SmallVector<OpFoldResult> sizes;
  for (char c : input.letters)
    sizes.push_back(c == axis ? b.getIndexAttr(1 + d + d * d)
                              : getLetterSize(b, loc, c, {input}));
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  return buildGeneric(b, loc, {}, {init, input.letters}, [&](const GenericBody &g) {
    OpBuilder &nb = g.b;
    Location l = g.loc;
    using P = arith::CmpIPredicate;
    auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(nb, l, v); };
    Value f = g.index(axis);
    Value isOne = arith::CmpIOp::create(nb, l, P::eq, f, idx(0));
    Value isLinear = arith::CmpIOp::create(nb, l, P::ule, f, idx(d));
    Value quad = arith::SubIOp::create(nb, l, f, idx(1 + d));
    // Clamp to 0 outside the quadratic block so that the division stays in range.
    quad = arith::SelectOp::create(nb, l, isLinear, idx(0), quad);
    Value row = arith::DivUIOp::create(nb, l, quad, idx(d));
    Value col = arith::RemUIOp::create(nb, l, quad, idx(d));
    Value linear = arith::SelectOp::create(
        nb, l, isOne, idx(0), arith::SubIOp::create(nb, l, f, idx(1)).getResult());
    Value first = arith::SelectOp::create(nb, l, isLinear, linear, row);
    auto read = [&](Value feature) {
      SmallVector<Value> coords;
      for (char c : input.letters)
        coords.push_back(c == axis ? feature : g.index(c));
      return tensor::ExtractOp::create(nb, l, input.value, coords).getResult();
    };
    Value a = read(first), c = read(col);
    Type elt = a.getType();
    Value prod = arith::MulFOp::create(nb, l, a, c);
    Value quadValue =
        arith::MulFOp::create(nb, l, prod, floatConstant(nb, l, elt, 1.0 / std::sqrt(2.0)));
    Value value = arith::SelectOp::create(nb, l, isLinear, a, quadValue);
    return arith::SelectOp::create(nb, l, isOne, floatConstant(nb, l, elt, 1.0), value)
        .getResult();
  });
}

/// softmax along `axis`: exp(x - max) / sum exp(x - max).
static Value buildSoftmaxFeatures(OpBuilder &b, Location loc, Indexed input, char axis) {
  std::string rest;
  for (char c : input.letters)
    if (c != axis)
      rest.push_back(c);
  Value max = buildReduction(b, loc, input, rest, /*isMax=*/true);
  Value exp = buildElementwise(b, loc, {input, {max, rest}}, input.letters,
                               [&](const GenericBody &g) {
                                 Value d = arith::SubFOp::create(g.b, g.loc, g.args[0], g.args[1]);
                                 return math::ExpOp::create(g.b, g.loc, d).getResult();
                               });
  Indexed expIndexed{exp, input.letters};
  Value sum = buildReduction(b, loc, expIndexed, rest, /*isMax=*/false);
  return buildElementwise(b, loc, {expIndexed, {sum, rest}}, input.letters,
                          [&](const GenericBody &g) {
                            return arith::DivFOp::create(g.b, g.loc, g.args[0], g.args[1])
                                .getResult();
                          });
}

Value mlir::attn::buildFeatureMap(OpBuilder &b, Location loc, FeatureKind kind,
                                  Indexed input, char axis) {
  auto unary = [&](auto fn) {
    return buildElementwise(b, loc, {input}, input.letters, [&](const GenericBody &g) {
      return fn(g.b, g.loc, g.args[0]);
    });
  };
  switch (kind) {
  case FeatureKind::Identity:
    return input.value;
  case FeatureKind::EluPlusOne:
    // elu(x) + 1 = x + 1 for x > 0, exp(x) otherwise.
    return unary([](OpBuilder &nb, Location l, Value x) -> Value {
      Type t = x.getType();
      Value zero = floatConstant(nb, l, t, 0.0);
      Value pos = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, x, zero);
      Value plusOne = arith::AddFOp::create(nb, l, x, floatConstant(nb, l, t, 1.0));
      Value exp = math::ExpOp::create(nb, l, x);
      return arith::SelectOp::create(nb, l, pos, plusOne, exp);
    });
  case FeatureKind::Relu:
  case FeatureKind::Cosformer: // without its position weight, which needs the pair
    return unary([](OpBuilder &nb, Location l, Value x) -> Value {
      return arith::MaximumFOp::create(nb, l, x, floatConstant(nb, l, x.getType(), 0.0));
    });
  case FeatureKind::Taylor2:
    return buildTaylor2(b, loc, input, axis);
  case FeatureKind::SoftmaxFeatures:
    return buildSoftmaxFeatures(b, loc, input, axis);
  case FeatureKind::Favor:
    llvm_unreachable("favor needs its projection: buildFavorFeatures");
  }
  llvm_unreachable("unknown feature kind");
}

Indexed mlir::attn::buildFavorFeatures(OpBuilder &b, Location loc, Indexed input, char axis,
                                       Value projection) {
  // exp(W x - |x|^2 / 2) / sqrt(m): the contraction with W ("fd") renames the axis f.
  Type elt = cast<ShapedType>(input.value.getType()).getElementType();
  std::string projected = input.letters, reduced;
  for (char c : input.letters)
    if (c != axis)
      reduced.push_back(c);
  std::replace(projected.begin(), projected.end(), axis, 'f');
  Indexed w{projection, std::string{'f', axis}};
  Indexed wx{buildGeneric(b, loc, {input, w}, {buildInit(b, loc, elt, projected, {input, w}, 0.0),
                                               projected},
                          multiplyAccumulate),
             projected};
  Indexed squares{buildElementwise(b, loc, {input}, input.letters,
                                   [](const GenericBody &g) {
                                     return arith::MulFOp::create(g.b, g.loc, g.args[0], g.args[0])
                                         .getResult();
                                   }),
                  input.letters};
  Indexed norm{buildReduction(b, loc, squares, reduced, /*isMax=*/false), reduced};
  double features = cast<ShapedType>(projection.getType()).getDimSize(0);
  Value phi = buildElementwise(b, loc, {wx, norm}, projected, [&](const GenericBody &g) {
    Value half = floatConstant(g.b, g.loc, elt, 0.5);
    Value x = arith::SubFOp::create(g.b, g.loc, g.args[0],
                                    arith::MulFOp::create(g.b, g.loc, g.args[1], half));
    return arith::MulFOp::create(g.b, g.loc, math::ExpOp::create(g.b, g.loc, x),
                                 floatConstant(g.b, g.loc, elt, 1.0 / std::sqrt(features)))
        .getResult();
  });
  return {phi, projected};
}
