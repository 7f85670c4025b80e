"""Fractional max pooling (Graham, 2014): windows of a fixed size placed at pseudo-random, increasing offsets
so the output can shrink by a non-integer ratio. The offsets follow PyTorch's rule from ``_random_samples``
(one sample in [0, 1) per sample, channel and dimension); the maxima are gathered, so the gradient is the
gather's."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ..._tensor import Tensor

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]


def _intervals(samples: np.ndarray, size: int, out: int, k: int) -> np.ndarray:
    """Window starts (…, out) for each sample, computed in float32 as PyTorch's kernel does."""
    starts = np.empty(samples.shape + (out,), np.int64)
    if out > 1:
        alpha = np.float32(size - k) / np.float32(out - 1)
        i = np.arange(out - 1, dtype=np.float32)
        u = samples.astype(np.float32)[..., None]
        starts[..., :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    if out > 0:
        starts[..., -1] = size - k
    return starts


def _fractional(op: str, nd: int, input: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any,
                samples: Tensor | None) -> tuple[Tensor, Tensor]:
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    tup = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd  # noqa: E731
    k = tup(kernel_size)
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    sizes = tuple(x.shape[2:])
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
        out = tuple(int(n * r) for n, r in zip(sizes, tup(output_ratio)))
    else:
        out = tup(output_size)
    for n, o, kk in zip(sizes, out, k):
        if o + kk - 1 > n:
            raise RuntimeError(f"{op}: out (an output size of {o}) + pool size ({kk}) - 1 must be at most the "
                               f"input size {n}")
    b, c = x.shape[:2]
    if samples is None:
        samples = ops.rand(b, c, nd, dtype=x.dtype, device=x.device)
    u = samples.detach().cpu().numpy().reshape(b, c, nd)
    # PyTorch's sample order: the last spatial dimension takes sample 0 in 2-d, the first in 3-d
    order = (1, 0) if nd == 2 else (0, 1, 2)
    starts = [_intervals(u[..., order[d]], sizes[d], out[d], k[d]) for d in range(nd)]  # each (b, c, out_d)
    coords = [s[..., None] + np.arange(kk) for s, kk in zip(starts, k)]  # (b, c, out_d, k_d)
    strides = np.cumprod((1,) + sizes[::-1])[:-1][::-1]
    flat = np.zeros((b, c) + out + k, np.int64)
    for d in range(nd):
        shape = [b, c] + [1] * nd + [1] * nd
        shape[2 + d], shape[2 + nd + d] = out[d], k[d]
        flat = flat + (coords[d] * strides[d]).reshape(
            b, c, *[out[d] if e == d else 1 for e in range(nd)], *[k[d] if e == d else 1 for e in range(nd)])
    flat = flat.reshape(b, c, int(np.prod(out)), int(np.prod(k)))
    index_all = ops.tensor(flat, device=x.device)
    vals = x.detach().reshape(b, c, -1).gather(2, index_all.reshape(b, c, -1)).reshape(tuple(flat.shape))
    if vals.is_floating_point():
        vals = ops.where(vals.isnan(), float("inf"), vals)
    idx = index_all.gather(3, vals.argmax(3, keepdim=True)).reshape(b, c, -1)
    y = x.reshape(b, c, -1).gather(2, idx).reshape((b, c) + out)
    idx = idx.reshape((b, c) + out)
    return (y.squeeze(0), idx.squeeze(0)) if unbatched else (y, idx)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """2-d fractional max pooling returning ``(values, indices)`` (flat indices within each H * W plane).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> y, i = F.fractional_max_pool2d_with_indices(torch.randn(1, 2, 7, 7), 2, output_size=3)
        >>> y.shape, i.shape
        (brickwork.Size([1, 2, 3, 3]), brickwork.Size([1, 2, 3, 3]))
    """
    return _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None) -> Any:
    """2-d fractional max pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (or ``output_ratio`` of it).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.fractional_max_pool2d(torch.randn(1, 2, 8, 8), 3, output_ratio=0.5).shape
        brickwork.Size([1, 2, 4, 4])
    """
    y, idx = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, True, _random_samples)
    return (y, idx) if return_indices else y


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """3-d fractional max pooling returning ``(values, indices)`` (flat indices within each D * H * W volume).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.fractional_max_pool3d_with_indices(torch.randn(1, 1, 5, 5, 5), 2, output_size=2)[0].shape
        brickwork.Size([1, 1, 2, 2, 2])
    """
    return _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None) -> Any:
    """3-d fractional max pooling of (N, C, D, H, W) or (C, D, H, W).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.fractional_max_pool3d(torch.randn(1, 1, 6, 6, 6), 2, output_ratio=0.5).shape
        brickwork.Size([1, 1, 3, 3, 3])
    """
    y, idx = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio, True, _random_samples)
    return (y, idx) if return_indices else y
