//===- MemRefMaskOperands.cpp - mask operands read from buffers -----------===//
#include "attn/Conversion/MemRefMaskOperands.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cstdint>

using namespace mlir;
using namespace mlir::attn;

Value MemRefMaskOperands::idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

Value MemRefMaskOperands::dim(Value buffer, int64_t d) {
  return memref::DimOp::create(b, loc, buffer, d);
}

bool MemRefMaskOperands::isSegmentIds(unsigned i) const {
  return cast<MemRefType>(buffers[i].getType()).getRank() == 2;
}

Value MemRefMaskOperands::segmentId(unsigned i, Value batch, Value position) {
  Value last = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, dim(buffers[i], 1), idx(1)), idx(0));
  Value at = arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, position, idx(0)),
                                    last);
  return memref::LoadOp::create(b, loc, buffers[i], ValueRange{batch, at});
}

Value MemRefMaskOperands::segmentIds(unsigned i, Value batch, Value first, int64_t lanes) {
  Type i32 = b.getI32Type();
  Value zero = arith::ConstantIntOp::create(b, loc, i32, 0);
  return vector::TransferReadOp::create(b, loc, VectorType::get({lanes}, i32), buffers[i],
                                        ValueRange{batch, first}, zero, ArrayRef<bool>{false});
}

std::pair<Value, Value> MemRefMaskOperands::segmentRange(unsigned i, Value batch, Value lo,
                                                         Value hi) {
  Type i32 = b.getI32Type();
  // Positions past the last key (a tile placed there) read the last key's id.
  Value last = arith::SubIOp::create(b, loc, dim(buffers[i], 1), idx(1));
  Value first = arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, lo, last), idx(0));
  hi = arith::MinSIOp::create(b, loc, hi, last);
  auto loop = scf::ForOp::create(
      b, loc, first, arith::AddIOp::create(b, loc, hi, idx(1)), idx(1),
      ValueRange{arith::ConstantIntOp::create(b, loc, i32, INT32_MAX),
                 arith::ConstantIntOp::create(b, loc, i32, INT32_MIN)},
      [&](OpBuilder &, Location, Value x, ValueRange acc) {
        Value id = memref::LoadOp::create(b, loc, buffers[i], ValueRange{batch, x});
        scf::YieldOp::create(b, loc, ValueRange{arith::MinSIOp::create(b, loc, acc[0], id),
                                                arith::MaxSIOp::create(b, loc, acc[1], id)});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

Value MemRefMaskOperands::layoutEntry(unsigned i, Value batch, Value head, Value row, Value key,
                                      int64_t bq, int64_t bk) {
  Value layout = buffers[i];
  // Rows before the problem's first divide (unsigned) past the layout: hidden.
  Value qb = arith::DivUIOp::create(b, loc, row, idx(bq));
  Value kb = arith::DivUIOp::create(b, loc, key, idx(bk));
  Value inside = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, qb, dim(layout, 2)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, kb, dim(layout, 3)));
  auto read = scf::IfOp::create(
      b, loc, inside,
      [&](OpBuilder &, Location) {
        Value entry = memref::LoadOp::create(b, loc, layout, ValueRange{batch, head, qb, kb});
        Value zero = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0);
        scf::YieldOp::create(
            b, loc, ValueRange{arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, entry, zero)});
      },
      [&](OpBuilder &, Location) {
        scf::YieldOp::create(b, loc, ValueRange{arith::ConstantIntOp::create(b, loc, 0, 1)});
      });
  return read.getResult(0);
}

Value MemRefMaskOperands::layoutEntries(unsigned i, Value batch, Value head, Value row,
                                        Value keys, Value numKeys, int64_t bq, int64_t bk) {
  Value layout = buffers[i];
  auto lanes = cast<VectorType>(keys.getType());
  Type i32 = b.getI32Type();
  auto splat = [&](Value x) { return vector::BroadcastOp::create(b, loc, lanes, x); };
  auto asLanes = [&](Value index) { return splat(arith::IndexCastOp::create(b, loc, i32, index)); };
  Value numQ = dim(layout, 2), numK = dim(layout, 3);
  // The row's block, clamped so that the gather's base stays inside (qIn hides it).
  Value qb = arith::DivUIOp::create(b, loc, row, idx(bq));
  Value qIn = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, qb, numQ);
  qb = arith::MinSIOp::create(b, loc, qb, arith::SubIOp::create(b, loc, numQ, idx(1)));
  Value kb = arith::DivSIOp::create(b, loc, keys, splat(arith::ConstantIntOp::create(b, loc, i32, bk)));
  Value kIn = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, kb, asLanes(numK)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, keys, asLanes(numKeys)));
  Value zero = splat(arith::ConstantIntOp::create(b, loc, i32, 0));
  Value entries = vector::GatherOp::create(b, loc, lanes, layout,
                                           ValueRange{batch, head, qb, idx(0)}, kb, kIn, zero);
  Value set = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, entries, zero);
  return arith::AndIOp::create(
      b, loc, set,
      vector::BroadcastOp::create(b, loc, VectorType::get(lanes.getShape(), b.getI1Type()), qIn));
}

std::pair<Value, Value> MemRefMaskOperands::layoutTile(unsigned i, Value batch, Value head,
                                                       Value rowLo, Value rowHi, Value jLo,
                                                       Value jHi, int64_t bq, int64_t bk) {
  Value layout = buffers[i];
  auto div = [&](Value x, int64_t y) { return arith::DivUIOp::create(b, loc, x, idx(y)); };
  auto lt = [&](Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  };
  Value numQ = dim(layout, 2), numK = dim(layout, 3);
  // Rows before the problem's first (negative) are hidden: start at row 0, and a tile
  // whose last row is negative is not covered (its unsigned block is past the layout).
  rowLo = arith::MaxSIOp::create(b, loc, rowLo, idx(0));
  Value qLast = div(rowHi, bq), kLast = div(jHi, bk);
  Value covered = arith::AndIOp::create(b, loc, lt(qLast, numQ), lt(kLast, numK));
  Value qEnd = arith::MinUIOp::create(b, loc, arith::AddIOp::create(b, loc, qLast, idx(1)), numQ);
  Value kEnd = arith::MinUIOp::create(b, loc, arith::AddIOp::create(b, loc, kLast, idx(1)), numK);
  Value no = arith::ConstantIntOp::create(b, loc, 0, 1);
  Value zero = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0);
  auto rows = scf::ForOp::create(
      b, loc, div(rowLo, bq), qEnd, idx(1), ValueRange{covered, no},
      [&](OpBuilder &, Location, Value qb, ValueRange acc) {
        auto cols = scf::ForOp::create(
            b, loc, div(jLo, bk), kEnd, idx(1), acc,
            [&](OpBuilder &, Location, Value kb, ValueRange inner) {
              Value entry = memref::LoadOp::create(b, loc, layout, ValueRange{batch, head, qb, kb});
              Value set = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, entry, zero);
              scf::YieldOp::create(b, loc,
                                   ValueRange{arith::AndIOp::create(b, loc, inner[0], set),
                                              arith::OrIOp::create(b, loc, inner[1], set)});
            });
        scf::YieldOp::create(b, loc, cols.getResults());
      });
  return {rows.getResult(0), rows.getResult(1)};
}
