//===- Evaluator.cpp - fp64 interpretation of attn programs ---------------===//
#include "attn/Reference/Evaluator.h"
#include "Semantics.h"

#include "attn/IR/AttnOps.h"
#include "attn/IR/IndexNotation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::reference;

Tensor Tensor::zeros(std::vector<int64_t> shape) {
  Tensor t;
  t.shape = std::move(shape);
  t.data.assign(t.numElements(), 0.0);
  return t;
}

int64_t Tensor::numElements() const {
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  return n;
}

namespace {

/// A loop nest over named letters, and operands viewed through it.
struct LoopNest {
  std::string letters;
  std::vector<int64_t> extents;

  int64_t extent(char c) const { return extents[letters.find(c)]; }

  /// Stride of each loop in a row-major tensor whose dimensions are `operand`.
  std::vector<int64_t> strides(StringRef operand, ArrayRef<int64_t> shape) const {
    std::vector<int64_t> s(letters.size(), 0);
    int64_t stride = 1;
    for (int64_t d = operand.size() - 1; d >= 0; --d) {
      s[letters.find(operand[d])] = stride;
      stride *= shape[d];
    }
    return s;
  }

  /// Calls fn(loop indices) for every point of the nest, last letter fastest.
  void forEach(const std::function<void(ArrayRef<int64_t>)> &fn) const {
    for (int64_t e : extents)
      if (e == 0)
        return;
    std::vector<int64_t> idx(letters.size(), 0);
    while (true) {
      fn(idx);
      int64_t d = (int64_t)idx.size() - 1;
      while (d >= 0 && ++idx[d] == extents[d])
        idx[d--] = 0;
      if (d < 0)
        return;
    }
  }

  double points() const {
    double n = 1;
    for (int64_t e : extents)
      n *= e;
    return n;
  }
};

int64_t offsetOf(ArrayRef<int64_t> idx, ArrayRef<int64_t> strides) {
  int64_t off = 0;
  for (size_t i = 0; i < idx.size(); ++i)
    off += idx[i] * strides[i];
  return off;
}

/// A scalar inside an attn.modify region: integers (index, iN) or floats.
struct Scalar {
  bool isFloat = true;
  double f = 0;
  int64_t i = 0;
  static Scalar ofFloat(double v) { return {true, v, 0}; }
  static Scalar ofInt(int64_t v) { return {false, 0, v}; }
};

class Evaluator {
public:
  Evaluator(const Options &options) : options(options) {}

  FailureOr<Result> run(func::FuncOp func, ArrayRef<Tensor> args) {
    Block &body = func.getBody().front();
    if (args.size() != body.getNumArguments())
      return func.emitError() << "expects " << body.getNumArguments() << " arguments, got "
                              << args.size(),
             failure();
    for (auto [arg, t] : llvm::zip(body.getArguments(), args)) {
      if (failed(checkType(func, arg.getType(), t, "argument #" +
                                                        std::to_string(arg.getArgNumber()))))
        return failure();
      values[arg] = t;
    }
    Result result;
    for (Operation &op : body) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        for (Value v : ret.getOperands())
          result.outputs.push_back(values.at(v));
        result.flops = flops;
        return result;
      }
      if (failed(evaluate(op)))
        return failure();
    }
    return func.emitError("function has no return"), failure();
  }

