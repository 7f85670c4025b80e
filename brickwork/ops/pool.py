"""Pooling: ``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool1d/2d``, ``adaptive_max_pool1d/2d``.

Max and average pooling are primitives built from the kernel's ``kh * kw`` strided slices of the padded input
(no index arrays, no scatter), in adjoint pairs so every derivative order works:

* max pooling keeps, per output, which kernel position won (``arg``); its backward *scatters* the gradient to
  those positions, and the scatter's backward *gathers* from them (the pair are each other's gradients);
* average pooling is a window sum times a constant divisor; the window sum's adjoint adds each output back
  over its window.

1-d pooling is 2-d pooling with a height of 1. Adaptive pooling reshapes when the sizes divide evenly, and
otherwise averages with two small matrices (avg) or gathers the arg-max of each window (max).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._errors import op_error
from .._tensor import Tensor
from ._core import needs_grad, record, wrap, xp_of, computed_in_float32
from .conv import int_tuple

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d"]


class _PoolGeometry:
    """Windows of a 2-d pooling: kernel, stride, dilation, padding (plus ceil-mode overhang) and sizes."""

    __slots__ = ("n", "c", "h", "w", "kh", "kw", "sh", "sw", "dh", "dw", "ph", "pw", "oh", "ow", "hp", "wp")
    n: int
    c: int
    h: int
    w: int
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    ph: int
    pw: int
    oh: int
    ow: int
    hp: int
    wp: int

    def slice(self, i: int, j: int) -> tuple:
        """The strided slice of the padded input read by kernel position (i, j) for every output."""
        h0, w0 = i * self.dh, j * self.dw
        return (slice(None), slice(None), slice(h0, h0 + self.sh * (self.oh - 1) + 1, self.sh),
                slice(w0, w0 + self.sw * (self.ow - 1) + 1, self.sw))

    def padded(self) -> bool:
        return self.hp != self.h or self.wp != self.w


def _out_size(op: str, size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    # PyTorch's pooling_output_shape: the last window must start inside the input or its left padding
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_geometry(op: str, x: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, max_pool: bool) -> _PoolGeometry:
    """Check a pooling call (1-d or 2-d form) and return its geometry; input must be batched 3-D/4-D here."""
    k = int_tuple(kernel_size, nd, "kernel_size", op)
    no_stride = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    s = k if no_stride else int_tuple(stride, nd, "stride", op)
    p, d = int_tuple(padding, nd, "padding", op), int_tuple(dilation, nd, "dilation", op)
    if any(v <= 0 for v in k + s + d):
        raise op_error(RuntimeError, op,
                       f"kernel_size, stride and dilation must be positive, got kernel_size={k}, "
                       f"stride={s}, dilation={d}")
    for kk, pp, dd in zip(k, p, d):
        limit = ((kk - 1) * dd + 1) // 2 if max_pool else kk // 2
        if pp < 0 or pp > limit:
            raise op_error(RuntimeError, op,
                           f"pad should be at most half of {'effective ' if max_pool else ''}kernel size, "
                           f"but got pad={pp}, kernel_size={kk}" + (f" and dilation={dd}" if max_pool else ""))
    if nd == 1:
        k, s, p, d = (1,) + k, (1,) + s, (0,) + p, (1,) + d
    g = _PoolGeometry()
    g.n, g.c, g.h, g.w = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
    (g.kh, g.kw), (g.sh, g.sw), (g.ph, g.pw), (g.dh, g.dw) = k, s, p, d
    g.oh = _out_size(op, g.h, g.kh, g.sh, g.ph, g.dh, ceil_mode)
    g.ow = _out_size(op, g.w, g.kw, g.sw, g.pw, g.dw, ceil_mode)
    if g.oh <= 0 or g.ow <= 0:
        shown = (g.c, g.w) if nd == 1 else (g.c, g.h, g.w)
        out = (g.c, g.ow) if nd == 1 else (g.c, g.oh, g.ow)
        raise op_error(RuntimeError, op,
                       f"given input size {shown}, calculated output size {out} is too small; the "
                       f"kernel {k[2 - nd:]} (dilation {d[2 - nd:]}) does not fit the padded input. Use a "
                       "larger input, a smaller kernel or more padding")
    g.hp = max(g.h + 2 * g.ph, (g.oh - 1) * g.sh + g.dh * (g.kh - 1) + 1)  # ceil_mode windows may overhang
    g.wp = max(g.w + 2 * g.pw, (g.ow - 1) * g.sw + g.dw * (g.kw - 1) + 1)
    return g


def _pad(d: Any, g: _PoolGeometry, fill: float) -> Any:
    if not g.padded():
        return d
    xp = xp_of(d)
    buf = xp.full((g.n, g.c, g.hp, g.wp), fill, d.dtype)
    buf[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w] = d
    return buf


def _crop(buf: Any, g: _PoolGeometry) -> Any:
    if not g.padded():
        return buf
    return xp_of(buf).ascontiguousarray(buf[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w])


# -- max pooling --------------------------------------------------------------------------------------------

def _lowest_bit_table(bits: int) -> np.ndarray:
    """``table[code]`` is the position of the lowest set bit of ``code`` (0 for 0)."""
    codes = np.arange(1 << bits)
    return np.where(codes, np.log2(np.maximum(codes & -codes, 1)), 0).astype(np.int8)


_LOWEST_BIT: dict[int, Any] = {}


def _max_arrays(d: Any, g: _PoolGeometry) -> tuple[Any, Any]:
    """Per output: the window maximum and which kernel position (row-major) holds it, as PyTorch picks it: the
    first of equal maxima, the last NaN in a window holding NaN."""
    xp = xp_of(d)
    fill = -math.inf if d.dtype.kind == "f" else np.iinfo(d.dtype).min
    src = _pad(d, g, fill)
    views = [src[g.slice(i, j)] for i in range(g.kh) for j in range(g.kw)]
    best = views[0].copy()
    for v in views[1:]:
        xp.maximum(best, v, out=best)  # propagates NaN
    k = len(views)
    if k <= 16:
        # a bit per position equal to the max, then the lowest set bit from a table: no masked writes, which
        # are several times slower than arithmetic
        code_type = np.uint8 if k <= 8 else np.uint16
        code = xp.zeros(best.shape, code_type)
        for p, v in enumerate(views):
            e = (v == best).view(np.uint8).astype(code_type, copy=False)
            code |= e << code_type(p) if p else e
        bits = 8 if k <= 8 else 16
        if bits not in _LOWEST_BIT:
            _LOWEST_BIT[bits] = _lowest_bit_table(bits)
        table = _LOWEST_BIT[bits] if xp is np else xp.asarray(_LOWEST_BIT[bits])
        arg = table[code]
    else:
        arg = xp.zeros(best.shape, np.int32)
        for p in range(k - 1, -1, -1):  # descending, so the first position equal to the max is written last
            xp.copyto(arg, p, where=views[p] == best)
    if d.dtype.kind == "f":
        nan = xp.isnan(best)
        if nan.any():
            for p, v in enumerate(views):
                xp.copyto(arg, p, where=nan & xp.isnan(v))
    return best, arg


def _scatter_arrays(gy: Any, arg: Any, g: _PoolGeometry) -> Any:
    xp = xp_of(gy)
    tiles = (g.sh, g.sw, g.dh, g.dw, g.hp, g.wp) == (g.kh, g.kw, 1, 1, g.oh * g.kh, g.ow * g.kw)
    disjoint = g.sh >= g.dh * (g.kh - 1) + 1 and g.sw >= g.dw * (g.kw - 1) + 1
    buf = (xp.empty if tiles else xp.zeros)((g.n, g.c, g.hp, g.wp), gy.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            hit = arg == i * g.kw + j
            if tiles:  # the windows cover the input exactly once: write every slice whole
                xp.multiply(gy, hit, out=buf[g.slice(i, j)])
            elif disjoint:
                xp.copyto(buf[g.slice(i, j)], gy, where=hit)
            else:
                buf[g.slice(i, j)] += gy * hit
    return _crop(buf, g)


def _gather_arrays(d: Any, arg: Any, g: _PoolGeometry) -> Any:
    src = _pad(d, g, 0)
    out = xp_of(d).zeros((g.n, g.c, g.oh, g.ow), d.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            out += src[g.slice(i, j)] * (arg == i * g.kw + j)
    return out


def _max_scatter(gy: Tensor, arg: Any, g: _PoolGeometry) -> Tensor:
    """The gradient of max pooling: each output's gradient sent to the kernel position ``arg`` that won."""
    out = wrap(_scatter_arrays(gy._data, arg, g), gy._device)
    if needs_grad(gy):
        record(out, "MaxPool2DWithIndicesBackwardBackward0", _max_scatter_backward, (gy,), arg=arg, geometry=g)
    return out


