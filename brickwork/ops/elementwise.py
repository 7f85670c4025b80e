"""Elementwise ops: arithmetic, comparison, unary math, ``where``, ``clamp``.

Each op is its forward and, right below it, its backward, written with tensor ops so it is differentiable
again. Binary ops follow PyTorch's type promotion (see `brickwork.dtypes.result_type`).
"""

from __future__ import annotations

import math
import operator as _op
from typing import Any, Callable, TypeVar, cast

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..autograd.grad_mode import STATE
from ..kernels import activation as _ka
from ..autograd.record import SAME, SAME_PAIR, BinaryNode, array_backward, record_binary, record_unary, sum_to_array
from ._core import binary_arrays, broadcast_error, check_broadcast, check_inplace, inplace, like, needs_grad, record, renamed, sum_to, wrap, xp_of

_SQRT_2_OVER_PI = 2.0 / math.sqrt(math.pi)
_new = object.__new__
_NDARRAY = np.ndarray
_NO_NUMBERS = (None, None)  # (as record_binary's: neither operand is a number)
_F = TypeVar("_F", bound=Callable[..., Any])


def _tensor_inputs(a: Any, b: Any) -> tuple:
    if a.__class__ is Tensor and b.__class__ is Tensor:
        return (a, b)
    return (a if isinstance(a, Tensor) else None, b if isinstance(b, Tensor) else None)


# -- arithmetic ----------------------------------------------------------------------------------------

def _arith(a: Any, b: Any, f: Any, name: str, true_div: bool = False, node: str = "", backward: Any = None,
           save: bool = False) -> Tensor:
    """``f(a, b)`` on arrays with PyTorch's promotion, recorded as a binary node named ``node`` (its ``backward``
    reading the operands when ``save``) when an operand requires grad; the hot path skips promotion when
    nothing differs."""
    if a.__class__ is Tensor:
        da = a._data
        if b.__class__ is Tensor:
            db = b._data
            if b._device is a._device and da.dtype is db.dtype and (not true_div or da.dtype.kind == "f"):
                try:
                    r = _make(f(da, db), a._device)
                except ValueError:
                    raise broadcast_error(name, da.shape, db.shape) from None
                if STATE.enabled and (a._requires_grad or b._requires_grad) and backward is not None:
                    record_binary(r, node, backward, a, b, save, da.shape == db.shape)
                return r
        elif b.__class__ is float and da.dtype.kind == "f":
            r = _make(f(da, b), a._device)
            if a._requires_grad and STATE.enabled and backward is not None:
                record_binary(r, node, backward, a, b, save)
            return r
    da, db, dev = binary_arrays(a, b, name, true_div)
    r = _make(f(da, db), dev)
    if backward is not None and _any_needs(a, b):
        record_binary(r, node, backward, a, b, save)
    return r


def _any_needs(a: Any, b: Any) -> bool:
    return STATE.enabled and ((isinstance(a, Tensor) and a._requires_grad) or (isinstance(b, Tensor) and b._requires_grad))


def _operator(f: Any, name: str, node: str, backward: Any, save: bool = False, true_div: bool = False,
              slow: Callable[[Any, Any], Tensor] | None = None) -> Callable[[Any, Any], Tensor]:
    """``Tensor.__add__`` and kin: ``f(a, b)`` recorded as a `BinaryNode` named ``node``, written out in full for
    the commonest case, two floating tensors of one shape, dtype and device (``y * b``), whose node `record_binary`
    would mark `SAME_PAIR`; every other case is ``slow(a, b)`` (by default `_arith`, which promotes, broadcasts and
    checks). One call per op instead of four: these run for most recorded ops of a model's Python."""
    if slow is None:
        def slow(a: Any, b: Any) -> Tensor:
            return _arith(a, b, f, name, true_div, node, backward, save)

    def op(input: Any, other: Any) -> Tensor:
        if input.__class__ is Tensor and other.__class__ is Tensor:
            da, db = input._data, other._data
            dt = da.dtype
            if dt is db.dtype and dt.kind == "f" and da.shape == db.shape and other._device is input._device:
                r = f(da, db)
                if r.__class__ is not _NDARRAY and isinstance(r, np.generic):  # a 0-d result (as `_make`)
                    r = np.asarray(r)
                out = _new(Tensor)
                out._data = r
                out._device = input._device
                out._version_counter = [0]
                if STATE.enabled and (input._requires_grad or other._requires_grad):
                    n = _new(BinaryNode)  # record_binary(out, node, backward, input, other, save, True)
                    n._name = node
                    n._backward = backward
                    n._uses = 0
                    n._dev = input._device
                    ea: Any
                    eb: Any
                    if input._requires_grad:  # the edges, as `engine.edge` makes them
                        fn = input.grad_fn
                        if fn is None:
                            ea = input
                        else:
                            fn._uses += 1
                            ea = fn if input._out_idx == 0 else (fn, input._out_idx)
                    else:
                        ea = None
                    if other._requires_grad:
                        fn = other.grad_fn
                        if fn is None:
                            eb = other
                        else:
                            fn._uses += 1
                            eb = fn if other._out_idx == 0 else (fn, other._out_idx)
                    else:
                        eb = None
                    n.edges = (ea, eb)
                    n.numbers = _NO_NUMBERS
                    n.likes = SAME_PAIR
                    if save:
                        n._saved = (input, other)
                        n._versions = (input._version_counter[0], other._version_counter[0])
                    else:
                        n._saved = n._versions = ()
                    out.grad_fn = n
                    out._requires_grad = True
                else:
                    out.grad_fn = None
                    out._requires_grad = False
                return out
        return slow(input, other)

    op.__name__ = op.__qualname__ = f"_{name}_operator"
    return op


def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other`` with broadcasting.

    Example:
        >>> import brickwork as torch
        >>> torch.add(torch.tensor([1, 2]), torch.tensor([10, 20]), alpha=2)
        tensor([21, 42])
    """
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    r = _add_operator(input, other)
    return r if out is None else _out(r, out)


def _add_backward(node: Any, g: Tensor) -> tuple:
    ea, eb = node.edges
    la, lb = node.likes
    return (None if ea is None else sum_to(g, la), None if eb is None else sum_to(g, lb))


@array_backward(_add_backward)
def _add_backward_arrays(node: Any, gd: Any) -> Any:
    ea, eb = node.edges
    if node.likes is SAME_PAIR:
        return (None if ea is None else gd, None if eb is None else gd)
    la, lb = node.likes
    ra = None if ea is None else sum_to_array(gd, la)
    rb = None if eb is None else sum_to_array(gd, lb)
    return NotImplemented if ra is NotImplemented or rb is NotImplemented else (ra, rb)


_add_operator = _operator(_op.add, "add", "AddBackward0", _add_backward)
_add_operator.__doc__ = """``input + other``: `add` without ``alpha`` and ``out`` (``Tensor.__add__``).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1.0]) + 2
        tensor([3.])
    """


def _plain(node: Any, gd: Any) -> bool:
    """Whether a binary node's array backward needs nothing else: a real floating gradient (a NumPy array), and
    each tensor operand of the gradient's shape and dtype (no reduction or cast), each number real."""
    if gd.dtype.kind != "f" or gd.__class__ is not np.ndarray:
        return False
    s = (gd.shape, gd.dtype)
    la, lb = node.likes
    na, nb = node.numbers
    return (la is SAME or ((la == s) if la is not None else na.__class__ is not complex)) and \
        (lb is SAME or ((lb == s) if lb is not None else nb.__class__ is not complex))


