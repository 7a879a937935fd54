// Shared bits of the C++ peers: command line, inputs, fp64 reference, timing, JSON.
//   --heads H --kv-heads G --n N --d D [--causal] --threads T --reps R [--check] [--seed S]
// Inputs are random normal fp32 in [1, H, N, D] (q) and [1, G, N, D] (k, v) layout,
// contiguous; query head h reads kv head h / (H / G). Softmax scale is 1/sqrt(D).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace peer {

struct Args {
  int heads = 8, kv_heads = -1, n = 1024, d = 64, threads = 1, reps = 10;
  bool causal = false, check = false;
  bool bf16 = false; // peers that support it: bf16 inputs (the draws rounded)
  unsigned seed = 42;
  int group() const { return heads / kv_heads; }
};

[[noreturn]] inline void usage(const char *prog) {
  std::fprintf(stderr,
               "usage: %s --heads H --kv-heads G --n N --d D [--causal] --threads T "
               "--reps R [--check] [--seed S] [--bf16]\n",
               prog);
  std::exit(2);
}

inline Args parse(int argc, char **argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> int {
      if (i + 1 >= argc) usage(argv[0]);
      return std::atoi(argv[++i]);
    };
    if (s == "--heads") a.heads = next();
    else if (s == "--kv-heads") a.kv_heads = next();
    else if (s == "--n") a.n = next();
    else if (s == "--d") a.d = next();
    else if (s == "--threads") a.threads = next();
    else if (s == "--reps") a.reps = next();
    else if (s == "--seed") a.seed = (unsigned)next();
    else if (s == "--causal") a.causal = true;
    else if (s == "--check") a.check = true;
    else if (s == "--bf16") a.bf16 = true;
    else usage(argv[0]);
  }
  if (a.kv_heads < 0) a.kv_heads = a.heads;
  if (a.heads <= 0 || a.kv_heads <= 0 || a.heads % a.kv_heads || a.n <= 0 || a.d <= 0 ||
      a.threads <= 0 || a.reps <= 0) {
    std::fprintf(stderr, "bad arguments (H must be a multiple of G, all sizes > 0)\n");
    std::exit(2);
  }
  return a;
}

struct Inputs {
  std::vector<float> q, k, v; // [H,N,D], [G,N,D], [G,N,D]
};

inline Inputs make_inputs(const Args &a) {
  std::mt19937 gen(a.seed);
  std::normal_distribution<float> dist(0.f, 1.f);
  Inputs in;
  auto fill = [&](std::vector<float> &t, size_t count) {
    t.resize(count);
    for (auto &x : t) x = dist(gen);
  };
  fill(in.q, (size_t)a.heads * a.n * a.d);
  fill(in.k, (size_t)a.kv_heads * a.n * a.d);
  fill(in.v, (size_t)a.kv_heads * a.n * a.d);
  return in;
}

// fp64 reference; returns max |out - ref| / max |ref| (a relative error that does not
// blow up on outputs near zero).
inline double check_error(const Args &a, const Inputs &in, const std::vector<float> &out) {
  const int N = a.n, D = a.d;
  const double scale = 1.0 / std::sqrt((double)D);
  std::vector<double> s(N);
  double max_err = 0, max_ref = 0;
  for (int h = 0; h < a.heads; ++h) {
    const float *q = &in.q[(size_t)h * N * D];
    const float *k = &in.k[(size_t)(h / a.group()) * N * D];
    const float *v = &in.v[(size_t)(h / a.group()) * N * D];
    for (int i = 0; i < N; ++i) {
      int len = a.causal ? i + 1 : N;
      double m = -INFINITY;
      for (int j = 0; j < len; ++j) {
        double acc = 0;
        for (int c = 0; c < D; ++c) acc += (double)q[(size_t)i * D + c] * k[(size_t)j * D + c];
        s[j] = acc * scale;
        m = std::max(m, s[j]);
      }
      double sum = 0;
      for (int j = 0; j < len; ++j) sum += (s[j] = std::exp(s[j] - m));
      for (int c = 0; c < D; ++c) {
        double acc = 0;
        for (int j = 0; j < len; ++j) acc += s[j] * v[(size_t)j * D + c];
        double ref = acc / sum;
        double got = out[((size_t)h * N + i) * D + c];
        max_ref = std::max(max_ref, std::fabs(ref));
        max_err = std::max(max_err, std::isfinite(got) ? std::fabs(got - ref) : INFINITY);
      }
    }
  }
  return max_ref > 0 ? max_err / max_ref : max_err;
}

struct Timing {
  double median_ms, min_ms;
};

// Two warm-up runs, then `reps` timed runs; median and min in milliseconds.
inline Timing time_it(int reps, const std::function<void()> &fn) {
  fn();
  fn();
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  size_t m = ms.size();
  double med = m % 2 ? ms[m / 2] : 0.5 * (ms[m / 2 - 1] + ms[m / 2]);
  return {med, ms.front()};
}

// One JSON line. `extra` is inserted verbatim (e.g. ",\"mask\":\"...\"").
inline void print_json(const char *name, const Args &a, const Timing &t,
                       const std::string &extra = "") {
  std::printf("{\"peer\":\"%s\",\"median_ms\":%.4f,\"min_ms\":%.4f,\"reps\":%d,"
              "\"heads\":%d,\"kv_heads\":%d,\"n\":%d,\"d\":%d,\"causal\":%s,\"threads\":%d%s}\n",
              name, t.median_ms, t.min_ms, a.reps, a.heads, a.kv_heads, a.n, a.d,
              a.causal ? "true" : "false", a.threads, extra.c_str());
  std::fflush(stdout);
}

// Formats the check result as a JSON fragment; the caller exits non-zero on failure.
inline std::string check_json(double err, double tol, bool &ok) {
  ok = err <= tol;
  char buf[128];
  std::snprintf(buf, sizeof buf, ",\"max_rel_err\":%.3e,\"check\":\"%s\"", err,
                ok ? "pass" : "FAIL");
  return buf;
}

} // namespace peer
