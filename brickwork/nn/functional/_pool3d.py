"""3-d pooling and the pooling relatives: ``max_pool3d``, ``avg_pool3d``, ``adaptive_avg_pool3d``,
``adaptive_max_pool3d``, power-average ``lp_pool1d/2d/3d``, ``max_unpool1d/2d/3d`` and the ``*_with_indices``
spellings. All are compositions: max pooling gathers each window's arg-max from the (padded) input, so its
gradient is the gather's; average pooling is separable, one (out, in) window matrix per dimension."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from ...ops.conv import int_tuple as _tuple
from ._pool import adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d

__all__ = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d", "lp_pool1d", "lp_pool2d",
           "lp_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices"]


def _out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size: with ``ceil_mode`` the last window must still start inside the input or
    its left padding."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    return out - 1 if ceil_mode and (out - 1) * s >= size + p else out


def _bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive pooling windows: ``floor(i * size / out)`` to ``ceil((i + 1) * size / out)``."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _adaptive_sizes(op: str, x: Tensor, output_size: Any) -> tuple:
    size = (output_size,) * 3 if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(size) != 3:
        raise op_error(ValueError, op, f"output_size must be an int or a tuple of 3, got {output_size!r}")
    size = tuple(x.shape[2 + i] if s is None else s for i, s in enumerate(size))
    if any(s <= 0 for s in size):
        raise op_error(RuntimeError, op, f"output_size must be positive, got {size}")
    return size


def _batched3d(op: str, input: Tensor) -> tuple[Tensor, bool]:
    if input.dim() not in (4, 5):
        raise op_error(RuntimeError, op,
                       f"expected 4D (unbatched) or 5D (batched) input, but got input of size "
                       f"{list(input.shape)}")
    return (input.unsqueeze(0), True) if input.dim() == 4 else (input, False)


def _geometry(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
              max_pool: bool) -> tuple:
    k = _tuple(kernel_size, 3, "kernel_size", op)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _tuple(stride, 3, "stride", op)
    p, d = _tuple(padding, 3, "padding", op), _tuple(dilation, 3, "dilation", op)
    if any(v <= 0 for v in k + s + d):
        raise op_error(RuntimeError, op,
                       f"kernel_size, stride and dilation must be positive, got kernel_size={k}, "
                       f"stride={s}, dilation={d}")
    for kk, pp, dd in zip(k, p, d):
        if pp < 0 or pp > (((kk - 1) * dd + 1) // 2 if max_pool else kk // 2):
            raise op_error(RuntimeError, op,
                           f"pad should be at most half of effective kernel size, but got pad={pp}, "
                           f"kernel_size={kk} and dilation={dd}")
    sizes = tuple(x.shape[2:])
    out = tuple(_out_size(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(sizes, k, s, p, d))
    if any(o <= 0 for o in out):
        raise op_error(RuntimeError, op,
                       f"given input size {tuple(x.shape[1:])}, calculated output size "
                       f"{(x.shape[1],) + out} is too small; use a larger input, a smaller kernel or more padding")
    return k, s, p, d, out


def _windows(sizes: tuple, k: tuple, s: tuple, p: tuple, d: tuple, out: tuple) -> tuple[np.ndarray, np.ndarray]:
    """For every output and kernel position: the flat index into the input (-1 where it falls in padding)."""
    coords = []
    for n, kk, ss, pp, dd, o in zip(sizes, k, s, p, d, out):
        c = np.arange(o)[:, None] * ss - pp + np.arange(kk)[None, :] * dd  # (o, k)
        coords.append(np.where((c >= 0) & (c < n), c, -1))
    (a, b, c), (n1, n2) = coords, sizes[1:]
    flat = (a[:, None, None, :, None, None] * n1 * n2 + b[None, :, None, None, :, None] * n2
            + c[None, None, :, None, None, :])
    inside = ((a[:, None, None, :, None, None] >= 0) & (b[None, :, None, None, :, None] >= 0)
              & (c[None, None, :, None, None, :] >= 0))
    shape = out + (int(np.prod(k)),)
    return np.where(inside, flat, -1).reshape(shape), inside.reshape(shape)


def _argmax_index(x: Tensor, flat: np.ndarray, inside: np.ndarray) -> Tensor:
    """(N, C, outputs) flat input indices of each window's maximum (the first one, NaN winning, as PyTorch);
    ``flat`` (*out, K) holds each window's input indices, ``inside`` which of them are not padding."""
    n, c = x.shape[:2]
    dev = x.device
    vals = x.detach().reshape(n, c, -1)[:, :, ops.tensor(np.maximum(flat, 0).reshape(-1), device=dev)]
    vals = ops.where(ops.tensor(inside, device=dev), vals.reshape((n, c) + flat.shape), -math.inf)
    if vals.is_floating_point():
        vals = ops.where(vals.isnan(), math.inf, vals)
    pick = vals.argmax(-1, keepdim=True)
    idx = ops.tensor(flat, device=dev).expand(tuple(vals.shape)).gather(-1, pick)
    return idx.reshape(n, c, -1)


