// The AMX kernel through the whole CPU pipeline to x86 assembly for Sapphire Rapids:
// the tiles are configured once per function (ldtilecfg) and every product is a
// tdpbf16ps; the pair-product kernel (host targets with AVX512-BF16) is vdpbf16ps.
// RUN: attn-opt %s --attn-to-cpu="target=amx" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=sapphirerapids | FileCheck %s --check-prefix=AMX
// RUN: attn-opt %s --attn-to-cpu="target=avx512bf16" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=sapphirerapids | FileCheck %s --check-prefix=PAIRS

// AMX-LABEL: bf16_causal
// AMX: ldtilecfg
// AMX-COUNT-4: tilezero
// AMX: tdpbf16ps
// AMX: tilestored
// AMX: tilerelease
// PAIRS-LABEL: bf16_causal
// PAIRS-NOT: tdpbf16ps
// PAIRS: vdpbf16ps
func.func @bf16_causal(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16> {
  %o = attn.attention mask #attn.mask<causal> ins(%q, %k, %v : tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16>
  return %o : tensor<1x8x?x64xbf16>
}
