//===- AttnAttrs.cpp - #attn.mask<...> and #attn.feature<...> --------------===//
//
// The mask algebra is a small expression language: leaves with integer arguments
// (`window(256, 0)`) and the connectives and/or/not. Its meaning lives elsewhere: the
// reference evaluator (lib/Reference) and the lowering (lib/Conversion) each implement
// it from the table in AttnAttrs.td.
//
//===----------------------------------------------------------------------===//
#include "attn/IR/AttnAttrs.h"
#include "attn/IR/AttnDialect.h"
#include "attn/IR/Limits.h"

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

namespace {
/// Arity of each term: integer arguments and operand masks (-1: two or more, -2: one
/// or more).
struct TermShape {
  int numArgs;
  int numOperands;
};
} // namespace

static TermShape getTermShape(MaskKind kind) {
  switch (kind) {
  case MaskKind::Full:
  case MaskKind::Causal:
  case MaskKind::Power2:
    return {0, 0};
  case MaskKind::Window:
  case MaskKind::Dilated:
    return {2, 0};
  case MaskKind::Blocks:
  case MaskKind::TopkBlocks:
    return {3, 0};
  case MaskKind::Sink:
  case MaskKind::Chunk:
  case MaskKind::Prefix:
  case MaskKind::Document:
    return {1, 0};
  case MaskKind::And:
  case MaskKind::Or:
    return {0, -1};
  case MaskKind::Not:
    return {0, 1};
  case MaskKind::Neighborhood:
    return {-1, 0}; // rank, then grid, kernel, dilation, causal, stride (rank each)
  case MaskKind::Heads:
    return {0, -2};
  }
  llvm_unreachable("unknown mask kind");
}

MaskAttr::Neighborhood MaskAttr::getNeighborhood() const {
  ArrayRef<int64_t> a = getArgs();
  size_t rank = a[0];
  return {a.slice(1, rank), a.slice(1 + rank, rank), a.slice(1 + 2 * rank, rank),
          a.slice(1 + 3 * rank, rank), a.slice(1 + 4 * rank, rank)};
}

static LogicalResult verifyNeighborhood(function_ref<InFlightDiagnostic()> emitError,
                                        ArrayRef<int64_t> args) {
  if (args.empty() || args[0] < 1 || args[0] > 3 || (int64_t)args.size() != 1 + 5 * args[0])
    return emitError() << "mask term 'neighborhood' takes a grid of 1 to 3 axes and, per "
                          "axis, a kernel size (optionally a dilation, a causal flag and a "
                          "stride)";
  int64_t rank = args[0];
  int64_t tokens = 1;
  for (int64_t a = 0; a < rank; ++a) {
    int64_t grid = args[1 + a], kernel = args[1 + rank + a], dilation = args[1 + 2 * rank + a],
            causal = args[1 + 3 * rank + a], stride = args[1 + 4 * rank + a];
    if (grid < 1 || kernel < 1 || dilation < 1)
      return emitError() << "mask term 'neighborhood' needs positive grid, kernel and "
                            "dilation sizes (axis " << a << ")";
    // Divisions keep the checks themselves from overflowing.
    if (grid >= kMaxPosition || tokens > (kMaxPosition - 1) / grid)
      return emitError() << "mask term 'neighborhood': the grid has more than 2^30 - 1 "
                            "tokens (positions are 32-bit lanes in the kernels)";
    tokens *= grid;
    if (kernel > grid / dilation)
      return emitError() << "mask term 'neighborhood': kernel " << kernel << " x dilation "
                         << dilation << " does not fit axis " << a << " of length " << grid;
    if (causal != 0 && causal != 1)
      return emitError() << "mask term 'neighborhood': causal flags are 0 or 1, got "
                         << causal;
    if (stride < 1 || stride > kernel)
      return emitError() << "mask term 'neighborhood': stride " << stride
                         << " must be between 1 and the kernel size " << kernel << " (axis "
                         << a << ")";
  }
  return success();
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
  TermShape shape = getTermShape(kind);
  StringRef name = stringifyMaskKind(kind);
  if (kind == MaskKind::Neighborhood) {
    if (!operands.empty())
      return emitError() << "mask term 'neighborhood' takes no mask operands";
    return verifyNeighborhood(emitError, args);
  }
  // Optional trailing arguments: chunk's shift, dilated's offset.
  int maxArgs = shape.numArgs + (kind == MaskKind::Chunk || kind == MaskKind::Dilated);
  if ((int)args.size() < shape.numArgs || (int)args.size() > maxArgs)
    return emitError() << "mask term '" << name << "' takes " << shape.numArgs
                       << (maxArgs > shape.numArgs ? " or " + std::to_string(maxArgs) : "")
                       << " integer argument(s), got " << args.size();
  if (shape.numOperands == -1 && operands.size() < 2)
    return emitError() << "mask term '" << name << "' takes two or more masks, got "
                       << operands.size();
  if (shape.numOperands == -2 && operands.empty())
    return emitError() << "mask term '" << name << "' takes one or more masks";
  if (shape.numOperands >= 0 && (int)operands.size() != shape.numOperands)
    return emitError() << "mask term '" << name << "' takes " << shape.numOperands
                       << " mask operand(s), got " << operands.size();
  for (Attribute operand : operands)
    if (!isa<MaskAttr>(operand))
      return emitError() << "operand of '" << name << "' is not a mask: " << operand;
  for (int64_t a : args) {
    if (a < 0)
      return emitError() << "mask term '" << name << "' needs non-negative arguments, got "
                         << a;
    if (a >= kMaxPosition)
      return emitError() << "mask term '" << name << "': argument " << a
                         << " is not below 2^30 (positions are 32-bit lanes in the "
                            "kernels)";
  }
  if ((kind == MaskKind::Blocks || kind == MaskKind::TopkBlocks) && (args[1] == 0 || args[2] == 0))
    return emitError() << "mask term '" << name << "' needs positive block sizes";
  if ((kind == MaskKind::Chunk || kind == MaskKind::Dilated) &&
      llvm::is_contained(args.take_front(shape.numArgs), 0))
    return emitError() << "mask term '" << name << "' needs positive sizes";
  if (kind == MaskKind::Dilated && args[0] * args[1] >= kMaxPosition)
    return emitError() << "mask term 'dilated': width " << args[0] << " x rate " << args[1]
                       << " is not below 2^30 (positions are 32-bit lanes in the kernels)";
  return success();
}

