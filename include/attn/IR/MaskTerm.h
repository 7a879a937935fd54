//===- MaskTerm.h - everything the compiler knows about a mask term -------===//
//
// Each term of the mask algebra (#attn.mask<...>, AttnAttrs.td) is one class in one
// source file under dialects/attn/IR/Mask/: its syntax and verifier rules, its
// reference semantics on integers (what lib/Reference evaluates), its predicate as
// arith on positions (scalars or lane vectors), its classification of a (query, key)
// tile as empty / full / partial, and the run-time operands it reads. Adding a term is
// its class, a case in the MaskKind enum and a line in the registry (MaskTerm.cpp).
//
// The reference face and the compiled faces are separate code: the oracle computes on
// int64 positions and tensor entries; the lowering builds IR.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_IR_MASKTERM_H
#define ATTN_IR_MASKTERM_H

#include "attn/IR/AttnAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"

#include <optional>

namespace mlir::attn {

//===----------------------------------------------------------------------===//
// The compiled faces' inputs
//===----------------------------------------------------------------------===//

/// How the code being built reads run-time mask operands (attn.attention's
/// mask_operands): one implementation per level (tensors: AttnToLinalg; buffers: the
/// CPU and GPU kernels).
struct MaskOperandAccess {
  /// Segment ids of operand `i` at the query positions (`query`) or at the key
  /// positions, shaped like the positions given to the predicate (i32 or i32 vectors).
  /// Queries before the first key may read any id: the predicate masks them.
  function_ref<Value(unsigned i, bool query)> segments;
  /// The [min, max] segment ids (i32) of operand `i` over the queries or keys of the
  /// tile being classified; null: tiles of document terms count as partial.
  function_ref<std::pair<Value, Value>(unsigned i, bool query)> segmentRange;
  /// blocks(i, bq, bk): whether the layout (operand `i`) shows the block of the current
  /// (query row, key) pair(s): i1, or a vector of i1 like the positions.
  function_ref<Value(unsigned i, int64_t bq, int64_t bk)> blockVisible;
  /// blocks(i, bq, bk) for the tile being classified: (all, any) over the layout
  /// entries it covers; null: such tiles count as partial.
  function_ref<std::pair<Value, Value>(unsigned i, int64_t bq, int64_t bk)> blockTile;
};

/// Builds a mask's i1 predicate at query position `pos` and key position `key` (index
/// values, or vectors of index or i32: one lane per pair).
class MaskPredicateBuilder {
public:
  MaskPredicateBuilder(OpBuilder &b, Location loc, Value pos, Value key, Value head,
                       const MaskOperandAccess *operands)
      : b(b), loc(loc), pos(pos), key(key), head(head), operands(operands) {}

  /// The predicate of `mask` (dispatches to its term).
  Value build(MaskAttr mask);

  OpBuilder &b;
  Location loc;
  Value pos;  // query position p
  Value key;  // key position j
  Value head; // query head (index), for heads(...); null: head 0
  const MaskOperandAccess *operands;

  /// A constant shaped like the positions (scalar or splat vector).
  Value constant(Type elt, Attribute value);
  /// A position constant in the positions' integer type.
  Value index(int64_t v);
  Value boolean(bool v);
  Value cmp(arith::CmpIPredicate pred, Value lhs, Value rhs);
  Value both(Value x, Value y);
  Value either(Value x, Value y);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value div(Value x, int64_t y);
  Value rem(Value x, int64_t y);
};

/// Whether every (query, key) pair of a tile is visible, and whether any may be.
struct TileVisibility {
  Value all; // i1, true only if every pair is visible
  Value any; // i1, false only if no pair is visible
};

/// Classifies the tile of absolute query positions [pLo, pHi] x keys [jLo, jHi] (index
/// values). `all` may err towards false and `any` towards true (the tile is then
/// checked per element), never the other way.
class MaskTileClassifier {
public:
  MaskTileClassifier(OpBuilder &b, Location loc, Value pLo, Value pHi, Value jLo, Value jHi,
                     Value head, const MaskOperandAccess *operands)
      : b(b), loc(loc), pLo(pLo), pHi(pHi), jLo(jLo), jHi(jHi), head(head),
        operands(operands) {}

  /// The classification of `mask` (dispatches to its term).
  TileVisibility classify(MaskAttr mask);

  OpBuilder &b;
  Location loc;
  Value pLo, pHi, jLo, jHi;
  Value head; // null: a tile that spans every head
  const MaskOperandAccess *operands;

