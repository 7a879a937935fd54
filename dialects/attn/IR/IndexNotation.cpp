#include "attn/IR/IndexNotation.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::attn;

std::string IndexSpec::allIndices() const {
  std::string all;
  for (const std::string &in : inputs)
    for (char c : in)
      if (all.find(c) == std::string::npos)
        all.push_back(c);
  return all;
}

std::string IndexSpec::reducedIndices() const {
  std::string reduced;
  for (char c : allIndices())
    if (output.find(c) == std::string::npos)
      reduced.push_back(c);
  return reduced;
}

FailureOr<std::string> mlir::attn::parseIndexList(StringRef text, std::string &error) {
  std::string list;
  for (char c : text) {
    if (!llvm::isAlpha(c)) {
      error = "index lists use letters only, found '" + std::string(1, c) + "' in \"" +
              text.str() + "\"";
      return failure();
    }
    if (list.find(c) != std::string::npos) {
      error = "index '" + std::string(1, c) + "' appears twice in \"" + text.str() + "\"";
      return failure();
    }
    list.push_back(c);
  }
  return list;
}

FailureOr<IndexSpec> mlir::attn::parseIndexSpec(StringRef text, unsigned numInputs,
                                                std::string &error) {
  auto [lhs, rhs] = text.split("->");
  if (lhs.size() == text.size()) {
    error = "index spec \"" + text.str() + "\" lacks '->'";
    return failure();
  }
  IndexSpec spec;
  SmallVector<StringRef> parts;
  lhs.split(parts, ',');
  for (StringRef part : parts) {
    FailureOr<std::string> list = parseIndexList(part.trim(), error);
    if (failed(list))
      return failure();
    spec.inputs.push_back(*list);
  }
  FailureOr<std::string> out = parseIndexList(rhs.trim(), error);
  if (failed(out))
    return failure();
  spec.output = *out;
  if (numInputs && spec.inputs.size() != numInputs) {
    error = "index spec \"" + text.str() + "\" has " + std::to_string(spec.inputs.size()) +
            " operand lists, but the op has " + std::to_string(numInputs) + " operands";
    return failure();
  }
  std::string all = spec.allIndices();
  for (char c : spec.output)
    if (all.find(c) == std::string::npos) {
      error = "result index '" + std::string(1, c) + "' of \"" + text.str() +
              "\" appears in no operand";
      return failure();
    }
  return spec;
}
