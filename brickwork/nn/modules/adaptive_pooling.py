"""Adaptive pooling layers: ``AdaptiveAvgPool1d/2d`` and ``AdaptiveMaxPool1d/2d`` (a fixed output size)."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d"]


class _AdaptiveAvgPoolNd(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(Module):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """1-d adaptive average pooling: window ``i`` spans ``floor(i * L / L_out)`` to ``ceil((i + 1) * L / L_out)``.

    Args:
        output_size: the output length L_out.

    Shape: input (N, C, L) or (C, L); output (N, C, L_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AdaptiveAvgPool1d(5)(torch.randn(1, 64, 8)).shape
        brickwork.Size([1, 64, 5])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """2-d adaptive average pooling: window ``i`` spans ``floor(i * H / H_out)`` to ``ceil((i + 1) * H / H_out)``.

    Args:
        output_size: (H_out, W_out), an int for a square, or None in either place to keep that input size.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AdaptiveAvgPool2d((5, 7))(torch.randn(1, 64, 8, 9)).shape
        brickwork.Size([1, 64, 5, 7])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """1-d adaptive max pooling, windows as in `AdaptiveAvgPool1d`.

    Args:
        output_size: the output length L_out.
        return_indices: also return each maximum's index in its input row.

    Shape: input (N, C, L) or (C, L); output (N, C, L_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AdaptiveMaxPool1d(5)(torch.randn(1, 64, 8)).shape
        brickwork.Size([1, 64, 5])
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """2-d adaptive max pooling, windows as in `AdaptiveAvgPool2d`.

    Args:
        output_size: (H_out, W_out), an int for a square, or None in either place to keep that input size.
        return_indices: also return each maximum's flat index in its input plane.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AdaptiveMaxPool2d((5, 7))(torch.randn(1, 64, 8, 9)).shape
        brickwork.Size([1, 64, 5, 7])
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)