  Value idx(int64_t v);
  Value boolean(bool v);
  Value le(Value x, Value y);
  Value lt(Value x, Value y);
  Value eq(Value x, Value y);
  Value add(Value x, int64_t y);
  Value sub(Value x, Value y);
  Value div(Value x, int64_t y);
  Value rem(Value x, int64_t y);
  Value both(Value x, Value y);
  Value either(Value x, Value y);
  Value negate(Value x);
  Value select(Value c, Value x, Value y);
  /// Visibility of `lo <= j - p <= hi` over the tile: j - p spans [jLo - pHi, jHi - pLo].
  TileVisibility band(std::optional<int64_t> lo, std::optional<int64_t> hi);
  /// A tile the classification cannot decide: partial.
  TileVisibility partial() { return {boolean(false), boolean(true)}; }
};

//===----------------------------------------------------------------------===//
// The reference face's inputs
//===----------------------------------------------------------------------===//

/// One (query, key) pair of the whole problem, for the reference: the query's row
/// (what block layouts index), its absolute position (what positional terms compare),
/// its query head (what heads(...) selects by), the head and batch that index the
/// mask operands (a tile carries its slice of them), and the key.
struct MaskPoint {
  int64_t row, position, head, operandHead, batch, key;
};

/// Run-time mask operands as the reference reads them (integer tensors).
class MaskOperandValues {
public:
  virtual ~MaskOperandValues() = default;
  virtual ArrayRef<int64_t> shape(unsigned operand) const = 0;
  /// The entry at `index` (one per dimension, in range).
  virtual int64_t at(unsigned operand, ArrayRef<int64_t> index) const = 0;
};

//===----------------------------------------------------------------------===//
// A term
//===----------------------------------------------------------------------===//

/// Integer arguments and operand masks a term takes.
struct MaskTermShape {
  int minArgs, maxArgs;
  /// Operand masks: exactly this many, or at least `-numOperands` when negative
  /// (-1: one or more, -2: two or more).
  int numOperands;
};

/// What a term reads from attn.attention's mask operands.
enum class MaskOperandKind { SegmentIds, BlockLayout, BlockIndices };
struct MaskOperandUse {
  int64_t operand;
  MaskOperandKind kind;
};

class MaskTerm {
public:
  virtual ~MaskTerm() = default;

  // Syntax and verification.
  virtual MaskTermShape shape() const = 0;
  /// Whether the common checks apply: the shape's argument count and 0 <= a < 2^30
  /// (false: verify() checks the arguments itself).
  virtual bool checksArguments() const { return true; }
  /// Rules beyond the shape and the common argument limits (0 <= a < 2^30).
  virtual LogicalResult verify(function_ref<InFlightDiagnostic()> emitError,
                               ArrayRef<int64_t> args, ArrayRef<Attribute> operands) const {
    return success();
  }
  /// Arguments written in a syntax of the term's own (after its name); nullopt: the
  /// common `(int, ...)` / `(term, ...)` syntax.
  virtual std::optional<FailureOr<SmallVector<int64_t>>> parseArgs(AsmParser &parser) const {
    return std::nullopt;
  }
  /// Arguments when the term is written without parentheses.
  virtual SmallVector<int64_t> defaultArgs() const { return {}; }
  /// Prints the arguments in the term's own syntax; false: the common syntax.
  virtual bool printArgs(AsmPrinter &printer, MaskAttr term) const { return false; }

  // Semantics.
  /// The reference: is the pair visible (fp64 oracle, lib/Reference)?
  virtual bool isVisible(MaskAttr term, const MaskPoint &at,
                         const MaskOperandValues *operands) const = 0;
  /// The compiled predicate.
  virtual Value predicate(MaskAttr term, MaskPredicateBuilder &b) const = 0;
  /// The compiled tile classification.
  virtual TileVisibility classify(MaskAttr term, MaskTileClassifier &c) const = 0;
  /// The mask operand the term reads, if any.
  virtual std::optional<MaskOperandUse> operandUse(MaskAttr term) const { return std::nullopt; }
};

/// The term of `kind` (the registry, MaskTerm.cpp).
const MaskTerm &getMaskTerm(MaskKind kind);

//===----------------------------------------------------------------------===//
// Whole masks
//===----------------------------------------------------------------------===//

/// The reference: is `at` visible under `mask`?
bool isMaskVisible(MaskAttr mask, const MaskPoint &at, const MaskOperandValues *operands);

/// Whether `mask` reads mask operands anywhere.
bool readsMaskOperands(MaskAttr mask);

/// i1 predicate: is key column `key` visible from query row `row` under `mask`; the
/// row sits at position `row + rowToPosition` (Nk - Nq for end-aligned rows; a tile of
/// attn.attention says its own). `row` and `key` are index values, or vectors of index
/// or of a narrower integer type (the predicate is then a vector of i1, one lane per
/// pair); `rowToPosition` is an index scalar. `head` (index) is the query head that
/// heads(...) terms select by (null: head 0). `operands` gives document(i) and
/// blocks(i, ...) terms their data (required when the mask reads mask operands).
Value buildMaskPredicate(OpBuilder &b, Location loc, MaskAttr mask, Value row, Value key,
                         Value rowToPosition, Value head = {},
                         const MaskOperandAccess *operands = nullptr);

/// Classifies the tile of absolute query positions [pLo, pHi] x keys [jLo, jHi] of
/// query head `head` (null: a tile that spans every head).
TileVisibility classifyTile(OpBuilder &b, Location loc, MaskAttr mask, Value pLo, Value pHi,
                            Value jLo, Value jHi, Value head = {},
                            const MaskOperandAccess *operands = nullptr);

/// For a heads(m0, ..., mk-1) term: build(m) for the mask of query head `head`
/// (m(head mod k)), as selects between the distinct masks; each is built once.
Value selectByHead(OpBuilder &b, Location loc, MaskAttr heads, Value head,
                   function_ref<Value(MaskAttr)> build);

} // namespace mlir::attn

#endif // ATTN_IR_MASKTERM_H
