#ifndef ATTN_IR_ATTNATTRS_H
#define ATTN_IR_ATTNATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "attn/IR/IndexNotation.h"

#include "attn/IR/AttnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "attn/IR/AttnAttrs.h.inc"

namespace mlir::attn {
/// Whether `mask` has a term of `kind` anywhere.
bool containsMaskKind(MaskAttr mask, MaskKind kind);
} // namespace mlir::attn

#endif // ATTN_IR_ATTNATTRS_H
