/* Exercises the attn C API from C: dialect handle, attribute builders and getters,
 * pass registration, and the attn-to-cpu pipeline through the upstream C API. */
#include "attn-c/Dialect/Attn.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdio.h>
#include <string.h>

static void printToStdout(MlirStringRef text, void *userData) {
  (void)userData;
  fwrite(text.data, 1, text.length, stdout);
}

static void printAttr(const char *label, MlirAttribute attr) {
  printf("%s: ", label);
  mlirAttributePrint(attr, printToStdout, NULL);
  printf("\n");
}

static const char *program =
    "func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, "
    "%v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {\n"
    "  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x2x8x4xf32>, "
    "tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>\n"
    "  return %o : tensor<1x2x8x4xf32>\n}\n";

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0); /* keep stdout and diagnostics (stderr) in order */
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirAttnRegisterDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  MlirDialect attn = mlirDialectHandleLoadDialect(mlirGetDialectHandle__attn__(), ctx);
  MlirStringRef ns = mlirDialectGetNamespace(attn);
  printf("dialect: %.*s\n", (int)ns.length, ns.data);

  /* or(sink(4), and(causal, window(1024, 0))) */
  MlirAttribute causal = mlirAttnMaskAttrGet(ctx, mlirStringRefCreateFromCString("causal"),
                                             0, NULL, 0, NULL);
  int64_t windowArgs[] = {1024, 0};
  MlirAttribute window = mlirAttnMaskAttrGet(ctx, mlirStringRefCreateFromCString("window"),
                                             2, windowArgs, 0, NULL);
  MlirAttribute both[] = {causal, window};
  MlirAttribute local = mlirAttnMaskAttrGet(ctx, mlirStringRefCreateFromCString("and"), 0,
                                            NULL, 2, both);
  int64_t sinkArgs[] = {4};
  MlirAttribute sink = mlirAttnMaskAttrGet(ctx, mlirStringRefCreateFromCString("sink"), 1,
                                           sinkArgs, 0, NULL);
  MlirAttribute either[] = {sink, local};
  MlirAttribute mask = mlirAttnMaskAttrGet(ctx, mlirStringRefCreateFromCString("or"), 0, NULL,
                                           2, either);
  printAttr("mask", mask);
  MlirStringRef kind = mlirAttnMaskAttrGetKind(mask);
  MlirAttribute second = mlirAttnMaskAttrGetOperand(mask, 1);
  MlirAttribute inner = mlirAttnMaskAttrGetOperand(second, 1);
  printf("kind: %.*s, operands: %ld, window left: %ld, is mask: %d\n", (int)kind.length,
         kind.data, (long)mlirAttnMaskAttrGetNumOperands(mask),
         (long)mlirAttnMaskAttrGetArg(inner, 0), mlirAttributeIsAAttnMask(mask));

  /* A malformed term gives a null attribute (and a diagnostic on stderr). */
  MlirAttribute bad = mlirAttnMaskAttrGet(ctx, mlirStringRefCreateFromCString("window"), 1,
                                          windowArgs, 0, NULL);
  printf("malformed window is null: %d\n", mlirAttributeIsNull(bad));
  MlirAttribute unknown = mlirAttnMaskAttrGet(ctx, mlirStringRefCreateFromCString("diagonal"),
                                              0, NULL, 0, NULL);
  printf("unknown term is null: %d\n", mlirAttributeIsNull(unknown));

  MlirAttribute feature = mlirAttnFeatureAttrGet(ctx, mlirStringRefCreateFromCString("taylor2"));
  printAttr("feature", feature);
  MlirStringRef featureKind = mlirAttnFeatureAttrGetKind(feature);
  printf("feature kind: %.*s, is feature: %d, mask is feature: %d\n", (int)featureKind.length,
         featureKind.data, mlirAttributeIsAAttnFeature(feature),
         mlirAttributeIsAAttnFeature(mask));

  /* Parse a program and lower it with attn-to-cpu through the upstream pass API. */
  mlirAttnRegisterPasses();
  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(program));
  if (mlirModuleIsNull(module)) {
    printf("parse failed\n");
    return 1;
  }
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult parsed = mlirOpPassManagerAddPipeline(
      opm, mlirStringRefCreateFromCString("attn-to-cpu"), printToStdout, NULL);
  if (mlirLogicalResultIsFailure(parsed)) {
    printf("pipeline not found\n");
    return 1;
  }
  MlirLogicalResult ran = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  printf("attn-to-cpu: %s\n", mlirLogicalResultIsSuccess(ran) ? "success" : "failure");
  MlirOperation first = mlirBlockGetFirstOperation(mlirModuleGetBody(module));
  MlirIdentifier name = mlirOperationGetName(first);
  MlirStringRef opName = mlirIdentifierStr(name);
  printf("first op: %.*s\n", (int)opName.length, opName.data);

  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}
