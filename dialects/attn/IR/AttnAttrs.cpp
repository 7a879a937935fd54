//===- AttnAttrs.cpp - #attn.mask<...> and #attn.feature<...> --------------===//
//
// The mask algebra is a small expression language: leaves with integer arguments
// (`window(256, 0)`) and the connectives and/or/not. The syntax here is generic; each
// term's arity, rules and meaning live in its class (MaskTerm.h, dialects/attn/IR/Mask).
//
//===----------------------------------------------------------------------===//
#include "attn/IR/AttnAttrs.h"
#include "attn/IR/AttnDialect.h"
#include "attn/IR/Limits.h"
#include "attn/IR/MaskTerm.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

#define GET_ATTRDEF_CLASSES
#include "attn/IR/AttnAttrs.cpp.inc"

void AttnDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attn/IR/AttnAttrs.cpp.inc"
      >();
}

MaskAttr::Neighborhood MaskAttr::getNeighborhood() const {
  ArrayRef<int64_t> a = getArgs();
  size_t rank = a[0];
  return {a.slice(1, rank), a.slice(1 + rank, rank), a.slice(1 + 2 * rank, rank),
          a.slice(1 + 3 * rank, rank), a.slice(1 + 4 * rank, rank)};
}

bool mlir::attn::containsMaskKind(MaskAttr mask, MaskKind kind) {
  return mask.getKind() == kind ||
         llvm::any_of(mask.getOperands(),
                      [&](Attribute m) { return containsMaskKind(cast<MaskAttr>(m), kind); });
}

MaskAttr MaskAttr::getOperand(unsigned i) const {
  return cast<MaskAttr>(getOperands()[i]);
}

MaskAttr MaskAttr::getLeaf(MLIRContext *ctx, MaskKind kind, ArrayRef<int64_t> args) {
  return MaskAttr::get(ctx, kind, args, {});
}

LogicalResult MaskAttr::verify(function_ref<InFlightDiagnostic()> emitError, MaskKind kind,
                               ArrayRef<int64_t> args, ArrayRef<Attribute> operands) {
  const MaskTerm &term = getMaskTerm(kind);
  MaskTermShape shape = term.shape();
  StringRef name = stringifyMaskKind(kind);
  if (term.checksArguments() &&
      ((int)args.size() < shape.minArgs || (int)args.size() > shape.maxArgs))
    return emitError() << "mask term '" << name << "' takes " << shape.minArgs
                       << (shape.maxArgs > shape.minArgs ? " or " + std::to_string(shape.maxArgs)
                                                         : "")
                       << " integer argument(s), got " << args.size();
  if (shape.numOperands == -2 && operands.size() < 2)
    return emitError() << "mask term '" << name << "' takes two or more masks, got "
                       << operands.size();
  if (shape.numOperands == -1 && operands.empty())
    return emitError() << "mask term '" << name << "' takes one or more masks";
  if (shape.numOperands >= 0 && (int)operands.size() != shape.numOperands)
    return emitError() << "mask term '" << name << "' takes " << shape.numOperands
                       << " mask operand(s), got " << operands.size();
  for (Attribute operand : operands)
    if (!isa<MaskAttr>(operand))
      return emitError() << "operand of '" << name << "' is not a mask: " << operand;
  for (int64_t a : term.checksArguments() ? args : ArrayRef<int64_t>()) {
    if (a < 0)
      return emitError() << "mask term '" << name << "' needs non-negative arguments, got "
                         << a;
    if (a >= kMaxPosition)
      return emitError() << "mask term '" << name << "': argument " << a
                         << " is not below 2^30 (positions are 32-bit lanes in the "
                            "kernels)";
  }
  return term.verify(emitError, args, operands);
}

/// term := name | name '(' int (',' int)* ')' | name '(' term (',' term)* ')', or a
/// term's own syntax (neighborhood's dimension lists).
static FailureOr<MaskAttr> parseTerm(AsmParser &parser, int depth) {
  MLIRContext *ctx = parser.getContext();
  SMLoc loc = parser.getCurrentLocation();
  if (depth > kMaxMaskDepth) {
    parser.emitError(loc) << "mask terms nest more than " << kMaxMaskDepth << " deep";
    return failure();
  }
  StringRef name;
  if (parser.parseKeyword(&name))
    return failure();
  std::optional<MaskKind> kind = symbolizeMaskKind(name);
  if (!kind) {
    InFlightDiagnostic diag = parser.emitError(loc)
                              << "unknown mask term '" << name << "'; expected one of ";
    for (unsigned k = 0; k <= getMaxEnumValForMaskKind(); ++k)
      diag << (k ? ", " : "") << stringifyMaskKind(static_cast<MaskKind>(k));
    return failure();
  }
  // getChecked returns a null attribute after its diagnostic: a failure, not a term.
  auto checked = [&](ArrayRef<int64_t> args,
                     ArrayRef<Attribute> operands) -> FailureOr<MaskAttr> {
    MaskAttr term = MaskAttr::getChecked([&] { return parser.emitError(loc); }, ctx, *kind,
                                         args, operands);
    if (!term)
      return failure();
    return term;
  };
  const MaskTerm &term = getMaskTerm(*kind);
  if (std::optional<FailureOr<SmallVector<int64_t>>> own = term.parseArgs(parser)) {
    if (failed(*own))
      return failure();
    return checked(**own, {});
  }
  SmallVector<int64_t> args;
  SmallVector<Attribute> operands;
  bool parens = succeeded(parser.parseOptionalLParen());
  if (!parens)
    args = term.defaultArgs();
  if (parens) {
    bool takesMasks = term.shape().numOperands != 0;
    auto parseElement = [&]() -> ParseResult {
      if (takesMasks) {
        FailureOr<MaskAttr> operand = parseTerm(parser, depth + 1);
        if (failed(operand))
          return failure();
        operands.push_back(*operand);
        return success();
      }
      int64_t value;
      if (parser.parseInteger(value))
        return failure();
      args.push_back(value);
      return success();
    };
    // `name()` is accepted so that the verifier can say what the term needs.
    if (failed(parser.parseOptionalRParen()) &&
        (parser.parseCommaSeparatedList(parseElement) || parser.parseRParen()))
      return failure();
  }
  return checked(args, operands);
}

Attribute MaskAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  FailureOr<MaskAttr> term = parseTerm(parser, /*depth=*/1);
  if (failed(term) || parser.parseGreater())
    return {};
  return *term;
}

static void printTerm(AsmPrinter &printer, MaskAttr term) {
  printer << stringifyMaskKind(term.getKind());
  if (getMaskTerm(term.getKind()).printArgs(printer, term))
    return;
  if (!term.getArgs().empty()) {
    printer << '(';
    llvm::interleaveComma(term.getArgs(), printer);
    printer << ')';
  }
  if (!term.getOperands().empty()) {
    printer << '(';
    llvm::interleaveComma(term.getOperands(), printer,
                          [&](Attribute a) { printTerm(printer, cast<MaskAttr>(a)); });
    printer << ')';
  }
}

void MaskAttr::print(AsmPrinter &printer) const {
  printer << '<';
  printTerm(printer, *this);
  printer << '>';
}
