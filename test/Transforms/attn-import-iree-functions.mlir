// RUN: attn-opt %s --allow-unregistered-dialect -split-input-file --attn-import-iree-functions | FileCheck %s

// IREE's ABI phase (`iree-compile --compile-to=abi --mlir-print-op-generic`): buffer
// views at the boundary become the tensors they import and export.
// CHECK-LABEL: func.func @abi(%arg0: tensor<2x8x16xf32>, %arg1: tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
// CHECK-NOT: hal.tensor
// CHECK: %[[S:.+]] = "some.op"(%arg0, %arg1)
// CHECK: return %[[S]] : tensor<2x8x16xf32>
"builtin.module"() ({
  "util.func"() <{function_type = (!hal.buffer_view, !hal.buffer_view) -> !hal.buffer_view, sym_name = "abi"}> ({
  ^bb0(%arg0: !hal.buffer_view, %arg1: !hal.buffer_view):
    %0 = "hal.tensor.import"(%arg0) <{name = "input0", operandSegmentSizes = array<i32: 1, 0, 0, 0>, target_encoding = tensor<2x8x16xf32>}> : (!hal.buffer_view) -> tensor<2x8x16xf32>
    %1 = "hal.tensor.import"(%arg1) <{name = "input1", operandSegmentSizes = array<i32: 1, 0, 0, 0>, target_encoding = tensor<2x8x16xf32>}> : (!hal.buffer_view) -> tensor<2x8x16xf32>
    %2 = "some.op"(%0, %1) : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
    %3 = "hal.tensor.export"(%2) <{name = "output0", source_encoding = tensor<2x8x16xf32>}> : (tensor<2x8x16xf32>) -> !hal.buffer_view
    "util.return"(%3) : (!hal.buffer_view) -> ()
  }) {iree.abi.stub} : () -> ()
}) : () -> ()

// -----

// The input phase (`--compile-to=input`): util.func over tensors, private helpers kept
// private.
// CHECK-LABEL: func.func @input(%arg0: tensor<4xf32>) -> tensor<4xf32>
// CHECK: return %arg0 : tensor<4xf32>
// CHECK-LABEL: func.func private @helper(%arg0: tensor<4xf32>) -> tensor<4xf32>
"builtin.module"() ({
  "util.func"() <{function_type = (tensor<4xf32>) -> tensor<4xf32>, sym_name = "input"}> ({
  ^bb0(%arg0: tensor<4xf32>):
    "util.return"(%arg0) : (tensor<4xf32>) -> ()
  }) : () -> ()
  "util.func"() <{function_type = (tensor<4xf32>) -> tensor<4xf32>, sym_name = "helper", sym_visibility = "private"}> ({
  ^bb0(%arg0: tensor<4xf32>):
    "util.return"(%arg0) : (tensor<4xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// The async ABI (what IREE's torch input gives): `f` waits on `f$async` through fences;
// `f$async` takes the name `f`, the wrapper is dropped, fences and barriers disappear.
// CHECK-LABEL: func.func @main(%arg0: tensor<8xf32>) -> tensor<8xf32>
// CHECK-NEXT: %[[X:.+]] = "some.op"(%arg0)
// CHECK-NEXT: return %[[X]] : tensor<8xf32>
// CHECK-NOT: func.func
"builtin.module"() ({
  "util.func"() <{function_type = (!hal.buffer_view, !hal.fence, !hal.fence) -> !hal.buffer_view, sym_name = "main$async"}> ({
  ^bb0(%arg0: !hal.buffer_view, %wait: !hal.fence, %signal: !hal.fence):
    %0 = "hal.tensor.import"(%arg0, %wait) <{operandSegmentSizes = array<i32: 1, 0, 1, 0>, target_encoding = tensor<8xf32>}> : (!hal.buffer_view, !hal.fence) -> tensor<8xf32>
    %1 = "some.op"(%0) : (tensor<8xf32>) -> tensor<8xf32>
    %2 = "hal.tensor.barrier"(%1, %signal) : (tensor<8xf32>, !hal.fence) -> tensor<8xf32>
    %3 = "hal.tensor.export"(%2) <{source_encoding = tensor<8xf32>}> : (tensor<8xf32>) -> !hal.buffer_view
    "util.return"(%3) : (!hal.buffer_view) -> ()
  }) : () -> ()
  "util.func"() <{function_type = (!hal.buffer_view) -> !hal.buffer_view, sym_name = "main"}> ({
  ^bb0(%arg0: !hal.buffer_view):
    %0 = "util.null"() : () -> !hal.fence
    %1 = "hal.fence.create"() : () -> !hal.fence
    %2 = "util.call"(%arg0, %0, %1) <{callee = @main$async}> : (!hal.buffer_view, !hal.fence, !hal.fence) -> !hal.buffer_view
    "util.return"(%2) : (!hal.buffer_view) -> ()
  }) : () -> ()
}) : () -> ()
