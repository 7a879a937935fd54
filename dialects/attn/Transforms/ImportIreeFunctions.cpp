//===- ImportIreeFunctions.cpp - IREE's util.func to func.func -------------===//
//
// IREE's input-phase IR wraps the program in its `util` dialect (and, at the ABI
// phase, converts the boundary to `!hal.buffer_view`). attn-mlir does not link IREE's
// dialects: the ops are read unregistered, by name and generic-form properties.
//
//===----------------------------------------------------------------------===//
#include "attn/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNIMPORTIREEFUNCTIONS
#include "attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// A property of an unregistered op (generic form `<{...}>`) or its attribute.
Attribute propertyOf(Operation *op, StringRef name) {
  if (auto dict = dyn_cast_or_null<DictionaryAttr>(op->getPropertiesAsAttribute()))
    if (Attribute a = dict.get(name))
      return a;
  return op->getAttr(name);
}

LogicalResult importFunction(Operation *op) {
  auto typeAttr = dyn_cast_or_null<TypeAttr>(propertyOf(op, "function_type"));
  auto name = dyn_cast_or_null<StringAttr>(propertyOf(op, "sym_name"));
  auto type = typeAttr ? dyn_cast<FunctionType>(typeAttr.getValue()) : FunctionType();
  if (!type || !name || op->getNumRegions() != 1)
    return op->emitError("expected util.func with 'function_type', 'sym_name' and a body");
  auto visibility = dyn_cast_or_null<StringAttr>(propertyOf(op, "sym_visibility"));
  OpBuilder b(op);
  auto func = func::FuncOp::create(b, op->getLoc(), name.getValue(), type);
  if (visibility)
    func.setVisibility(visibility.getValue() == "private" ? SymbolTable::Visibility::Private
                                                            : SymbolTable::Visibility::Public);
  func.getBody().takeBody(op->getRegion(0));
  op->erase();
  if (func.getBody().empty())
    return success(); // a declaration
  Block &entry = func.getBody().front();
  if (entry.getNumArguments() != type.getNumInputs())
    return func.emitError("the body takes ") << entry.getNumArguments()
                                             << " arguments, the function type "
                                             << type.getNumInputs();
  // ABI boundary: buffer views imported into tensors.
  SmallVector<Type> inputs;
  for (BlockArgument arg : entry.getArguments()) {
    if (isa<TensorType, FloatType, IntegerType, IndexType>(arg.getType())) {
      inputs.push_back(arg.getType());
      continue;
    }
    Operation *user = arg.hasOneUse() ? *arg.getUsers().begin() : nullptr;
    if (!user || user->getName().getStringRef() != "hal.tensor.import" ||
        user->getNumResults() != 1 || user->getOperand(0) != arg)
      return func.emitError("argument #") << arg.getArgNumber() << " of type " << arg.getType()
                                          << " is neither a tensor nor imported by one "
                                             "hal.tensor.import";
    Value tensor = user->getResult(0);
    arg.setType(tensor.getType());
    tensor.replaceAllUsesWith(arg);
    user->erase();
    inputs.push_back(arg.getType());
  }
  // util.return -> func.return, exported tensors returned as tensors.
  SmallVector<Type> results;
  SmallVector<Operation *> returns;
  func.walk([&](Operation *ret) {
    if (ret->getName().getStringRef() == "util.return")
      returns.push_back(ret);
  });
  for (Operation *ret : returns) {
    SmallVector<Value> values;
    for (Value v : ret->getOperands()) {
      Operation *def = v.getDefiningOp();
      if (def && def->getName().getStringRef() == "hal.tensor.export" &&
          def->getNumOperands() >= 1) {
        Value tensor = def->getOperand(0);
        bool last = v.hasOneUse();
        v = tensor;
        if (last) {
          ret->replaceUsesOfWith(def->getResult(0), tensor);
          def->erase();
        }
      }
      values.push_back(v);
    }
    OpBuilder rb(ret);
    func::ReturnOp::create(rb, ret->getLoc(), values);
    if (results.empty())
      results = llvm::to_vector(ValueRange(values).getTypes());
    ret->erase();
  }
  func.setFunctionType(FunctionType::get(func.getContext(), inputs,
                                         results.empty() ? type.getResults() : results));
  return success();
}

struct AttnImportIreeFunctionsPass
    : public attn::impl::AttnImportIreeFunctionsBase<AttnImportIreeFunctionsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> found;
    for (Operation &op : getOperation().getBody()->getOperations())
      if (op.getName().getStringRef() == "util.func")
        found.push_back(&op);
    for (Operation *op : found)
      if (failed(importFunction(op)))
        return signalPassFailure();
  }
};
} // namespace

LogicalResult mlir::attn::importForeignAttention(ModuleOp module) {
  bool functions = false, ops = false;
  module.walk([&](Operation *op) {
    StringRef name = op->getName().getStringRef();
    functions |= name == "util.func";
    ops |= name == "iree_linalg_ext.attention" || name == "tm_tensor.attention";
  });
  if (!functions && !ops)
    return success();
  PassManager pm(module.getContext());
  pm.addPass(createAttnImportIreeFunctions());
  pm.addNestedPass<func::FuncOp>(createAttnImportAttention());
  return pm.run(module);
}
