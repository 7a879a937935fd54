// Read bandwidth: each thread streams its own buffer (--mib MiB in all, split between
// the threads; default 1024 MiB, far beyond the caches) with 512-bit loads (256-bit
// without AVX-512) summed into 8 independent accumulators, the way a decode kernel
// streams K and V. Best of --runs runs (default 5) after one warm-up pass that also
// faults the pages in. GB/s = bytes read / wall time from start to the last join.
//   read_bandwidth [--threads T] [--mib M] [--runs R]
// Prints {"peer":"read_bandwidth","gbps":...,"threads":T,"bytes":...,"seconds":...}.
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
using vec = __m512;
static constexpr int kLanes = 16;
static inline vec vzero() { return _mm512_setzero_ps(); }
static inline vec vload(const float *p) { return _mm512_load_ps(p); }
static inline vec vadd(vec a, vec b) { return _mm512_add_ps(a, b); }
static inline float vsum(vec a) { return _mm512_reduce_add_ps(a); }
#elif defined(__AVX2__)
using vec = __m256;
static constexpr int kLanes = 8;
static inline vec vzero() { return _mm256_setzero_ps(); }
static inline vec vload(const float *p) { return _mm256_load_ps(p); }
static inline vec vadd(vec a, vec b) { return _mm256_add_ps(a, b); }
static inline float vsum(vec a) {
  alignas(32) float t[8];
  _mm256_store_ps(t, a);
  float s = 0;
  for (float x : t) s += x;
  return s;
}
#else
#error "read_bandwidth needs AVX2 or AVX-512F (compile with -march=native)"
#endif

__attribute__((noinline)) static float stream(const float *p, size_t n) {
  vec a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero(), a4 = vzero(), a5 = vzero(),
      a6 = vzero(), a7 = vzero();
  for (size_t i = 0; i + 8 * kLanes <= n; i += 8 * kLanes) {
    a0 = vadd(a0, vload(p + i));
    a1 = vadd(a1, vload(p + i + kLanes));
    a2 = vadd(a2, vload(p + i + 2 * kLanes));
    a3 = vadd(a3, vload(p + i + 3 * kLanes));
    a4 = vadd(a4, vload(p + i + 4 * kLanes));
    a5 = vadd(a5, vload(p + i + 5 * kLanes));
    a6 = vadd(a6, vload(p + i + 6 * kLanes));
    a7 = vadd(a7, vload(p + i + 7 * kLanes));
  }
  return vsum(vadd(vadd(vadd(a0, a1), vadd(a2, a3)), vadd(vadd(a4, a5), vadd(a6, a7))));
}

int main(int argc, char **argv) {
  int threads = 1, runs = 5;
  long mib = 1024;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (s == "--mib" && i + 1 < argc) mib = std::atol(argv[++i]);
    else if (s == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--threads T] [--mib M] [--runs R]\n", argv[0]);
      return 2;
    }
  }
  threads = std::max(1, threads);
  size_t per = (size_t(std::max(1L, mib)) << 20) / sizeof(float) / threads;
  per -= per % (8 * kLanes);
  std::vector<float *> buffers(threads);
  for (int t = 0; t < threads; ++t) {
    buffers[t] = static_cast<float *>(std::aligned_alloc(64, per * sizeof(float)));
    if (!buffers[t]) {
      std::fprintf(stderr, "read_bandwidth: out of memory\n");
      return 1;
    }
  }
  auto run = [&](double &secs) {
    std::vector<std::thread> pool;
    std::vector<float> sink(threads);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        ready++;
        while (!go.load(std::memory_order_acquire)) {
        }
        sink[t] = stream(buffers[t], per);
      });
    while (ready.load() < threads) {
    }
    auto t0 = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    for (auto &th : pool) th.join();
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    volatile float v = 0;
    for (float x : sink) v = v + x;
    (void)v;
  };
  // Touch every page (each thread its own, first-touch) before timing.
  {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { std::memset(buffers[t], 0, per * sizeof(float)); });
    for (auto &th : pool) th.join();
  }
  double secs = 0, best = 1e30;
  run(secs);
  for (int r = 0; r < std::max(1, runs); ++r) {
    run(secs);
    best = std::min(best, secs);
  }
  double bytes = double(per) * sizeof(float) * threads;
  std::printf("{\"peer\":\"read_bandwidth\",\"gbps\":%.2f,\"threads\":%d,\"bytes\":%.0f,"
              "\"seconds\":%.5f}\n",
              bytes / best / 1e9, threads, bytes, best);
  for (float *p : buffers) std::free(p);
  return 0;
}