/// term := name | name '(' int (',' int)* ')' | name '(' term (',' term)* ')'
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
    parser.emitError(loc) << "unknown mask term '" << name
                          << "'; expected one of full, causal, window, sink, chunk, "
                             "dilated, prefix, neighborhood, heads, power2, document, blocks, and, or, not";
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
  TermShape shape = getTermShape(*kind);
  SmallVector<int64_t> args;
  SmallVector<Attribute> operands;
  if (*kind == MaskKind::Neighborhood) {
    // neighborhood '(' grid ',' kernel (',' dilation (',' causal (',' stride)?)?)? ')',
    // each a dimension list such as 128x128.
    SmallVector<SmallVector<int64_t>> lists;
    auto parseList = [&]() -> ParseResult {
      lists.emplace_back();
      return parser.parseDimensionList(lists.back(), /*allowDynamic=*/false,
                                       /*withTrailingX=*/false);
    };
    if (parser.parseLParen() || parser.parseCommaSeparatedList(parseList) ||
        parser.parseRParen())
      return failure();
    size_t rank = lists.front().size();
    if (lists.size() < 2 || lists.size() > 5 ||
        llvm::any_of(lists, [&](auto &l) { return l.size() != rank; })) {
      parser.emitError(loc) << "mask term 'neighborhood' takes (grid, kernel[, dilation[, "
                               "causal[, stride]]]) with one size per grid axis, e.g. "
                               "neighborhood(128x128, 7x7)";
      return failure();
    }
    lists.resize(5);
    if (lists[2].empty())
      lists[2].assign(rank, 1);
    if (lists[3].empty())
      lists[3].assign(rank, 0);
    if (lists[4].empty())
      lists[4].assign(rank, 1);
    args.push_back(rank);
    for (auto &l : lists)
      llvm::append_range(args, l);
    return checked(args, operands);
  }
  bool parens = succeeded(parser.parseOptionalLParen());
  if (!parens && *kind == MaskKind::Document)
    args.push_back(0); // `document` reads mask operand 0
  if (parens) {
    auto parseElement = [&]() -> ParseResult {
      if (shape.numOperands != 0) {
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
  if (term.getKind() == MaskKind::Neighborhood) {
    MaskAttr::Neighborhood n = term.getNeighborhood();
    auto list = [&](ArrayRef<int64_t> l) { llvm::interleave(l, printer, "x"); };
    printer << '(';
    list(n.grid);
    printer << ", ";
    list(n.kernel);
    bool strided = llvm::any_of(n.stride, [](int64_t s) { return s != 1; });
    bool causal = strided || llvm::is_contained(n.causal, 1);
    if (causal || llvm::any_of(n.dilation, [](int64_t d) { return d != 1; })) {
      printer << ", ";
      list(n.dilation);
    }
    if (causal) {
      printer << ", ";
      list(n.causal);
    }
    if (strided) {
      printer << ", ";
      list(n.stride);
    }
    printer << ')';
    return;
  }
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
