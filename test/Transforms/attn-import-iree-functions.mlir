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
