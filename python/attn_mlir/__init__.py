"""attn-mlir from Python: compile an attention variant once per operand signature and
call it on NumPy arrays or torch CPU tensors, in place, without copies.

    import attn_mlir
    o = attn_mlir.attention(q, k, v, mask="causal")                 # one call
    sliding = attn_mlir.Variant(mask="and(causal, window(256, 0))")  # or a reusable variant
    o = sliding(q, k, v, out=o)                                      # writes into o
    prog = attn_mlir.load(open("examples/mha.mlir").read())          # any attn program
    (o,) = prog(q, k, v)

Compiler errors (bad mask text, a score_mod region that does not verify, operands
that do not fit) raise `CompileError` or `ValueError` with MLIR's located
diagnostics. The PyTorch integration (custom op, SDPA drop-in) is in
`attn_mlir.torch_ops`; docs/python.md has the whole story.
"""

import os
import threading

from . import _arrays
from ._fastpath import FastCalls, signature
from ._native import CompileError, check_options
from ._native import compile as _compile
from ._variant import Spec

__all__ = ["CompileError", "Variant", "Program", "attention", "load", "set_num_threads",
           "get_num_threads", "cache_info", "clear_cache", "set_cache_dir"]

_threads = 0  # 0: libomp's own choice (OMP_NUM_THREADS, else every core)
_lock = threading.Lock()
_stats = {"compiles": 0, "hits": 0, "disk_hits": 0, "compile_seconds": 0.0}
# Machine code kept across processes (set_cache_dir); off unless asked for.
_cache_dir = os.environ.get("ATTN_MLIR_CACHE_DIR", "")


def set_cache_dir(path):
    """Keeps compiled kernels as object files in `path` and loads them in later
    processes instead of compiling (None: no disk cache, the default unless
    ATTN_MLIR_CACHE_DIR is set). Entries are keyed by the function's text, options,
    the host CPU and the compiler binary, so a stale one is never loaded."""
    global _cache_dir
    _cache_dir = "" if path is None else os.fspath(path)


def _compile_counted(text, source, entry, options):
    kernel = _compile(text, source, entry, options, _cache_dir)
    _stats["compiles"] += 1
    _stats["disk_hits"] += int(kernel.from_cache)
    _stats["compile_seconds"] += kernel.compile_seconds
    return kernel


def set_num_threads(n):
    """Threads of the kernels' parallel loops in later calls (0: OpenMP's default)."""
    global _threads
    if not isinstance(n, int) or n < 0:
        raise ValueError("set_num_threads takes a count >= 0")
    _threads = n


def get_num_threads():
    return _threads


def cache_info():
    """Kernels made (compiles, of which disk_hits were loaded from set_cache_dir's
    directory), calls served by a kept kernel (hits), seconds spent making kernels."""
    return dict(_stats)


def _options_text(options):
    """attn-to-cpu options from a dict ({"target": "avx2", "kv-tile": 64}) or text."""
    if options is None:
        return ""
    if isinstance(options, str):
        text = options
    else:
        parts = []
        for key, value in sorted(options.items()):
            if isinstance(value, bool):
                value = "true" if value else "false"
            parts.append(f"{key.replace('_', '-')}={value}")
        text = " ".join(parts)
    check_options(text)
    return text


class _Compiled:
    """A kernel and what a call needs beyond it: result types, shapes per signature."""

    __slots__ = ("kernel", "result_types", "shapes")

    def __init__(self, kernel):
        self.kernel = kernel
        self.result_types = [t for t, _ in kernel.results]
        self.shapes = {}

    def result_shapes(self, arg_shapes):
        """Result shapes for these argument shapes, checked once per signature (the
        shape pass validates what the kernels trust)."""
        known = self.shapes.get(arg_shapes)
        if known is None:
            known = [tuple(s) for s in self.kernel.result_shapes(list(arg_shapes))]
            if len(self.shapes) > 4096:
                self.shapes.clear()
            self.shapes[arg_shapes] = known
        return known

    def __call__(self, args, outs, threads):
        kernel = self.kernel
        arg_shapes = tuple(tuple(a.shape) for a in args)
        result_shapes = self.result_shapes(arg_shapes)
        like = args[0] if args else None
        results = []
        for i, (dtype, shape) in enumerate(zip(self.result_types, result_shapes)):
            given = outs[i] if outs is not None and i < len(outs) else None
            if given is None:
                given = _arrays.empty_like_kind(like, dtype, shape)
            else:
                _arrays.check_output(given, f"out[{i}]", dtype, shape)
            results.append(given)
        kernel.run_arrays(list(args) + results, list(arg_shapes) + result_shapes,
                          _threads if threads is None else threads)
        return results


