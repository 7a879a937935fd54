#include "attn-c/Dialect/Attn.h"
#include "attn/IR/AttnAttrs.h"
#include "attn/IR/AttnDialect.h"
#include "attn/InitAttn.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::attn;

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Attn, attn, AttnDialect)

void mlirAttnRegisterDialects(MlirDialectRegistry registry) {
  registerAttnDialects(*unwrap(registry));
}

void mlirAttnRegisterPasses(void) { registerAttnPassesAndPipelines(); }

MlirAttribute mlirAttnMaskAttrGet(MlirContext ctx, MlirStringRef kind, intptr_t numArgs,
                                  const int64_t *args, intptr_t numOperands,
                                  const MlirAttribute *operands) {
  MLIRContext *context = unwrap(ctx);
  auto emitErrorFn = [&] { return mlir::emitError(UnknownLoc::get(context)); };
  function_ref<InFlightDiagnostic()> emitError = emitErrorFn;
  std::optional<MaskKind> maskKind = symbolizeMaskKind(unwrap(kind));
  if (!maskKind) {
    emitError() << "unknown mask term '" << unwrap(kind) << "'";
    return MlirAttribute{nullptr};
  }
  SmallVector<Attribute> children;
  for (intptr_t i = 0; i < numOperands; ++i)
    children.push_back(unwrap(operands[i]));
  return wrap(MaskAttr::getChecked(emitError, context, *maskKind,
                                   ArrayRef<int64_t>(args, numArgs), ArrayRef<Attribute>(children)));
}

bool mlirAttributeIsAAttnMask(MlirAttribute attr) { return isa<MaskAttr>(unwrap(attr)); }

MlirStringRef mlirAttnMaskAttrGetKind(MlirAttribute attr) {
  return wrap(stringifyMaskKind(cast<MaskAttr>(unwrap(attr)).getKind()));
}

intptr_t mlirAttnMaskAttrGetNumArgs(MlirAttribute attr) {
  return cast<MaskAttr>(unwrap(attr)).getArgs().size();
}

int64_t mlirAttnMaskAttrGetArg(MlirAttribute attr, intptr_t pos) {
  return cast<MaskAttr>(unwrap(attr)).getArgs()[pos];
}

intptr_t mlirAttnMaskAttrGetNumOperands(MlirAttribute attr) {
  return cast<MaskAttr>(unwrap(attr)).getOperands().size();
}

MlirAttribute mlirAttnMaskAttrGetOperand(MlirAttribute attr, intptr_t pos) {
  return wrap(cast<MaskAttr>(unwrap(attr)).getOperands()[pos]);
}

MlirAttribute mlirAttnFeatureAttrGet(MlirContext ctx, MlirStringRef kind) {
  std::optional<FeatureKind> feature = symbolizeFeatureKind(unwrap(kind));
  if (!feature) {
    mlir::emitError(UnknownLoc::get(unwrap(ctx)))
        << "unknown feature map '" << unwrap(kind) << "'";
    return MlirAttribute{nullptr};
  }
  return wrap(FeatureKindAttr::get(unwrap(ctx), *feature));
}

bool mlirAttributeIsAAttnFeature(MlirAttribute attr) {
  return isa<FeatureKindAttr>(unwrap(attr));
}

MlirStringRef mlirAttnFeatureAttrGetKind(MlirAttribute attr) {
  return wrap(stringifyFeatureKind(cast<FeatureKindAttr>(unwrap(attr)).getValue()));
}
