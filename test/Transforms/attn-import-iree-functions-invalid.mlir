// RUN: attn-opt %s --allow-unregistered-dialect -split-input-file --attn-import-iree-functions -verify-diagnostics

// expected-error @below {{argument #0 of type '!hal.buffer_view' is neither a tensor nor imported by one hal.tensor.import}}
"util.func"() <{function_type = (!hal.buffer_view) -> (), sym_name = "opaque_use"}> ({
^bb0(%arg0: !hal.buffer_view):
  "some.op"(%arg0) : (!hal.buffer_view) -> ()
  "util.return"() : () -> ()
}) : () -> ()

// -----

// expected-error @below {{expected util.func with 'function_type', 'sym_name' and a body}}
"util.func"() <{sym_name = "no_type"}> ({
  "util.return"() : () -> ()
}) : () -> ()

// -----

// expected-error @below {{the body takes 0 arguments, the function type 1}}
"util.func"() <{function_type = (tensor<4xf32>) -> (), sym_name = "arity"}> ({
  "util.return"() : () -> ()
}) : () -> ()

// -----

// expected-error @below {{fence argument #1 has uses other than hal.tensor.import and hal.tensor.barrier}}
"util.func"() <{function_type = (tensor<4xf32>, !hal.fence) -> (), sym_name = "fence_use"}> ({
^bb0(%arg0: tensor<4xf32>, %f: !hal.fence):
  "hal.fence.await"(%f) : (!hal.fence) -> ()
  "util.return"() : () -> ()
}) : () -> ()