def _check_types(compiled, args, what):
    for i, ((want, _), a) in enumerate(zip(compiled.kernel.arguments, args)):
        got = _arrays.element_type(a)
        if got != want:
            raise TypeError(f"{what}: argument {i} is {got}, the function takes {want}")


class Program:
    """A function of an attn program given as MLIR text (any cascade, attn.attention,
    upstream linalg around it), compiled once; dynamic sizes are bound per call."""

    def __init__(self, text, entry="", options=None, source="<attn_mlir.load>"):
        self._text = text
        self._entry = entry
        self._compiled = _Compiled(_compile_counted(text, source, entry,
                                                    _options_text(options)))
        self._fast = FastCalls()

    @property
    def arguments(self):
        """(element type, shape) per argument; -1 for a dynamic size."""
        return self._compiled.kernel.arguments

    @property
    def results(self):
        return self._compiled.kernel.results

    @property
    def compile_seconds(self):
        return self._compiled.kernel.compile_seconds

    def __call__(self, *args, out=None, threads=None):
        try:
            key = signature(0, args)
        except AttributeError:
            key = None
        outs = list(out) if out is not None else [None] * len(self.results)
        if key is not None and len(outs) == len(self.results):
            results = self._fast.call(key, args, outs, _threads if threads is None else threads)
            if results is not None:
                return results
        if len(args) != len(self.arguments):
            raise TypeError(f"the function takes {len(self.arguments)} arguments, "
                            f"got {len(args)}")
        given = args
        args = [_arrays.as_contiguous(a, f"argument {i}") for i, a in enumerate(args)]
        _check_types(self._compiled, args, "call")
        results = self._compiled(args, out, threads)
        if all(a is g for a, g in zip(args, given)):
            self._fast.remember(key, self._compiled.kernel, args, results)
        return results


def load(text, entry="", options=None):
    """Compiles a function of MLIR text (or a path ending in .mlir) into a Program."""
    source = "<attn_mlir.load>"
    if isinstance(text, str) and text.endswith(".mlir") and "\n" not in text:
        source = text
        with open(text) as f:
            text = f.read()
    return Program(text, entry, options, source)