def _max3d(op: str, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
           return_indices: bool) -> Any:
    x, unbatched = _batched3d(op, input)
    k, s, p, d, out = _geometry(op, x, kernel_size, stride, padding, dilation, ceil_mode, True)
    n, c = x.shape[:2]
    flat, inside = _windows(tuple(x.shape[2:]), k, s, p, d, out)
    index = _argmax_index(x, flat, inside)
    y = x.reshape(n, c, -1).gather(2, index).reshape((n, c) + out)
    index = index.reshape((n, c) + out)
    if unbatched:
        y, index = y.squeeze(0), index.squeeze(0)
    return (y, index) if return_indices else y


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """3-d max pooling over (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to ``kernel_size``.

    With ``return_indices=True`` also returns each maximum's flat index within its D * H * W input volume.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2).flatten()
        tensor([7.])
    """
    return _max3d("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _window_matrix(n: int, k: int, s: int, p: int, o: int, count_include_pad: bool, divide: bool) -> np.ndarray:
    w = np.zeros((o, n))
    for i in range(o):
        start, end = i * s - p, min(i * s - p + k, n + p)
        lo, hi = max(start, 0), min(end, n)
        w[i, lo:hi] = 1.0
        if divide:
            w[i] /= (end - start) if count_include_pad else (hi - lo)
    return w


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-d average pooling over (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to ``kernel_size``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.avg_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2).flatten()
        tensor([3.5000])
    """
    op = "avg_pool3d"
    x, unbatched = _batched3d(op, input)
    if x._data.dtype.kind != "f":
        raise op_error(RuntimeError, op, f"expected a floating point input, got {x.dtype}; call input.float() first")
    if divisor_override is not None and divisor_override == 0:
        raise op_error(RuntimeError, op, f"divisor_override must be non-zero")
    k, s, p, _, out = _geometry(op, x, kernel_size, stride, padding, 1, ceil_mode, False)
    y = x
    for axis, (n, kk, ss, pp, o) in enumerate(zip(x.shape[2:], k, s, p, out)):
        m = _window_matrix(n, kk, ss, pp, o, count_include_pad, divisor_override is None)
        w = ops.tensor(m, dtype=x.dtype, device=x.device)
        y = (y.movedim(2 + axis, -1) @ w.T).movedim(-1, 2 + axis)
    if divisor_override is not None:
        y = y * (1.0 / divisor_override)
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """3-d adaptive average pooling to ``output_size`` (an int, or a triple with ``None`` keeping a size).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_avg_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 1).flatten()
        tensor([3.5000])
    """
    x, unbatched = _batched3d("adaptive_avg_pool3d", input)
    sizes = _adaptive_sizes("adaptive_avg_pool3d", x, output_size)
    y = x
    for axis, (n, o) in enumerate(zip(x.shape[2:], sizes)):
        start, end = _bounds(n, o)
        m = np.zeros((o, n))
        for r in range(o):
            m[r, start[r]:end[r]] = 1.0 / (end[r] - start[r])
        y = (y.movedim(2 + axis, -1) @ ops.tensor(m, dtype=x.dtype, device=x.device).T).movedim(-1, 2 + axis)
    return y.squeeze(0) if unbatched else y


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """3-d adaptive max pooling to ``output_size``; ``return_indices`` also gives flat D * H * W indices.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 1).flatten()
        tensor([7.])
    """
    op = "adaptive_max_pool3d"
    x, unbatched = _batched3d(op, input)
    sizes = _adaptive_sizes(op, x, output_size)
    n, c = x.shape[:2]
    per_dim = []
    for size, o in zip(x.shape[2:], sizes):
        start, end = _bounds(size, o)
        kk = int((end - start).max())
        per_dim.append(np.minimum(start[:, None] + np.arange(kk), end[:, None] - 1))  # repeat the last element
    (a, b, cc), (_, h, w) = per_dim, x.shape[2:]
    flat = (a[:, None, None, :, None, None] * h * w + b[None, :, None, None, :, None] * w
            + cc[None, None, :, None, None, :]).reshape(tuple(sizes) + (-1,))
    index = _argmax_index(x, flat, np.ones(flat.shape, bool))
    y = x.reshape(n, c, -1).gather(2, index).reshape((n, c) + tuple(sizes))
    index = index.reshape((n, c) + tuple(sizes))
    if unbatched:
        y, index = y.squeeze(0), index.squeeze(0)
    return (y, index) if return_indices else y


def _lp(op: str, nd: int, input: Tensor, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool) -> Tensor:
    maxes = {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}
    avgs = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}
    if norm_type == math.inf:
        return maxes[nd](input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -maxes[nd](-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    k = _tuple(kernel_size, nd, "kernel_size", op)
    out = avgs[nd](input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(float(np.prod(k))).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: int | float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling ``(sum x**p)**(1/p)`` over 1-d windows (p = inf: max pooling of ``|x|``).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.lp_pool1d(torch.tensor([[[3.0, 4.0]]]), 2, 2)
        tensor([[[5.]]])
    """
    return _lp("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: int | float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling ``(sum x**p)**(1/p)`` over 2-d windows.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.lp_pool2d(torch.ones(1, 1, 2, 2), 1, 2).flatten()
        tensor([4.])
    """
    return _lp("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: int | float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling ``(sum x**p)**(1/p)`` over 3-d windows.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.lp_pool3d(torch.ones(1, 1, 2, 2, 2), 1, 2).flatten()
        tensor([8.])
    """
    return _lp("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


def _unpool(op: str, nd: int, input: Tensor, indices: Tensor, kernel_size: Any, stride: Any, padding: Any,
            output_size: Any) -> Tensor:
    k = _tuple(kernel_size, nd, "kernel_size", op)
    s = k if stride is None else _tuple(stride, nd, "stride", op)
    p = _tuple(padding, nd, "padding", op)
    spatial = tuple(input.shape[-nd:])
    default = tuple((i - 1) * ss - 2 * pp + kk for i, kk, ss, pp in zip(spatial, k, s, p))
    if output_size is None:
        size = default
    else:
        size = tuple(output_size)[-nd:]
        for o, dflt, ss in zip(size, default, s):
            if not dflt - ss < o < dflt + ss:
                raise op_error(ValueError, op,
                               f"invalid output_size {tuple(output_size)} (dim must be between "
                               f"{tuple(d - t + 1 for d, t in zip(default, s))} and "
                               f"{tuple(d + t - 1 for d, t in zip(default, s))})")
    lead = tuple(input.shape[:-nd])
    flat_in = input.reshape(lead + (-1,))
    total = int(np.prod(size))
    if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= total):
        raise op_error(RuntimeError, op, f"found an invalid max index {int(indices.max())} (output volume {total})")
    zeros = ops.zeros(lead + (total,), dtype=input.dtype, device=input.device)
    return zeros.scatter(len(lead), indices.reshape(lead + (-1,)), flat_in).reshape(lead + size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """The partial inverse of `max_pool1d`: each value put back at its index, zeros elsewhere.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> y, i = F.max_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2, return_indices=True)
        >>> F.max_unpool1d(y, i, 2)
        tensor([[[0., 3., 2., 0.]]])
    """
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """The partial inverse of `max_pool2d`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> y, i = F.max_pool2d(torch.arange(4.0).reshape(1, 1, 2, 2), 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2).flatten()
        tensor([0., 0., 0., 3.])
    """
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """The partial inverse of `max_pool3d`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> y, i = F.max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
        >>> F.max_unpool3d(y, i, 2).flatten()
        tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """`max_pool1d` returning ``(values, indices)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.max_pool1d_with_indices(torch.tensor([[[1.0, 3.0]]]), 2)[1]
        tensor([[[1]]])
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """`max_pool2d` returning ``(values, indices)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.max_pool2d_with_indices(torch.arange(4.0).reshape(1, 1, 2, 2), 2)[1].flatten()
        tensor([3])
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """`max_pool3d` returning ``(values, indices)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.max_pool3d_with_indices(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2)[1].flatten()
        tensor([7])
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """`adaptive_max_pool1d` returning ``(values, indices)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_max_pool1d_with_indices(torch.tensor([[[1.0, 3.0]]]), 1)[1]
        tensor([[[1]]])
    """
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """`adaptive_max_pool2d` returning ``(values, indices)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_max_pool2d_with_indices(torch.arange(4.0).reshape(1, 1, 2, 2), 1)[1].flatten()
        tensor([3])
    """
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """`adaptive_max_pool3d` returning ``(values, indices)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.adaptive_max_pool3d_with_indices(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 1)[1].flatten()
        tensor([7])
    """
    return adaptive_max_pool3d(input, output_size, True)
