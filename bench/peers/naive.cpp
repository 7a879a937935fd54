// Naive C++ peer: the textbook three-pass loop per query row, no tiling and no
// hand-written vectors (only what -O3 -march=native auto-vectorizes).
//   for each (head h, row i), in parallel with OpenMP (collapse(2), static schedule):
//     s[j] = (q_i . k_j) / sqrt(D)      j < N (causal: j <= i)   into a length-N buffer
//     p[j] = exp(s[j] - max s); sum     (softmax, normalized at the end)
//     o_i  = sum_j p[j] v_j / sum
// GQA: kv head = h / (H / G). Each thread owns one length-N score buffer.
// Threads: omp_set_num_threads(T) (LLVM libomp with clang++ -fopenmp, or libgomp with g++).
#include "common.hpp"

#include <omp.h>

int main(int argc, char **argv) {
  peer::Args a = peer::parse(argc, argv);
  omp_set_num_threads(a.threads);
  peer::Inputs in = peer::make_inputs(a);
  const int H = a.heads, N = a.n, D = a.d, grp = a.group();
  const bool causal = a.causal;
  const float scale = 1.0f / std::sqrt((float)D);
  std::vector<float> out((size_t)H * N * D);
  std::vector<std::vector<float>> scratch(a.threads, std::vector<float>(N));
  const float *Q = in.q.data(), *K = in.k.data(), *V = in.v.data();
  float *O = out.data();

  auto run = [&] {
#pragma omp parallel for collapse(2) schedule(static)
    for (int h = 0; h < H; ++h) {
      for (int i = 0; i < N; ++i) {
        float *s = scratch[omp_get_thread_num()].data();
        const float *q = Q + ((size_t)h * N + i) * D;
        const float *k = K + (size_t)(h / grp) * N * D;
        const float *v = V + (size_t)(h / grp) * N * D;
        float *o = O + ((size_t)h * N + i) * D;
        const int len = causal ? i + 1 : N;
        float m = -INFINITY;
        for (int j = 0; j < len; ++j) {
          float acc = 0.f;
          for (int c = 0; c < D; ++c) acc += q[c] * k[(size_t)j * D + c];
          s[j] = acc * scale;
          m = std::max(m, s[j]);
        }
        float sum = 0.f;
        for (int j = 0; j < len; ++j) {
          s[j] = std::exp(s[j] - m);
          sum += s[j];
        }
        for (int c = 0; c < D; ++c) o[c] = 0.f;
        for (int j = 0; j < len; ++j) {
          const float p = s[j];
          for (int c = 0; c < D; ++c) o[c] += p * v[(size_t)j * D + c];
        }
        const float inv = 1.f / sum;
        for (int c = 0; c < D; ++c) o[c] *= inv;
      }
    }
  };

  peer::Timing t = peer::time_it(a.reps, run);
  std::string extra = ",\"omp_max_threads\":" + std::to_string(omp_get_max_threads());
  bool ok = true;
  if (a.check) extra += peer::check_json(peer::check_error(a, in, out), 1e-4, ok);
  peer::print_json("naive", a, t, extra);
  return ok ? 0 : 1;
}
