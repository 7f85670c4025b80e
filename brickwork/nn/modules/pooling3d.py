"""3-d pooling layers: ``MaxPool3d``, ``AvgPool3d``, ``AdaptiveAvgPool3d`` and ``AdaptiveMaxPool3d``."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module
from .adaptive_pooling import _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd
from .pooling import _MaxPoolNd

__all__ = ["MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d"]


class MaxPool3d(_MaxPoolNd):
    """3-d max pooling.

    Args: kernel_size (int or triple), stride (default ``kernel_size``), padding (implicit -inf, at most half
    the kernel), dilation, return_indices (also return flat D * H * W indices), ceil_mode.

    Shape: input (N, C, D, H, W) or (C, D, H, W); output sized as for `MaxPool2d` in each dimension.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.MaxPool3d(2)(torch.randn(2, 3, 4, 6, 8)).shape
        brickwork.Size([2, 3, 2, 3, 4])
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)


class AvgPool3d(Module):
    """3-d average pooling.

    Args: kernel_size (int or triple), stride (default ``kernel_size``), padding (implicit zeros), ceil_mode,
    count_include_pad (count the padding in the divisor), divisor_override (a fixed divisor).

    Shape: input (N, C, D, H, W) or (C, D, H, W); output sized as for `MaxPool3d`.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AvgPool3d(2)(torch.ones(1, 1, 2, 2, 2)).flatten()
        tensor([1.])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """3-d adaptive average pooling to a fixed ``output_size`` (an int, or a triple; ``None`` keeps a size).

    Shape: input (N, C, D, H, W) or (C, D, H, W); output (N, C, *output_size).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AdaptiveAvgPool3d((2, None, 3))(torch.randn(1, 2, 5, 4, 7)).shape
        brickwork.Size([1, 2, 2, 4, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """3-d adaptive max pooling to a fixed ``output_size``; ``return_indices`` also gives flat indices.

    Shape: input (N, C, D, H, W) or (C, D, H, W); output (N, C, *output_size).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AdaptiveMaxPool3d(2)(torch.randn(1, 2, 5, 4, 7)).shape
        brickwork.Size([1, 2, 2, 2, 2])
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)
