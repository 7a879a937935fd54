// oneDNN peer: unfused attention, one head at a time, three primitives per head.
//   1. matmul   S = (Q_h K_g^T) * (1/sqrt(D))   [N,D] x [D,N] -> [N,N]
//      K^T is a strided view of K (format tag `ba`), no copy. The scale is folded into
//      the matmul as an output scale. Causal: the same matmul carries a binary_add
//      post-op with a precomputed [N,N] mask (0 on and below the diagonal, -inf above),
//      so the mask costs one fused add, not a separate pass.
//   2. softmax  P = softmax(S) over the last axis (in place in f32).
//   3. matmul   O_h = P V_g                      [N,N] x [N,D] -> [N,D]
// --bf16: Q, K, V and P in bf16 (the draws rounded), S and O in f32: the matmuls take
// bf16 operands with f32 accumulation, the softmax writes bf16 P.
// GQA: query head h uses kv head g = h / (H / G). The S/P buffer ([N,N]) is reused by
// every head; the mask is built once outside the timed region.
// Threads: Debian's libdnnl is built with DNNL_CPU_RUNTIME=OMP and links GNU libgomp
// (ldd), so the thread count is set with libgomp's omp_set_num_threads before the first
// primitive runs. This file is not compiled with -fopenmp (that would pull LLVM's libomp
// as a second runtime with clang); it declares the one entry point it needs and links
// -lgomp.
#include "common.hpp"

#include <oneapi/dnnl/dnnl.hpp>

extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads(void);

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

int main(int argc, char **argv) {
  peer::Args a = peer::parse(argc, argv);
  omp_set_num_threads(a.threads);
  peer::Inputs in = peer::make_inputs(a);
  const memory::dim N = a.n, D = a.d;
  const int H = a.heads, grp = a.group();

  engine eng(engine::kind::cpu, 0);
  stream strm(eng);

  const dt in_dt = a.bf16 ? dt::bf16 : dt::f32;
  memory::desc q_md({N, D}, in_dt, tag::ab);
  memory::desc kt_md({D, N}, in_dt, tag::ba); // K [N,D] row-major seen as K^T [D,N]
  memory::desc s_md({N, N}, dt::f32, tag::ab);
  memory::desc p_md({N, N}, in_dt, tag::ab);
  memory::desc v_md({N, D}, in_dt, tag::ab);
  memory::desc o_md({N, D}, dt::f32, tag::ab);
  // bf16: the inputs rounded (the check's reference sees the rounded values), and
  // their bf16 bits.
  auto bits = [](float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    return uint16_t((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
  };
  std::vector<uint16_t> q16, k16, v16;
  if (a.bf16)
    for (auto [f, h] : {std::pair{&in.q, &q16}, {&in.k, &k16}, {&in.v, &v16}})
      for (float &x : *f) {
        h->push_back(bits(x));
        uint32_t u = uint32_t(h->back()) << 16;
        std::memcpy(&x, &u, 4);
      }
  auto data = [&](std::vector<float> &f, std::vector<uint16_t> &h, size_t at) -> void * {
    return a.bf16 ? (void *)&h[at] : (void *)&f[at];
  };

  primitive_attr qk_attr;
  qk_attr.set_output_scales(0, {1.0f / std::sqrt((float)D)});
  std::vector<float> mask;
  if (a.causal) {
    mask.assign((size_t)N * N, 0.f);
    for (memory::dim i = 0; i < N; ++i)
      for (memory::dim j = i + 1; j < N; ++j) mask[(size_t)i * N + j] = -INFINITY;
    post_ops po;
    po.append_binary(algorithm::binary_add, s_md);
    qk_attr.set_post_ops(po);
  }
  matmul::primitive_desc qk_pd(matmul::desc(q_md, kt_md, s_md), qk_attr, eng);
  softmax_v2_forward::primitive_desc sm_pd(
      softmax_v2_forward::desc(prop_kind::forward_inference, algorithm::softmax_accurate, s_md,
                               p_md, 1),
      eng);
  matmul::primitive_desc pv_pd(matmul::desc(p_md, v_md, o_md), eng);
  matmul qk(qk_pd);
  softmax_v2_forward sm(sm_pd);
  matmul pv(pv_pd);

  std::vector<float> s((size_t)N * N), out((size_t)H * N * D);
  std::vector<uint16_t> p16(a.bf16 ? (size_t)N * N : 0);
  memory s_mem(s_md, eng, s.data());
  memory p_mem = a.bf16 ? memory(p_md, eng, p16.data()) : s_mem;
  memory mask_mem(s_md, eng, a.causal ? mask.data() : nullptr);
  // One set of memory objects per head, built outside the timed region.
  std::vector<memory> qm, km, vm, om;
  for (int h = 0; h < H; ++h) {
    int g = h / grp;
    qm.emplace_back(q_md, eng, data(in.q, q16, (size_t)h * N * D));
    km.emplace_back(kt_md, eng, data(in.k, k16, (size_t)g * N * D));
    vm.emplace_back(v_md, eng, data(in.v, v16, (size_t)g * N * D));
    om.emplace_back(o_md, eng, &out[(size_t)h * N * D]);
  }

  auto run = [&] {
    for (int h = 0; h < H; ++h) {
      std::unordered_map<int, memory> qk_args{
          {DNNL_ARG_SRC, qm[h]}, {DNNL_ARG_WEIGHTS, km[h]}, {DNNL_ARG_DST, s_mem}};
      if (a.causal) qk_args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = mask_mem;
      qk.execute(strm, qk_args);
      sm.execute(strm, {{DNNL_ARG_SRC, s_mem}, {DNNL_ARG_DST, p_mem}});
      pv.execute(strm, {{DNNL_ARG_SRC, p_mem}, {DNNL_ARG_WEIGHTS, vm[h]}, {DNNL_ARG_DST, om[h]}});
    }
    strm.wait();
  };

  peer::Timing t = peer::time_it(a.reps, run);
  std::string extra = std::string(",\"mask\":\"") +
                      (a.causal ? "binary_add post-op on QK^T matmul, [N,N] 0/-inf" : "none") +
                      "\",\"omp_max_threads\":" + std::to_string(omp_get_max_threads()) +
                      ",\"impl\":\"" + qk_pd.impl_info_str() + "|" + sm_pd.impl_info_str() +
                      "|" + pv_pd.impl_info_str() + "\"";
  bool ok = true;
  extra += std::string(",\"dtype\":\"") + (a.bf16 ? "bf16" : "f32") + "\"";
  if (a.check)
    extra += peer::check_json(peer::check_error(a, in, out), a.bf16 ? 1e-2 : 1e-4, ok);
  peer::print_json("onednn_unfused", a, t, extra);
  return ok ? 0 : 1;
}
