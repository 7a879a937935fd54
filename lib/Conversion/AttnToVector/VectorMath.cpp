//===- VectorMath.cpp - exp2 and tanh for the flash kernel ----------------===//
//
// The kernel spends most of its non-FMA time in exponentials, so it carries its own:
// 2^x = 2^n * 2^f with n = round(x), f = x - n in [-1/2, 1/2], 2^f from its Taylor
// series to degree 6 (relative error < 2e-7), and 2^n added into the exponent bits.
// Plain arith, so it vectorises at any width and needs no libm (math-to-libm would
// turn math.exp into a scalar call per lane). On AVX-512, vrndscaleps rounds and
// vscalefps applies 2^n, saving four of the ~16 instructions. Results below 2^-125
// are exactly 0, never denormal: denormals cost a microcode assist each.
//
//===----------------------------------------------------------------------===//
#include "VectorMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

namespace {
struct Math {
  OpBuilder &b;
  Location loc;
  Type type; // f32 or vector of f32

  Type like(Type elt) {
    if (auto vec = dyn_cast<VectorType>(type))
      return vec.clone(elt);
    return elt;
  }
  Value constant(Type t, TypedAttr scalar) {
    if (auto vec = dyn_cast<VectorType>(t))
      return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vec, scalar));
    return arith::ConstantOp::create(b, loc, scalar);
  }
  Value f(double v) { return constant(type, b.getF32FloatAttr(v)); }
  Value i(int32_t v) { return constant(like(b.getI32Type()), b.getI32IntegerAttr(v)); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  /// x * y + z, contracted to one FMA instruction by LLVM.
  Value fma(Value x, Value y, Value z) {
    auto contract = arith::FastMathFlagsAttr::get(b.getContext(), arith::FastMathFlags::contract);
    Value p = arith::MulFOp::create(b, loc, x, y, contract);
    return arith::AddFOp::create(b, loc, p, z, contract);
  }
  Value less(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
  }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
};
} // namespace

/// 2^f for f in [-1/2, 1/2]: sum (ln 2)^k / k! f^k to degree 6, Horner.
static Value exp2Fraction(Math &m, Value frac) {
  double ln2 = std::log(2.0), coeff = 1.0;
  SmallVector<double, 7> c;
  for (int k = 0; k <= 6; ++k) {
    c.push_back(coeff);
    coeff *= ln2 / (k + 1);
  }
  Value p = m.f(c[6]);
  for (int k = 5; k >= 0; --k)
    p = m.fma(p, frac, m.f(c[k]));
  return p;
}

Value mlir::attn::buildExp2(OpBuilder &b, Location loc, Value x, bool avx512) {
  Math m{b, loc, x.getType()};
  auto vec = dyn_cast<VectorType>(x.getType());
  if (avx512 && vec && vec.getNumElements() == 16) {
    // Results below 2^-125 (masked scores: x = -inf) are flushed to 0 by a select:
    // letting vscalefps underflow into denormals or zero costs a microcode assist per
    // instruction (MXCSR has no flush-to-zero here), which made masked tiles 3-4x slower.
    Value tooSmall = m.less(x, m.f(-125.0));
    Value clamped = arith::MaximumFOp::create(b, loc, x, m.f(-125.0));
    // Operands go to the intrinsics in order: (a, imm8 = round to nearest even,
    // passthrough, mask, rounding = current direction).
    Value n = x86vector::MaskRndScaleOp::create(
        b, loc, clamped, arith::ConstantIntOp::create(b, loc, 0, 32), clamped,
        arith::ConstantIntOp::create(b, loc, -1, 16), arith::ConstantIntOp::create(b, loc, 4, 32));
    Value p = exp2Fraction(m, m.sub(clamped, n));
    // (a, b, passthrough, mask, rounding): p * 2^n.
    Value scaled = x86vector::MaskScaleFOp::create(b, loc, p, n, p,
                                                   arith::ConstantIntOp::create(b, loc, -1, 16),
                                                   arith::ConstantIntOp::create(b, loc, 4, 32));
    return m.select(tooSmall, m.f(0.0), scaled);
  }
  // Below 2^-125 the result is flushed to 0; clamping first keeps n's exponent in range.
  Value tooSmall = m.less(x, m.f(-125.0));
  Value clamped = m.select(tooSmall, m.f(-125.0), x);
  // round-to-nearest-even by adding and subtracting 1.5 * 2^23 (|x| <= 127 here).
  Value magic = m.f(12582912.0);
  Value n = m.sub(m.add(clamped, magic), magic);
  Value p = exp2Fraction(m, m.sub(clamped, n));
  Type intType = m.like(b.getI32Type());
  Value ni = arith::FPToSIOp::create(b, loc, intType, n);
  Value shifted = arith::ShLIOp::create(b, loc, ni, m.i(23));
  Value bits = arith::BitcastOp::create(b, loc, intType, p);
  Value scaled = arith::BitcastOp::create(
      b, loc, x.getType(), arith::AddIOp::create(b, loc, bits, shifted));
  return m.select(tooSmall, m.f(0.0), scaled);
}

Value mlir::attn::buildTanh(OpBuilder &b, Location loc, Value x, bool avx512) {
  Math m{b, loc, x.getType()};
  // tanh |x| = 1 - 2 / (e^{2|x|} + 1); |x| capped at 20, where tanh is 1 in f32.
  Value negative = m.less(x, m.f(0.0));
  Value a = m.select(negative, m.sub(m.f(0.0), x), x);
  a = m.select(m.less(m.f(20.0), a), m.f(20.0), a);
  Value e = buildExp2(b, loc, m.mul(a, m.f(2.0 / std::log(2.0))), avx512);
  Value t = m.sub(m.f(1.0), arith::DivFOp::create(b, loc, m.f(2.0), m.add(e, m.f(1.0))));
  return m.select(negative, m.sub(m.f(0.0), t), t);
}