def _arrays(a: Any, b: Any) -> tuple:
    return (a._data if isinstance(a, Tensor) else a, b._data if isinstance(b, Tensor) else b)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other`` with broadcasting.

    Example:
        >>> import brickwork as torch
        >>> torch.sub(torch.tensor([5.0]), 2.0)
        tensor([3.])
    """
    if input.__class__ is Tensor and other.__class__ is Tensor:  # written out: sub is on the hot path
        bad = input._data.dtype.kind == "b" or other._data.dtype.kind == "b"
    else:
        bad = _is_bool(input) or (other.__class__ is not float and _is_bool(other))
    if bad:
        if _is_bool(input) and _is_bool(other):
            raise RuntimeError("sub: subtraction, the `-` operator, with two bool tensors is not supported; use "
                               "the `^` or logical_xor() operator instead")
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not supported; to invert a "
                           "mask use `~` or logical_not(), otherwise convert to an integer dtype first")
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    try:
        r = _arith(input, other, _op.sub, "sub", False, "SubBackward0", _sub_backward)
    except TypeError:
        raise RuntimeError("sub: subtraction with two bool tensors is not supported; use logical_xor() or "
                           "convert to an integer dtype first") from None
    return r if out is None else _out(r, out)


def _is_bool(x: Any) -> bool:
    c = x.__class__
    if c is Tensor:
        return x._data.dtype.kind == "b"
    return c is bool or c is np.bool_ or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


def _sub_backward(node: Any, g: Tensor) -> tuple:
    ea, eb = node.edges
    la, lb = node.likes
    return (None if ea is None else sum_to(g, la), None if eb is None else sum_to(-g, lb))


@array_backward(_sub_backward)
def _sub_backward_arrays(node: Any, gd: Any) -> Any:
    ea, eb = node.edges
    if node.likes is SAME_PAIR:
        return (None if ea is None else gd, None if eb is None else -gd)
    la, lb = node.likes
    ra = None if ea is None else sum_to_array(gd, la)
    rb = None if eb is None else sum_to_array(-gd, lb)
    return NotImplemented if ra is NotImplemented or rb is NotImplemented else (ra, rb)


_sub_operator = _operator(_op.sub, "sub", "SubBackward0", _sub_backward, slow=sub)
_sub_operator.__doc__ = """``input - other``: `sub` without ``alpha`` and ``out`` (``Tensor.__sub__``).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1.0]) - 2
        tensor([-1.])
    """


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input``.

    Example:
        >>> import brickwork as torch
        >>> torch.rsub(torch.tensor([1.0]), 3.0)
        tensor([2.])
    """
    return renamed(sub(other, input, alpha=alpha), "RsubBackward0" if isinstance(other, Tensor) else "RsubBackward1",
                   input, other)


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * other`` with broadcasting.

    Example:
        >>> import brickwork as torch
        >>> torch.mul(torch.tensor([1.0, 2.0]), 3)
        tensor([3., 6.])
    """
    r = _mul_operator(input, other)
    return r if out is None else _out(r, out)


def _operands(node: Any) -> tuple:
    """The two operands of a node recorded by `record_binary` (saved tensors, or the numbers)."""
    s = node.saved_tensors
    na, nb = node.numbers
    if na is None:
        return (s[0], s[1]) if nb is None else (s[0], nb)
    return (na, s[0]) if nb is None else (na, nb)


def _mul_backward(node: Any, g: Tensor) -> tuple:
    ea, eb = node.edges
    la, lb = node.likes
    a, b = _operands(node)
    if g._data.dtype.kind == "c":  # PyTorch's convention for complex numbers: the gradient is g * conj(other)
        a, b = (x.conj() if isinstance(x, Tensor) else x.conjugate() for x in (a, b))
    return (None if ea is None else sum_to(g * b, la), None if eb is None else sum_to(g * a, lb))


@array_backward(_mul_backward)
def _mul_backward_arrays(node: Any, gd: Any) -> Any:
    ea, eb = node.edges
    if node.likes is SAME_PAIR:  # two real tensors of one shape
        a, b = node.saved_tensors
        return (None if ea is None else gd * b._data, None if eb is None else gd * a._data)
    la = node.likes[0]
    a, b = _operands(node)
    if b.__class__ is float:  # by a number: one array product
        if gd.shape == la[0] and gd.dtype is la[1]:
            return (gd * b, None)
    if _plain(node, gd):  # nothing to reduce: array products
        ad, bd = _arrays(a, b)
        return (None if ea is None else gd * bd, None if eb is None else gd * ad)
    return NotImplemented


# by a number, backward needs only the number; between tensors, each needs the other
_mul_operator = _operator(_op.mul, "mul", "MulBackward0", _mul_backward, True)
_mul_operator.__doc__ = """``input * other``: `mul` without ``out`` (``Tensor.__mul__``).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([2.0]) * 3
        tensor([6.])
    """


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """``input / other`` (true division, so integers give floats), or rounded with ``rounding_mode``.

    Example:
        >>> import brickwork as torch
        >>> torch.div(torch.tensor([7, -7]), 2), torch.div(torch.tensor([7, -7]), 2, rounding_mode="floor")
        (tensor([ 3.5000, -3.5000]), tensor([ 3, -4]))
    """
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
        da, db, dev = binary_arrays(input, other, "div")
        if (da.dtype if hasattr(da, "dtype") else db.dtype).kind in "iu":  # ``7 // x`` puts a number first
            _no_integer_zero(db, "div" if rounding_mode == "trunc" else "floor_divide")
            q = dev.xp.floor_divide(da, db) if rounding_mode == "floor" else _trunc_int_div(da, db)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):  # inf and nan, silently, as in PyTorch
                q = da / db
            q = dev.xp.floor(q) if rounding_mode == "floor" else dev.xp.trunc(q)
        r = wrap(q, dev)
        if needs_grad(input, other):  # piecewise constant: zero gradient, but part of the graph as in PyTorch
            record(r, "DivBackward2", _zero_binary_backward, _tensor_inputs(input, other),
                   likes=(like(input), like(other)))
        return _out(r, out)
    r = _div_operator(input, other)
    return r if out is None else _out(r, out)


def _no_integer_zero(b: Any, op: str) -> None:
    """PyTorch raises for an integer division by zero (NumPy would warn and give 0)."""
    if (b == 0) if not hasattr(b, "dtype") else bool((b == 0).any()):
        raise RuntimeError(f"ZeroDivisionError: {op}: integer division by zero; use floats (x.float()) if "
                           "inf/nan results are wanted, or mask the zero divisors first")


def _trunc_int_div(a: Any, b: Any) -> Any:
    q = a // b
    return q + ((q < 0) & (q * b != a))


def _zero_binary_backward(node: Any, g: Tensor) -> tuple:
    return tuple(None if e is None else sum_to(g * 0, lk) for lk, e in zip(node.likes, node.edges))


def _div_backward(node: Any, g: Tensor) -> tuple:
    (la, lb), (ea, eb) = node.likes, node.edges
    a, b = _operands(node)
    ga = None if ea is None else sum_to(g / b, la)
    gb = None if eb is None else sum_to(-g * a / (b * b), lb)
    return ga, gb


@array_backward(_div_backward)
def _div_backward_arrays(node: Any, gd: Any) -> Any:
    (la, lb), (ea, eb) = node.likes, node.edges
    if la is SAME:  # two real tensors of one shape
        a, b = node.saved_tensors
        ad, bd = a._data, b._data
        return (None if ea is None else gd / bd,  # PyTorch's -g ((a / b) / b)
                None if eb is None else -gd * (ad / bd / bd))
    if _plain(node, gd):  # nothing to reduce: array arithmetic, the same formulas
        ad, bd = _arrays(*_operands(node))
        return (None if ea is None else gd / bd, None if eb is None else -gd * ad / (bd * bd))
    return NotImplemented


true_divide = divide = div
multiply, subtract = mul, sub


_div_operator = _operator(_op.truediv, "div", "DivBackward0", _div_backward, True, True)
_div_operator.__doc__ = """``input / other``: true division, `div` without ``rounding_mode`` and ``out``
    (``Tensor.__truediv__``).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([3.0]) / 2
        tensor([1.5000])
    """


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other`` rounded towards minus infinity (no gradient).

    Example:
        >>> import brickwork as torch
        >>> torch.floor_divide(torch.tensor([7, -7]), 2)
        tensor([ 3, -4])
    """
    return div(input, other, rounding_mode="floor")