private:
  const Options &options;
  llvm::DenseMap<Value, Tensor> values;
  double flops = 0;

  bool compute() const { return !options.shapesOnly; }

  LogicalResult checkType(Operation *op, Type type, const Tensor &t, const std::string &what) {
    auto shaped = dyn_cast<RankedTensorType>(type);
    if (!shaped)
      return op->emitError() << "the reference evaluator handles ranked tensors only, "
                             << what << " is " << type;
    if (shaped.getRank() != (int64_t)t.shape.size())
      return op->emitError() << what << " has rank " << t.shape.size() << ", expected "
                             << shaped;
    for (int64_t d = 0; d < shaped.getRank(); ++d)
      if (!shaped.isDynamicDim(d) && shaped.getDimSize(d) != t.shape[d])
        return op->emitError() << what << " has size " << t.shape[d] << " in dimension "
                               << d << ", expected " << shaped;
    return success();
  }

  /// Binds letters to sizes; a letter must have one size everywhere at run time.
  LogicalResult bindLetters(Operation *op, std::map<char, int64_t> &sizes, StringRef letters,
                            const std::vector<int64_t> &shape, unsigned operand) {
    for (size_t d = 0; d < letters.size(); ++d) {
      auto [it, inserted] = sizes.emplace(letters[d], shape[d]);
      if (!inserted && it->second != shape[d])
        return op->emitError() << "index '" << letters[d] << "' is " << it->second
                               << " elsewhere but " << shape[d] << " in operand #"
                               << operand << " at run time";
    }
    return success();
  }

  LogicalResult setResult(Operation *op, Tensor t) {
    if (failed(checkType(op, op->getResult(0).getType(), t, "the result")))
      return failure();
    values[op->getResult(0)] = std::move(t);
    return success();
  }

  LogicalResult evaluate(Operation &op) {
    return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
        .Case<EinsumOp>([&](auto o) { return evalEinsum(o); })
        .Case<MapOp>([&](auto o) { return evalMap(o); })
        .Case<ModifyOp>([&](auto o) { return evalModify(o); })
        .Case<ReduceOp>([&](auto o) { return evalReduce(o); })
        .Case<MaskOp>([&](auto o) { return evalMask(o); })
        .Case<FeatureOp>([&](auto o) { return evalFeature(o); })
        .Case<AttentionOp>([&](auto o) { return evalAttention(o); })
        .Case<OnlineAttentionOp>([&](auto o) { return evalOnlineAttention(o); })
        .Case<MergeOp>([&](auto o) { return evalMerge(o); })
        .Case<tensor::CastOp>([&](auto o) { return setResult(o, values.at(o.getSource())); })
        // Index constants place a tile of attn.attention (its offsets, read there).
        .Case<arith::ConstantOp>([&](auto o) -> LogicalResult {
          if (o.getType().isIndex())
            return success();
          return o->emitError() << "the reference evaluator reads index constants only";
        })
        .Default([&](Operation *o) {
          return o->emitError() << "the reference evaluator does not interpret '"
                                << o->getName() << "'";
        });
  }

  /// A loop nest over `out` then the remaining letters of `operands`.
  FailureOr<LoopNest> nestOf(Operation *op, ArrayRef<std::string> operands, StringRef out) {
    std::map<char, int64_t> sizes;
    for (auto [i, letters] : llvm::enumerate(operands))
      if (failed(bindLetters(op, sizes, letters, values.at(op->getOperand(i)).shape, i)))
        return failure();
    LoopNest nest;
    nest.letters = out.str();
    for (const std::string &letters : operands)
      for (char c : letters)
        if (nest.letters.find(c) == std::string::npos)
          nest.letters.push_back(c);
    for (char c : nest.letters)
      nest.extents.push_back(sizes.at(c));
    return nest;
  }

  std::vector<int64_t> shapeOf(const LoopNest &nest, StringRef letters) {
    std::vector<int64_t> shape;
    for (char c : letters)
      shape.push_back(nest.extent(c));
    return shape;
  }

  LogicalResult evalEinsum(EinsumOp op) {
    IndexSpec spec = op.getSpec().getValue();
    FailureOr<LoopNest> nest = nestOf(op, spec.inputs, spec.output);
    if (failed(nest))
      return failure();
    bool isMax = op.getReduce() == ReduceKind::Max;
    Tensor out = Tensor::zeros(shapeOf(*nest, spec.output));
    if (op.getInputs().size() == 2)
      flops += 2 * nest->points();
    if (compute()) {
      if (isMax)
        std::fill(out.data.begin(), out.data.end(), -INFINITY);
      std::vector<std::vector<int64_t>> strides;
      for (auto [i, letters] : llvm::enumerate(spec.inputs))
        strides.push_back(nest->strides(letters, values.at(op.getInputs()[i]).shape));
      std::vector<int64_t> outStrides = nest->strides(spec.output, out.shape);
      bool add = op.getCombine() == CombineKind::Add;
      const Tensor &a = values.at(op.getInputs()[0]);
      const Tensor *b = op.getInputs().size() == 2 ? &values.at(op.getInputs()[1]) : nullptr;
      nest->forEach([&](ArrayRef<int64_t> idx) {
        double term = a.data[offsetOf(idx, strides[0])];
        if (b) {
          double y = b->data[offsetOf(idx, strides[1])];
          term = add ? term + y : term * y;
        }
        double &acc = out.data[offsetOf(idx, outStrides)];
        acc = isMax ? (std::isnan(term) || std::isnan(acc) ? NAN : std::max(acc, term))
                    : acc + term;
      });
      if (FloatAttr scale = op.getScaleAttr())
        for (double &x : out.data)
          x *= scale.getValueAsDouble();
    }
    return setResult(op, std::move(out));
  }

  LogicalResult evalMap(MapOp op) {
    IndexSpec spec;
    if (IndexSpecAttr given = op.getSpecAttr()) {
      spec = given.getValue();
    } else {
      for (int64_t i = 0; i < op.getType().getRank(); ++i)
        spec.output.push_back('a' + i);
      spec.inputs.assign(op.getInputs().size(), spec.output);
    }
    FailureOr<LoopNest> nest = nestOf(op, spec.inputs, spec.output);
    if (failed(nest))
      return failure();
    Tensor out = Tensor::zeros(shapeOf(*nest, spec.output));
    if (compute()) {
      std::optional<double> c;
      if (FloatAttr attr = op.getConstantAttr())
        c = attr.getValueAsDouble();
      std::vector<std::vector<int64_t>> strides;
      for (auto [i, letters] : llvm::enumerate(spec.inputs))
        strides.push_back(nest->strides(letters, values.at(op.getInputs()[i]).shape));
      std::vector<int64_t> outStrides = nest->strides(spec.output, out.shape);
      nest->forEach([&](ArrayRef<int64_t> idx) {
        double x = values.at(op.getInputs()[0]).data[offsetOf(idx, strides[0])];
        double y = strides.size() == 2
                       ? values.at(op.getInputs()[1]).data[offsetOf(idx, strides[1])]
                       : 0.0;
        out.data[offsetOf(idx, outStrides)] = mapScalar(op.getFn(), x, y, c);
      });
    }
    return setResult(op, std::move(out));
  }

  LogicalResult evalReduce(ReduceOp op) {
    IndexSpec spec = op.getSpec().getValue();
    FailureOr<LoopNest> nest = nestOf(op, spec.inputs, spec.output);
    if (failed(nest))
      return failure();
    bool isMax = op.getKind() == ReduceKind::Max;
    Tensor out = Tensor::zeros(shapeOf(*nest, spec.output));
    if (compute()) {
      if (isMax)
        std::fill(out.data.begin(), out.data.end(), -INFINITY);
      const Tensor &in = values.at(op.getInput());
      std::vector<int64_t> inStrides = nest->strides(spec.inputs[0], in.shape);
      std::vector<int64_t> outStrides = nest->strides(spec.output, out.shape);
      nest->forEach([&](ArrayRef<int64_t> idx) {
        double x = in.data[offsetOf(idx, inStrides)];
        double &acc = out.data[offsetOf(idx, outStrides)];
        acc = isMax ? (std::isnan(x) || std::isnan(acc) ? NAN : std::max(acc, x)) : acc + x;
      });
    }
    return setResult(op, std::move(out));
  }

  LogicalResult evalMask(MaskOp op) {
    Tensor out = values.at(op.getInput());
    std::string letters = op.getIndices().getValue().str();
    size_t qd = letters.find(op.getQuery().getValue()[0]),
           kd = letters.find(op.getKey().getValue()[0]);
    if (compute()) {
      LoopNest nest{letters, out.shape};
      std::vector<int64_t> strides = nest.strides(letters, out.shape);
      double fill = op.getFill() == FillKind::NegInf ? -INFINITY : 0.0;
      nest.forEach([&](ArrayRef<int64_t> idx) {
        if (!isVisible(op.getMask(), idx[qd], idx[kd], out.shape[qd], out.shape[kd]))
          out.data[offsetOf(idx, strides)] = fill;
      });
    }
    return setResult(op, std::move(out));
  }

  /// Applies phi along `axis` of `in` (each fibre along the axis is one vector).
  Tensor applyFeature(FeatureKind kind, const Tensor &in, size_t axis) {
    int64_t d = in.shape[axis];
    int64_t f = kind == FeatureKind::Taylor2 ? 1 + d + d * d : d;
    std::vector<int64_t> shape = in.shape;
    shape[axis] = f;
    Tensor out = Tensor::zeros(shape);
    if (!compute())
      return out;
    int64_t inner = 1;
    for (size_t i = axis + 1; i < in.shape.size(); ++i)
      inner *= in.shape[i];
    int64_t outer = in.numElements() / std::max<int64_t>(d * inner, 1);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t r = 0; r < inner; ++r) {
        std::vector<double> x(d);
        for (int64_t k = 0; k < d; ++k)
          x[k] = in.data[(o * d + k) * inner + r];
        std::vector<double> phi = featureVector(kind, x);
        for (int64_t k = 0; k < f; ++k)
          out.data[(o * f + k) * inner + r] = phi[k];
      }
    return out;
  }

  LogicalResult evalFeature(FeatureOp op) {
    size_t axis = op.getIndices().getValue().find(op.getAxis().getValue()[0]);
    return setResult(op, applyFeature(op.getFeature(), values.at(op.getInput()), axis));
  }

  LogicalResult evalModify(ModifyOp op) {
    Tensor out = values.at(op.getInput());
    if (compute()) {
      std::string letters = op.getIndices().getValue().str();
      LoopNest nest{letters, out.shape};
      std::vector<int64_t> strides = nest.strides(letters, out.shape);
      Block &body = op.getBody().front();
      LogicalResult status = success();
      nest.forEach([&](ArrayRef<int64_t> idx) {
        if (failed(status))
          return;
        llvm::DenseMap<Value, Scalar> env;
        double &x = out.data[offsetOf(idx, strides)];
        env[body.getArgument(0)] = Scalar::ofFloat(x);
        for (size_t i = 0; i < idx.size(); ++i)
          env[body.getArgument(i + 1)] = Scalar::ofInt(idx[i]);
        for (Operation &inner : body.without_terminator())
          if (failed(status = interpretScalar(inner, env)))
            return;
        x = env.at(cast<YieldOp>(body.getTerminator()).getValue()).f;
      });
      if (failed(status))
        return failure();
    }
    return setResult(op, std::move(out));
  }

  /// The arith/math subset a score modification may use.
  LogicalResult interpretScalar(Operation &op, llvm::DenseMap<Value, Scalar> &env) {
    auto f = [&](unsigned i) { return env.at(op.getOperand(i)).f; };
    auto n = [&](unsigned i) { return env.at(op.getOperand(i)).i; };
    auto setF = [&](double v) { env[op.getResult(0)] = Scalar::ofFloat(v); };
    auto setI = [&](int64_t v) { env[op.getResult(0)] = Scalar::ofInt(v); };
    auto floorDiv = [](int64_t a, int64_t b) {
      int64_t q = a / b;
      return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    };
    bool handled = true;
    llvm::TypeSwitch<Operation *>(&op)
        .Case([&](arith::ConstantOp c) {
          if (auto fa = dyn_cast<FloatAttr>(c.getValue()))
            setF(fa.getValueAsDouble());
          else if (auto ia = dyn_cast<IntegerAttr>(c.getValue()))
            setI(ia.getType().isInteger(1) ? (int64_t)ia.getValue().getZExtValue()
                                           : ia.getValue().getSExtValue());
          else
            handled = false;
        })
        .Case([&](arith::AddFOp) { setF(f(0) + f(1)); })
        .Case([&](arith::SubFOp) { setF(f(0) - f(1)); })
        .Case([&](arith::MulFOp) { setF(f(0) * f(1)); })
        .Case([&](arith::DivFOp) { setF(f(0) / f(1)); })
        .Case([&](arith::NegFOp) { setF(-f(0)); })
        .Case([&](arith::MaximumFOp) { setF(mapScalar(MapFn::Max, f(0), f(1), {})); })
        .Case([&](arith::MinimumFOp) { setF(mapScalar(MapFn::Min, f(0), f(1), {})); })
        .Case([&](arith::MaxNumFOp) { setF(std::fmax(f(0), f(1))); })
        .Case([&](arith::MinNumFOp) { setF(std::fmin(f(0), f(1))); })
        .Case([&](arith::AddIOp) { setI(n(0) + n(1)); })
        .Case([&](arith::SubIOp) { setI(n(0) - n(1)); })
        .Case([&](arith::MulIOp) { setI(n(0) * n(1)); })
        .Case([&](arith::DivSIOp) { setI(n(1) ? n(0) / n(1) : 0); })
        .Case([&](arith::FloorDivSIOp) { setI(n(1) ? floorDiv(n(0), n(1)) : 0); })
        .Case([&](arith::RemSIOp) { setI(n(1) ? n(0) % n(1) : 0); })
        .Case([&](arith::AndIOp) { setI(n(0) & n(1)); })
        .Case([&](arith::OrIOp) { setI(n(0) | n(1)); })
        .Case([&](arith::XOrIOp) { setI(n(0) ^ n(1)); })
        .Case([&](arith::MaxSIOp) { setI(std::max(n(0), n(1))); })
        .Case([&](arith::MinSIOp) { setI(std::min(n(0), n(1))); })
        .Case([&](arith::IndexCastOp) { setI(n(0)); })
        .Case([&](arith::IndexCastUIOp) { setI(n(0)); })
        .Case([&](arith::ExtSIOp) { setI(n(0)); })
        .Case([&](arith::TruncIOp t) {
          unsigned width = t.getType().getIntOrFloatBitWidth();
          setI(llvm::APInt(64, n(0), true).trunc(width).getSExtValue());
        })
        .Case([&](arith::FPToSIOp) { setI((int64_t)f(0)); })
        .Case([&](arith::UIToFPOp) { setF((double)n(0)); })
        .Case([&](math::FloorOp) { setF(std::floor(f(0))); })
        .Case([&](math::CeilOp) { setF(std::ceil(f(0))); })
        .Case([&](arith::SIToFPOp) { setF((double)n(0)); })
        .Case([&](arith::SelectOp) {
          env[op.getResult(0)] = n(0) ? env.at(op.getOperand(1)) : env.at(op.getOperand(2));
        })
        .Case([&](arith::CmpIOp c) {
          int64_t a = n(0), b = n(1);
          bool r = false;
          switch (c.getPredicate()) {
          case arith::CmpIPredicate::eq: r = a == b; break;
          case arith::CmpIPredicate::ne: r = a != b; break;
          case arith::CmpIPredicate::slt: case arith::CmpIPredicate::ult: r = a < b; break;
          case arith::CmpIPredicate::sle: case arith::CmpIPredicate::ule: r = a <= b; break;
          case arith::CmpIPredicate::sgt: case arith::CmpIPredicate::ugt: r = a > b; break;
          case arith::CmpIPredicate::sge: case arith::CmpIPredicate::uge: r = a >= b; break;
          }
          setI(r);
        })
        .Case([&](arith::CmpFOp c) {
          double a = f(0), b = f(1);
          bool unordered = std::isnan(a) || std::isnan(b);
          bool r = false;
          switch (c.getPredicate()) {
          case arith::CmpFPredicate::OEQ: r = !unordered && a == b; break;
          case arith::CmpFPredicate::ONE: r = !unordered && a != b; break;
          case arith::CmpFPredicate::OLT: r = !unordered && a < b; break;
          case arith::CmpFPredicate::OLE: r = !unordered && a <= b; break;
          case arith::CmpFPredicate::OGT: r = !unordered && a > b; break;
          case arith::CmpFPredicate::OGE: r = !unordered && a >= b; break;
          case arith::CmpFPredicate::UNE: r = unordered || a != b; break;
          default: handled = false;
          }
          setI(r);
        })
        .Case([&](math::ExpOp) { setF(std::exp(f(0))); })
        .Case([&](math::LogOp) { setF(std::log(f(0))); })
        .Case([&](math::Log1pOp) { setF(std::log1p(f(0))); })
        .Case([&](math::ExpM1Op) { setF(std::expm1(f(0))); })
        .Case([&](math::TanhOp) { setF(std::tanh(f(0))); })
        .Case([&](math::SqrtOp) { setF(std::sqrt(f(0))); })
        .Case([&](math::FmaOp) { setF(f(0) * f(1) + f(2)); })
        .Case([&](math::RsqrtOp) { setF(1.0 / std::sqrt(f(0))); })
        .Case([&](math::AbsFOp) { setF(std::fabs(f(0))); })
        .Case([&](math::PowFOp) { setF(std::pow(f(0), f(1))); })
        .Case([&](math::Exp2Op) { setF(std::exp2(f(0))); })
        .Case([&](math::Log2Op) { setF(std::log2(f(0))); })
        .Case([&](math::ErfOp) { setF(std::erf(f(0))); })
        .Default([&](Operation *) { handled = false; });
    if (!handled)
      return op.emitError() << "the reference evaluator does not interpret '" << op.getName()
                            << "' in a score modification";
    return success();
  }

  /// q [B, H, M, D], k [B, G, N, D], v [B, G, N, E] with H a multiple of G.
  static LogicalResult checkAttentionShapes(Operation *op, const Tensor &q, const Tensor &k,
                                            const Tensor &v) {
    int64_t B = q.shape[0], H = q.shape[1], D = q.shape[3], G = k.shape[1], N = k.shape[2];
    if (k.shape[0] != B || v.shape[0] != B || k.shape[3] != D || v.shape[1] != G ||
        v.shape[2] != N)
      return op->emitError() << "q/k/v shapes disagree at run time";
    if (G == 0 || H % G != 0)
      return op->emitError() << "query heads (" << H << ") are not a multiple of kv heads ("
                             << G << ") at run time";
    return success();
  }

  /// Mask operands of an attention over B batches, H query heads: [B, Nk] segment ids
  /// (Nk = `numKeys`, 0 for an empty sequence; any length when negative: a key tile
  /// reads the whole problem's) or
  /// [B, H, query blocks, key blocks] layouts.
  LogicalResult checkMaskOperands(Operation *op, ValueRange operands, int64_t B, int64_t H,
                                  int64_t numKeys) {
    for (Value operand : operands) {
      const Tensor &t = values.at(operand);
      bool segments = t.shape.size() == 2 && t.shape[0] == B &&
                      (numKeys >= 0 ? t.shape[1] == numKeys : t.shape[1] > 0);
      bool layout = t.shape.size() == 4 && t.shape[0] == B && t.shape[1] == H;
      if (!segments && !layout)
        return op->emitError() << "mask operands must be [B = " << B << ", Nk"
                               << (numKeys >= 0 ? " = " + std::to_string(numKeys) : std::string())
                               << "] segment ids or [B, Hq = " << H
                               << ", query blocks, key blocks] layouts at run time";
    }
    return success();
  }

  /// A tile's offsets (constants, which the reference needs), or `defaults`.
  static FailureOr<SmallVector<int64_t, 4>> offsetsOf(Operation *op, ValueRange offsets,
                                                      SmallVector<int64_t, 4> defaults) {
    if (offsets.empty())
      return defaults;
    SmallVector<int64_t, 4> at;
    for (Value offset : offsets) {
      std::optional<int64_t> c = getConstantIntValue(offset);
      if (!c)
        return op->emitError() << "the reference evaluator needs constant offsets";
      at.push_back(*c);
    }
    return at;
  }

  LogicalResult evalAttention(AttentionOp op) {
    Tensor out, lse;
    if (op.isPaged()) {
      if (failed(attendPaged(op, out, lse)))
        return failure();
    } else if (op.isVarlen()) {
      if (failed(attendVarlen(op, out, lse)))
        return failure();
    } else if (failed(attend(op, values.at(op.getQuery()), values.at(op.getKey()),
                             values.at(op.getValue()), /*batchOffset=*/0, out, lse))) {
      return failure();
    }
    if (failed(setResult(op, std::move(out))))
      return failure();
    if (!op.getLse())
      return success();
    if (failed(checkType(op, op.getLse().getType(), lse, "the log-sum-exp")))
      return failure();
    values[op.getLse()] = std::move(lse);
    return success();
  }

  /// Paged attention from its definition: sequence b's keys gathered from the pools
  /// through its page table (every entry and length checked), then attention of its
  /// query rows over those keys.
  LogicalResult attendPaged(AttentionOp op, Tensor &out, Tensor &lse) {
    const Tensor &q = values.at(op.getQuery()), &k = values.at(op.getKey()),
                 &v = values.at(op.getValue()), &table = values.at(op.getPageTable()),
                 &lengths = values.at(op.getLengths());
    int64_t B = q.shape[0], H = q.shape[1], M = q.shape[2], D = q.shape[3];
    int64_t P = k.shape[0], S = k.shape[1], G = k.shape[2], E = v.shape[3];
    int64_t T = table.shape[1];
    if (k.shape[3] != D || v.shape[0] != P || v.shape[1] != S || v.shape[2] != G ||
        table.shape[0] != B || lengths.shape[0] != B)
      return op.emitError() << "paged q / pools / page table / lengths shapes disagree at run time";
    out = Tensor::zeros({B, H, M, E});
    lse = Tensor::zeros({B, H, M});
    if (!compute()) {
      // Shapes only (no data): the work of full tables.
      flops += 4.0 * B * H * M * (T * S) * D;
      return success();
    }
    for (int64_t b = 0; b < B; ++b) {
      double length = lengths.data[b];
      if (length < 0 || length > double(T * S))
        return op.emitError() << "sequence " << b << " has length " << int64_t(length)
                              << " at run time; its page table holds at most " << T * S
                              << " keys";
      int64_t N = int64_t(length);
      Tensor qb = Tensor::zeros({1, H, M, D}), kb = Tensor::zeros({1, G, N, D}),
             vb = Tensor::zeros({1, G, N, E});
      std::copy_n(q.data.begin() + b * H * M * D, H * M * D, qb.data.begin());
      for (int64_t j = 0; j < N; ++j) {
        double page = table.data[b * T + j / S];
        if (page < 0 || page >= double(P))
          return op.emitError() << "page table entry [" << b << ", " << j / S << "] is "
                                << int64_t(page) << " at run time, outside the pool's " << P
                                << " pages";
        for (int64_t g = 0; g < G; ++g) {
          int64_t row = (int64_t(page) * S + j % S) * G + g;
          std::copy_n(k.data.begin() + row * D, D, kb.data.begin() + (g * N + j) * D);
          std::copy_n(v.data.begin() + row * E, E, vb.data.begin() + (g * N + j) * E);
        }
      }
      Tensor ob, lb;
      if (failed(attend(op, qb, kb, vb, b, ob, lb)))
        return failure();
      std::copy(ob.data.begin(), ob.data.end(), out.data.begin() + b * H * M * E);
      std::copy(lb.data.begin(), lb.data.end(), lse.data.begin() + b * H * M);
    }
    return success();
  }

  /// Packed sequences from the definition: sequence s's rows [cu_q[s], cu_q[s+1]) attend
  /// to its keys [cu_k[s], cu_k[s+1]) (offsets checked); other rows are 0 (lse -inf).
  LogicalResult attendVarlen(AttentionOp op, Tensor &out, Tensor &lse) {
    const Tensor &q = values.at(op.getQuery()), &k = values.at(op.getKey()),
                 &v = values.at(op.getValue()), &cuQ = values.at(op.getCuSeqlensQ()),
                 &cuK = values.at(op.getCuSeqlensK());
    int64_t H = q.shape[1], TQ = q.shape[2], D = q.shape[3], G = k.shape[1], TK = k.shape[2],
            E = v.shape[3];
    if (q.shape[0] != 1 || k.shape[0] != 1 || v.shape[0] != 1 || cuQ.shape[0] != cuK.shape[0] ||
        cuQ.shape[0] < 1)
      return op.emitError() << "packed sequences need batch 1 and as many query as key "
                               "offsets (at least one) at run time";
    out = Tensor::zeros({1, H, TQ, E});
    lse = Tensor::zeros({1, H, TQ});
    std::fill(lse.data.begin(), lse.data.end(), -INFINITY);
    if (!compute()) {
      flops += 4.0 * H * TQ * TK * D;
      return success();
    }
    int64_t S = cuQ.shape[0] - 1;
    for (auto [name, cu, rows] : {std::tuple<const char *, const Tensor *, int64_t>{"query", &cuQ, TQ},
                                  {"key", &cuK, TK}})
      for (int64_t s = 0; s <= S; ++s) {
        double x = cu->data[s], previous = s ? cu->data[s - 1] : 0.0;
        if ((s == 0 && x != 0) || x < previous || x > double(rows))
          return op.emitError() << "the " << name << " offsets are not non-decreasing from 0 "
                                << "within the " << rows << " packed rows at run time (entry "
                                << s << " is " << int64_t(x) << ")";
      }
    for (int64_t s = 0; s < S; ++s) {
      int64_t q0 = cuQ.data[s], m = int64_t(cuQ.data[s + 1]) - q0;
      int64_t k0 = cuK.data[s], n = int64_t(cuK.data[s + 1]) - k0;
      Tensor qs = Tensor::zeros({1, H, m, D}), ks = Tensor::zeros({1, G, n, D}),
             vs = Tensor::zeros({1, G, n, E});
      for (int64_t h = 0; h < H; ++h)
        std::copy_n(q.data.begin() + (h * TQ + q0) * D, m * D, qs.data.begin() + h * m * D);
      for (int64_t g = 0; g < G; ++g) {
        std::copy_n(k.data.begin() + (g * TK + k0) * D, n * D, ks.data.begin() + g * n * D);
        std::copy_n(v.data.begin() + (g * TK + k0) * E, n * E, vs.data.begin() + g * n * E);
      }
      Tensor os, ls;
      if (failed(attend(op, qs, ks, vs, 0, os, ls)))
        return failure();
      for (int64_t h = 0; h < H; ++h) {
        std::copy_n(os.data.begin() + h * m * E, m * E, out.data.begin() + (h * TQ + q0) * E);
        std::copy_n(ls.data.begin() + h * m, m, lse.data.begin() + h * TQ + q0);
      }
    }
    return success();
  }

  /// Attention of `q` over `k`, `v` ([B, H, M, D], [B, G, N, D], [B, G, N, E]) into
  /// `out` and `lse`; batch b is batch `batchOffset + b` of the op (for score_mod).
  LogicalResult attend(AttentionOp op, const Tensor &q, const Tensor &k, const Tensor &v,
                       int64_t batchOffset, Tensor &out, Tensor &lse) {
    if (failed(checkAttentionShapes(op, q, k, v)))
      return failure();
    int64_t B = q.shape[0], H = q.shape[1], M = q.shape[2], D = q.shape[3];
    int64_t G = k.shape[1], N = k.shape[2], E = v.shape[3];
    out = Tensor::zeros({B, H, M, E});
    // Softmax and the pointwise normalisers weigh the scores q.k; linear attention
    // weighs phi(q).phi(k).
    bool softmax = !op.isLinear();
    int64_t F = D;
    if (!softmax && *op.getFeature() == FeatureKind::Taylor2)
      F = 1 + D + D * D;
    if (!softmax && *op.getFeature() == FeatureKind::Cosformer)
      F = 2 * D;
    // FAVOR+: exp(W x - |x|^2 / 2) / sqrt(m) with the [m, D] projection operand.
    const Tensor *projection = op.getProjection() ? &values.at(op.getProjection()) : nullptr;
    if (projection)
      F = projection->shape[0];
    auto favor = [&](const std::vector<double> &x) {
      double norm = 0;
      for (double a : x)
        norm += a * a;
      std::vector<double> phi(F);
      for (int64_t f = 0; f < F; ++f) {
        double dot = 0;
        for (int64_t d = 0; d < D; ++d)
          dot += projection->data[f * D + d] * x[d];
        phi[f] = std::exp(dot - norm / 2) / std::sqrt(double(F));
      }
      return phi;
    };
    if (softmax) {
      flops += 4.0 * B * H * M * N * D;
    } else {
      // The work of the order the compiler evaluates (the reference itself is quadratic).
      LinearSchedule schedule = op.getLinearSchedule();
      if (schedule.order == LinearOrder::Quadratic)
        flops += 2.0 * B * H * M * N * (F + E);
      else
        flops += 2.0 * B * H * ((M + N) * F * E + M * schedule.chunk * (F + E) / 2.0);
    }
    if (failed(checkMaskOperands(op, op.getMaskOperands(), B, H, N)))
      return failure();
    // Where the op sits: row 0 at position N - M in head 0, or its tile offsets.
    FailureOr<SmallVector<int64_t, 4>> place = offsetsOf(op, op.getOffsets(), {0, N - M, 0});
    if (failed(place))
      return failure();
    int64_t rowBase = (*place)[0], positionBase = (*place)[1], headBase = (*place)[2];
    // log sum_j exp(s_ij) per row (-inf where no key is visible), when asked for.
    lse = Tensor::zeros({B, H, M});
    if (!compute())
      return success();

    double scale = op.getEffectiveScale();
    std::optional<double> softcap = op.getSoftcapValue();
    MaskAttr mask = op.getMaskAttr();
    auto at = [](const Tensor &t, int64_t a, int64_t b, int64_t c, int64_t d) {
      return t.data[((a * t.shape[1] + b) * t.shape[2] + c) * t.shape[3] + d];
    };
    MaskOperands maskOperands;
    for (Value operand : op.getMaskOperands())
      maskOperands.tensors.push_back(&values.at(operand));
    std::vector<double> w(N);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t g = 0; g < G; ++g) {
        maskOperands.batch = b;
        // phi(k_j) for this kv head (linear attention only).
        std::vector<std::vector<double>> phiK(N);
        if (!softmax) {
          FeatureKind kind = *op.getFeature();
          if (kind == FeatureKind::SoftmaxFeatures) {
            // Efficient Attention: softmax of K over the sequence, per feature.
            for (int64_t j = 0; j < N; ++j)
              phiK[j].assign(D, 0.0);
            for (int64_t d = 0; d < D; ++d) {
              std::vector<double> col(N);
              for (int64_t j = 0; j < N; ++j)
                col[j] = at(k, b, g, j, d);
              std::vector<double> s = featureVector(kind, col);
              for (int64_t j = 0; j < N; ++j)
                phiK[j][d] = s[j];
            }
          } else {
            for (int64_t j = 0; j < N; ++j) {
              std::vector<double> x(D);
              for (int64_t d = 0; d < D; ++d)
                x[d] = at(k, b, g, j, d);
              // cosFormer: relu features here, the position weight per pair below.
              phiK[j] = projection ? favor(x)
                                   : featureVector(
                                         kind == FeatureKind::Cosformer ? FeatureKind::Relu : kind, x);
            }
          }
        }
        for (int64_t h = g * (H / G); h < (g + 1) * (H / G); ++h)
          for (int64_t i = 0; i < M; ++i) {
            std::vector<double> phiQ;
            if (!softmax) {
              std::vector<double> x(D);
              for (int64_t d = 0; d < D; ++d)
                x[d] = scale * at(q, b, h, i, d);
              FeatureKind kind = *op.getFeature();
              phiQ = projection ? favor(x)
                                : featureVector(
                                      kind == FeatureKind::Cosformer ? FeatureKind::Relu : kind, x);
            }
            double rowMax = -INFINITY;
            for (int64_t j = 0; j < N; ++j) {
              QueryAt query{rowBase + i, positionBase + i, headBase + h, h};
              bool visible = !mask || isVisible(mask, query, j, &maskOperands);
              double s = 0;
              if (softmax) {
                for (int64_t d = 0; d < D; ++d)
                  s += at(q, b, h, i, d) * at(k, b, g, j, d);
                s *= scale;
                if (softcap)
                  s = *softcap * std::tanh(s / *softcap);
                if (op.hasScoreMod()) {
                  FailureOr<double> modified =
                      scoreMod(op, s, {b + batchOffset, query.head, query.row, j, query.position});
                  if (failed(modified))
                    return failure();
                  s = *modified;
                }
                s = visible ? s : -INFINITY;
                rowMax = std::max(rowMax, s);
              } else {
                for (size_t f = 0; f < phiQ.size(); ++f)
                  s += phiQ[f] * phiK[j][f];
                // Position-dependent weights, from the distance p_i - j.
                double distance = double(query.position) - double(j);
                if (*op.getFeature() == FeatureKind::Cosformer)
                  s *= std::cos(M_PI * distance / (2.0 * N));
                if (op.getDecay() && visible)
                  s *= std::pow(op.getDecayOfHead(query.head), distance);
                s = visible ? s : 0.0;
              }
              w[j] = s;
            }
            double denom = 0;
            bool pointwise = op.isPointwise();
            for (int64_t j = 0; j < N; ++j) {
              if (pointwise)
                w[j] = w[j] == -INFINITY ? 0.0
                                         : pointwiseWeight(op.getNormalizer(),
                                                           w[j] + op.getShiftValue());
              else if (softmax)
                w[j] = rowMax == -INFINITY ? 0.0 : std::exp(w[j] - rowMax);
              denom += w[j];
            }
            if (op.getNormalizer() == Normalizer::Softmax)
              lse.data[(b * H + h) * M + i] =
                  rowMax == -INFINITY ? -INFINITY : rowMax + std::log(denom);
            bool normalize = op.getNormalizer() != Normalizer::None;
            if (pointwise) {
              RowDivisor divisor = op.getRowDivisor();
              normalize = divisor != RowDivisor::None;
              if (divisor == RowDivisor::Length)
                denom = double(N);
            }
            for (int64_t e = 0; e < E; ++e) {
              double acc = 0;
              for (int64_t j = 0; j < N; ++j)
                acc += w[j] * at(v, b, g, j, e);
              double &o = out.data[((b * H + h) * M + i) * E + e];
              o = !normalize ? acc : (denom == 0 ? 0.0 : acc / denom);
            }
          }
      }
    return success();
  }

  /// Partial attention results combined by their log-sum-exps, from the definition:
  /// weights exp(lse_p - max_p lse_p), parts with lse = -inf weigh nothing.
  LogicalResult evalMerge(MergeOp op) {
    const Tensor &first = values.at(op.getOutputs()[0]);
    std::vector<int64_t> rowShape(first.shape.begin(), first.shape.end() - 1);
    for (auto [o, l] : llvm::zip(op.getOutputs(), op.getLses())) {
      if (values.at(o).shape != first.shape)
        return op.emitError() << "the parts' outputs differ in shape at run time";
      if (values.at(l).shape != rowShape)
        return op.emitError() << "a log-sum-exp's shape is not its output's without the last "
                                 "dimension at run time";
    }
    Tensor out = Tensor::zeros(first.shape), lse = Tensor::zeros(rowShape);
    int64_t rows = lse.numElements(), E = first.shape.back();
    for (int64_t r = 0; r < rows && compute(); ++r) {
      double top = -INFINITY;
      for (Value l : op.getLses())
        top = std::max(top, values.at(l).data[r]);
      if (top == -INFINITY) {
        lse.data[r] = -INFINITY;
        continue;
      }
      double total = 0;
      for (auto [o, l] : llvm::zip(op.getOutputs(), op.getLses())) {
        double x = values.at(l).data[r];
        double w = x == -INFINITY ? 0.0 : std::exp(x - top);
        total += w;
        for (int64_t e = 0; e < E; ++e)
          out.data[r * E + e] += w * values.at(o).data[r * E + e];
      }
      for (int64_t e = 0; e < E; ++e)
        out.data[r * E + e] /= total;
      lse.data[r] = top + std::log(total);
    }
    if (failed(setResult(op, std::move(out))) ||
        failed(checkType(op, op.getLse().getType(), lse, "the log-sum-exp")))
      return failure();
    values[op.getLse()] = std::move(lse);
    return success();
  }

  /// The weight of a (shifted) score under a pointwise normaliser.
  static double pointwiseWeight(Normalizer normalizer, double x) {
    switch (normalizer) {
    case Normalizer::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case Normalizer::Relu:
      return std::max(x, 0.0);
    case Normalizer::ReluSquared:
      return std::max(x, 0.0) * std::max(x, 0.0);
    case Normalizer::Softplus:
      return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
    default:
      return x;
    }
  }

  /// The score_mod region of `op` on score `s` at (b, h, i, j, p) of the whole problem;
  /// attn.read clamps its indices into the captured tensor.
  FailureOr<double> scoreMod(AttentionOp op, double s, std::array<int64_t, 5> at) {
    Block &body = op.getScoreMod().front();
    llvm::DenseMap<Value, Scalar> env;
    env[body.getArgument(0)] = Scalar::ofFloat(s);
    for (unsigned a = 0; a < 5; ++a)
      env[body.getArgument(1 + a)] = Scalar::ofInt(at[a]);
    for (Operation &inner : body.without_terminator()) {
      if (auto read = dyn_cast<ReadOp>(inner)) {
        auto arg = cast<BlockArgument>(read.getSource());
        const Tensor &t =
            values.at(op.getCaptures()[arg.getArgNumber() - 1 - AttentionOp::kScoreModIndices]);
        int64_t offset = 0;
        for (auto [d, index] : llvm::enumerate(read.getIndices())) {
          int64_t size = t.shape[d];
          if (size == 0) {
            offset = -1; // an empty tensor reads as 0
            break;
          }
          int64_t clamped = std::clamp<int64_t>(env.at(index).i, 0, size - 1);
          offset = offset * size + clamped;
        }
        double x = offset < 0 ? 0.0 : t.data[offset];
        env[read.getResult()] = isa<FloatType>(read.getType())
                                    ? Scalar::ofFloat(x)
                                    : Scalar::ofInt((int64_t)x);
        continue;
      }
      if (failed(interpretScalar(inner, env)))
        return failure();
    }
    return env.at(cast<YieldOp>(body.getTerminator()).getValue()).f;
  }

  /// The documented update of the (acc, max, sum) state by the op's keys, in fp64:
  /// m' = max(m, max_j s_j), alpha = exp(m - m') (0 when m = -inf < m'; a row that sees
  /// no key keeps its state),
  /// l' = alpha l + sum_j exp(s_j - m'), acc' = alpha acc + sum_j exp(s_j - m') v_j.
  LogicalResult evalOnlineAttention(OnlineAttentionOp op) {
    const Tensor &q = values.at(op.getQuery()), &k = values.at(op.getKey()),
                 &v = values.at(op.getValue());
    if (failed(checkAttentionShapes(op, q, k, v)))
      return failure();
    int64_t B = q.shape[0], H = q.shape[1], M = q.shape[2], D = q.shape[3];
    int64_t G = k.shape[1], N = k.shape[2], E = v.shape[3];
    Tensor acc = values.at(op.getAcc()), max = values.at(op.getMax()), sum = values.at(op.getSum());
    if (acc.shape != std::vector<int64_t>{B, H, M, E} || max.shape != std::vector<int64_t>{B, H, M} ||
        sum.shape != max.shape)
      return op.emitError() << "the (acc, max, sum) state does not match q and v at run time";
    if (failed(checkMaskOperands(op, op.getMaskOperands(), B, H, /*numKeys=*/-1)))
      return failure();
    FailureOr<SmallVector<int64_t, 4>> place =
        offsetsOf(op, op.getOffsets(), {0, N - M, 0, 0});
    if (failed(place))
      return failure();
    int64_t rowBase = (*place)[0], positionBase = (*place)[1], headBase = (*place)[2],
            keyBase = (*place)[3];
    flops += 4.0 * B * H * M * N * D;
    if (compute()) {
      double scale = op.getEffectiveScale();
      std::optional<double> softcap = op.getSoftcapValue();
      MaskAttr mask = op.getMaskAttr();
      MaskOperands maskOperands;
      for (Value operand : op.getMaskOperands())
        maskOperands.tensors.push_back(&values.at(operand));
      std::vector<double> s(N);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h) {
          int64_t g = h / (H / G);
          maskOperands.batch = b;
          for (int64_t i = 0; i < M; ++i) {
            QueryAt query{rowBase + i, positionBase + i, headBase + h, h};
            double rowMax = -INFINITY;
            for (int64_t j = 0; j < N; ++j) {
              double x = 0;
              for (int64_t d = 0; d < D; ++d)
                x += q.data[((b * H + h) * M + i) * D + d] * k.data[((b * G + g) * N + j) * D + d];
              x *= scale;
              if (softcap)
                x = *softcap * std::tanh(x / *softcap);
              bool visible = !mask || isVisible(mask, query, keyBase + j, &maskOperands);
              s[j] = visible ? x : -INFINITY;
              rowMax = std::max(rowMax, s[j]);
            }
            double &m = max.data[(b * H + h) * M + i], &l = sum.data[(b * H + h) * M + i];
            double mNew = std::max(m, rowMax);
            if (mNew == -INFINITY)
              continue; // no key seen yet, none in this block: the state stays
            double alpha = m == -INFINITY ? 0.0 : std::exp(m - mNew);
            double *a = &acc.data[((b * H + h) * M + i) * E];
            l *= alpha;
            for (int64_t e = 0; e < E; ++e)
              a[e] *= alpha;
            for (int64_t j = 0; j < N; ++j) {
              double p = std::exp(s[j] - mNew);
              l += p;
              for (int64_t e = 0; e < E; ++e)
                a[e] += p * v.data[((b * G + g) * N + j) * E + e];
            }
            m = mNew;
          }
        }
    }
    for (auto [result, t] : llvm::zip(op.getResults(), std::vector<Tensor>{acc, max, sum})) {
      if (failed(checkType(op, result.getType(), t, "a result")))
        return failure();
      values[result] = std::move(t);
    }
    return success();
  }
};

} // namespace

bool mlir::attn::reference::canEvaluate(func::FuncOp func, Operation **unsupported) {
  // A declaration has no body to interpret.
  if (func.isDeclaration()) {
    if (unsupported)
      *unsupported = func;
    return false;
  }
  for (Operation &op : func.getBody().front()) {
    if (isa_and_nonnull<AttnDialect>(op.getDialect()) || isa<tensor::CastOp, func::ReturnOp>(op))
      continue;
    if (auto constant = dyn_cast<arith::ConstantOp>(op); constant && constant.getType().isIndex())
      continue; // offsets of a tile of attn.attention
    if (unsupported)
      *unsupported = &op;
    return false;
  }
  return true;
}

FailureOr<Result> mlir::attn::reference::evaluate(func::FuncOp func, ArrayRef<Tensor> args,
                                                  const Options &options) {
  if (func.isDeclaration())
    return func.emitError() << "the reference evaluator needs a function body; @"
                            << func.getSymName() << " is a declaration";
  return Evaluator(options).run(func, args);
}
