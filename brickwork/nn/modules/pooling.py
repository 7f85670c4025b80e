"""Pooling layers: ``MaxPool1d/2d`` and ``AvgPool1d/2d`` (adaptive pooling is in adaptive_pooling.py)."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """1-d max pooling.

    Args:
        kernel_size: window size. stride: step (default ``kernel_size``). padding: implicit -inf padding on both
        sides (at most half the kernel). dilation: spacing of window elements. return_indices: also return
        the arg-max positions. ceil_mode: round the output size up.

    Shape: input (N, C, L_in) or (C, L_in); output (N, C, L_out) with
    ``L_out = (L_in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1``, floored (or ceiled).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.MaxPool1d(3, stride=2)(torch.randn(20, 16, 50)).shape
        brickwork.Size([20, 16, 24])
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """2-d max pooling.

    Args:
        kernel_size: window size (int or pair). stride: step (default ``kernel_size``). padding: implicit -inf
        padding (at most half the kernel). dilation: spacing of window elements. return_indices: also return
        each maximum's flat index in its input plane. ceil_mode: round the output size up.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) with
    ``H_out = (H + 2 * padding - dilation * (kH - 1) - 1) / stride + 1``, floored (or ceiled); likewise W_out.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.MaxPool2d(2)(torch.randn(20, 16, 50, 32)).shape
        brickwork.Size([20, 16, 25, 16])
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)


class AvgPool1d(Module):
    """1-d average pooling.

    Args:
        kernel_size: window size. stride: step (default ``kernel_size``). padding: implicit zero padding.
        ceil_mode: round the output size up. count_include_pad: count the padding in the divisor.

    Shape: input (N, C, L_in) or (C, L_in); output (N, C, L_out), sized as for `MaxPool1d`.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AvgPool1d(3, stride=2)(torch.tensor([[[1.0, 2, 3, 4, 5, 6, 7]]]))
        tensor([[[2., 4., 6.]]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        single = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,)  # noqa: E731
        self.kernel_size = single(kernel_size)
        self.stride = single(stride if stride is not None else kernel_size)
        self.padding = single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """2-d average pooling.

    Args:
        kernel_size: window size (int or pair). stride: step (default ``kernel_size``). padding: implicit zero
        padding. ceil_mode: round the output size up. count_include_pad: count the padding in the divisor.
        divisor_override: use this divisor instead of the window size.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out), sized as for `MaxPool2d`.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AvgPool2d(3, stride=2)(torch.randn(20, 16, 50, 32)).shape
        brickwork.Size([20, 16, 24, 15])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
