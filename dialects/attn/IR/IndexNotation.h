//===- IndexNotation.h - einsum-style index strings ------------------------===//
//
// Every attn op names its dimensions with letters. This is the one parser of those
// strings; verifiers, the lowering and the reference evaluator all read specs through
// it so that they agree on what a spec means (it holds no semantics of its own).
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

} // namespace mlir::attn

#endif // ATTN_IR_INDEXNOTATION_H