def remainder(input: Any, other: Any) -> Tensor:
    """Python-style modulus (the result has the sign of ``other``); gradient 1 for ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.remainder(torch.tensor([-3, 3]), 2)
        tensor([1, 1])
    """
    da, db, dev = binary_arrays(input, other, "remainder")
    if (da.dtype if hasattr(da, "dtype") else db.dtype).kind in "iu":
        _no_integer_zero(db, "remainder")
    r = wrap(np.mod(da, db) if dev.xp is np else dev.xp.remainder(da, db), dev)
    if needs_grad(input, other):
        name = "RemainderBackward1" if isinstance(other, Tensor) else "RemainderBackward0"
        record_binary(r, name, _remainder_backward, input, other, True)
    return r


def _remainder_backward(node: Any, g: Tensor) -> tuple:
    a, b = _operands(node)
    (la, lb), (ea, eb) = node.likes, node.edges
    gb = None if eb is None else sum_to(-g * floor_divide(a, b), lb)
    return (None if ea is None else sum_to(g, la), gb)


def fmod(input: Any, other: Any) -> Tensor:
    """C-style modulus (the result has the sign of ``input``).

    Example:
        >>> import brickwork as torch
        >>> torch.fmod(torch.tensor([-3, 3]), 2)
        tensor([-1,  1])
    """
    da, db, dev = binary_arrays(input, other, "fmod")
    if (da.dtype if hasattr(da, "dtype") else db.dtype).kind in "iu":
        _no_integer_zero(db, "fmod")
    r = wrap(dev.xp.fmod(da, db), dev)
    if needs_grad(input, other):
        record_binary(r, "FmodBackward1" if isinstance(other, Tensor) else "FmodBackward0", _fmod_backward, input,
                      other, True)
    return r


def _fmod_backward(node: Any, g: Tensor) -> tuple:
    a, b = _operands(node)
    (la, lb), (ea, eb) = node.likes, node.edges
    gb = None if eb is None else sum_to(-g * div(a, b, rounding_mode="trunc"), lb)
    return (None if ea is None else sum_to(g, la), gb)


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A001
    """``input ** exponent`` with broadcasting.

    Example:
        >>> import brickwork as torch
        >>> torch.pow(torch.tensor([2.0, 3.0]), 2)
        tensor([4., 9.])
    """
    da, db, dev = binary_arrays(input, exponent, "pow")
    ka = da.dtype.kind if hasattr(da, "dtype") else "i" if isinstance(da, int) else "f"
    kb = db.dtype.kind if hasattr(db, "dtype") else "i" if isinstance(db, int) else "f"
    if ka in "iu" and kb in "iu" and bool((db < 0).any() if hasattr(db, "dtype") else db < 0):
        raise RuntimeError("pow: integers to negative integer powers are not allowed; use a float base, e.g. "
                           "x.float() ** -1")
    r = wrap(da ** db, dev)
    if needs_grad(input, exponent):
        # PyTorch's overloads: Tensor ** number, Tensor ** Tensor, number ** Tensor
        name = "PowBackward2" if not isinstance(input, Tensor) else "PowBackward1" if isinstance(exponent, Tensor) \
            else "PowBackward0"
        record_binary(r, name, _pow_backward, input, exponent, True)
    return _out(r, out)


def _pow_backward(node: Any, g: Tensor) -> tuple:
    a, b = _operands(node)
    (la, lb), (ea, eb) = node.likes, node.edges
    ga = gb = None
    if ea is not None:
        if isinstance(b, Tensor):
            ga = g * b * where(b == 0, 0.0, a ** (b - 1))
        elif b == 0:
            ga = g * 0.0
        else:
            ga = g * b * a ** (b - 1)
        ga = sum_to(ga, la)
    if eb is not None:
        base = a if isinstance(a, Tensor) else None
        r = (a ** b) if base is not None else (b.new_tensor(a) ** b) if isinstance(a, (int, float)) else a ** b
        la = log(a) if base is not None else math.log(a) if a > 0 else float("nan")
        gb = g * r * la
        if base is not None:
            gb = where((a == 0) & (b >= 0), 0.0, gb)
        gb = sum_to(gb, lb)
    return ga, gb


