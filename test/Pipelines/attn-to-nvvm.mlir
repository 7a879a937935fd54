// RUN: attn-opt %s --attn-to-nvvm="chip=sm_90a" | FileCheck %s
// RUN: attn-opt %s --attn-to-nvvm="chip=sm_80 format=llvm" | FileCheck %s --check-prefix=LLVM

// The host function keeps the launch; the kernel module becomes a gpu.binary holding
// PTX for the chip.
// CHECK-LABEL: func.func @causal
// CHECK: gpu.alloc
// CHECK: gpu.launch_func @attn_kernels::@attention_0
// CHECK: gpu.binary @attn_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}assembly = "
// CHECK-SAME: .target sm_90a
// CHECK-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// LLVM: gpu.binary @attn_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">, offload = "BC
func.func @causal(%q: tensor<1x8x?x64xf16>, %k: tensor<1x2x?x64xf16>, %v: tensor<1x2x?x64xf16>) -> tensor<1x8x?x64xf16> {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>) -> tensor<1x8x?x64xf16>
  return %o : tensor<1x8x?x64xf16>
}
