"""An attention variant as keyword arguments, and the `attn.attention` function it
becomes for one signature of operands (element types and shapes)."""

import json
import math

_NORMALIZERS = ("softmax", "sigmoid", "relu", "relu2", "softplus", "identity", "sum",
                "none")
_DIVIDE = ("none", "length", "sum")
_ORDERS = ("quadratic", "reassociated")
# attn-to-cpu's decode-rows default: static query lengths up to this take the decode
# kernel (K/V read once per kv head).
DECODE_ROWS = 16


def _number(x, name):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x!r}")
    return float(x)


def _f64(x):
    # MLIR's float syntax: always with a point or exponent.
    return repr(float(x)) if "e" in repr(float(x)) or "." in repr(float(x)) else f"{x}.0"


def _tensor_type(dtype, shape):
    dims = "x".join("?" if d is None else str(d) for d in shape)
    return f"tensor<{dims}x{dtype}>" if shape else f"tensor<{dtype}>"


class Spec:
    """The variant's attributes, validated, in a canonical (hashable) form."""

    def __init__(self, mask=None, scale=None, softcap=None, normalizer="softmax",
                 shift=None, divide=None, feature=None, decay=None, order=None,
                 chunk=None, score_mod=None, captures=(), mask_operands=0,
                 projection=False, paged=False, varlen=False, return_lse=False,
                 top_left=False):
        if mask is not None and not isinstance(mask, str):
            raise TypeError("mask is the text of an #attn.mask, e.g. 'causal' or "
                            "'and(causal, window(128, 0))'")
        if mask is not None and mask.strip().startswith("#attn.mask<"):
            mask = mask.strip()[len("#attn.mask<"):-1]
        if normalizer not in _NORMALIZERS:
            raise ValueError(f"normalizer must be one of {', '.join(_NORMALIZERS)}")
        if divide is not None and divide not in _DIVIDE:
            raise ValueError(f"divide must be one of {', '.join(_DIVIDE)}")
        if order is not None and order not in _ORDERS:
            raise ValueError(f"order must be one of {', '.join(_ORDERS)}")
        if feature is not None and feature.strip().startswith("#attn.feature<"):
            feature = feature.strip()[len("#attn.feature<"):-1]
        if isinstance(captures, str):
            captures = (captures,)
        for c in captures:
            if not (isinstance(c, str) and c.isidentifier()):
                raise ValueError(f"capture names are identifiers, got {c!r}")
        if score_mod is None and captures:
            raise ValueError("captures are read by a score_mod region")
        if decay is not None:
            decay = tuple(_number(d, "decay") for d in
                          (decay if isinstance(decay, (list, tuple)) else [decay]))
        self.fields = dict(
            mask=mask,
            scale=None if scale is None else _number(scale, "scale"),
            softcap=None if softcap is None else _number(softcap, "softcap"),
            normalizer=normalizer,
            shift=None if shift is None else _number(shift, "shift"),
            divide=divide, feature=feature, decay=decay, order=order,
            chunk=None if chunk is None else int(chunk),
            score_mod=score_mod, captures=tuple(captures),
            mask_operands=int(mask_operands), projection=bool(projection),
            paged=bool(paged), varlen=bool(varlen), return_lse=bool(return_lse),
            top_left=bool(top_left))
        self.key = json.dumps(self.fields, sort_keys=True)

    @classmethod
    def from_key(cls, key):
        return cls(**json.loads(key))

    def __getattr__(self, name):
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    def operand_names(self):
        """Operands after q, k, v, in the function's order."""
        names = [f"mask_operand{i}" for i in range(self.mask_operands)]
        if self.projection:
            names.append("projection")
        names += list(self.captures)
        if self.paged:
            names += ["page_table", "lengths"]
        if self.varlen:
            names += ["cu_seqlens_q", "cu_seqlens_k"]
        return names

    def result_shapes(self, q_shape, v_shape):
        out = tuple(q_shape[:-1]) + (v_shape[-1],)
        return [out, tuple(q_shape[:-1])] if self.return_lse else [out]

    def signature(self, shapes, dynamic):
        """The shapes as compiled: with `dynamic`, None for batch and sequence sizes of
        q, k, v (q's only above DECODE_ROWS; the page count of pools) and every size of mask operands, page tables,
        lengths and cu_seqlens; captures and projections stay static."""
        if not dynamic:
            return tuple(tuple(s) for s in shapes)
        names = ["q", "k", "v"] + self.operand_names()
        out = []
        for i, (name, shape) in enumerate(zip(names, shapes)):
            shape = list(shape)
            if i < 3:
                if self.paged and i > 0:
                    shape[0] = None
                elif len(shape) == 4:
                    shape[0] = None
                    # A short static query block (decoding, speculative tokens) takes
                    # the decode kernel: one kernel per such length, every Nk.
                    if i > 0 or shape[2] > DECODE_ROWS:
                        shape[2] = None
            elif name not in self.captures and name != "projection":
                shape = [None] * len(shape)
            out.append(tuple(shape))
        return tuple(out)

    def function(self, types, shapes, dynamic=False):
        """MLIR text of `func.func @attention` for operands of these element types and
        shapes (q, k, v, then `operand_names()`); `dynamic` makes batch and sequence
        sizes (and every size of the other operands) dynamic."""
        names = ["q", "k", "v"] + self.operand_names()
        shapes = [list(s) for s in self.signature(shapes, dynamic)]
        tys = [_tensor_type(t, s) for t, s in zip(types, shapes)]
        out_type = _tensor_type(types[0], shapes[0][:-1] + [shapes[2][-1]])
        lse_type = _tensor_type("f32", shapes[0][:-1])
        results = [out_type] + ([lse_type] if self.return_lse else [])
        args = ", ".join(f"%arg_{n}: {t}" for n, t in zip(names, tys))
        by_name = dict(zip(names, tys))
        f = self.fields
        clauses = []
        if f["mask"] is not None:
            clauses.append(f"mask #attn.mask<{f['mask']}>")
        if f["mask_operands"]:
            ops = [f"mask_operand{i}" for i in range(f["mask_operands"])]
            clauses.append("mask_operands(" + ", ".join("%arg_" + o for o in ops) + " : " +
                           ", ".join(by_name[o] for o in ops) + ")")
        if f["feature"] is not None:
            clauses.append(f"feature #attn.feature<{f['feature']}>")
        if f["projection"]:
            clauses.append(f"projection(%arg_projection : {by_name['projection']})")
        if f["top_left"]:
            clauses.append("offsets(%attn_zero, %attn_zero, %attn_zero)")
        if f["paged"]:
            clauses.append(f"pages(%arg_page_table, %arg_lengths : {by_name['page_table']}, "
                           f"{by_name['lengths']})")
        if f["varlen"]:
            clauses.append(f"varlen(%arg_cu_seqlens_q, %arg_cu_seqlens_k : "
                           f"{by_name['cu_seqlens_q']}, {by_name['cu_seqlens_k']})")
        if f["normalizer"] != "softmax":
            clauses.append(f"normalizer {f['normalizer']}")
        if f["shift"] is not None:
            clauses.append(f"shift {_f64(f['shift'])}")
        if f["divide"] is not None:
            clauses.append(f"divide {f['divide']}")
        if f["scale"] is not None:
            clauses.append(f"scale {_f64(f['scale'])}")
        if f["softcap"] is not None:
            clauses.append(f"softcap {_f64(f['softcap'])}")
        if f["decay"] is not None:
            clauses.append("decay [" + ", ".join(_f64(d) for d in f["decay"]) + "]")
        if f["order"] is not None:
            clauses.append(f"order {f['order']}")
        if f["chunk"] is not None:
            clauses.append(f"chunk {f['chunk']}")
        if f["score_mod"] is not None:
            caps = list(f["captures"])
            if caps:
                clauses.append("captures(" + ", ".join("%arg_" + c for c in caps) + " : " +
                               ", ".join(by_name[c] for c in caps) + ")")
            score = "f64" if types[0] == "f64" else "f32"
            header = (f"^bb0(%score: {score}, %b: index, %h: index, %i: index, %j: index, "
                      f"%p: index" + "".join(f", %{c}: {by_name[c]}" for c in caps) + "):")
            body = "\n".join("    " + line.strip() for line in
                             f["score_mod"].strip().splitlines())
            clauses.append("score_mod {\n  " + header + "\n" + body + "\n  }")
        ins = (f"ins(%arg_q, %arg_k, %arg_v : {tys[0]}, {tys[1]}, {tys[2]}) -> " + ", ".join(results))
        prologue = "  %attn_zero = arith.constant 0 : index\n" if f["top_left"] else ""
        lhs = "%o, %lse" if self.return_lse else "%o"
        return (f"func.func @attention({args}) -> ({', '.join(results)}) {{\n"
                f"{prologue}  {lhs} = attn.attention " + "\n      ".join(clauses + [ins]) +
                f"\n  return {lhs} : {', '.join(results)}\n}}\n")
