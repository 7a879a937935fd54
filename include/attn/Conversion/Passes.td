#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg"> {
  let summary = "Lower every attn op to linalg.generic on tensors";
  let description = [{
    The generic, always-correct path: each cascade op becomes one `linalg.generic`
    whose indexing maps come from its index notation; masks become a predicate on
    `linalg.index` values. Softmax `attn.attention` becomes query-tile x key-tile
    `scf.for` loops with an online softmax (running max, sum and accumulator; O(N)
    memory), or with `online-softmax=false` the unfused cascade (scores, row max, exp,
    row sum, weighted values); linear attention is the quadratic form. GQA is expressed
    by splitting the query heads into (kv head, group); rows where no key is visible
    are zeros. Vectorised micro-kernels come from other passes. A
    `linalg.softmax` left in the module is decomposed into generics on the way, so
    that attn-to-cpu accepts the linalg other front ends emit.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect", "::mlir::affine::AffineDialect"];
  let options = [
    Option<"onlineSoftmax", "online-softmax", "bool", /*default=*/"true",
           "Lower softmax attn.attention as query x key tile loops with an online "
           "softmax (no N x N buffer) instead of the materialised cascade">,
    Option<"queryTile", "q-tile", "int64_t", /*default=*/"64", "Query rows per tile">,
    Option<"keyTile", "kv-tile", "int64_t", /*default=*/"64", "Keys per tile">
  ];
}

def ConvertAttnToVector : Pass<"convert-attn-to-vector"> {
  let summary = "Lower softmax attn.attention to a register-blocked vector flash kernel";
  let description = [{
    The fast CPU path for softmax attention (FlashAttention's online softmax, FuseMax's
    one-pass cascade). Each `attn.attention` it supports becomes:

    * a prologue packing K per (batch, kv head, kv tile) into K^T tiles of `D x Bc`
      (gathers, scaled on the way),
      so the score micro-kernel broadcasts `Q[i, d]` against a contiguous row of K^T;
    * an `scf.forall` over (batch, query head, query block) - the tasks the CPU
      pipeline runs on threads, largest causal blocks first - each owning a running
      max, a running sum (one vector per row) and an accumulator for its rows;
    * per kv tile and block of `rows` query rows, a `rows x Bc` register block of
      scores (`vector.fma` over d), scale and soft-cap, the mask on partial tiles
      only (tiles the mask hides are skipped, full ones skip the element checks, both
      decided by the mask's tile classification), base-2 exponentials from a
      polynomial, and the `rows x E` update of the accumulator from the probabilities
      and V;
    * the division by the running sum at the end (rows with no visible key are 0).

    Tile sizes come from a small target model (see `docs/conventions.md`): with `L`
    fp32 lanes and `R` vector registers, the micro-kernel keeps `rows x C` score
    vectors, `C` rows of K^T and one broadcast live, `rows * C + C + 1 <= R`, and
    picks the power-of-two `C` with the most FMAs per load (`rows*C / (rows+C)`):
    6 x 64 on AVX-512, 6 x 16 on AVX2. `Bc = C * L`; query blocks of about 192 rows
    keep the K/V tiles in cache across a block. Every option overrides the model.

    Decode form: a static query length of at most `decode-rows` (and a static head
    dim, a multiple of the lane count) takes the decoding kernel: one task per
    (batch, kv head, part of the keys) over all its query heads' rows, q.k from K's
    rows (no K^T pack, K and V read once), the parts' partial states merged in order
    (`kv-parts`, or enough parts for the threads).

    Low precision: bf16 q/k/v (head dims multiples of 32) on a target with AVX512-BF16
    take the prefill kernel with both products as `x86vector.avx512.dot` (vdpbf16ps)
    pair products (K^T and V packed once per kv head as bf16 pairs, P rounded to bf16).
    With `target=amx` (head dims up to 256) they take the AMX kernel instead: Q K^T
    and P V as `amx.tile_mulf` products on the same packs, the online softmax in f32
    on AVX-512 between them. Both take masks, score_mod regions, soft-cap, pointwise
    normalisers, GQA and the log-sum-exp as in f32. Other
    bf16 / f16 attentions the f32 kernels take run on them with q/k/v widened to f32
    first (f32 accumulation either way; the result in the op's type).

    Supported: f32 q/k/v, a static value head dim that is a multiple of the lane
    count, any scale, soft-cap, static mask and GQA ratio (also dynamic). Others are
    left for `convert-attn-to-linalg`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect", "::mlir::math::MathDialect",
                           "::mlir::x86vector::X86VectorDialect", "::mlir::amx::AMXDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "Vector target for the tile model: host (this CPU's vector features; not "
           "AMX), amx (AVX-512, AVX512-BF16 and AMX), avx512bf16, avx512, avx2">,
    Option<"rows", "rows", "int64_t", /*default=*/"0",
           "Query rows per micro-kernel (0: from the target model)">,
    Option<"keyTile", "kv-tile", "int64_t", /*default=*/"0",
           "Keys per tile, a multiple of the lane count (0: from the target model)">,
    Option<"queryBlock", "q-block", "int64_t", /*default=*/"0",
           "Query rows per task (0: from the target model)">,
    Option<"linearParts", "linear-parts", "int64_t", /*default=*/"0",
           "Parts each linear-attention sequence is split into across tasks (0: enough "
           "for this machine's threads when there are fewer (batch, head) units)">,
    Option<"kvParts", "kv-parts", "int64_t", /*default=*/"0",
           "Decode form: parts the keys of each (batch, kv head) are split into across "
           "tasks (0: enough for this machine's threads when there are fewer units)">,
    Option<"decodeRows", "decode-rows", "int64_t", /*default=*/"16",
           "Largest static query length (rows per head) that takes the decode form "
           "(0: never)">,
    Option<"amxKeyTile", "amx-kv-tile", "int64_t", /*default=*/"0",
           "AMX kernel: keys per kv tile, a multiple of 32 (0: the target model's 128)">,
    Option<"amxQueryBlock", "amx-q-block", "int64_t", /*default=*/"0",
           "AMX kernel: query rows per task, a multiple of 32 (0: the target model's 128)">
  ];
}

def AttnEmulateAMX : Pass<"attn-emulate-amx"> {
  let summary = "Replace AMX tile operations by AVX512-BF16 vector code (testing)";
  let description = [{
    Lets the AMX kernel run, and be checked, on a CPU without AMX: every `!amx.tile`
    becomes a 2-D vector of its shape, `amx.tile_zero` a zero constant,
    `amx.tile_load` / `amx.tile_store` one row load / store per tile row (with the
    buffer's row stride, as the instructions), and `amx.tile_mulf` (bf16 x bf16 + f32)
    the definition of `tdpbf16ps`: per row of A and pair row k of B, the pair
    (A[i, 2k], A[i, 2k + 1]) broadcast against row k of B in a `vdpbf16ps`. Code size
    grows by 256 pair products per tile product: for tests, not for speed. Tile ops of
    other types (f16, integers) are an error at their location.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::vector::VectorDialect",
                           "::mlir::x86vector::X86VectorDialect"];
}

def ConvertAttnToGPU : Pass<"convert-attn-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower attn.attention to a tensor-core flash kernel (gpu / nvgpu dialects)";
  let description = [{
    Every softmax `attn.attention` (f16, bf16, or f32 converted to f16 on load; head
    dim a multiple of 16 up to 128; static masks incl. per-head ones, run-time document
    ids and block layouts, soft-cap, GQA)
    becomes a `gpu.launch_func` of a FlashAttention-2 kernel in the `gpu.module`
    `@attn_kernels`: one thread block of `warps` warps per (query tile of 16 x warps
    rows, head, batch); K/V tiles of `kv-tile` keys staged in shared memory, for f16
    inputs double-buffered with asynchronous copies (the next tile's `cp.async` in
    flight while the current one computes);
    `nvgpu.ldmatrix` + `nvgpu.mma.sync` m16n8k16 for Q K^T and P V with f32
    accumulators; the online softmax in registers (quad shuffles); tiles classified
    by the mask with the CPU kernels' `classifyTile` (empty skipped, partial masked per
    element). The result is allocated with `gpu.alloc`: the function's tensors are
    expected in device memory. Anything else is an error at its location.
  }];
  let options = [
    Option<"warps", "warps", "int64_t", /*default=*/"4", "Warps per block (16 query rows each)">,
    Option<"keyTile", "kv-tile", "int64_t", /*default=*/"64", "Keys per shared-memory tile">,
    Option<"asyncCopy", "async-copy", "bool", /*default=*/"true",
           "Double-buffer K/V tiles with cp.async (nvgpu.device_async_copy) for f16 inputs; "
           "the kv tile shrinks until two buffers fit in 48 KB">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"];
}

def AttnPrintTileClassification : Pass<"attn-print-tile-classification"> {
  let summary = "Report how a mask classifies the (query tile, key tile) pairs of a shape";
  let description = [{
    For every `attn.attention` and `attn.mask` with a mask, emits a remark with the
    counts of empty, full and partial tiles for sequence lengths `q-len` x `kv-len`
    cut into `q-tile` x `kv-tile` tiles, and the fraction a kernel visits (full +
    partial): FlexAttention's BlockMask, computed by the compiler. The decisions are
    the ones the kernels make: the same `classifyTile` code, built for each tile and
    constant-folded. Empty tiles are exact (never visited, never needed); full and
    partial may err towards partial, never the other way.

    ```
    remark: tiles of 64x64 for Nq=4096 Nk=4096: 4096 tiles, 2016 empty, 2016 full, 64 partial; visited 2080 (50.8%)
    ```
  }];
  let options = [
    Option<"queryLength", "q-len", "int64_t", /*default=*/"0", "Query sequence length Nq">,
    Option<"keyLength", "kv-len", "int64_t", /*default=*/"0",
           "Key sequence length Nk (0: same as q-len)">,
    Option<"queryTile", "q-tile", "int64_t", /*default=*/"64", "Query rows per tile">,
    Option<"keyTile", "kv-tile", "int64_t", /*default=*/"64", "Keys per tile">
  ];
}

def AttnBalanceParallelLoops : Pass<"attn-balance-parallel-loops"> {
  let summary = "Give OpenMP worksharing loops a dynamic schedule";
  let description = [{
    Query tiles of masked attention cost unequal work (under a causal mask the last
    tile sees every key, the first almost none), so the contiguous chunks of OpenMP's
    default static schedule leave threads idle. Every `omp.wsloop` without an explicit
    schedule gets `schedule(dynamic)`: tiles are large enough that the dispatch cost
    does not matter.
  }];
  let dependentDialects = ["::mlir::omp::OpenMPDialect"];
}

#endif // ATTN_CONVERSION_PASSES_TD