def _max_scatter_backward(node: Any, u: Tensor) -> tuple:
    return (_max_gather(u, node.arg, node.geometry),)


def _max_gather(x: Tensor, arg: Any, g: _PoolGeometry) -> Tensor:
    """Max pooling with known winners: the input at kernel position ``arg`` of each window."""
    out = wrap(_gather_arrays(x._data, arg, g), x._device)
    if needs_grad(x):
        record(out, "MaxPool2DWithIndicesBackward0", _max_gather_backward, (x,), arg=arg, geometry=g)
    return out


def _max_gather_backward(node: Any, u: Tensor) -> tuple:
    return (_max_scatter(u, node.arg, node.geometry),)


def _flat_indices(arg: Any, g: _PoolGeometry) -> Any:
    """PyTorch's ``return_indices``: the flat position of each maximum within its input plane (H * W)."""
    xp = xp_of(arg)
    a = arg.astype(np.int64)
    rows = xp.arange(g.oh, dtype=np.int64).reshape(-1, 1) * g.sh - g.ph + (a // g.kw) * g.dh
    cols = xp.arange(g.ow, dtype=np.int64) * g.sw - g.pw + (a % g.kw) * g.dw
    return rows * g.w + cols


def _batched(op: str, input: Tensor, nd: int) -> tuple[Tensor, bool]:
    if not isinstance(input, Tensor):
        raise op_error(TypeError, op, f"expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise op_error(RuntimeError, op,
                       f"expected {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, but got input "
                       f"of size {list(input.shape)}")
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    return (x.unsqueeze(2) if nd == 1 else x), unbatched


def _unbatch(t: Tensor, nd: int, unbatched: bool) -> Tensor:
    if nd == 1:
        t = t.squeeze(2)
    return t.squeeze(0) if unbatched else t


def _max_poolnd(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                ceil_mode: bool, return_indices: bool) -> Any:
    x, unbatched = _batched(op, input, nd)
    g = _pool_geometry(op, x, nd, kernel_size, stride, padding, dilation, ceil_mode, True)
    best, arg = _max_arrays(x._data, g)
    out = wrap(best, x._device)
    if needs_grad(x):
        record(out, "MaxPool2DWithIndicesBackward0", _max_gather_backward, (x,), arg=arg, geometry=g)
    out = _unbatch(out, nd, unbatched)
    if not return_indices:
        return out
    return out, _unbatch(wrap(_flat_indices(arg, g), x._device), nd, unbatched)


@computed_in_float32
def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """1-d max pooling over (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.max_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 5.0]]]), 2)
        tensor([[[3., 5.]]])
    """
    return _max_poolnd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


@computed_in_float32
def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """2-d max pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``.

    With ``return_indices=True`` also returns each maximum's flat index within its H * W input plane.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.max_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_poolnd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# -- average pooling ------------------------------------------------------------------------------------------

def _window_sum(x: Tensor, g: _PoolGeometry) -> Tensor:
    src = _pad(x._data, g, 0)
    if (g.sh, g.sw, g.dh, g.dw) == (g.kh, g.kw, 1, 1) and g.kh * g.kw > 1:
        # windows side by side: add the kh rows of each window (long contiguous runs), then the kw columns
        # (1.5-2.4x faster than kh * kw strided adds at LeNet's 2x2 pooling)
        hs, ws = g.kh * g.oh, g.kw * g.ow
        rows = src[:, :, 0:hs:g.kh].copy() if g.kh == 1 else src[:, :, 0:hs:g.kh] + src[:, :, 1:hs:g.kh]
        for i in range(2, g.kh):
            rows += src[:, :, i:hs:g.kh]
        out = rows[..., 0:ws:g.kw] if g.kw == 1 else rows[..., 0:ws:g.kw] + rows[..., 1:ws:g.kw]
        for j in range(2, g.kw):
            out += rows[..., j:ws:g.kw]
        out = xp_of(out).ascontiguousarray(out)
    else:
        out = src[g.slice(0, 0)].copy()
        for i in range(g.kh):
            for j in range(g.kw):
                if i or j:
                    out += src[g.slice(i, j)]
    r = wrap(out, x._device)
    if needs_grad(x):
        record(r, "AvgPool2DBackward0", _window_sum_backward, (x,), geometry=g)
    return r


def _window_sum_backward(node: Any, u: Tensor) -> tuple:
    return (_window_sum_t(u, node.geometry),)


def _window_sum_t(gy: Tensor, g: _PoolGeometry) -> Tensor:
    d = gy._data
    if (g.sh, g.sw, g.dh, g.dw) == (g.kh, g.kw, 1, 1) and (g.oh * g.kh, g.ow * g.kw) == (g.hp, g.wp) == (g.h, g.w):
        # windows that tile the input exactly: each input takes its window's gradient; two repeats are 2.5-3.5x
        # faster than the kh * kw strided adds below for LeNet's 2x2 pooling (and than one 6-d broadcast copy)
        xp = xp_of(d)
        buf = xp.repeat(xp.repeat(d, g.kw, axis=3), g.kh, axis=2)
    else:
        buf = _crop(_window_sum_t_padded(d, g), g)
    r = wrap(buf, gy._device)
    if needs_grad(gy):
        record(r, "AvgPool2DBackwardBackward0", _window_sum_t_backward, (gy,), geometry=g)
    return r


def _window_sum_t_padded(d: Any, g: _PoolGeometry) -> Any:
    buf = xp_of(d).zeros((g.n, g.c, g.hp, g.wp), d.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            buf[g.slice(i, j)] += d
    return buf


def _window_sum_t_backward(node: Any, u: Tensor) -> tuple:
    return (_window_sum(u, node.geometry),)


def _divisor(g: _PoolGeometry, count_include_pad: bool) -> Any:
    """Per-output divisors as PyTorch counts them: padding counts (if asked), ceil-mode overhang never does."""
    def counts(o: int, s: int, p: int, k: int, size: int) -> np.ndarray:
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        return (end - start).astype(np.float64)
    return np.outer(counts(g.oh, g.sh, g.ph, g.kh, g.h), counts(g.ow, g.sw, g.pw, g.kw, g.w))


def _avg_poolnd(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
                count_include_pad: bool, divisor_override: int | None) -> Tensor:
    x, unbatched = _batched(op, input, nd)
    if x._data.dtype.kind != "f":
        raise op_error(RuntimeError, op, f"expected a floating point input, got {x.dtype}; call input.float() first")
    g = _pool_geometry(op, x, nd, kernel_size, stride, padding, 1, ceil_mode, False)
    s = _window_sum(x, g)
    if divisor_override is not None:
        if divisor_override == 0:
            raise op_error(RuntimeError, op, "divisor_override must be non-zero")
        out = s * (1.0 / divisor_override)
    else:
        div = _divisor(g, count_include_pad)
        if (div == div.flat[0]).all():
            out = s * (1.0 / float(div.flat[0]))
        else:
            inv = x._device.backend.from_host((1.0 / div).astype(x._data.dtype), x._device.index)
            out = s * wrap(inv, x._device)
    return _unbatch(out, nd, unbatched)


@computed_in_float32
def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-d average pooling over (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.avg_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
        tensor([[[2., 4.]]])
    """
    return _avg_poolnd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


@computed_in_float32
def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-d average pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``.

    ``count_include_pad`` counts zero padding in the divisor; ``divisor_override`` replaces the divisor.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.avg_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    return _avg_poolnd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)


