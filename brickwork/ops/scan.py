"""Running reductions (``cummax``, ``cummin``, ``logcumsumexp``), ``logaddexp`` and the bit shifts.

``cummax``/``cummin`` find their indices on arrays and take their values with ``gather``, so the gradient
flows to the element each running maximum came from, as in PyTorch. ``logcumsumexp`` computes its value
stably on arrays and has a hand-written backward made of tensor ops (itself included), so it differentiates
again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import return_types
from .._tensor import Tensor
from ._aliases import numpy_names
from ._core import binary_arrays, needs_grad, record, wrap, wrap_dim
from .elementwise import exp, isinf, log, maximum, where
from .movement import flip

__all__ = ["cummax", "cummin", "logcumsumexp", "logaddexp", "logaddexp2", "bitwise_left_shift",
           "bitwise_right_shift"]


def _cum_extreme(input: Tensor, dim: int, largest: bool, op: str) -> Any:
    d = wrap_dim(dim, input.ndim, op)
    x = input._data
    if input.ndim == 0:
        x = x.reshape(1)
    xp = input._device.xp
    if x.dtype.kind == "b":
        x = x.astype("int8")
    if x.size == 0:
        idx = xp.zeros(x.shape, dtype="int64")
    else:
        m = (xp.maximum if largest else xp.minimum).accumulate(x, axis=d)
        pos = xp.arange(x.shape[d], dtype="int64").reshape((-1,) + (1,) * (x.ndim - d - 1))
        is_new = x == m
        if x.dtype.kind == "f":
            is_new |= xp.isnan(x)
        idx = xp.maximum.accumulate(xp.where(is_new, pos, 0), axis=d)
    indices = wrap(idx.reshape(input._data.shape), input._device)
    values = input.gather(d, indices) if input.ndim else input.clone()
    return (return_types.cummax if largest else return_types.cummin)(values, indices)


@numpy_names
def cummax(input: Tensor, dim: int, *, out: Any = None) -> Any:
    """Running maximum along ``dim`` and the index where each was reached (the last one among ties).

    Example:
        >>> import brickwork as torch
        >>> torch.cummax(torch.tensor([1, 3, 2, 3]), 0).indices
        tensor([0, 1, 1, 3])
    """
    return _cum_extreme(input, dim, True, "cummax")


@numpy_names
def cummin(input: Tensor, dim: int, *, out: Any = None) -> Any:
    """Running minimum along ``dim`` and the index where each was reached (the last one among ties).

    Example:
        >>> import brickwork as torch
        >>> torch.cummin(torch.tensor([3, 1, 2, 1]), 0).values
        tensor([3, 1, 1, 1])
    """
    return _cum_extreme(input, dim, False, "cummin")


@numpy_names
def logcumsumexp(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """``log(cumsum(exp(input), dim))`` computed without overflow.

    Example:
        >>> import brickwork as torch
        >>> torch.logcumsumexp(torch.tensor([0.0, 0.0, 1000.0]), 0).tolist()
        [0.0, 0.6931471824645996, 1000.0]
    """
    d = wrap_dim(dim, input.ndim, "logcumsumexp")
    if not input.is_floating_point():
        raise NotImplementedError(f"logcumsumexp: expected a floating point input, got {input.dtype}; convert with "
                                  ".float() first")
    x = input._data
    xp = input._device.xp
    r = xp.logaddexp.accumulate(x.reshape(1) if x.ndim == 0 else x, axis=d).reshape(x.shape) if x.size else x.copy()
    res = wrap(r, input._device)
    if needs_grad(input):
        record(res, "LogcumsumexpBackward0", _logcumsumexp_backward, (input,), saved=(input,), save_output=True,
               dim=d)
    return res


def _rev_logcumsumexp(t: Tensor, d: int) -> Tensor:
    return flip(logcumsumexp(flip(t, (d,)), d), (d,))


def _logcumsumexp_backward(node: Any, g: Tensor) -> tuple:
    # d out_i / d x_j = exp(x_j - out_i) for j <= i; the sum over i >= j is a reverse logcumsumexp, taken
    # separately over the positive and the negative parts of g so that every logarithm is of a positive number
    (x,), out = node.saved_tensors, node.output()
    if x.ndim == 0:
        return (g,)
    d = node.dim
    # a finite stand-in for log(0), far enough below every term that exp() makes it exactly 0; -inf would turn
    # into inf - inf = nan in the second derivative
    o = out._data
    fin = o[o == o]
    low = -1e4 - (float(abs(fin).max()) if fin.size and bool((abs(fin) < float("inf")).all()) else 0.0)
    pos = where(g > 0, log(where(g > 0, g, 1.0)), low) - out
    neg = where(g < 0, log(where(g < 0, -g, 1.0)), low) - out
    return (exp(x + _rev_logcumsumexp(pos, d)) - exp(x + _rev_logcumsumexp(neg, d)),)


def logaddexp(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow.

    Example:
        >>> import brickwork as torch
        >>> torch.logaddexp(torch.tensor([0.0, 1000.0]), torch.tensor([0.0, 1000.0])).tolist()
        [0.6931471824645996, 1000.6931762695312]
    """
    a, b = (t.float() if isinstance(t, Tensor) and not t.is_floating_point() else t for t in (input, other))
    m = maximum(a, b).detach()
    safe = where(isinf(m), 0.0, m)  # both -inf (or an inf): exp(a - m) would be nan
    return where(isinf(m) & (a == b), m, safe + log(exp(a - safe) + exp(b - safe)))


def logaddexp2(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``log2(2**input + 2**other)`` without overflow.

    Example:
        >>> import brickwork as torch
        >>> torch.logaddexp2(torch.tensor([1.0]), torch.tensor([1.0]))
        tensor([2.])
    """
    ln2 = math.log(2.0)
    return logaddexp(input * ln2, other * ln2) / ln2


def _shift(input: Any, other: Any, left: bool) -> Tensor:
    name = "bitwise_left_shift" if left else "bitwise_right_shift"
    da, db, dev = binary_arrays(input, other, name)
    xp = dev.xp
    dt = da.dtype if hasattr(da, "dtype") else db.dtype  # ``1 << x`` puts a number first
    if dt.kind == "b":
        dt = np.dtype(np.int64)
    elif dt.kind not in "iu":
        raise NotImplementedError(f"\"{'lshift' if left else 'rshift'}_cpu\" not implemented for "
                                  f"'{str(_dt.from_np(dt)).split('.')[-1].capitalize()}'; shifts need "
                                  "integer tensors")
    da, db = xp.asarray(da).astype(dt), xp.asarray(db).astype(dt)
    bits = dt.itemsize * 8
    big = db >= bits  # C shifts by the width or more are undefined; PyTorch gives 0 (or -1 right-shifting < 0)
    if left:
        r = xp.where(big, 0, xp.left_shift(da, xp.where(big, 0, db))).astype(da.dtype)
    else:
        r = xp.right_shift(da, xp.where(big, bits - 1, db))
    return wrap(r, dev)


def bitwise_left_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input << other`` for integer tensors; shifting by the bit width or more gives 0.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1, 2]) << 2
        tensor([4, 8])
    """
    return _shift(input, other, True)


def bitwise_right_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input >> other`` for integer tensors (arithmetic shift: the sign is kept).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([-8, 8]) >> 1
        tensor([-4,  4])
    """
    return _shift(input, other, False)
