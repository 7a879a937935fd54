// A fuzzer finding in Debian's MLIR 22.1.8, not in this project: linalg.transpose's
// parser keeps a null attribute after a malformed `permutation` and segfaults (so does
// Debian's mlir-opt-22). attn-opt registers linalg for attn-raise-linalg and inherits
// the crash. Expected to fail until upstream is fixed; an XPASS means it was.
// XFAIL: *
// Under ASan the SEGV becomes exit status 1 after the diagnostic, which `not` accepts:
// the test cannot see the crash there.
// UNSUPPORTED: sanitize
// RUN: not attn-opt %s 2>&1 | FileCheck %s
// CHECK: custom op 'linalg.transpose' expected integer value
func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %t = linalg.transpose ins(%a : tensor<2x3xf32>) outs(%b : tensor<3x2xf32>) permutation = [1, %x]
  return %t : tensor<3x2xf32>
}
