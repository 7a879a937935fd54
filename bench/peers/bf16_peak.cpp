// bf16 product peaks of this CPU, per thread count, best of 3 runs of about --seconds:
//   vdpbf16ps (AVX512-BF16): 16 independent chains acc = dpbf16(acc, a, b) on 512-bit
//     vectors; each is 32 multiply-adds: 64 FLOP.
//   tdpbf16ps (AMX-BF16): per thread 4 C tiles (16 x 16 f32) accumulating A (16 x 32
//     bf16) x B (16 x 32 bf16, pair-interleaved) products from 2 A and 2 B tiles kept in
//     registers, the 2 x 2 block the AMX kernel uses; each is 16 x 16 x 32 multiply-adds:
//     16384 FLOP. Run only where the CPU has AMX and the OS grants the tile state
//     (arch_prctl(ARCH_REQ_XCOMP_PERM)); else "amx_gflops": null with the reason.
//   bf16_peak [--threads T] [--seconds S]
// Prints {"peer":"bf16_peak","threads":T,"dpbf16_gflops":...,"amx_gflops":...|null,...}.
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cpuid.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#define ACC16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

__attribute__((target("avx512f,avx512bf16"), noinline)) static float dotChains(long iters) {
#define DECL(i) __m512 c##i = _mm512_set1_ps(0.001f * i);
  ACC16(DECL)
#undef DECL
  __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80), b = (__m512bh)_mm512_set1_epi16(0x3400);
  for (long it = 0; it < iters; ++it) {
#define STEP(i) c##i = _mm512_dpbf16_ps(c##i, a, b);
    ACC16(STEP)
#undef STEP
    asm volatile("" : "+v"(a), "+v"(b));
  }
  __m512 s = _mm512_setzero_ps();
#define SUM(i) s = _mm512_add_ps(s, c##i);
  ACC16(SUM)
#undef SUM
  return _mm512_reduce_add_ps(s);
}

struct alignas(64) TileConfig {
  uint8_t palette = 1, start = 0, reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

__attribute__((target("amx-tile,amx-bf16"), noinline)) static float tileChains(long iters) {
  TileConfig cfg;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
  alignas(64) static thread_local uint16_t in[16 * 32];
  alignas(64) static thread_local float out[16 * 16];
  for (auto &x : in) x = 0x3c00; // bf16 1/128
  _tile_zero(0); // C tiles 0..3
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, in, 64);
  _tile_loadd(5, in, 64);
  _tile_loadd(6, in, 64);
  _tile_loadd(7, in, 64);
  for (long it = 0; it < iters; ++it) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, out, 64);
  _tile_release();
  return out[0];
}

static bool hasCpuFeatures(bool amx) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return false;
  if (amx)
    return (d >> 22) & (d >> 24) & 1; // AMX-BF16, AMX-TILE
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d))
    return false;
  return (a >> 5) & 1; // AVX512-BF16
}

/// GFLOP/s of `threads` threads running `body(iters)` for about `seconds`; best of 3.
template <typename Body>
static double measure(int threads, double seconds, double flopsPerIter, Body body) {
  long iters = 1000;
  for (;;) { // calibrate on one thread
    auto t0 = std::chrono::steady_clock::now();
    body(iters);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > seconds / 4) {
      iters = long(iters * seconds / s);
      break;
    }
    iters *= 4;
  }
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    std::vector<std::thread> pool;
    auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        volatile float sink = body(iters);
        (void)sink;
      });
    for (auto &th : pool) th.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, threads * iters * flopsPerIter / s / 1e9);
  }
  return best;
}

int main(int argc, char **argv) {
  int threads = 1;
  double seconds = 0.3;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (s == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--threads T] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  std::string dot = "null", amx = "null", why;
  if (hasCpuFeatures(false))
    dot = std::to_string(measure(threads, seconds, 16.0 * 64, dotChains));
  if (!hasCpuFeatures(true)) {
    why = "this CPU has no AMX-BF16";
  } else if (syscall(SYS_arch_prctl, 0x1023 /*ARCH_REQ_XCOMP_PERM*/, 18 /*XTILEDATA*/) != 0) {
    why = std::string("the OS refused the AMX tile state: ") + std::strerror(errno);
  } else {
    amx = std::to_string(measure(threads, seconds, 4.0 * 16 * 16 * 32 * 2, tileChains));
  }
  std::printf("{\"peer\":\"bf16_peak\",\"threads\":%d,\"dpbf16_gflops\":%s,\"amx_gflops\":%s",
              threads, dot.c_str(), amx.c_str());
  if (!why.empty()) std::printf(",\"amx_unavailable\":\"%s\"", why.c_str());
  std::printf("}\n");
  return 0;
}