class Variant:
    """An attention variant: mask, normaliser, score_mod region, ... as keyword
    arguments (see `attention`). Calling it compiles once per operand signature
    (element types and shapes; with dynamic=True batch and sequence lengths are run
    time values) and runs the fused kernel on the operands in place."""

    def __init__(self, *, mask=None, scale=None, softcap=None, normalizer="softmax",
                 shift=None, divide=None, feature=None, decay=None, order=None, chunk=None,
                 score_mod=None, captures=(), mask_operands=0, projection=False,
                 paged=False, varlen=False, return_lse=False, top_left=False,
                 dynamic=False, options=None):
        self.spec = Spec(mask=mask, scale=scale, softcap=softcap, normalizer=normalizer,
                         shift=shift, divide=divide, feature=feature, decay=decay,
                         order=order, chunk=chunk, score_mod=score_mod, captures=captures,
                         mask_operands=mask_operands, projection=projection, paged=paged,
                         varlen=varlen, return_lse=return_lse, top_left=top_left)
        self.dynamic = bool(dynamic)
        self.options = _options_text(options)
        self._kernels = {}
        self._fast = FastCalls()
        self._names = ["q", "k", "v"] + self.spec.operand_names()

    def mlir(self, *operands):
        """The function this variant compiles to for these operands (for reading)."""
        ops = [_arrays.as_contiguous(a, n) for a, n in zip(operands, self._names)]
        return self.spec.function([_arrays.element_type(a) for a in ops],
                                  [tuple(a.shape) for a in ops], self.dynamic)

    def _compiled_for(self, operands):
        types = tuple(_arrays.element_type(a) for a in operands)
        key = (types, self.spec.signature([a.shape for a in operands], self.dynamic))
        compiled = self._kernels.get(key)
        if compiled is not None:
            _stats["hits"] += 1
            return compiled
        text = self.spec.function(list(types), [tuple(a.shape) for a in operands],
                                  self.dynamic)
        with _lock:
            compiled = self._kernels.get(key)
            if compiled is None:
                kernel = _compile_counted(text, "<attn_mlir.Variant>", "attention",
                                          self.options)
                compiled = _Compiled(kernel)
                self._kernels[key] = compiled
        return compiled

    def operands(self, q, k, v, mask_operands=(), projection=None, captures=(),
                 page_table=None, lengths=None, cu_seqlens_q=None, cu_seqlens_k=None):
        """q, k, v and the extra operands in the compiled function's order."""
        spec = self.spec
        ops = [q, k, v]
        if len(mask_operands) != spec.mask_operands:
            raise ValueError(f"the variant takes {spec.mask_operands} mask operands, got "
                             f"{len(mask_operands)}")
        ops += list(mask_operands)
        if spec.projection:
            if projection is None:
                raise ValueError("the feature map needs its projection matrix")
            ops.append(projection)
        elif projection is not None:
            raise ValueError("projection= is for the favor feature map (projection=True)")
        if isinstance(captures, dict):
            missing = [c for c in spec.captures if c not in captures]
            if missing or len(captures) != len(spec.captures):
                raise ValueError(f"captures: expected {list(spec.captures)}, got "
                                 f"{list(captures)}")
            captures = [captures[c] for c in spec.captures]
        if len(captures) != len(spec.captures):
            raise ValueError(f"the score_mod region captures {list(spec.captures)}, got "
                             f"{len(captures)} tensors")
        ops += list(captures)
        for flag, names, given in ((spec.paged, "page_table, lengths",
                                    (page_table, lengths)),
                                   (spec.varlen, "cu_seqlens_q, cu_seqlens_k",
                                    (cu_seqlens_q, cu_seqlens_k))):
            if flag:
                if any(g is None for g in given):
                    raise ValueError(f"the variant needs {names}")
                ops += list(given)
            elif any(g is not None for g in given):
                raise ValueError(f"{names}: the variant is not "
                                 f"{'paged' if 'page' in names else 'varlen'}")
        return [_arrays.as_contiguous(a, n) for a, n in zip(ops, self._names)]

    def __call__(self, q, k, v, *, mask_operands=(), projection=None, captures=(),
                 page_table=None, lengths=None, cu_seqlens_q=None, cu_seqlens_k=None,
                 out=None, lse_out=None, threads=None):
        """The attention output (and its log-sum-exp with return_lse=True). `out` /
        `lse_out`: arrays or tensors the kernel writes into (C-contiguous, exact type
        and shape); otherwise new ones of the kind of q (NumPy or torch)."""
        # Repeat calls: the operands as given, tagged with which keywords were used.
        if not (mask_operands or captures) and projection is None and page_table is None \
                and lengths is None and cu_seqlens_q is None and cu_seqlens_k is None:
            raw, tag = (q, k, v), 0
        else:
            raw, tag = self._raw_operands(q, k, v, mask_operands, projection, captures,
                                          page_table, lengths, cu_seqlens_q, cu_seqlens_k)
        try:
            key = signature(tag, raw) if raw is not None else None
        except AttributeError:
            key = None
        if key is not None:
            results = self._fast.call(key, raw, (out, lse_out) if self.spec.return_lse
                                      else (out,), _threads if threads is None else threads)
            if results is not None:
                return (results[0], results[1]) if self.spec.return_lse else results[0]
        if _arrays.is_tensor(q):
            from . import torch_ops
            if torch_ops.should_dispatch(q, k, v):
                return torch_ops.call_variant(self, q, k, v, mask_operands, projection,
                                              captures, page_table, lengths,
                                              cu_seqlens_q, cu_seqlens_k, out, lse_out)
            torch_ops.check_no_grad((q, k, v, projection, *mask_operands,
                                     *(captures.values() if isinstance(captures, dict)
                                       else captures)))
        ops = self.operands(q, k, v, mask_operands, projection, captures, page_table,
                            lengths, cu_seqlens_q, cu_seqlens_k)
        compiled = self._compiled_for(ops)
        results = compiled(ops, [out, lse_out], threads)
        if raw is not None and len(raw) == len(ops) and all(a is b for a, b in zip(raw, ops)):
            self._fast.remember(key, compiled.kernel, ops, results)
        return (results[0], results[1]) if self.spec.return_lse else results[0]

    def _raw_operands(self, q, k, v, mask_operands, projection, captures, page_table,
                      lengths, cu_seqlens_q, cu_seqlens_k):
        """The operands in the function's order without checks, and a tag of which
        keywords were given; (None, 0) where the order cannot be known cheaply."""
        ops = [q, k, v, *mask_operands]
        if projection is not None:
            ops.append(projection)
        if isinstance(captures, dict):
            try:
                ops += [captures[c] for c in self.spec.captures]
            except KeyError:
                return None, 0
            if len(captures) != len(self.spec.captures):
                return None, 0
        else:
            ops += list(captures)
        given = (page_table, lengths, cu_seqlens_q, cu_seqlens_k)
        ops += [g for g in given if g is not None]
        tag = (len(mask_operands), projection is not None, len(captures),
               tuple(g is not None for g in given))
        return ops, tag


