// fp32 FMA peak: each thread runs ACC independent FMA chains (acc = acc * m + a) on
// 512-bit vectors (AVX-512F; 256-bit AVX2+FMA when the compiler target lacks AVX-512),
// enough iterations for about --seconds (default 0.3 s) per run; best of 3 runs.
// GFLOP/s = threads * iterations * ACC * lanes * 2 / time.
//   fma_peak [--threads T] [--seconds S]
// Prints {"peer":"fma_peak","gflops":...,"threads":T,"isa":"avx512"|"avx2",...}.
// Threads are std::threads (no OpenMP), started together; time is the wall clock from
// start to the last join.
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
using vec = __m512;
static const char *kIsa = "avx512";
static constexpr int kLanes = 16;
static inline vec vset(float x) { return _mm512_set1_ps(x); }
static inline vec vfma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
static inline vec vadd(vec a, vec b) { return _mm512_add_ps(a, b); }
static inline float vsum(vec a) { return _mm512_reduce_add_ps(a); }
#elif defined(__AVX2__) && defined(__FMA__)
using vec = __m256;
static const char *kIsa = "avx2";
static constexpr int kLanes = 8;
static inline vec vset(float x) { return _mm256_set1_ps(x); }
static inline vec vfma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
static inline vec vadd(vec a, vec b) { return _mm256_add_ps(a, b); }
static inline float vsum(vec a) {
  alignas(32) float t[8];
  _mm256_store_ps(t, a);
  float s = 0;
  for (float x : t) s += x;
  return s;
}
#else
#error "fma_peak needs AVX2+FMA or AVX-512F (compile with -march=native)"
#endif

static constexpr int kAcc = 16; // >= FMA latency (4) x FMA ports (2): enough chains (ACC16)

// Returns a value that depends on every chain so nothing is optimized away. The 16
// accumulators are named variables (not an array) so that every compiler keeps them in
// registers; an empty asm statement touching four of them each iteration keeps the
// compiler from reasoning across iterations.
#define ACC16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
__attribute__((noinline)) static float chains(long iters, float seed) {
#define DECL(i) vec a##i = vset(seed + 0.001f * i);
  ACC16(DECL)
#undef DECL
  // m slightly below 1 and a small addend keep values finite and normal forever.
  const vec m = vset(0.999999f), add = vset(1e-6f);
  for (long it = 0; it < iters; ++it) {
#define STEP(i) a##i = vfma(a##i, m, add);
    ACC16(STEP)
#undef STEP
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3));
  }
  vec s = a0;
#define SUM(i) if (i) s = vadd(s, a##i);
  ACC16(SUM)
#undef SUM
  return vsum(s);
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
  if (threads < 1) threads = 1;

  auto run = [&](long iters, double &secs) {
    std::vector<std::thread> pool;
    std::vector<float> sink(threads);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        ready++;
        while (!go.load(std::memory_order_acquire)) {
        }
        sink[t] = chains(iters, 1.0f + t);
      });
    while (ready.load() < threads) {
    }
    auto t0 = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    for (auto &th : pool) th.join();
    auto t1 = std::chrono::steady_clock::now();
    secs = std::chrono::duration<double>(t1 - t0).count();
    volatile float v = 0;
    for (float x : sink) v = v + x;
    (void)v;
  };

  // Calibrate on one short run, then size the runs to ~`seconds` each.
  long iters = 1 << 20;
  double secs = 0;
  run(iters, secs);
  iters = std::max<long>(1 << 16, (long)(iters * seconds / std::max(secs, 1e-6)));
  double best = 1e30;
  for (int r = 0; r < 3; ++r) {
    run(iters, secs);
    best = std::min(best, secs);
  }
  double flops = (double)threads * iters * kAcc * kLanes * 2.0;
  std::printf("{\"peer\":\"fma_peak\",\"gflops\":%.2f,\"threads\":%d,\"isa\":\"%s\","
              "\"accumulators\":%d,\"iters\":%ld,\"seconds\":%.4f}\n",
              flops / best / 1e9, threads, kIsa, kAcc, iters, best);
  return 0;
}
