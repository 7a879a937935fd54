//===- IndexNotation.h - einsum-style index strings ------------------------===//
//
// Every attn op names its dimensions with letters. This is the one parser of those
// strings, run once when IR is read or built: ops hold the result as #attn.indices /
// #attn.spec attributes, which verifiers, lowerings and the reference evaluator read
// without parsing again.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_IR_INDEXNOTATION_H
#define ATTN_IR_INDEXNOTATION_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace mlir::attn {

/// `"bhmd,bhnd->bhmn"` split into its operand index lists and its result list.
struct IndexSpec {
  SmallVector<std::string> inputs;
  std::string output;

  /// Letters of all inputs, in first-seen order.
  std::string allIndices() const;
  /// Letters of the inputs that are absent from the output (the contracted ones).
  std::string reducedIndices() const;
};

/// Parses a list of index letters (`"bhmn"`): ASCII letters, each at most once.
/// On failure returns a message suitable for a diagnostic.
FailureOr<std::string> parseIndexList(StringRef text, std::string &error);

/// Parses `"in1,in2->out"` (or `"in->out"`). `numInputs` (when non-zero) is the number
/// of operand lists the caller expects.
FailureOr<IndexSpec> parseIndexSpec(StringRef text, unsigned numInputs, std::string &error);

class IndexListAttr;
class IndexSpecAttr;
} // namespace mlir::attn

namespace mlir {
class OpAsmParser;
class OpAsmPrinter;
class Operation;
namespace attn {
/// Custom assembly directives: index notation is written as a plain string in ops
/// (`"bhmn"`, `"bhmd,bhnd->bhmn"`), parsed into #attn.indices / #attn.spec once.
ParseResult parseIndexListString(OpAsmParser &parser, IndexListAttr &attr);
void printIndexListString(OpAsmPrinter &printer, Operation *op, IndexListAttr attr);
ParseResult parseIndexSpecString(OpAsmParser &parser, IndexSpecAttr &attr);
void printIndexSpecString(OpAsmPrinter &printer, Operation *op, IndexSpecAttr attr);
ParseResult parseOptionalIndexSpecString(OpAsmParser &parser, IndexSpecAttr &attr);
void printOptionalIndexSpecString(OpAsmPrinter &printer, Operation *op, IndexSpecAttr attr);
} // namespace attn
} // namespace mlir

#endif // ATTN_IR_INDEXNOTATION_H