# -- adaptive pooling --------------------------------------------------------------------------------------

def _adaptive_sizes(op: str, x: Tensor, output_size: Any, nd: int) -> tuple[int, int]:
    size: tuple[Any, ...] = ((output_size,) * nd if isinstance(output_size, int) or output_size is None
                             else tuple(output_size))
    if len(size) != nd:
        raise op_error(ValueError, op, f"output_size must be an int or a tuple of {nd}, got {output_size!r}")
    size = tuple(x.shape[-nd + i] if s is None else s for i, s in enumerate(size))
    if any(s <= 0 for s in size):
        raise op_error(RuntimeError, op, f"output_size must be positive, got {size}")
    if any(n == 0 for n in x.shape[-nd:]):
        raise op_error(RuntimeError, op, f"expected input with non-zero spatial sizes, got {list(x.shape)}")
    return (1,) + size if nd == 1 else size


def _bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)  # floor(i*size/out), ceil((i+1)*size/out)


def _adaptive_avg(op: str, nd: int, input: Tensor, output_size: Any) -> Tensor:
    x, unbatched = _batched(op, input, nd)
    oh, ow = _adaptive_sizes(op, x, output_size, nd)
    n, c, h, w = x.shape
    if h % oh == 0 and w % ow == 0:
        out = x.reshape(n, c, oh, h // oh, ow, w // ow).mean((3, 5))
    else:
        def matrix(size: int, o: int) -> Tensor:
            start, end = _bounds(size, o)
            m = np.zeros((o, size))
            for r in range(o):
                m[r, start[r]:end[r]] = 1.0 / (end[r] - start[r])
            return wrap(x._device.backend.from_host(m.astype(x._data.dtype), x._device.index), x._device)
        y = x.reshape(n * c * h, w).matmul(matrix(w, ow).mT).reshape(n * c, h, ow)
        out = matrix(h, oh).matmul(y).reshape(n, c, oh, ow)
    return _unbatch(out, nd, unbatched)


def _adaptive_max(op: str, nd: int, input: Tensor, output_size: Any, return_indices: bool) -> Any:
    x, unbatched = _batched(op, input, nd)
    oh, ow = _adaptive_sizes(op, x, output_size, nd)
    n, c, h, w = x.shape
    if h % oh == 0 and w % ow == 0:
        out, idx = _max_poolnd(op, 2, x, (h // oh, w // ow), None, 0, 1, False, True)
    else:
        xp = x._device.xp
        rs, re = _bounds(h, oh)
        cs, ce = _bounds(w, ow)
        kh, kw = int((re - rs).max()), int((ce - cs).max())
        # each window padded to the largest size by repeating its last element (which leaves the max unchanged)
        rows = np.minimum(rs[:, None] + np.arange(kh), re[:, None] - 1)
        cols = np.minimum(cs[:, None] + np.arange(kw), ce[:, None] - 1)
        flat = (rows[:, None, :, None] * w + cols[None, :, None, :]).reshape(oh, ow, kh * kw)
        flat = x._device.backend.from_host(flat, x._device.index)
        d = x._data.reshape(n, c, h * w)
        win = d[:, :, flat]  # (n, c, oh, ow, kh * kw)
        if d.dtype.kind == "f":
            win = xp.where(xp.isnan(win), math.inf, win)  # NaN wins, as in PyTorch
        pick = xp.argmax(win, axis=-1)
        idx_arr = xp.take_along_axis(xp.broadcast_to(flat, win.shape), pick[..., None], -1)[..., 0]
        idx = wrap(idx_arr.astype(np.int64), x._device)
        out = x.reshape(n, c, h * w).gather(2, idx.reshape(n, c, oh * ow)).reshape(n, c, oh, ow)
    out, idx = _unbatch(out, nd, unbatched), _unbatch(idx, nd, unbatched)
    return (out, idx) if return_indices else out


@computed_in_float32
def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output length, whatever the input length.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_avg_pool1d(torch.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2)
        tensor([[[1.5000, 3.5000]]])
    """
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


@computed_in_float32
def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed (H_out, W_out) (an int for square; None keeps that input size).

    Window ``i`` covers ``floor(i * H / H_out)`` to ``ceil((i + 1) * H / H_out)``, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_avg_pool2d(torch.ones(2, 3, 7, 5), (2, 1)).shape
        brickwork.Size([2, 3, 2, 1])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


@computed_in_float32
def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed output length, whatever the input length.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_max_pool1d(torch.tensor([[[1.0, 4.0, 3.0, 2.0, 5.0]]]), 2)
        tensor([[[4., 5.]]])
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


@computed_in_float32
def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed (H_out, W_out); windows as in `adaptive_avg_pool2d`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_max_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 1)
        tensor([[[[15.]]]])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)
