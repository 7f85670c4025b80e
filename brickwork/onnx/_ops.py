"""Converters: one function per public op, mapping a traced call to ONNX nodes.

A converter is called as ``conv(g, out, **arguments)``: ``g`` is the `Graph`,
``out`` the op's eager result (its shapes and dtypes), and the arguments are the call's, bound to the op's own
signature with its defaults. It returns the ONNX name of each tensor in ``out`` (a tuple for several). Shapes
are written relative to the input where they can be (``0`` copies a dimension in ``Reshape``, ``-1`` infers
one) so a dynamic batch axis survives; the exporter's second trace checks that nothing else depended on it.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from ..nn._swap import resolve as _resolve
from .._tensor import Tensor

_TABLE: list[tuple[tuple[str, ...], Callable]] = []
_names: tuple[str, ...]
_BIG = np.iinfo(np.int64).max


def converts(*targets: str) -> Callable[[Callable], Callable]:
    """Register a converter for the ops at these paths (``'F.linear'``, ``'Tensor.reshape'``, ``'ops.cat'``)."""
    def deco(fn: Callable) -> Callable:
        _TABLE.append((targets, fn))
        return fn
    return deco


def converters() -> dict[int, tuple[str, Any, Callable]]:
    """``id(function) -> (name, function, converter)`` for every op that has a converter."""
    import inspect

    from . import _nn_ops  # noqa: F401  (registers the nn.functional converters)
    from . import _layer_ops  # noqa: F401  (the fused recurrent layers, bags and sliding blocks)

    out: dict[int, tuple[str, Any, Callable]] = {}
    for targets, conv in _TABLE:
        for path in targets:
            fn = _resolve(path)
            if fn is not None and callable(fn) and id(fn) not in out:
                out[id(fn)] = (path.rpartition(".")[2], fn, _bound(fn, conv, inspect.signature(fn)))
    methods = vars(Tensor)
    for name, method in list(methods.items()):  # x.add_(y) and x += y: the out-of-place op, renamed onto x
        base = methods.get(name[:-1]) if name.endswith("_") and not name.startswith("__") else None
        if base is not None and id(base) in out and callable(method) and id(method) not in out:
            out[id(method)] = (name, method, _inplace(out[id(base)][2]))
    return out


# a Tensor method's own parameter names -> the torch function's, which the converters use (x.where(c, y) is
# torch.where(c, x, other=y)), applied where the converter lacks the method's name
_METHOD_NAMES = (("self", "input"), ("y", "other"))


def _bound(fn: Any, conv: Callable, sig: Any) -> Callable:
    import inspect

    takes = inspect.signature(conv).parameters
    renames = [(k, v) for k, v in _METHOD_NAMES if k in sig.parameters and k not in takes and v in takes]

    def call(g: Any, out: Any, *args: Any, **kwargs: Any) -> Any:
        b = sig.bind(*args, **kwargs)
        b.apply_defaults()
        a = dict(b.arguments)
        for k, v in renames:
            a[v] = a.pop(k)
        for p in sig.parameters.values():  # *args and **kwargs arrive as they are named in the signature
            if p.kind is p.VAR_KEYWORD:
                a.update(a.pop(p.name, {}))
        if a.pop("out", None) is not None:
            raise g.unsupported("out= is not supported; use the returned tensor")
        return conv(g, out, **a)
    return call


def _inplace(conv: Callable) -> Callable:
    def call(g: Any, out: Any, self: Tensor, *args: Any, **kwargs: Any) -> Any:
        if self._base is not None:
            raise g.unsupported("in-place ops on views are not supported by the exporter; use the out-of-place op")
        return conv(g, out, self, *args, **kwargs)
    return call


# -- helpers ---------------------------------------------------------------------------------------------------

def _dt(x: Any) -> np.dtype:
    return x._data.dtype


def _operand(g: Any, x: Any, dtype: np.dtype) -> str:
    """``x`` (a tensor or a Python number) as an ONNX value of ``dtype``."""
    if isinstance(x, Tensor):
        return g.cast(g.name(x), _dt(x), dtype)
    return g.const(np.asarray(x, dtype=dtype))


def _axes(dim: Any, ndim: int) -> list[int] | None:
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    dims = [dim] if isinstance(dim, int) else list(dim)
    return [d % max(ndim, 1) for d in dims]


def _reshape(g: Any, x: Tensor | str, in_shape: Sequence[int], target: Sequence[int]) -> str:
    """``Reshape`` to ``target``, copying dimensions that keep their place and size (``0``) so they stay dynamic."""
    name = x if isinstance(x, str) else g.name(x)
    spec = list(target)
    if -1 not in spec:
        for i, s in enumerate(spec):
            if i < len(in_shape) and s == in_shape[i]:
                spec[i] = 0
    else:
        spec = [0 if i < len(in_shape) and s == in_shape[i] and s != 0 else s for i, s in enumerate(spec)]
    if spec.count(-1) == 0 and 0 not in spec and len(spec) == len(in_shape) + 0 and list(target) == list(in_shape):
        return g.op("Identity", name)
    return g.op("Reshape", name, g.ints(spec))


def _shape_args(shape: tuple) -> list[int]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return [int(s) for s in shape]


def _pair(v: Any, n: int) -> list[int]:
    return [int(x) for x in v] if isinstance(v, (tuple, list)) else [int(v)] * n


# -- elementwise ---------------------------------------------------------------------------------------------

def _binary(op_type: str) -> Callable:
    def conv(g: Any, out: Tensor, input: Any, other: Any, alpha: Any = 1, **_: Any) -> str:
        dt = _dt(out)
        a, b = _operand(g, input, dt), _operand(g, other, dt)
        if alpha != 1:
            b = g.op("Mul", b, g.const(np.asarray(alpha, dt)))
        return g.op(op_type, a, b)
    return conv


for _op, _names in (("Add", ("add", "__add__")), ("Sub", ("sub", "subtract", "__sub__")),
                    ("Mul", ("mul", "multiply", "__mul__")), ("Max", ("maximum", "fmax")),
                    ("Min", ("minimum", "fmin"))):
    converts(*[f"Tensor.{n}" for n in _names], *[f"ops.{n}" for n in _names if not n.startswith("_")])(_binary(_op))


@converts("Tensor.div", "Tensor.true_divide", "Tensor.divide", "Tensor.__truediv__", "ops.div", "ops.divide",
          "ops.true_divide")
def _div(g: Any, out: Tensor, input: Any, other: Any, rounding_mode: str | None = None, **_: Any) -> str:
    dt = _dt(out)
    if rounding_mode is not None and dt.kind != "f":
        raise g.unsupported(f"integer division with rounding_mode={rounding_mode!r} is not supported")
    q = g.op("Div", _operand(g, input, dt), _operand(g, other, dt))
    if rounding_mode == "floor":
        q = g.op("Floor", q)
    elif rounding_mode == "trunc":
        q = g.op("Mul", g.op("Sign", q), g.op("Floor", g.op("Abs", q)))
    return q


@converts("Tensor.rsub", "Tensor.__rsub__", "ops.rsub")
def _rsub(g: Any, out: Tensor, input: Any, other: Any, alpha: Any = 1) -> str:
    return _binary("Sub")(g, out, other, input, alpha)


def _reversed(op_type: str) -> Callable:
    def conv(g: Any, out: Tensor, self: Tensor, other: Any) -> str:
        dt = _dt(out)
        return g.op(op_type, _operand(g, other, dt), _operand(g, self, dt))
    return conv


for _op, _name in (("Add", "__radd__"), ("Mul", "__rmul__"), ("Div", "__rtruediv__"), ("Pow", "__rpow__")):
    converts(f"Tensor.{_name}")(_reversed(_op))


@converts("Tensor.pow", "Tensor.__pow__", "ops.pow")
def _pow(g: Any, out: Tensor, input: Any, exponent: Any, **_: Any) -> str:
    dt = _dt(out)
    if not isinstance(exponent, Tensor) and exponent == 2:
        x = _operand(g, input, dt)
        return g.op("Mul", x, x)
    if not isinstance(exponent, Tensor) and exponent == 0.5 and dt.kind == "f":
        return g.op("Sqrt", _operand(g, input, dt))
    return g.op("Pow", _operand(g, input, dt), _operand(g, exponent, dt))


def _unary(op_type: str) -> Callable:
    def conv(g: Any, out: Tensor, input: Tensor, **_: Any) -> str:
        return g.op(op_type, g.cast(g.name(input), _dt(input), _dt(out)))
    return conv


for _op, _names in (("Exp", ("exp",)), ("Log", ("log",)), ("Sqrt", ("sqrt",)), ("Abs", ("abs", "absolute")),
                    ("Neg", ("neg", "negative", "__neg__")), ("Sin", ("sin",)), ("Cos", ("cos",)),
                    ("Tan", ("tan",)), ("Tanh", ("tanh",)), ("Sigmoid", ("sigmoid",)), ("Relu", ("relu",)),
                    ("Erf", ("erf",)), ("Floor", ("floor",)), ("Ceil", ("ceil",)), ("Sign", ("sign",)),
                    ("Reciprocal", ("reciprocal",)), ("Not", ("logical_not",)), ("IsNaN", ("isnan",)),
                    ("IsInf", ("isinf",)), ("Asin", ("asin",)), ("Acos", ("acos",)), ("Atan", ("atan",)),
                    ("Sinh", ("sinh",)), ("Cosh", ("cosh",))):
    converts(*[f"Tensor.{n}" for n in _names], *[f"ops.{n}" for n in _names if not n.startswith("_")])(_unary(_op))
converts("F.sigmoid")(_unary("Sigmoid"))
converts("F.tanh")(_unary("Tanh"))


@converts("Tensor.round", "ops.round")
def _round(g: Any, out: Tensor, input: Tensor, decimals: int = 0) -> str:
    if decimals:
        s = g.scalar(10.0 ** decimals, input)
        return g.op("Div", g.op("Round", g.op("Mul", g.name(input), s)), s)
    return g.op("Round", g.name(input))


@converts("Tensor.rsqrt", "ops.rsqrt")
def _rsqrt(g: Any, out: Tensor, input: Tensor) -> str:
    return g.op("Reciprocal", g.op("Sqrt", g.cast(g.name(input), _dt(input), _dt(out))))


@converts("Tensor.square", "ops.square")
def _square(g: Any, out: Tensor, input: Tensor) -> str:
    x = g.cast(g.name(input), _dt(input), _dt(out))
    return g.op("Mul", x, x)


@converts("Tensor.log1p", "ops.log1p")
def _log1p(g: Any, out: Tensor, input: Tensor) -> str:
    return g.op("Log", g.op("Add", g.name(input), g.scalar(1, out)))


@converts("Tensor.expm1", "ops.expm1")
def _expm1(g: Any, out: Tensor, input: Tensor) -> str:
    return g.op("Sub", g.op("Exp", g.name(input)), g.scalar(1, out))


@converts("Tensor.clamp", "Tensor.clip", "ops.clamp", "ops.clip")
def _clamp(g: Any, out: Tensor, input: Tensor, min: Any = None, max: Any = None, **_: Any) -> str:
    dt = _dt(out)
    x = g.cast(g.name(input), _dt(input), dt)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None:
            x = g.op("Max", x, _operand(g, min, dt))
        if max is not None:
            x = g.op("Min", x, _operand(g, max, dt))
        return x
    return g.op("Clip", x, None if min is None else g.scalar(min, dt), None if max is None else g.scalar(max, dt))


@converts("Tensor.clamp_min", "ops.clamp_min")
def _clamp_min(g: Any, out: Tensor, input: Tensor, min: Any) -> str:
    return _clamp(g, out, input, min=min)


@converts("Tensor.clamp_max", "ops.clamp_max")
def _clamp_max(g: Any, out: Tensor, input: Tensor, max: Any) -> str:
    return _clamp(g, out, input, max=max)


def _comparison(op_type: str, negate: bool = False) -> Callable:
    def conv(g: Any, out: Tensor, input: Any, other: Any, **_: Any) -> str:
        from ..dtypes import result_type

        dt = result_type(input, other).np if isinstance(input, Tensor) and isinstance(other, Tensor) else \
            _dt(input if isinstance(input, Tensor) else other)
        if not isinstance(other, Tensor) and isinstance(other, float) and dt.kind in "iub":
            dt = np.dtype(np.float32)
        r = g.op(op_type, _operand(g, input, dt), _operand(g, other, dt))
        return g.op("Not", r) if negate else r
    return conv


for _op, _neg, _names in (("Equal", False, ("eq", "__eq__")), ("Equal", True, ("ne", "not_equal", "__ne__")),
                          ("Less", False, ("lt", "less", "__lt__")), ("LessOrEqual", False, ("le", "less_equal", "__le__")),
                          ("Greater", False, ("gt", "greater", "__gt__")),
                          ("GreaterOrEqual", False, ("ge", "greater_equal", "__ge__"))):
    converts(*[f"Tensor.{n}" for n in _names], *[f"ops.{n}" for n in _names if not n.startswith("_")])(
        _comparison(_op, _neg))


def _logical(op_type: str) -> Callable:
    def conv(g: Any, out: Tensor, input: Tensor, other: Tensor, **_: Any) -> str:
        b = np.dtype(bool)
        return g.op(op_type, _operand(g, input, b), _operand(g, other, b))
    return conv


for _op, _n in (("And", "logical_and"), ("Or", "logical_or"), ("Xor", "logical_xor")):
    converts(f"Tensor.{_n}", f"ops.{_n}")(_logical(_op))


@converts("ops.where", "Tensor.where")
def _where(g: Any, out: Any, condition: Tensor, input: Any = None, other: Any = None) -> str:
    if input is None and other is None:
        raise g.unsupported("where(condition) (nonzero indices) has a data-dependent shape")
    dt = _dt(out)
    return g.op("Where", _operand(g, condition, np.dtype(bool)), _operand(g, input, dt), _operand(g, other, dt))


@converts("Tensor.masked_fill", "ops.masked_fill")
def _masked_fill(g: Any, out: Tensor, input: Tensor, mask: Tensor, value: Any) -> str:
    dt = _dt(out)
    return g.op("Where", _operand(g, mask, np.dtype(bool)), _operand(g, value, dt), g.name(input))


# -- matrix products -------------------------------------------------------------------------------------------

@converts("Tensor.matmul", "Tensor.__matmul__", "Tensor.mm", "Tensor.bmm", "Tensor.mv", "ops.matmul", "ops.mm",
          "ops.bmm", "ops.mv")
def _matmul(g: Any, out: Tensor, input: Tensor, other: Tensor | None = None, mat2: Tensor | None = None,
            vec: Tensor | None = None, **_: Any) -> str:
    b = other if other is not None else mat2 if mat2 is not None else vec
    return g.op("MatMul", g.name(input), g.name(b))


@converts("Tensor.__rmatmul__")
def _rmatmul(g: Any, out: Tensor, self: Tensor, other: Tensor) -> str:
    return g.op("MatMul", g.name(other), g.name(self))


@converts("Tensor.dot", "ops.dot", "Tensor.inner", "ops.inner")
def _dot(g: Any, out: Tensor, input: Tensor, other: Tensor) -> str:
    if input.ndim != 1:
        raise g.unsupported("inner() of tensors with more than one dimension is not supported")
    return g.op("MatMul", g.name(input), g.name(other))


@converts("Tensor.outer", "ops.outer")
def _outer(g: Any, out: Tensor, input: Tensor, vec2: Tensor) -> str:
    return g.op("Mul", g.op("Unsqueeze", g.name(input), g.ints([1])), g.op("Unsqueeze", g.name(vec2), g.ints([0])))


@converts("Tensor.addmm", "Tensor.baddbmm", "ops.addmm", "ops.baddbmm")
def _addmm(g: Any, out: Tensor, input: Tensor, mat1: Tensor | None = None, mat2: Tensor | None = None,
           batch1: Tensor | None = None, batch2: Tensor | None = None, beta: Any = 1, alpha: Any = 1) -> str:
    a, b = (mat1, mat2) if mat1 is not None else (batch1, batch2)
    p = g.op("MatMul", g.name(a), g.name(b))
    if alpha != 1:
        p = g.op("Mul", p, g.scalar(alpha, out))
    if beta == 0:
        return p
    c = g.name(input) if beta == 1 else g.op("Mul", g.name(input), g.scalar(beta, out))
    return g.op("Add", c, p)


@converts("ops.einsum")
def _einsum(g: Any, out: Tensor, equation: str, operands: tuple) -> str:
    if len(operands) == 1 and isinstance(operands[0], (tuple, list)):
        operands = tuple(operands[0])
    return g.op("Einsum", *[g.name(t) for t in operands], equation=equation.replace(" ", ""))


# -- reductions --------------------------------------------------------------------------------------------

def _reduction(op_type: str) -> Callable:
    def conv(g: Any, out: Tensor, input: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None,
             **_: Any) -> str:
        x = g.cast(g.name(input), _dt(input), _dt(out))
        return g.reduce(op_type, x, _axes(dim, input.ndim), keepdim)
    return conv


converts("Tensor.sum", "ops.sum")(_reduction("ReduceSum"))
converts("Tensor.mean", "ops.mean")(_reduction("ReduceMean"))
converts("Tensor.amax", "ops.amax")(_reduction("ReduceMax"))
converts("Tensor.amin", "ops.amin")(_reduction("ReduceMin"))
converts("Tensor.prod", "ops.prod")(_reduction("ReduceProd"))


@converts("Tensor.logsumexp", "ops.logsumexp")
def _logsumexp(g: Any, out: Tensor, input: Tensor, dim: Any, keepdim: bool = False) -> str:
    return g.reduce("ReduceLogSumExp", g.name(input), _axes(dim, input.ndim), keepdim)


def _extreme(op_type: str, arg: str) -> Callable:
    def conv(g: Any, out: Any, input: Tensor, dim: Any = None, keepdim: bool = False, **_: Any) -> Any:
        if dim is None:
            return g.reduce(op_type, g.name(input), None, False)
        if isinstance(dim, Tensor):
            raise g.unsupported("max/min against a tensor argument: use torch.maximum/minimum")
        ax = dim % max(input.ndim, 1)
        values = g.reduce(op_type, g.name(input), [ax], keepdim)
        return values, g.op(arg, g.name(input), axis=ax, keepdims=int(keepdim))
    return conv


converts("Tensor.max", "ops.max")(_extreme("ReduceMax", "ArgMax"))
converts("Tensor.min", "ops.min")(_extreme("ReduceMin", "ArgMin"))


def _arg(op_type: str) -> Callable:
    def conv(g: Any, out: Tensor, input: Tensor, dim: int | None = None, keepdim: bool = False) -> str:
        if dim is None:
            return g.op(op_type, g.op("Reshape", g.name(input), g.ints([-1])), axis=0, keepdims=0)
        return g.op(op_type, g.name(input), axis=dim % max(input.ndim, 1), keepdims=int(keepdim))
    return conv


converts("Tensor.argmax", "ops.argmax")(_arg("ArgMax"))
converts("Tensor.argmin", "ops.argmin")(_arg("ArgMin"))


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def _variance(g: Any, x: str, input: Tensor, axes: list[int] | None, keepdim: bool, corr: float) -> str:
    mean = g.reduce("ReduceMean", x, axes, True)
    d = g.op("Sub", x, mean)
    var = g.reduce("ReduceMean", g.op("Mul", d, d), axes, keepdim)
    n = input.numel() if axes is None else int(np.prod([input.shape[a] for a in axes]))
    if corr:
        var = g.op("Mul", var, g.scalar(n / max(n - corr, 0), input))
    return var


@converts("Tensor.var", "ops.var")
def _var(g: Any, out: Tensor, input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False,
         correction: Any = None) -> str:
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return _variance(g, g.name(input), input, _axes(dim, input.ndim), keepdim, _correction(unbiased, correction))


@converts("Tensor.std", "ops.std")
def _std(g: Any, out: Tensor, input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False,
         correction: Any = None) -> str:
    return g.op("Sqrt", _var(g, out, input, dim, unbiased, keepdim, correction))


@converts("Tensor.norm", "ops.norm")
def _norm(g: Any, out: Tensor, input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
          dtype: Any = None) -> str:
    axes = _axes(dim, input.ndim)
    if p in ("fro", 2, 2.0):
        return g.reduce("ReduceL2", g.name(input), axes, keepdim)
    if p in (1, 1.0):
        return g.reduce("ReduceL1", g.name(input), axes, keepdim)
    if p in (math.inf, -math.inf):
        return g.reduce("ReduceMax" if p > 0 else "ReduceMin", g.op("Abs", g.name(input)), axes, keepdim)
    return _pnorm(g, g.name(input), input, float(p), axes, keepdim)


def _pnorm(g: Any, x: str, like: Tensor, p: float, axes: list[int] | None, keepdim: bool) -> str:
    s = g.reduce("ReduceSum", g.op("Pow", g.op("Abs", x), g.scalar(p, like)), axes, keepdim)
    return g.op("Pow", s, g.scalar(1.0 / p, like))


def _softmax(op_type: str, negate: bool = False) -> Callable:
    def conv(g: Any, out: Tensor, input: Tensor, dim: int | None = None, dtype: Any = None, **_: Any) -> str:
        if dim is None:
            dim = 0 if input.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
        x = g.cast(g.name(input), _dt(input), _dt(out))
        if negate:
            x = g.op("Neg", x)
        return g.op(op_type, x, axis=dim % max(input.ndim, 1))
    return conv


converts("Tensor.softmax", "ops.softmax", "F.softmax")(_softmax("Softmax"))
converts("Tensor.log_softmax", "ops.log_softmax", "F.log_softmax")(_softmax("LogSoftmax"))
converts("F.softmin")(_softmax("Softmax", negate=True))


@converts("Tensor.cumsum", "ops.cumsum")
def _cumsum(g: Any, out: Tensor, input: Tensor, dim: int, dtype: Any = None) -> str:
    x = g.cast(g.name(input), _dt(input), _dt(out))
    return g.op("CumSum", x, g.const(np.asarray(dim % max(input.ndim, 1), np.int64)))


# -- shapes and movement ---------------------------------------------------------------------------------------

@converts("Tensor.reshape", "Tensor.view", "ops.reshape")
def _reshape_conv(g: Any, out: Tensor, input: Tensor, shape: tuple) -> str:
    target = _shape_args(shape)
    if len(target) == 1 and not isinstance(target[0], int):
        raise g.unsupported("view(dtype) is not supported")
    return _reshape(g, input, tuple(input.shape), target)


@converts("Tensor.view_as", "Tensor.reshape_as")
def _view_as(g: Any, out: Tensor, input: Tensor, other: Tensor) -> str:
    return g.op("Reshape", g.name(input), g.op("Shape", g.name(other)))


@converts("Tensor.flatten", "ops.flatten", "Tensor.ravel", "ops.ravel")
def _flatten(g: Any, out: Tensor, input: Tensor, start_dim: int = 0, end_dim: int = -1) -> str:
    n = max(input.ndim, 1)
    s, e = start_dim % n, end_dim % n
    if input.ndim == 0:
        return g.op("Reshape", g.name(input), g.ints([1]))
    target = [0] * s + [-1] + [int(d) for d in input.shape[e + 1:]]
    return g.op("Reshape", g.name(input), g.ints(target))


@converts("Tensor.unflatten", "ops.unflatten")
def _unflatten(g: Any, out: Tensor, input: Tensor, dim: int, sizes: Sequence[int]) -> str:
    d = dim % input.ndim
    return _reshape(g, input, tuple(input.shape), list(input.shape[:d]) + list(sizes) + list(input.shape[d + 1:]))


@converts("Tensor.permute", "ops.permute")
def _permute(g: Any, out: Tensor, input: Tensor, dims: tuple) -> str:
    perm = [d % input.ndim for d in _shape_args(dims)]
    return g.op("Transpose", g.name(input), perm=perm)


@converts("Tensor.transpose", "Tensor.swapaxes", "Tensor.swapdims", "ops.transpose", "ops.swapaxes", "ops.swapdims")
def _transpose(g: Any, out: Tensor, input: Tensor, dim0: int | None = None, dim1: int | None = None,
               **kw: Any) -> str:
    if dim0 is None:
        dim0, dim1 = kw.get("axis0"), kw.get("axis1")
    n = max(input.ndim, 1)
    perm = list(range(input.ndim))
    a, b = dim0 % n, dim1 % n  # type: ignore[operator]
    perm[a], perm[b] = perm[b], perm[a]
    return g.op("Transpose", g.name(input), perm=perm) if input.ndim > 1 else g.op("Identity", g.name(input))


@converts("Tensor.t", "ops.t", "brickwork.ops.movement._T")
def _t(g: Any, out: Tensor, input: Tensor) -> str:
    if input.ndim < 2:
        return g.op("Identity", g.name(input))
    return g.op("Transpose", g.name(input), perm=list(range(input.ndim))[::-1])


@converts("brickwork.ops.movement._mT")
def _mt(g: Any, out: Tensor, input: Tensor) -> str:
    perm = list(range(input.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return g.op("Transpose", g.name(input), perm=perm)


@converts("Tensor.unsqueeze", "ops.unsqueeze")
def _unsqueeze(g: Any, out: Tensor, input: Tensor, dim: int) -> str:
    return g.op("Unsqueeze", g.name(input), g.ints([dim % (input.ndim + 1)]))


@converts("Tensor.squeeze", "ops.squeeze")
def _squeeze(g: Any, out: Tensor, input: Tensor, dim: Any = None) -> str:
    if dim is None:
        axes = [i for i, s in enumerate(input.shape) if s == 1]
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
        axes = [d % max(input.ndim, 1) for d in dims if input.ndim and input.shape[d] == 1]
    return g.op("Squeeze", g.name(input), g.ints(axes)) if axes else g.op("Identity", g.name(input))


@converts("Tensor.expand", "ops.expand", "Tensor.broadcast_to", "ops.broadcast_to")
def _expand(g: Any, out: Tensor, input: Tensor, sizes: Any = None, size: Any = None, shape: Any = None) -> str:
    target = _shape_args(sizes if sizes is not None else size if size is not None else shape)
    lead = len(target) - input.ndim
    spec = [1 if s == -1 or (i >= lead and s == input.shape[i - lead]) else s for i, s in enumerate(target)]
    return g.op("Expand", g.name(input), g.ints(spec))


@converts("Tensor.expand_as", "ops.expand_as")
def _expand_as(g: Any, out: Tensor, input: Tensor, other: Tensor) -> str:
    return g.op("Expand", g.name(input), g.op("Shape", g.name(other)))


@converts("Tensor.repeat", "ops.repeat", "Tensor.tile", "ops.tile")
def _repeat(g: Any, out: Tensor, input: Tensor, sizes: Any = None, dims: Any = None, **_: Any) -> str:
    reps = _shape_args(sizes if sizes is not None else dims)
    x = g.name(input)
    if len(reps) > input.ndim:
        x = g.op("Reshape", x, g.ints([1] * (len(reps) - input.ndim) + [0] * input.ndim))
    elif len(reps) < input.ndim:
        reps = [1] * (input.ndim - len(reps)) + reps
    return g.op("Tile", x, g.ints(reps))


@converts("ops.cat", "ops.concat", "ops.concatenate")
def _cat(g: Any, out: Tensor, tensors: Sequence[Tensor], dim: int = 0, **_: Any) -> str:
    dt = _dt(out)
    parts = [g.cast(g.name(t), _dt(t), dt) for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)]
    return g.op("Concat", *parts, axis=dim % out.ndim)


@converts("ops.stack")
def _stack(g: Any, out: Tensor, tensors: Sequence[Tensor], dim: int = 0, **_: Any) -> str:
    ax = dim % out.ndim
    dt = _dt(out)
    return g.op("Concat", *[g.op("Unsqueeze", g.cast(g.name(t), _dt(t), dt), g.ints([ax])) for t in tensors],
                axis=ax)


def _split_into(g: Any, input: Tensor, sizes: list[int], dim: int, squeeze: bool = False) -> tuple:
    ax = dim % input.ndim
    if len(sizes) == 1:
        parts: tuple = (g.op("Identity", g.name(input)),)
    else:
        parts = g.op("Split", g.name(input), g.ints(sizes), outputs=len(sizes), axis=ax)
    if squeeze:
        parts = tuple(g.op("Squeeze", p, g.ints([ax])) for p in parts)
    return tuple(parts)


@converts("Tensor.split", "ops.split", "Tensor.chunk", "ops.chunk", "Tensor.tensor_split", "ops.tensor_split")
def _split(g: Any, out: tuple, tensor: Tensor | None = None, dim: int = 0, input: Tensor | None = None,
           **_: Any) -> tuple:
    t = tensor if tensor is not None else input
    return _split_into(g, t, [int(o.shape[dim]) for o in out], dim)  # type: ignore[arg-type]


@converts("Tensor.unbind", "ops.unbind")
def _unbind(g: Any, out: tuple, input: Tensor, dim: int = 0) -> tuple:
    return _split_into(g, input, [1] * len(out), dim, squeeze=True)


@converts("Tensor.narrow", "ops.narrow")
def _narrow(g: Any, out: Tensor, input: Tensor, dim: int, start: int, length: int) -> str:
    d = dim % input.ndim
    s = int(start) % input.shape[d] if start < 0 else int(start)
    return g.op("Slice", g.name(input), g.ints([s]), g.ints([s + int(length)]), g.ints([d]))


@converts("Tensor.flip", "ops.flip")
def _flip(g: Any, out: Tensor, input: Tensor, dims: Any, more: tuple = ()) -> str:
    ds = ([dims] if isinstance(dims, int) else list(dims)) + list(more)
    axes = [d % input.ndim for d in ds]
    return g.op("Slice", g.name(input), g.ints([-1] * len(axes)), g.ints([-_BIG] * len(axes)), g.ints(axes),
                g.ints([-1] * len(axes)))


@converts("Tensor.triu", "ops.triu")
def _triu(g: Any, out: Tensor, input: Tensor, diagonal: int = 0) -> str:
    return g.op("Trilu", g.name(input), g.const(np.asarray(diagonal, np.int64)), upper=1)


@converts("Tensor.tril", "ops.tril")
def _tril(g: Any, out: Tensor, input: Tensor, diagonal: int = 0) -> str:
    return g.op("Trilu", g.name(input), g.const(np.asarray(diagonal, np.int64)), upper=0)


@converts("Tensor.contiguous", "Tensor.clone", "ops.clone", "Tensor.detach", "Tensor.cpu", "Tensor.cuda")
def _identity(g: Any, out: Tensor, **a: Any) -> str:
    x = a.get("input", a.get("self"))
    return g.name(x)


@converts("Tensor.to", "Tensor.type_as", "Tensor.float", "Tensor.double", "Tensor.half", "Tensor.long",
          "Tensor.int", "Tensor.bool", "Tensor.short", "Tensor.char", "Tensor.byte", "Tensor.type")
def _cast(g: Any, out: Tensor, self: Tensor, **_: Any) -> str:
    if not isinstance(out, Tensor):
        raise g.unsupported("Tensor.type() without a dtype returns a string")
    return g.cast(g.name(self), _dt(self), _dt(out))


@converts("Tensor.__getitem__")
def _getitem(g: Any, out: Tensor, input: Tensor, idx: Any) -> str:
    key = idx if isinstance(idx, tuple) else (idx,)
    if any(k is Ellipsis for k in key):
        i = next(j for j, k in enumerate(key) if k is Ellipsis)
        used = sum(1 for k in key if k is not None and k is not Ellipsis)
        key = key[:i] + (slice(None),) * (input.ndim - used) + key[i + 1:]
    x = g.name(input)
    axis = 0  # position in the current (partially indexed) value
    starts, ends, steps, axes, squeeze, unsq = [], [], [], [], [], []
    gathers: list[tuple[int, Tensor]] = []
    out_axis = 0
    for k in key:
        if k is None:
            unsq.append(out_axis)
            out_axis += 1
            continue
        size = input.shape[axis]
        if isinstance(k, bool):
            raise g.unsupported("indexing with a Python bool is not supported")
        if isinstance(k, (int, np.integer)):
            i = int(k)
            starts.append(i)
            ends.append(i + 1 if i != -1 else _BIG)
            steps.append(1)
            axes.append(axis)
            squeeze.append(axis)
        elif isinstance(k, slice):
            step = 1 if k.step is None else int(k.step)
            if step < 1:
                raise g.unsupported("slices with a negative step are not supported (use flip)")
            if not (k.start is None and k.stop is None and step == 1):
                starts.append(0 if k.start is None else int(k.start))
                ends.append(_BIG if k.stop is None else int(k.stop))
                steps.append(step)
                axes.append(axis)
            out_axis += 1
        elif isinstance(k, Tensor) and k._data.dtype.kind in "iu" and not gathers:
            gathers.append((axis, k))
            out_axis += k.ndim
        else:
            raise g.unsupported(f"indexing with {type(k).__name__} "
                                f"{'(bool mask: a data-dependent shape) ' if isinstance(k, Tensor) else ''}"
                                "is not supported; use index_select/gather or slices")
        del size
        axis += 1
    if axes:
        x = g.op("Slice", x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))
    if gathers:
        ax, idx_t = gathers[0]
        x = g.op("Gather", x, g.name(idx_t), axis=ax - sum(1 for s in squeeze if s < ax))
        if squeeze:  # gathered axis replaced in place; squeeze positions after it shift by idx ndim - 1
            squeeze = [s if s < ax else s + idx_t.ndim - 1 for s in squeeze]
    if squeeze:
        x = g.op("Squeeze", x, g.ints(squeeze))
    if unsq:
        x = g.op("Unsqueeze", x, g.ints(unsq))
    return x


@converts("Tensor.gather", "ops.gather")
def _gather(g: Any, out: Tensor, input: Tensor, dim: int, index: Tensor, **_: Any) -> str:
    return g.op("GatherElements", g.name(input), g.name(index), axis=dim % input.ndim)


@converts("Tensor.index_select", "ops.index_select")
def _index_select(g: Any, out: Tensor, input: Tensor, dim: int, index: Tensor) -> str:
    return g.op("Gather", g.name(input), g.name(index), axis=dim % max(input.ndim, 1))


# -- creation: constants made inside the forward ---------------------------------------------------------------

@converts("ops.zeros", "ops.ones", "ops.full", "ops.arange", "ops.tensor", "ops.eye", "ops.linspace",
          "ops.logspace", "ops.as_tensor", "ops.asarray", "Tensor.new_tensor")
def _constant(g: Any, out: Tensor, **_: Any) -> str:
    return g.const(np.array(out.detach().cpu().numpy(), copy=True))


def _filled_like(fill: Any) -> Callable:
    def conv(g: Any, out: Tensor, input: Tensor, fill_value: Any = fill, **_: Any) -> str:
        value = g.onnx.numpy_helper.from_array(np.asarray([fill_value], dtype=_dt(out)))
        return g.op("ConstantOfShape", g.op("Shape", g.name(input)), value=value)
    return conv


converts("ops.zeros_like")(_filled_like(0))
converts("ops.ones_like")(_filled_like(1))
converts("ops.full_like")(_filled_like(None))


def _new_filled(fill: Any) -> Callable:
    def conv(g: Any, out: Tensor, self: Tensor, size: Any = (), fill_value: Any = fill, **_: Any) -> str:
        """A constant whose size may follow ``self``'s: a size equal to ``self``'s dimension at the same place
        (shapes right-aligned) is read from ``self``'s shape, so an RNN's zero state keeps a dynamic batch axis."""
        dims = [int(d) for d in out.shape]
        n, k = self.ndim, len(dims)
        parts = []
        for i, d in enumerate(dims):
            j = i + n - k if 0 <= i + n - k < n and self.shape[i + n - k] == d else None
            parts.append(g.ints([d]) if j is None else g.op("Shape", g.name(self), start=j, end=j + 1))
        shape = g.op("Concat", *parts, axis=0) if parts else g.ints([])
        value = g.onnx.numpy_helper.from_array(np.asarray([fill_value], dtype=_dt(out)))
        return g.op("ConstantOfShape", shape, value=value)
    return conv


converts("Tensor.new_zeros")(_new_filled(0))
converts("Tensor.new_ones")(_new_filled(1))
converts("Tensor.new_full")(_new_filled(None))


@converts("brickwork.ops.multi_output.unstack")
def _unstack(g: Any, out: tuple, input: Tensor, dim: int) -> tuple:
    return _split_into(g, input, [1] * len(out), dim, squeeze=True)
