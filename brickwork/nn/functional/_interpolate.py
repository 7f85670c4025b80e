"""Resizing: ``interpolate`` (nearest, nearest-exact, linear/bilinear/trilinear, bicubic, area; optional
antialiasing) and the deprecated ``upsample*`` spellings.

Every mode but ``area`` is separable: along each spatial dimension the output is ``W @ x`` for an
(out, in) weight matrix built on the host from PyTorch's source-coordinate rules, so the gradient is the
matmul's (``W.T @ g``) and nothing needs a backward of its own. ``area`` is adaptive average pooling.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ... import ops
from ..._tensor import Tensor
from ._pool import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}


def _inverse_scale(n_in: int, n_out: int, align_corners: bool, scale: float | None) -> float:
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return float(np.float32(1.0 / scale)) if scale is not None and scale > 0 else n_in / n_out


def _cubic(t: np.ndarray, a: float = -0.75) -> np.ndarray:
    """The cubic convolution kernel at distances ``t`` (PyTorch's A = -0.75; -0.5 when antialiasing)."""
    t = np.abs(t)
    near = ((a + 2) * t - (a + 3)) * t * t + 1
    far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def _matrix(mode: str, n_in: int, n_out: int, align_corners: bool, scale: float | None, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) weights of one dimension."""
    w = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    inv = _inverse_scale(n_in, n_out, align_corners, scale)
    if mode in ("nearest", "nearest-exact"):
        shift = np.float32(0.5) if mode == "nearest-exact" else np.float32(0.0)
        src = np.floor((rows.astype(np.float32) + shift) * np.float32(inv)).astype(np.int64)
        w[rows, np.minimum(src, n_in - 1)] = 1.0
        return w
    if antialias:  # a filter stretched over the input pixels each output covers when downsampling
        size = 2 if mode == "bilinear" else 4
        stretch = max(inv, 1.0)
        support = size / 2 * stretch
        for i in rows:
            center = inv * (i + 0.5)
            lo, hi = max(int(center - support + 0.5), 0), min(int(center + support + 0.5), n_in)
            x = (np.arange(lo, hi) - center + 0.5) / stretch
            f = np.maximum(0.0, 1.0 - np.abs(x)) if mode == "bilinear" else _cubic(x, -0.5)
            w[i, lo:hi] = f / f.sum()
        return w
    src = rows * inv if align_corners else (rows + 0.5) * inv - 0.5
    if mode == "bicubic":
        base = np.floor(src).astype(np.int64)
        t = src - base
        for k in range(-1, 3):
            np.add.at(w, (rows, np.clip(base + k, 0, n_in - 1)), _cubic(t - k))
        return w
    src = np.maximum(src, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    lam = src - lo
    np.add.at(w, (rows, lo), 1.0 - lam)
    np.add.at(w, (rows, hi), lam)
    return w


def _sizes(input: Tensor, size: Any, scale_factor: Any, recompute: bool | None, mode: str) -> tuple[list, list]:
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dim
        if len(sizes) != dim:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(input.shape[2:])} and output size of {size}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                             "(o1, o2, ...,oK) format.")
        if not all(isinstance(s, (int, np.integer)) for s in sizes):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, "
                            f"int], but got size with types {[type(s) for s in sizes]}")
        return [int(s) for s in sizes], [None] * dim
    scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dim
    if len(scales) != dim:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape "
                         f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                         "scale_factor in (s1, s2, ...,sK) format.")
    sizes = [math.floor(n * float(s)) for n, s in zip(input.shape[2:], scales)]
    return sizes, ([None] * dim if recompute or mode == "area" else [float(s) for s in scales])


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dimensions of a (N, C, *spatial) input to ``size`` or by ``scale_factor``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.interpolate(torch.tensor([[[1.0, 2.0]]]), scale_factor=2, mode='linear')
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear "
                             "| bicubic | trilinear")
    elif mode in _LINEAR:
        align_corners = bool(align_corners)
    else:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  "for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if input.dim() not in (3, 4, 5) or (mode in _LINEAR and input.dim() != _LINEAR[mode]):
        need = f", but {mode} mode needs {_LINEAR[mode]}D input" if mode in _LINEAR else ""
        raise NotImplementedError(f"Got {input.dim()}D input{need} (interpolate: input is (N, C, *spatial) with 1 "
                                  "to 3 spatial dimensions)")
    sizes, scales = _sizes(input, size, scale_factor, recompute_scale_factor, mode)
    if antialias and not (mode in ("bilinear", "bicubic") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode == "area":
        if input.dim() == 3:
            return adaptive_avg_pool1d(input, sizes)
        if input.dim() == 4:
            return adaptive_avg_pool2d(input, sizes)
        return _separable(input, sizes, lambda n, o, s: _area_matrix(n, o))
    return _separable(input, sizes, lambda n, o, s: _matrix(mode, n, o, bool(align_corners), s, antialias), scales)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        w[i, lo:hi] = 1.0 / (hi - lo)
    return w


def _separable(input: Tensor, sizes: list, matrix: Any, scales: list | None = None) -> Tensor:
    x = input
    for d, n_out in enumerate(sizes):
        axis = 2 + d
        n_in = x.shape[axis]
        if n_in == n_out and (scales is None or scales[d] in (None, 1.0)):
            continue
        w = ops.tensor(matrix(n_in, n_out, None if scales is None else scales[d]), dtype=x.dtype, device=x.device)
        x = (x.movedim(axis, -1) @ w.T).movedim(-1, axis)
    return x


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated spelling of `interpolate` (warns, as PyTorch).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> import warnings; warnings.simplefilter('ignore')
        >>> F.upsample(torch.ones(1, 1, 2), scale_factor=2).shape
        brickwork.Size([1, 1, 4])
    """
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: `interpolate` with ``mode='nearest'``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> import warnings; warnings.simplefilter('ignore')
        >>> F.upsample_nearest(torch.ones(1, 1, 2, 2), scale_factor=2).shape
        brickwork.Size([1, 1, 4, 4])
    """
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: `interpolate` with ``mode='bilinear', align_corners=True``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> import warnings; warnings.simplefilter('ignore')
        >>> F.upsample_bilinear(torch.ones(1, 1, 2, 2), size=3).shape
        brickwork.Size([1, 1, 3, 3])
    """
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
