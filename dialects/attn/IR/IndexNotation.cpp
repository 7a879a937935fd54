#include "attn/IR/IndexNotation.h"
#include "attn/IR/AttnAttrs.h"

#include "mlir/IR/OpImplementation.h"

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

//===----------------------------------------------------------------------===//
// #attn.indices and #attn.spec
//===----------------------------------------------------------------------===//

IndexListAttr IndexListAttr::fromText(MLIRContext *ctx, StringRef text, std::string &error) {
  FailureOr<std::string> list = parseIndexList(text, error);
  if (failed(list))
    return {};
  return IndexListAttr::get(ctx, StringAttr::get(ctx, *list));
}

LogicalResult IndexListAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                    StringAttr letters) {
  std::string error;
  if (!letters || failed(parseIndexList(letters.getValue(), error)))
    return emitError() << (letters ? error : std::string("an index list needs its letters"));
  return success();
}

Attribute IndexListAttr::parse(AsmParser &parser, Type) {
  std::string text, error;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseString(&text) || parser.parseGreater())
    return {};
  IndexListAttr attr = fromText(parser.getContext(), text, error);
  if (!attr)
    parser.emitError(loc) << error;
  return attr;
}

void IndexListAttr::print(AsmPrinter &printer) const {
  printer << "<\"" << getValue() << "\">";
}

IndexSpec IndexSpecAttr::getValue() const {
  IndexSpec spec;
  for (StringAttr input : getInputs())
    spec.inputs.push_back(input.getValue().str());
  spec.output = getOutput().getValue().str();
  return spec;
}

std::string IndexSpecAttr::str() const {
  std::string text;
  for (auto [i, input] : llvm::enumerate(getInputs()))
    text += (i ? "," : "") + input.getValue().str();
  return text + "->" + getOutput().getValue().str();
}

IndexSpecAttr IndexSpecAttr::fromText(MLIRContext *ctx, StringRef text, std::string &error) {
  FailureOr<IndexSpec> spec = parseIndexSpec(text, 0, error);
  if (failed(spec))
    return {};
  SmallVector<StringAttr> inputs;
  for (const std::string &input : spec->inputs)
    inputs.push_back(StringAttr::get(ctx, input));
  return IndexSpecAttr::get(ctx, inputs, StringAttr::get(ctx, spec->output));
}

LogicalResult IndexSpecAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                    ArrayRef<StringAttr> inputs, StringAttr output) {
  std::string text;
  for (auto [i, input] : llvm::enumerate(inputs)) {
    if (!input)
      return emitError() << "an index spec needs its operand lists";
    text += (i ? "," : "") + input.getValue().str();
  }
  if (!output)
    return emitError() << "an index spec needs its result list";
  std::string error;
  if (inputs.empty() || failed(parseIndexSpec(text + "->" + output.getValue().str(), 0, error)))
    return emitError() << (inputs.empty() ? std::string("an index spec needs an operand list")
                                          : error);
  return success();
}

Attribute IndexSpecAttr::parse(AsmParser &parser, Type) {
  std::string text, error;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseString(&text) || parser.parseGreater())
    return {};
  IndexSpecAttr attr = fromText(parser.getContext(), text, error);
  if (!attr)
    parser.emitError(loc) << error;
  return attr;
}

void IndexSpecAttr::print(AsmPrinter &printer) const { printer << "<\"" << str() << "\">"; }

//===----------------------------------------------------------------------===//
// Custom directives: ops write index notation as a plain string
//===----------------------------------------------------------------------===//

ParseResult mlir::attn::parseIndexListString(OpAsmParser &parser, IndexListAttr &attr) {
  std::string text, error;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseString(&text))
    return failure();
  attr = IndexListAttr::fromText(parser.getContext(), text, error);
  if (!attr)
    return parser.emitError(loc) << error;
  return success();
}

void mlir::attn::printIndexListString(OpAsmPrinter &printer, Operation *, IndexListAttr attr) {
  printer << "\"" << attr.getValue() << "\"";
}

ParseResult mlir::attn::parseIndexSpecString(OpAsmParser &parser, IndexSpecAttr &attr) {
  std::string text, error;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseString(&text))
    return failure();
  attr = IndexSpecAttr::fromText(parser.getContext(), text, error);
  if (!attr)
    return parser.emitError(loc) << error;
  return success();
}

void mlir::attn::printIndexSpecString(OpAsmPrinter &printer, Operation *, IndexSpecAttr attr) {
  printer << "\"" << attr.str() << "\"";
}

ParseResult mlir::attn::parseOptionalIndexSpecString(OpAsmParser &parser, IndexSpecAttr &attr) {
  std::string text, error;
  SMLoc loc = parser.getCurrentLocation();
  if (failed(parser.parseOptionalString(&text)))
    return success(); // absent: the operands share their indices
  attr = IndexSpecAttr::fromText(parser.getContext(), text, error);
  if (!attr)
    return parser.emitError(loc) << error;
  return success();
}

void mlir::attn::printOptionalIndexSpecString(OpAsmPrinter &printer, Operation *op,
                                              IndexSpecAttr attr) {
  if (attr)
    printIndexSpecString(printer, op, attr);
}
