//===- GPUMaskOperands.cpp - run-time mask operands in the GPU kernel -----===//
//
// Documents ([B, Nk] segment ids) and block layouts ([B, Hq, QB, KB]) are kernel
// arguments after the output. The mask predicate reads an id or an entry per element;
// the tile classification reads the ranges and entries a tile covers (every thread the
// same, so the decisions stay uniform across the block).
//
//===----------------------------------------------------------------------===//
#include "GPUKernelBuilder.h"

#include <cstdint>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpukernel;

/// Segment id at `position` (clamped into the sequence: positions outside it are masked
/// by the predicate itself).
Value GPUKernel::segmentId(unsigned i, Value position) {
  Value last = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, memref::DimOp::create(b, loc, maskOperands[i], 1),
                                    idx(1)),
      idx(0));
  Value at = arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, position, idx(0)), last);
  return memref::LoadOp::create(b, loc, maskOperands[i], ValueRange{batch, at});
}

/// i1: the layout entry of (row, key) is set; blocks the layout does not cover are hidden
/// (and not read).
Value GPUKernel::layoutEntry(unsigned i, Value row, Value key, int64_t bq, int64_t bk) {
  Value layout = maskOperands[i];
  Value qb = div(row, bq), kb = div(key, bk);
  Value inside = arith::AndIOp::create(b, loc, lt(qb, memref::DimOp::create(b, loc, layout, 2)),
                                       lt(kb, memref::DimOp::create(b, loc, layout, 3)));
  auto read = scf::IfOp::create(
      b, loc, inside,
      [&](OpBuilder &, Location) {
        Value entry = memref::LoadOp::create(b, loc, layout, ValueRange{batch, head, qb, kb});
        Value zero = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0);
        scf::YieldOp::create(b, loc, ValueRange{arith::CmpIOp::create(
                                         b, loc, arith::CmpIPredicate::ne, entry, zero)});
      },
      [&](OpBuilder &, Location) {
        scf::YieldOp::create(b, loc, ValueRange{arith::ConstantIntOp::create(b, loc, 0, 1)});
      });
  return read.getResult(0);
}

/// [min, max] segment ids over positions [lo, hi] (positions before 0 skipped).
std::pair<Value, Value> GPUKernel::segmentRange(unsigned i, Value lo, Value hi) {
  Type i32 = b.getI32Type();
  Value first = arith::MaxSIOp::create(b, loc, lo, idx(0));
  auto loop = scf::ForOp::create(
      b, loc, first, add(hi, idx(1)), idx(1),
      ValueRange{arith::ConstantIntOp::create(b, loc, i32, INT32_MAX),
                 arith::ConstantIntOp::create(b, loc, i32, INT32_MIN)},
      [&](OpBuilder &, Location, Value x, ValueRange acc) {
        Value id = memref::LoadOp::create(b, loc, maskOperands[i], ValueRange{batch, x});
        scf::YieldOp::create(b, loc, ValueRange{arith::MinSIOp::create(b, loc, acc[0], id),
                                                arith::MaxSIOp::create(b, loc, acc[1], id)});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

/// (all, any) set entries of the layout blocks covering rows [rowLo, rowHi] x keys
/// [jLo, jHi]; blocks past the layout count as hidden.
std::pair<Value, Value> GPUKernel::layoutTile(unsigned i, Value rowLo, Value rowHi, Value jLo,
                                              Value jHi, int64_t bq, int64_t bk) {
  Value layout = maskOperands[i];
  Value numQ = memref::DimOp::create(b, loc, layout, 2), numK = memref::DimOp::create(b, loc, layout, 3);
  Value qLast = div(rowHi, bq), kLast = div(jHi, bk);
  Value covered = arith::AndIOp::create(b, loc, lt(qLast, numQ), lt(kLast, numK));
  Value qEnd = arith::MinSIOp::create(b, loc, add(qLast, idx(1)), numQ);
  Value kEnd = arith::MinSIOp::create(b, loc, add(kLast, idx(1)), numK);
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