_variants = {}


def attention(q, k, v, *, mask=None, scale=None, softcap=None, normalizer="softmax",
              shift=None, divide=None, feature=None, decay=None, order=None, chunk=None,
              score_mod=None, captures=(), mask_operands=(), projection=None,
              page_table=None, lengths=None, cu_seqlens_q=None, cu_seqlens_k=None,
              return_lse=False, top_left=False, dynamic=False, options=None, out=None,
              lse_out=None, threads=None):
    """Attention of q [B, Hq, Nq, D] over k [B, Hkv, Nk, D], v [B, Hkv, Nk, Dv] (GQA when
    Hkv < Hq), fused, on the CPU.

    mask: `#attn.mask` text ("causal", "and(causal, window(128, 0))", "sink(4)", ...,
      run-time terms such as `document` read `mask_operands`, [B, Nk] int32).
    scale (default 1/sqrt(D)), softcap, normalizer ("softmax"; "sigmoid", "relu",
      "relu2", "softplus", "identity" with shift / divide; "sum" / "none" with a
      feature map), feature (`#attn.feature` text: "elu_plus_one", "taylor2",
      "favor" with projection=...), decay / order / chunk (linear attention).
    score_mod: the body of a score_mod region in MLIR text over %score, %b, %h, %i,
      %j, %p (and one block argument per name in `captures`, passed as a dict or a
      list of tensors), ending in `attn.yield %new : f32`.
    page_table / lengths: k and v are paged pools [P, S, Hkv, D] (vLLM's layout).
    cu_seqlens_q / cu_seqlens_k: packed sequences (varlen).
    return_lse: also return the log-sum-exp [B, Hq, Nq] (f32).
    top_left: query row i at position i (PyTorch's is_causal for Nq != Nk) instead of
      the end-aligned default (position i + Nk - Nq, FlashAttention's).
    dynamic: compile batch and sequence sizes as run-time values (one kernel for
      every length: varying prompts, a growing KV cache) instead of one kernel per
      shape; query lengths up to 16 stay static (one kernel each), so that decoding
      keeps the decode kernel.
    options: attn-to-cpu pipeline options (dict or text).
    out / lse_out: where to write (zero copy). threads: OpenMP threads of this call.
    """
    key = (mask, scale, softcap, normalizer, shift, divide, feature,
           tuple(decay) if isinstance(decay, list) else decay, order, chunk, score_mod,
           tuple(captures) if not isinstance(captures, dict) else tuple(captures),
           len(mask_operands), projection is not None, page_table is not None,
           cu_seqlens_q is not None, return_lse, top_left, dynamic,
           options if not isinstance(options, dict) else tuple(sorted(options.items())))
    variant = _variants.get(key)
    if variant is None:
        cap_names = (list(captures) if isinstance(captures, dict) else
                     [f"c{i}" for i in range(len(captures))])
        variant = Variant(mask=mask, scale=scale, softcap=softcap, normalizer=normalizer,
                          shift=shift, divide=divide, feature=feature, decay=decay,
                          order=order, chunk=chunk, score_mod=score_mod,
                          captures=cap_names, mask_operands=len(mask_operands),
                          projection=projection is not None, paged=page_table is not None,
                          varlen=cu_seqlens_q is not None, return_lse=return_lse,
                          top_left=top_left, dynamic=dynamic, options=options)
        _variants[key] = variant
    return variant(q, k, v, mask_operands=mask_operands, projection=projection,
                   captures=captures, page_table=page_table, lengths=lengths,
                   cu_seqlens_q=cu_seqlens_q, cu_seqlens_k=cu_seqlens_k, out=out,
                   lse_out=lse_out, threads=threads)


def clear_cache():
    """Drops every compiled kernel of `attention` (Variants keep their own)."""
    _variants.clear()
