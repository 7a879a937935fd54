// RUN: attn-opt %s -split-input-file -verify-diagnostics --attn-emulate-amx | FileCheck %s

// tdpbf16ps by its definition: per row i of A and pair row k of B, the pair
// (A[i, 2k], A[i, 2k + 1]) broadcast against row k of B in a vdpbf16ps; tiles are 2-D
// vectors loaded and stored one row at a time along the buffer's rows.
// CHECK-LABEL: func.func @product
// CHECK-NOT: amx.
// CHECK-COUNT-16: vector.load {{.*}} : memref<16x32xbf16>, vector<32xbf16>
// CHECK: x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// CHECK-COUNT-16: vector.store {{.*}} : memref<?x16xf32>, vector<16xf32>
func.func @product(%a: memref<16x32xbf16>, %b: memref<16x32xbf16>, %c: memref<?x16xf32>, %row: index) {
  %c0 = arith.constant 0 : index
  %x = amx.tile_load %a[%c0, %c0] : memref<16x32xbf16> into !amx.tile<16x32xbf16>
  %y = amx.tile_load %b[%c0, %c0] : memref<16x32xbf16> into !amx.tile<16x32xbf16>
  %z = amx.tile_zero : !amx.tile<16x16xf32>
  %p = amx.tile_mulf %x, %y, %z : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
  amx.tile_store %c[%row, %c0], %p : memref<?x16xf32>, !amx.tile<16x16xf32>
  return
}

// -----

func.func @explicit_stride(%a: memref<512xbf16>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  // expected-error @+1 {{attn-emulate-amx: explicit strides are not emulated}}
  %x = amx.tile_load %a[%c0], %c32 : memref<512xbf16> into !amx.tile<16x32xbf16>
  %y = amx.tile_zero : !amx.tile<16x16xf32>
  %p = amx.tile_mulf %x, %x, %y : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
  return
}

// -----

func.func @f16_product(%a: memref<16x32xf16>, %c: memref<16x16xf32>) {
  %c0 = arith.constant 0 : index
  %x = amx.tile_load %a[%c0, %c0] : memref<16x32xf16> into !amx.tile<16x32xf16>
  %z = amx.tile_zero : !amx.tile<16x16xf32>
  // expected-error @+1 {{attn-emulate-amx: only bf16 x bf16 + f32 products with 16 columns are emulated}}
  %p = amx.tile_mulf %x, %x, %z : !amx.tile<16x32xf16>, !amx.tile<16x32xf16>, !amx.tile<16x16xf32>
  amx.tile_store %c[%c0, %c0], %p : memref<16x16xf32>, !amx.tile<16x16xf32>
  return
}
