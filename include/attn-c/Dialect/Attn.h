/*===- attn-c/Dialect/Attn.h - C API of the attn dialect -------------------===*\
|*                                                                            *|
|* In the style of MLIR's C API (mlir-c/): a dialect handle, pass registration *|
|* and builders/getters for #attn.mask and #attn.feature. Link libAttnMLIR-C.so *|
|* which also carries the upstream MLIR C API (IR, passes).                   *|
\*===----------------------------------------------------------------------===*/
#ifndef ATTN_C_DIALECT_ATTN_H
#define ATTN_C_DIALECT_ATTN_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// mlirGetDialectHandle__attn__(): register or load the attn dialect.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Attn, attn);

/// Adds the attn dialect and the upstream dialects its lowering produces.
MLIR_CAPI_EXPORTED void mlirAttnRegisterDialects(MlirDialectRegistry registry);

/// Registers attn-raise-cascade, convert-attn-to-linalg and the attn-to-cpu pipeline
/// so that mlirParsePassPipeline / mlirOpPassManagerAddPipeline find them.
MLIR_CAPI_EXPORTED void mlirAttnRegisterPasses(void);

/* #attn.mask<...> -------------------------------------------------------- */

/// Builds a mask term: `kind` is one of full, causal, window, sink, chunk, dilated,
/// prefix, and, or, not; `args` its integer arguments, `operands` its operand masks.
/// Returns a null attribute (and emits a diagnostic) when the term is malformed.
MLIR_CAPI_EXPORTED MlirAttribute mlirAttnMaskAttrGet(MlirContext ctx, MlirStringRef kind,
                                                    intptr_t numArgs, const int64_t *args,
                                                    intptr_t numOperands,
                                                    const MlirAttribute *operands);
MLIR_CAPI_EXPORTED bool mlirAttributeIsAAttnMask(MlirAttribute attr);
MLIR_CAPI_EXPORTED MlirStringRef mlirAttnMaskAttrGetKind(MlirAttribute attr);
MLIR_CAPI_EXPORTED intptr_t mlirAttnMaskAttrGetNumArgs(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t mlirAttnMaskAttrGetArg(MlirAttribute attr, intptr_t pos);
MLIR_CAPI_EXPORTED intptr_t mlirAttnMaskAttrGetNumOperands(MlirAttribute attr);
MLIR_CAPI_EXPORTED MlirAttribute mlirAttnMaskAttrGetOperand(MlirAttribute attr, intptr_t pos);

/* #attn.feature<...> ----------------------------------------------------- */

/// `kind` is one of identity, elu_plus_one, relu, taylor2, softmax_features; returns a
/// null attribute (and emits a diagnostic) for an unknown kind.
MLIR_CAPI_EXPORTED MlirAttribute mlirAttnFeatureAttrGet(MlirContext ctx, MlirStringRef kind);
MLIR_CAPI_EXPORTED bool mlirAttributeIsAAttnFeature(MlirAttribute attr);
MLIR_CAPI_EXPORTED MlirStringRef mlirAttnFeatureAttrGetKind(MlirAttribute attr);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_DIALECT_ATTN_H */
