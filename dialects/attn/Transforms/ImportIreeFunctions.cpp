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
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/StringMap.h"

#include <cstring>

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

bool isFence(Type type) {
  auto opaque = dyn_cast<OpaqueType>(type);
  return opaque && opaque.getDialectNamespace() == "hal" && opaque.getTypeData() == "fence";
}

/// Sets a property of an unregistered op (stored as its properties dictionary).
void setProperty(Operation *op, StringRef name, Attribute value) {
  if (auto dict = dyn_cast_or_null<DictionaryAttr>(op->getPropertiesAsAttribute())) {
    NamedAttrList list(dict);
    list.set(name, value);
    (void)op->setPropertiesFromAttribute(list.getDictionary(op->getContext()), nullptr);
    return;
  }
  op->setAttr(name, value);
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
  // The async ABI ("coarse-fences"): tensors pass barriers unchanged.
  SmallVector<Operation *> barriers;
  func.walk([&](Operation *inner) {
    if (inner->getName().getStringRef() == "hal.tensor.barrier")
      barriers.push_back(inner);
  });
  for (Operation *barrier : barriers) {
    for (unsigned i = 0; i < barrier->getNumResults(); ++i)
      barrier->getResult(i).replaceAllUsesWith(barrier->getOperand(i));
    barrier->erase();
  }
  if (entry.getNumArguments() != type.getNumInputs())
    return func.emitError("the body takes ") << entry.getNumArguments()
                                             << " arguments, the function type "
                                             << type.getNumInputs();
  // ABI boundary: buffer views imported into tensors.
  SmallVector<Type> inputs;
  llvm::BitVector fences(entry.getNumArguments());
  for (BlockArgument arg : entry.getArguments()) {
    if (isa<TensorType, FloatType, IntegerType, IndexType>(arg.getType())) {
      inputs.push_back(arg.getType());
      continue;
    }
    if (isFence(arg.getType())) {
      fences.set(arg.getArgNumber());
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
  // Fences: their only uses were the imports' waits and the barriers, now gone.
  for (int i = entry.getNumArguments() - 1; i >= 0; --i)
    if (fences.test(i)) {
      if (!entry.getArgument(i).use_empty())
        return func.emitError("fence argument #") << i << " has uses other than "
                                                     "hal.tensor.import and hal.tensor.barrier";
      entry.eraseArgument(i);
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
    llvm::StringMap<Operation *> byName;
    for (Operation &op : getOperation().getBody()->getOperations())
      if (op.getName().getStringRef() == "util.func") {
        found.push_back(&op);
        if (auto name = dyn_cast_or_null<StringAttr>(propertyOf(&op, "sym_name")))
          byName[name.getValue()] = &op;
      }
    // The async ABI: `f` waits on `f$async` through fences; `f$async` (its body is the
    // program) takes the name `f` and the synchronous wrapper is dropped.
    for (Operation *op : llvm::make_early_inc_range(found)) {
      auto name = dyn_cast_or_null<StringAttr>(propertyOf(op, "sym_name"));
      if (!name || !name.getValue().ends_with("$async"))
        continue;
      StringRef base = name.getValue().drop_back(strlen("$async"));
      auto wrapper = byName.find(base);
      if (wrapper == byName.end())
        continue;
      llvm::erase(found, wrapper->second);
      wrapper->second->erase();
      setProperty(op, "sym_name", StringAttr::get(op->getContext(), base));
    }
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
