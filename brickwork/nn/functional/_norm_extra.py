"""``rms_norm``, ``local_response_norm`` and the legacy cross-map normalization behind ``CrossMapLRN2d``,
composed of tensor ops (padding and average pooling for the channel windows)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ... import ops
from ..._tensor import Tensor
from ...dtypes import finfo
from ._pad import pad
from ._pool import avg_pool2d
from ._pool3d import avg_pool3d

__all__ = ["rms_norm", "local_response_norm"]


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last ``len(normalized_shape)`` dimensions.

    ``eps`` defaults to the machine epsilon of the input's dtype.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.rms_norm(torch.tensor([[3.0, 4.0]]), [2])
        tensor([[0.8485, 1.1314]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.dim() - len(shape):]) != shape:
        raise RuntimeError(f"rms_norm: given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}")
    if eps is None:
        eps = finfo(input.dtype).eps
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    y = input * (input.square().mean(dims, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 0.0001, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Normalize each channel by its neighbours: ``x / (k + alpha * mean of x**2 over size channels)**beta``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.local_response_norm(torch.ones(1, 3, 1), 2, alpha=1.0, beta=1.0).flatten()
        tensor([0.6667, 0.5000, 0.5000])
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions); local_response_norm "
                         "normalizes across the channels of (N, C, *) inputs")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).reshape(sizes)
    return input / div.mul(alpha).add(k).pow(beta)


def cross_map_lrn2d(input: Tensor, size: int, alpha: float, beta: float, k: float) -> Tensor:
    """The legacy (Lua Torch) cross-map LRN of (N, C, H, W) inputs, with its exact channel windows: channel
    ``c`` sums the squares of channels ``max(c - p, 0) + [c > p] ... min(c + p - 1, C - 1)`` (``p = (size - 1) // 2
    + 1``), where the first channel, once added, is kept, as the original running sum does."""
    if input.dim() != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead")
    channels = input.shape[1]
    p = (size - 1) // 2 + 1
    first = np.zeros((channels, channels))
    running = np.zeros(channels)
    for c in range(channels):  # the windows as a (C, C) 0/1 matrix, built by the original's running sum
        if c == 0:
            running[:min(p, channels)] = 1
        else:
            if c < channels - p + 1:
                running[c + p - 1] += 1
            if c > p:
                running[c - p] -= 1
        first[c] = running
    windows = ops.tensor(first, dtype=input.dtype, device=input.device)
    sums = ops.einsum("dc,nchw->ndhw", windows, input.square())
    return input * (sums * (alpha / size) + k).pow(-beta)
