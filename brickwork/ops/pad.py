"""``pad``: constant (a primitive; negative amounts crop), reflect, replicate and circular (index gathers)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._errors import op_error
from .._tensor import Tensor
from ._core import needs_grad, record, wrap

__all__ = ["pad"]


def _constant(x: Tensor, pads: list[tuple[int, int]], value: float) -> Tensor:
    """Zero-or-more padding on every dimension (``pads`` per dimension, all non-negative)."""
    d = x._data
    shape = tuple(n + a + b for n, (a, b) in zip(d.shape, pads))
    buf = x._device.xp.full(shape, value, d.dtype)
    inner = tuple(slice(a, a + n) for n, (a, _) in zip(d.shape, pads))
    buf[inner] = d
    out = wrap(buf, x._device)
    if needs_grad(x):
        record(out, "ConstantPadNdBackward0", _constant_backward, (x,), inner=inner)
    return out


def _constant_backward(node: Any, g: Tensor) -> tuple:
    return (g[node.inner],)


def _indices(n: int, a: int, b: int, mode: str) -> np.ndarray:
    i = np.arange(-a, n + b)
    if mode == "reflect":
        period = 2 * (n - 1)
        i = np.abs(i) % period if period else np.zeros_like(i)
        return np.where(i >= n, period - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n  # circular


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dimensions: ``pad = (left, right, top, bottom, ...)``, last dimension first.

    ``mode`` is ``'constant'`` (fill with ``value``, default 0; negative amounts crop), ``'reflect'``
    (mirror without repeating the edge), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.pad(torch.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode='reflect')
        tensor([[3., 2., 1., 2., 3., 2.]])
    """
    pad = [int(p) for p in pad]
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise op_error(RuntimeError, "pad",
                       f"padding length must be even and at most twice the input's dimensions "
                       f"({input.ndim}), got {len(pad)} values")
    k = len(pad) // 2
    per_dim = [(0, 0)] * (input.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    if mode == "constant":
        crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in zip(input.shape, per_dim))
        x = input[crop] if any(a < 0 or b < 0 for a, b in per_dim) else input
        if any(s.stop - s.start < 0 for s in crop):
            raise op_error(RuntimeError, "pad",
                           f"negative padding {tuple(pad)} removes more than the size of input "
                           f"{list(input.shape)}")
        return _constant(x, [(max(a, 0), max(b, 0)) for a, b in per_dim], 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise op_error(ValueError, "pad",
                       f"unknown padding mode {mode!r}; use 'constant', 'reflect', "
                       "'replicate' or 'circular'")
    if value:
        raise op_error(ValueError, "pad", f"padding mode {mode!r} doesn't take in value argument")
    out = input
    for dim, (a, b) in enumerate(per_dim):
        if not a and not b:
            continue
        n = input.shape[dim]
        if min(a, b) < 0 and mode != "circular":
            raise op_error(RuntimeError, "pad", f"negative padding {(a, b)} is only supported in constant mode")
        if mode == "reflect" and (a >= n or b >= n):
            raise op_error(RuntimeError, "pad",
                           f"padding size should be less than the corresponding input dimension, but got "
                           f"padding ({a}, {b}) at dimension {dim} of input {list(input.shape)}")
        if mode == "circular" and (a > n or b > n):
            raise op_error(RuntimeError, "pad",
                           f"padding value causes wrapping around more than once (padding ({a}, {b}) at "
                           f"dimension {dim} of size {n})")
        idx = _indices(n, a, b, mode)
        out = out.index_select(dim, wrap(out._device.backend.from_host(idx, out._device.index), out._device))
    return out