def float_power(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` computed in float64.

    Example:
        >>> import brickwork as torch
        >>> torch.float_power(torch.tensor([2]), 2)
        tensor([4.], dtype=brickwork.float64)
    """
    a = input.double() if isinstance(input, Tensor) else float(input)
    b = exponent.double() if isinstance(exponent, Tensor) else exponent
    return pow(a, b)


def maximum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise maximum (NaN propagates); ties split the gradient evenly, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.maximum(torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0]))
        tensor([3., 5.])
    """
    return _out(_minmax(input, other, "maximum", True), out)


def minimum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum (NaN propagates); ties split the gradient evenly.

    Example:
        >>> import brickwork as torch
        >>> torch.minimum(torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0]))
        tensor([1., 2.])
    """
    return _out(_minmax(input, other, "minimum", False), out)


def _minmax(a: Any, b: Any, name: str, is_max: bool) -> Tensor:
    if not isinstance(b, Tensor) or not isinstance(a, Tensor):
        raise TypeError(f"{name}(): expected both arguments to be Tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}; use clamp() for a number")
    da, db, dev = binary_arrays(a, b, name)
    xp, skip_nan = dev.xp, name[0] == "f"
    f = (xp.fmax if is_max else xp.fmin) if skip_nan else (xp.maximum if is_max else xp.minimum)
    r = wrap(f(da, db), dev)
    if needs_grad(a, b):
        record(r, name.capitalize() + "Backward0", _minmax_backward, (a, b), (a, b), is_max=is_max,
               skip_nan=skip_nan)
    return r


def _minmax_backward(node: Any, g: Tensor) -> tuple:
    a, b = node.saved_tensors
    is_max, (ea, eb) = node.is_max, node.edges
    if node.skip_nan:  # as PyTorch's fmax/fmin: ties, and a NaN in ``other``, send the gradient to ``input``
        w = (((a >= b) if is_max else (a <= b)) | b.isnan()).to(g.dtype)
    else:
        wa = (a > b) if is_max else (a < b)
        w = wa.to(g.dtype) + (a == b).to(g.dtype) * 0.5
    return (None if ea is None else sum_to(g * w, a), None if eb is None else sum_to(g * (1 - w), b))


def fmax(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise maximum that ignores NaN: NaN only where both are NaN.

    Example:
        >>> import brickwork as torch
        >>> torch.fmax(torch.tensor([1.0, float('nan')]), torch.tensor([float('nan'), 2.0]))
        tensor([1., 2.])
    """
    return _out(_minmax(input, other, "fmax", True), out)


def fmin(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum that ignores NaN: NaN only where both are NaN.

    Example:
        >>> import brickwork as torch
        >>> torch.fmin(torch.tensor([1.0, float('nan')]), torch.tensor([float('nan'), 2.0]))
        tensor([1., 2.])
    """
    return _out(_minmax(input, other, "fmin", False), out)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``.

    Example:
        >>> import brickwork as torch
        >>> torch.lerp(torch.tensor([0.0]), torch.tensor([10.0]), 0.25)
        tensor([2.5000])
    """
    return renamed(input + weight * (end - input), "LerpBackward1" if isinstance(weight, Tensor) else "LerpBackward0",
                   input, end, weight)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """Pick from ``input`` where ``condition`` holds, else from ``other`` (with broadcasting).

    With only ``condition``, returns the indices where it holds (like ``nonzero(as_tuple=True)``).

    Example:
        >>> import brickwork as torch
        >>> torch.where(torch.tensor([True, False]), torch.tensor([1.0, 2.0]), 0.0)
        tensor([1., 0.])
    """
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    cd = condition._data
    if cd.dtype != np.bool_:
        if cd.dtype.kind not in "biu":
            raise RuntimeError(f"where: expected condition to be a bool tensor, got dtype {condition.dtype}")
        cd = cd.astype(bool)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor) and isinstance(input, (int, float)):
        from ._core import as_tensor_like

        input = as_tensor_like(input, condition)  # two numbers: PyTorch's scalar dtypes (int64, default float)
    da, db, dev = binary_arrays(input, other, "where")
    check_broadcast("where", cd.shape, getattr(da, "shape", ()), getattr(db, "shape", ()))
    if condition._device is not dev and condition._data.ndim:
        from ._core import device_mismatch

        raise device_mismatch("where", condition, input if isinstance(input, Tensor) else other)
    r = wrap(dev.xp.where(cd, da, db), dev)
    if needs_grad(input, other):
        record(r, "WhereBackward0", _where_backward, _tensor_inputs(input, other), (condition,),
               likes=(like(input), like(other)))
    return r


def _where_backward(node: Any, g: Tensor) -> tuple:
    (c,), (la, lb), (ea, eb) = node.saved_tensors, node.likes, node.edges
    zero = g.new_zeros(())
    return (None if ea is None else sum_to(where(c, g, zero), la), None if eb is None else sum_to(where(c, zero, g), lb))


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]`` (numbers or tensors); the gradient passes where not clamped.

    Example:
        >>> import brickwork as torch
        >>> torch.clamp(torch.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    r = input
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None:
            r = maximum(r, min if isinstance(min, Tensor) else r.new_tensor(min))
        if max is not None:
            r = minimum(r, max if isinstance(max, Tensor) else r.new_tensor(max))
        return _out(renamed(r, "ClampBackward0", input, min, max), out)
    d, dev = input._data, input._device
    lo, hi = min, max
    if d.dtype.kind in "biu" and (isinstance(lo, float) or isinstance(hi, float)):
        d = d.astype(_dt.get_default_dtype().np)
    elif d.dtype.kind == "b":
        d = d.astype(np.int64)  # bool with integer bounds promotes to int64, as in PyTorch
    elif d.dtype.kind in "iu":  # bounds are cast to the dtype, wrapping around as in PyTorch (NumPy 2 would raise)
        lo = None if lo is None else np.asarray(lo).astype(d.dtype)[()]
        hi = None if hi is None else np.asarray(hi).astype(d.dtype)[()]
    if lo is not None and hi is not None:
        res = dev.xp.minimum(dev.xp.maximum(d, lo), hi)  # PyTorch: max wins when min > max
    elif lo is not None:
        res = dev.xp.maximum(d, lo)
    else:
        res = dev.xp.minimum(d, hi)
    r = wrap(res.astype(d.dtype, copy=False), dev)
    if needs_grad(input):
        record(r, "ClampBackward1", _clamp_backward, (input,), (input,), lo=lo, hi=hi)
    return _out(r, out)


def _clamp_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    lo, hi = node.lo, node.hi
    if lo is None:  # clamp() rejects min and max both None
        mask = x <= hi
    else:
        mask = x >= lo
        if hi is not None:
            mask = mask & (x <= hi)
    return (g * mask.to(g.dtype),)


clip = clamp


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``.

    Example:
        >>> import brickwork as torch
        >>> torch.clamp_min(torch.tensor([-2.0, 0.5, 3.0]), 0.0)
        tensor([0.0000, 0.5000, 3.0000])
    """
    return renamed(clamp(input, min=min), "ClampMinBackward0" if not isinstance(min, Tensor) else "ClampMinBackward1",
                   input)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``.

    Example:
        >>> import brickwork as torch
        >>> torch.clamp_max(torch.tensor([-2.0, 0.5, 3.0]), 1.0)
        tensor([-2.0000,  0.5000,  1.0000])
    """
    return renamed(clamp(input, max=max), "ClampMaxBackward0" if not isinstance(max, Tensor) else "ClampMaxBackward1",
                   input)


# -- unary math ------------------------------------------------------------------------------------------

def _float_data(x: Tensor) -> Any:
    d = x._data
    return d.astype(_dt.get_default_dtype().np) if d.dtype.kind in "biu" else d


def _unary(x: Tensor, f: Any, name: str, backward: Any, *, save: str = "input", floats: bool = True) -> Tensor:
    """A unary op: ``f`` (a callable on arrays, or the name of the array module's function) on ``x``'s data;
    the backward reads the saved input (``save="input"``), the saved output (``"output"``) or nothing (``""``)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name.replace('Backward0', '').lower()}(): argument 'input' must be Tensor, "
                        f"not {type(x).__name__}")
    d = x._data
    if floats and d.dtype.kind in "biu":
        d = d.astype(_dt.get_default_dtype().np)
    r = _make(f(d) if callable(f) else getattr(x._device.xp, f)(d), x._device)
    if backward is not None and x._requires_grad and STATE.enabled:
        record_unary(r, name, backward, x, save == "input", save == "output")
    return r


def exp(input: Tensor) -> Tensor:
    """``e ** input``.

    Example:
        >>> import brickwork as torch
        >>> torch.exp(torch.tensor([0.0]))
        tensor([1.])
    """
    return _unary(input, "exp", "ExpBackward0", _exp_backward, save="output")


def _exp_backward(node: Any, g: Tensor) -> tuple:
    return (g * node.output(),)


@array_backward(_exp_backward)
def _exp_backward_arrays(node: Any, gd: Any) -> tuple:
    return (gd * node.output_data(),)


def exp2(input: Tensor) -> Tensor:
    """``2 ** input``.

    Example:
        >>> import brickwork as torch
        >>> torch.exp2(torch.tensor([0.0, 3.0, -1.0]))
        tensor([1.0000, 8.0000, 0.5000])
    """
    return _unary(input, "exp2", "Exp2Backward0", lambda n, g: (g * n.output() * math.log(2),), save="output")


def expm1(input: Tensor) -> Tensor:
    """``exp(input) - 1``, accurate near zero.

    Example:
        >>> import brickwork as torch
        >>> torch.expm1(torch.tensor([0.0]))
        tensor([0.])
    """
    return _unary(input, "expm1", "Expm1Backward0", lambda n, g: (g * (n.output() + 1),), save="output")


def log(input: Tensor) -> Tensor:
    """Natural logarithm.

    Example:
        >>> import brickwork as torch
        >>> torch.log(torch.tensor([1.0]))
        tensor([0.])
    """
    return _unary(input, "log", "LogBackward0", lambda n, g: (g / n.saved_tensors[0],))


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm.

    Example:
        >>> import brickwork as torch
        >>> torch.log2(torch.tensor([1.0, 8.0]))
        tensor([0., 3.])
    """
    return _unary(input, _exact_log("log2"), "Log2Backward0", lambda n, g: (g / (n.saved_tensors[0] * math.log(2)),))


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm.

    Example:
        >>> import brickwork as torch
        >>> torch.log10(torch.tensor([1.0, 10.0, 0.1]))
        tensor([ 0.,  1., -1.])
    """
    return _unary(input, _exact_log("log10"), "Log10Backward0",
                  lambda n, g: (g / (n.saved_tensors[0] * math.log(10)),))


def _exact_log(name: str) -> Any:
    """``xp.<name>`` computed in float64 for narrower floats: NumPy's float32 ``log10(100)`` is 2.0000002, while
    PyTorch's results are correctly rounded (exact at powers of the base)."""
    def f(d: Any) -> Any:
        fn = getattr(xp_of(d), name)
        return fn(d.astype(np.float64)).astype(d.dtype) if d.dtype.kind == "f" and d.dtype.itemsize < 8 else fn(d)

    return f


def log1p(input: Tensor) -> Tensor:
    """``log(1 + input)``, accurate near zero.

    Example:
        >>> import brickwork as torch
        >>> torch.log1p(torch.tensor([0.0]))
        tensor([0.])
    """
    return _unary(input, "log1p", "Log1PBackward0", lambda n, g: (g / (n.saved_tensors[0] + 1),))


def sqrt(input: Tensor) -> Tensor:
    """Square root.

    Example:
        >>> import brickwork as torch
        >>> torch.sqrt(torch.tensor([4.0]))
        tensor([2.])
    """
    return _unary(input, "sqrt", "SqrtBackward0", lambda n, g: (g / (2 * n.output()),), save="output")


def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(input)``.

    Example:
        >>> import brickwork as torch
        >>> torch.rsqrt(torch.tensor([4.0]))
        tensor([0.5000])
    """
    return _unary(input, lambda d: 1 / input._device.xp.sqrt(d), "RsqrtBackward0",
                  lambda n, g: (-0.5 * g * n.output() ** 3,), save="output")


def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``.

    Example:
        >>> import brickwork as torch
        >>> torch.reciprocal(torch.tensor([4.0]))
        tensor([0.2500])
    """
    return _unary(input, lambda d: 1 / d, "ReciprocalBackward0", lambda n, g: (-g * n.output() ** 2,),
                  save="output")


def square(input: Tensor) -> Tensor:
    """``input * input``.

    Example:
        >>> import brickwork as torch
        >>> torch.square(torch.tensor([-2, 3]))
        tensor([4, 9])
    """
    if isinstance(input, Tensor) and input._data.dtype.kind == "b":
        input = input.long()  # as pow(input, 2): bool squares to int64
    return renamed(mul(input, input), "PowBackward0", input)


def abs(input: Tensor) -> Tensor:  # noqa: A001
    """Absolute value; the gradient at 0 is 0, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.abs(torch.tensor([-1.5, 2.0]))
        tensor([1.5000, 2.0000])
    """
    return _unary(input, "abs", "AbsBackward0", lambda n, g: (g * sign(n.saved_tensors[0]),), floats=False)


absolute = abs


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (zero gradient).

    Example:
        >>> import brickwork as torch
        >>> torch.sign(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    return _unary(input, _sign, "SignBackward0", lambda n, g: (g * 0,), save="", floats=False)


def _sign(d: Any) -> Any:
    xp = xp_of(d)
    if d.dtype.kind == "b":
        return d.copy()
    s = xp.sign(d)
    return xp.where(xp.isnan(d), xp.zeros((), d.dtype), s) if d.dtype.kind == "f" else s  # PyTorch: sign(NaN) = 0


def sgn(input: Tensor) -> Tensor:
    """The sign of each element, as `sign` for real tensors (zero gradient).

    Example:
        >>> import brickwork as torch
        >>> torch.sgn(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    return renamed(sign(input), "SgnBackward0", input)


def neg(input: Tensor) -> Tensor:
    """``-input``.

    Example:
        >>> import brickwork as torch
        >>> torch.neg(torch.tensor([1.0]))
        tensor([-1.])
    """
    if input._data.dtype == np.bool_:
        raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; use "
                           "logical_not() or the `~` operator instead")
    return _unary(input, "negative", "NegBackward0", _neg_backward, save="", floats=False)


def _neg_backward(node: Any, g: Tensor) -> tuple:
    return (-g,)


@array_backward(_neg_backward)
def _neg_backward_arrays(node: Any, gd: Any) -> tuple:
    return (-gd,)


negative = neg


def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself (PyTorch returns its input, not a copy).

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([-1.0, 2.0])
        >>> torch.positive(x) is x
        True
    """
    if input._data.dtype == np.bool_:
        raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported; convert it first, "
                           "e.g. x.long()")
    return input


def sin(input: Tensor) -> Tensor:
    """Sine.

    Example:
        >>> import brickwork as torch
        >>> torch.sin(torch.tensor([0.0]))
        tensor([0.])
    """
    return _unary(input, "sin", "SinBackward0", lambda n, g: (g * cos(n.saved_tensors[0]),))


def cos(input: Tensor) -> Tensor:
    """Cosine.

    Example:
        >>> import brickwork as torch
        >>> torch.cos(torch.tensor([0.0]))
        tensor([1.])
    """
    return _unary(input, "cos", "CosBackward0", lambda n, g: (-g * sin(n.saved_tensors[0]),))


def tan(input: Tensor) -> Tensor:
    """Tangent.

    Example:
        >>> import brickwork as torch
        >>> torch.tan(torch.tensor([0.0, 0.5]))
        tensor([0.0000, 0.5463])
    """
    return _unary(input, "tan", "TanBackward0", lambda n, g: (g * (1 + n.output() ** 2),), save="output")


def asin(input: Tensor) -> Tensor:
    """Inverse sine.

    Example:
        >>> import brickwork as torch
        >>> torch.asin(torch.tensor([0.0, 1.0]))
        tensor([0.0000, 1.5708])
    """
    return _unary(input, "arcsin", "AsinBackward0", lambda n, g: (g * rsqrt(1 - n.saved_tensors[0] ** 2),))


def acos(input: Tensor) -> Tensor:
    """Inverse cosine.

    Example:
        >>> import brickwork as torch
        >>> torch.acos(torch.tensor([1.0, 0.0, -1.0]))
        tensor([0.0000, 1.5708, 3.1416])
    """
    return _unary(input, "arccos", "AcosBackward0", lambda n, g: (-g * rsqrt(1 - n.saved_tensors[0] ** 2),))


def atan(input: Tensor) -> Tensor:
    """Inverse tangent.

    Example:
        >>> import brickwork as torch
        >>> torch.atan(torch.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7854])
    """
    return _unary(input, "arctan", "AtanBackward0", lambda n, g: (g / (1 + n.saved_tensors[0] ** 2),))


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """Angle of the point ``(other, input)``, elementwise.

    Example:
        >>> import brickwork as torch
        >>> torch.atan2(torch.tensor([1.0]), torch.tensor([1.0]))
        tensor([0.7854])
    """
    da, db, dev = binary_arrays(input, other, "atan2", true_div=True)
    r = wrap(dev.xp.arctan2(da, db), dev)
    if needs_grad(input, other):
        def bw(n: Any, g: Tensor) -> tuple:
            a, b = n.saved_tensors
            den = a * a + b * b
            return (sum_to(g * b / den, a) if a._requires_grad else None, sum_to(-g * a / den, b) if b._requires_grad else None)

        record(r, "Atan2Backward0", bw, (input, other), (input, other))
    return r


arctan2 = atan2
arcsin, arccos, arctan = asin, acos, atan


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine.

    Example:
        >>> import brickwork as torch
        >>> torch.asinh(torch.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8814])
    """
    return _unary(input, "arcsinh", "AsinhBackward0", lambda n, g: (g * rsqrt(n.saved_tensors[0] ** 2 + 1),))


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine (NaN below 1).

    Example:
        >>> import brickwork as torch
        >>> torch.acosh(torch.tensor([1.0, 2.0]))
        tensor([0.0000, 1.3170])
    """
    return _unary(input, "arccosh", "AcoshBackward0", lambda n, g: (g * rsqrt(n.saved_tensors[0] ** 2 - 1),))


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent (infinite at -1 and 1).

    Example:
        >>> import brickwork as torch
        >>> torch.atanh(torch.tensor([0.0, 0.5]))
        tensor([0.0000, 0.5493])
    """
    return _unary(input, "arctanh", "AtanhBackward0", lambda n, g: (g / (1 - n.saved_tensors[0] ** 2),))


arcsinh, arccosh, arctanh = asinh, acosh, atanh


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine.

    Example:
        >>> import brickwork as torch
        >>> torch.sinh(torch.tensor([0.0, 1.0]))
        tensor([0.0000, 1.1752])
    """
    return _unary(input, "sinh", "SinhBackward0", lambda n, g: (g * cosh(n.saved_tensors[0]),))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine.

    Example:
        >>> import brickwork as torch
        >>> torch.cosh(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 1.5431])
    """
    return _unary(input, "cosh", "CoshBackward0", lambda n, g: (g * sinh(n.saved_tensors[0]),))


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent.

    Example:
        >>> import brickwork as torch
        >>> torch.tanh(torch.tensor([0.0]))
        tensor([0.])
    """
    return _unary(input, "tanh", "TanhBackward0", _tanh_backward, save="output")


def _tanh_backward(node: Any, g: Tensor) -> tuple:
    y = node.output()
    return (g * (1 - y * y),)


@array_backward(_tanh_backward)
def _tanh_backward_arrays(node: Any, gd: Any) -> tuple:  # one kernel pass instead of three recorded ops
    return (_ka.tanh_backward(node._dev.xp, node.output_data(), gd),)


def _sigmoid_array(d: Any) -> Any:
    return _ka.sigmoid_forward(xp_of(d), d)  # one kernel pass on the CPU


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))``, computed without overflow.

    Example:
        >>> import brickwork as torch
        >>> torch.sigmoid(torch.tensor([0.0]))
        tensor([0.5000])
    """
    return _unary(input, _sigmoid_array, "SigmoidBackward0", _sigmoid_backward, save="output")


def _sigmoid_backward(node: Any, g: Tensor) -> tuple:
    y = node.output()
    return (g * y * (1 - y),)


@array_backward(_sigmoid_backward)
def _sigmoid_backward_arrays(node: Any, gd: Any) -> tuple:  # one kernel pass
    y = node.output_data()
    return (_ka.sigmoid_backward(xp_of(y), y, gd),)


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; the gradient at 0 is 0.

    Example:
        >>> import brickwork as torch
        >>> torch.relu(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"relu(): argument 'input' must be Tensor, not {type(input).__name__}")
    r = _make(_ka.relu_forward(input._device.xp, input._data), input._device)
    if input._requires_grad and STATE.enabled:
        record_unary(r, "ReluBackward0", _relu_backward, input, False, True)
    return r


def _relu_backward(node: Any, g: Tensor) -> tuple:
    return (g * (node.output() <= 0).logical_not(),)


@array_backward(_relu_backward)
def _relu_backward_arrays(node: Any, gd: Any) -> tuple:  # no bool tensor and promotion round trip
    return (_ka.relu_backward(node._dev.xp, node.output_data(), gd),)


def erf(input: Tensor) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``.

    Example:
        >>> import brickwork as torch
        >>> torch.erf(torch.tensor([0.0, 10.0]))
        tensor([0., 1.])
    """
    from ._special import erf as _erf

    return _unary(input, _erf, "ErfBackward0",
                  lambda n, g: (g * _SQRT_2_OVER_PI * exp(-n.saved_tensors[0] ** 2),))


def erfc(input: Tensor) -> Tensor:
    """``1 - erf(input)``.

    Example:
        >>> import brickwork as torch
        >>> torch.erfc(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.1573])
    """
    return renamed(1 - erf(input), "ErfcBackward0", input)


def erfinv(input: Tensor) -> Tensor:
    """Inverse of `erf`.

    Example:
        >>> import brickwork as torch
        >>> torch.erfinv(torch.tensor([0.0]))
        tensor([0.])
    """
    from ._special import erfinv as _erfinv

    return _unary(input, _erfinv, "ErfinvBackward0",
                  lambda n, g: (g * (math.sqrt(math.pi) / 2) * exp(n.output() ** 2),), save="output")


def _rounding(name: str, f: str) -> Any:
    def op(input: Tensor) -> Tensor:
        if input._data.dtype.kind in "biu":
            return input.clone()
        return _unary(input, f, name.capitalize() + "Backward0", lambda n, g: (g * 0,), save="")

    op.__name__ = name
    op.__doc__ = f"Round each element ({name}); the gradient is zero.\n\n    Example:\n" \
                 f"        >>> import brickwork as torch\n        >>> torch.{name}(torch.tensor([1.5]))\n" \
                 f"        tensor([{ {'floor': '1.', 'ceil': '2.', 'trunc': '1.', 'round': '2.'}[name]}])\n"
    return op


floor = _rounding("floor", "floor")
ceil = _rounding("ceil", "ceil")
trunc = _rounding("trunc", "trunc")
fix = trunc


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even (like PyTorch), optionally to ``decimals`` places; zero gradient.

    Example:
        >>> import brickwork as torch
        >>> torch.round(torch.tensor([0.5, 1.5, 2.567]), decimals=0)
        tensor([0., 2., 3.])
    """
    if input._data.dtype.kind in "biu":
        return input.clone()
    return _unary(input, lambda d: input._device.xp.round(d, decimals), "RoundBackward0",
                  lambda n, g: (g * 0,), save="")


def frac(input: Tensor) -> Tensor:
    """``input - trunc(input)``.

    Example:
        >>> import brickwork as torch
        >>> torch.frac(torch.tensor([1.5, -2.25]))
        tensor([ 0.5000, -0.2500])
    """
    if input._data.dtype.kind in "biu":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{str(input.dtype).split('.')[-1]}': frac "
                                  "needs a floating point tensor; convert it first, e.g. x.float()")
    return renamed(input - trunc(input), "FracBackward0", input)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """Replace NaN and infinities with finite numbers.

    Example:
        >>> import brickwork as torch
        >>> torch.nan_to_num(torch.tensor([float('nan'), 1.0]))
        tensor([0., 1.])
    """
    d = input._data
    xp = input._device.xp
    r = wrap(xp.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf), input._device)
    if needs_grad(input):
        record(r, "NanToNumBackward0", lambda n, g: (g * xp_isfinite(n.saved_tensors[0]),), (input,), (input,))
    return r


def xp_isfinite(t: Tensor) -> Tensor:
    """Finite elements as a float mask of ``t``'s dtype."""
    return isfinite(t).to(t.dtype)


# -- comparison and logic (no gradient) --------------------------------------------------------------------

def _compare(name: str, f: Any) -> Any:
    def op(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
        da, db, dev = binary_arrays(input, other, name)
        return _out(wrap(f(da, db), dev), out)

    op.__name__ = name
    shown = [str(bool(f(np.array(v), 2))) for v in (1, 2)]
    shown = [s.rjust(max(map(len, shown))) for s in shown]  # the printer aligns True under False
    op.__doc__ = (f"Elementwise ``{name}`` comparison, giving a bool tensor.\n\n    Example:\n"
                  f"        >>> import brickwork as torch\n        >>> torch.{name}(torch.tensor([1, 2]), 2)\n"
                  f"        tensor([{', '.join(shown)}])\n")
    return op


eq = _compare("eq", lambda a, b: a == b)
ne = _compare("ne", lambda a, b: a != b)
lt = _compare("lt", lambda a, b: a < b)
le = _compare("le", lambda a, b: a <= b)
gt = _compare("gt", lambda a, b: a > b)
ge = _compare("ge", lambda a, b: a >= b)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_or = _compare("logical_or", lambda a, b: (a != 0) | (b != 0))
logical_xor = _compare("logical_xor", lambda a, b: (a != 0) ^ (b != 0))
logical_and = _compare("logical_and", lambda a, b: (a != 0) & (b != 0))


def _bitwise(name: str, f: Any) -> Any:
    def op(input: Any, other: Any) -> Tensor:
        da, db, dev = binary_arrays(input, other, name)
        if da.dtype.kind not in "biu":
            raise RuntimeError(f"{name}: only integer and bool tensors are supported, got dtype "
                               f"{_dt.from_np(da.dtype)}")
        return wrap(f(da, db), dev)

    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}`` of integer or bool tensors.\n\n    Example:\n" \
                 f"        >>> import brickwork as torch\n" \
                 f"        >>> torch.{name}(torch.tensor([True]), torch.tensor([False])).dtype\n" \
                 f"        brickwork.bool\n"
    return op


bitwise_and = _bitwise("bitwise_and", lambda a, b: a & b)
bitwise_or = _bitwise("bitwise_or", lambda a, b: a | b)
bitwise_xor = _bitwise("bitwise_xor", lambda a, b: a ^ b)


def logical_not(input: Tensor) -> Tensor:
    """Elementwise NOT, giving a bool tensor.

    Example:
        >>> import brickwork as torch
        >>> torch.logical_not(torch.tensor([True, False]))
        tensor([False,  True])
    """
    return wrap(input._data == 0, input._device)


def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise bitwise NOT (logical NOT for bool tensors).

    Example:
        >>> import brickwork as torch
        >>> torch.bitwise_not(torch.tensor([True]))
        tensor([False])
    """
    if input._data.dtype.kind not in "biu":
        raise RuntimeError(f"bitwise_not: only integer and bool tensors are supported, got {input.dtype}")
    return wrap(~input._data, input._device)


def isnan(input: Tensor) -> Tensor:
    """Where elements are NaN.

    Example:
        >>> import brickwork as torch
        >>> torch.isnan(torch.tensor([float('nan'), 1.0]))
        tensor([ True, False])
    """
    return wrap(input._device.xp.isnan(input._data), input._device)


def isinf(input: Tensor) -> Tensor:
    """Where elements are infinite.

    Example:
        >>> import brickwork as torch
        >>> torch.isinf(torch.tensor([1.0, float("-inf"), float("nan")]))
        tensor([False,  True, False])
    """
    return wrap(input._device.xp.isinf(input._data), input._device)


def isfinite(input: Tensor) -> Tensor:
    """Where elements are finite.

    Example:
        >>> import brickwork as torch
        >>> torch.isfinite(torch.tensor([1.0, float("inf"), float("nan")]))
        tensor([ True, False, False])
    """
    return wrap(input._device.xp.isfinite(input._data), input._device)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|``.

    Example:
        >>> import brickwork as torch
        >>> torch.isclose(torch.tensor([1.0]), torch.tensor([1.0 + 1e-9]))
        tensor([True])
    """
    da, db, dev = binary_arrays(input, other, "isclose")
    return wrap(dev.xp.isclose(da, db, rtol=rtol, atol=atol, equal_nan=equal_nan), dev)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether all elements are close (see `isclose`).

    Example:
        >>> import brickwork as torch
        >>> torch.allclose(torch.ones(2), torch.ones(2))
        True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether two tensors have the same shape and elements.

    Example:
        >>> import brickwork as torch
        >>> torch.equal(torch.ones(2), torch.ones(2))
        True
    """
    return tuple(input.shape) == tuple(other.shape) and bool((input == other)._data.all())



def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``.

    Example:
        >>> import brickwork as torch
        >>> torch.addcmul(torch.ones(2), torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]), value=0.5)
        tensor([2.5000, 5.0000])
    """
    return renamed(input + value * tensor1 * tensor2, "AddcmulBackward0", input, tensor1, tensor2)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``.

    Example:
        >>> import brickwork as torch
        >>> torch.addcdiv(torch.ones(2), torch.tensor([1.0, 2.0]), torch.tensor([4.0, 8.0]), value=2)
        tensor([1.5000, 1.5000])
    """
    return renamed(input + value * tensor1 / tensor2, "AddcdivBackward0", input, tensor1, tensor2)

# -- output and in-place helpers ---------------------------------------------------------------------------

def _out(r: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return r
    if not isinstance(out, Tensor):
        raise TypeError(f"out= must be a Tensor, got {type(out).__name__}")
    check_inplace(out, "out=")
    if r._requires_grad and __import__("brickwork").is_grad_enabled():
        raise RuntimeError("out= arguments don't support automatic differentiation, but one of the inputs "
                           "requires grad; drop out= or wrap the call in no_grad()")
    if tuple(out.shape) != tuple(r.shape):
        out._data = r._data.astype(out._data.dtype, copy=True)
    else:
        out._data[...] = r._data
    out._version_counter[0] += 1
    return out


def make_inplace(fn: _F, name: str, args: str = "", x: str = "[0.25, 0.5]", recorded: bool = True) -> _F:
    """The in-place variant ``name`` (``exp_``) of the out-of-place op ``fn``.

    ``x.exp_()`` writes ``exp(x)`` into ``x`` through the in-place protocol (leaf check, dtype and shape
    check, version bump, history); it takes ``fn``'s arguments after the first. ``args`` (the call's
    arguments) and ``x`` (an input) only write the variant's docstring example, which checks that it returns
    ``x`` holding ``fn``'s result. ``recorded=False`` writes outside autograd, history untouched, as PyTorch
    does for the ``logical_*_`` ops.
    """
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        others = [a for a in args if isinstance(a, Tensor)] + [v for v in kwargs.values() if isinstance(v, Tensor)]
        if recorded:
            return inplace(self, name, lambda t: fn(t, *args, **kwargs), *others)
        prev, STATE.enabled = STATE.enabled, False
        try:
            return inplace(self, name, lambda t: fn(t, *args, **kwargs), *others)
        finally:
            STATE.enabled = prev

    op = fn.__name__
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"In-place `{op}`: writes ``{op}(self, ...)`` into ``self`` and returns ``self``.\n\n"
                      f"    Example:\n        >>> import brickwork as torch\n"
                      f"        >>> x = torch.tensor({x})\n"
                      f"        >>> y = torch.{op}(x{', ' + args if args else ''})\n"
                      f"        >>> x.{name}({args}) is x, torch.equal(x, y)\n        (True, True)\n")
    return cast(_F, method)  # typed as ``fn``: the same arguments, ``self`` first


# -- in-place variants -------------------------------------------------------------------------------------
# One line each, made by `make_inplace`. The torch namespace exports those PyTorch has as functions
# (``torch.exp_``); the others are Tensor methods only. Aliases are the same function.

abs_ = absolute_ = make_inplace(abs, "abs_")
acos_ = arccos_ = make_inplace(acos, "acos_")
acosh_ = arccosh_ = make_inplace(acosh, "acosh_", x="[1.5, 2.0]")
add_ = make_inplace(add, "add_", "2")
addcdiv_ = make_inplace(addcdiv, "addcdiv_", "x, x")
addcmul_ = make_inplace(addcmul, "addcmul_", "x, x")
asin_ = arcsin_ = make_inplace(asin, "asin_")
asinh_ = arcsinh_ = make_inplace(asinh, "asinh_")
atan_ = arctan_ = make_inplace(atan, "atan_")
atan2_ = arctan2_ = make_inplace(atan2, "atan2_", "x")
atanh_ = arctanh_ = make_inplace(atanh, "atanh_")
bitwise_and_ = make_inplace(bitwise_and, "bitwise_and_", "3", "[4, 6]")
bitwise_not_ = make_inplace(bitwise_not, "bitwise_not_", x="[4, 6]")
bitwise_or_ = make_inplace(bitwise_or, "bitwise_or_", "3", "[4, 6]")
bitwise_xor_ = make_inplace(bitwise_xor, "bitwise_xor_", "3", "[4, 6]")
ceil_ = make_inplace(ceil, "ceil_")
clamp_ = clip_ = make_inplace(clamp, "clamp_", "0.3")
clamp_max_ = make_inplace(clamp_max, "clamp_max_", "0.3")
clamp_min_ = make_inplace(clamp_min, "clamp_min_", "0.3")
cos_ = make_inplace(cos, "cos_")
cosh_ = make_inplace(cosh, "cosh_")
div_ = divide_ = true_divide_ = make_inplace(div, "div_", "2")
eq_ = make_inplace(eq, "eq_", "0.5")
erf_ = make_inplace(erf, "erf_")
erfc_ = make_inplace(erfc, "erfc_")
erfinv_ = make_inplace(erfinv, "erfinv_")
exp_ = make_inplace(exp, "exp_")
exp2_ = make_inplace(exp2, "exp2_")
expm1_ = make_inplace(expm1, "expm1_")
floor_ = make_inplace(floor, "floor_")
floor_divide_ = make_inplace(floor_divide, "floor_divide_", "0.2")
fmod_ = make_inplace(fmod, "fmod_", "0.2")
frac_ = make_inplace(frac, "frac_")
ge_ = greater_equal_ = make_inplace(ge, "ge_", "0.5")
gt_ = greater_ = make_inplace(gt, "gt_", "0.3")
le_ = less_equal_ = make_inplace(le, "le_", "0.3")
lerp_ = make_inplace(lerp, "lerp_", "x + 1, 0.5")
log_ = make_inplace(log, "log_")
log10_ = make_inplace(log10, "log10_")
log1p_ = make_inplace(log1p, "log1p_")
log2_ = make_inplace(log2, "log2_")
logical_and_ = make_inplace(logical_and, "logical_and_", "x > 0.3", recorded=False)
logical_not_ = make_inplace(logical_not, "logical_not_", recorded=False)
logical_or_ = make_inplace(logical_or, "logical_or_", "x > 0.3", recorded=False)
logical_xor_ = make_inplace(logical_xor, "logical_xor_", "x > 0.3", recorded=False)
lt_ = less_ = make_inplace(lt, "lt_", "0.3")
maximum_ = make_inplace(maximum, "maximum_", "1 - x")
minimum_ = make_inplace(minimum, "minimum_", "1 - x")
mul_ = multiply_ = make_inplace(mul, "mul_", "2")
nan_to_num_ = make_inplace(nan_to_num, "nan_to_num_")
ne_ = not_equal_ = make_inplace(ne, "ne_", "0.5")
neg_ = negative_ = make_inplace(neg, "neg_")
pow_ = make_inplace(pow, "pow_", "2")
reciprocal_ = make_inplace(reciprocal, "reciprocal_")
relu_ = make_inplace(relu, "relu_")
remainder_ = make_inplace(remainder, "remainder_", "0.2")
round_ = make_inplace(round, "round_")
rsqrt_ = make_inplace(rsqrt, "rsqrt_")
sgn_ = make_inplace(sgn, "sgn_")
sigmoid_ = make_inplace(sigmoid, "sigmoid_")
sign_ = make_inplace(sign, "sign_")
sin_ = make_inplace(sin, "sin_")
sinh_ = make_inplace(sinh, "sinh_")
sqrt_ = make_inplace(sqrt, "sqrt_")
square_ = make_inplace(square, "square_")
sub_ = subtract_ = make_inplace(sub, "sub_", "2")
tan_ = make_inplace(tan, "tan_")
tanh_ = make_inplace(tanh, "tanh_")
trunc_ = fix_ = make_inplace(trunc, "trunc_")


_float_power_ = make_inplace(float_power, "float_power_", "2", "[0.25, 0.5], dtype=torch.float64")


def float_power_(self: Tensor, exponent: Any) -> Tensor:
    """In-place `float_power` of a float64 tensor (its result is float64, so other dtypes cannot hold it).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([2.0, 3.0], dtype=torch.float64).float_power_(2)
        tensor([4., 9.], dtype=brickwork.float64)
    """
    if self._data.dtype != np.float64:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype {self.dtype} but the "
                           "operation's result requires dtype Double (float64); use x.double() first, or the "
                           "out-of-place float_power")
    return _float_power_(self, exponent)

