"""Convolution layers ``Conv1d`` and ``Conv2d``, and their lazy forms ``LazyConv1d``/``LazyConv2d``."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ._convnd import _ConvNd
from ..lazy import LazyModuleMixin

__all__ = ["Conv1d", "Conv2d", "LazyConv1d", "LazyConv2d"]


class Conv1d(_ConvNd):
    """1-d convolution over an input (N, C_in, L).

    Args:
        in_channels: channels of the input (``None``: lazy, set by the first input).
        out_channels: channels produced.
        kernel_size, stride, dilation: ints or 1-tuples (stride and dilation default 1).
        padding: int, 1-tuple, ``'valid'`` or ``'same'`` (default 0).
        groups: blocked connections from input to output channels (default 1).
        bias: learn an additive bias (default True).
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device, dtype: where and in which dtype to create the parameters.

    Shape: input (N, C_in, L_in) or (C_in, L_in); output (N, C_out, L_out) with
    ``L_out = (L_in + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Conv1d(16, 33, 3, stride=2)(torch.randn(20, 16, 50)).shape
        brickwork.Size([20, 33, 24])
    """

    _nd = 1

    def __init__(self, in_channels: int | None, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        x, padding = self._padded(input)
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-d convolution over an input (N, C_in, H, W).

    Args:
        in_channels: channels of the input (``None``: lazy, set by the first input).
        out_channels: channels produced.
        kernel_size, stride, dilation: ints or pairs (stride and dilation default 1).
        padding: int, pair, ``'valid'`` or ``'same'`` (default 0).
        groups: blocked connections from input to output channels (default 1).
        bias: learn an additive bias (default True).
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device, dtype: where and in which dtype to create the parameters.

    Parameters: ``weight`` (out_channels, in_channels / groups, kH, kW) from ``kaiming_uniform_(a=sqrt(5))``
    and ``bias`` (out_channels,) from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    Shape: input (N, C_in, H, W) or (C_in, H, W); output (N, C_out, H_out, W_out) with
    ``H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1`` (likewise W_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Conv2d(16, 33, 3, stride=2)(torch.randn(20, 16, 50, 100)).shape
        brickwork.Size([20, 33, 24, 49])
    """

    def __init__(self, in_channels: int | None, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        x, padding = self._padded(input)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class LazyConv1d(LazyModuleMixin, Conv1d):
    """A `Conv1d` whose ``in_channels`` comes from the first input: ``Conv1d(None, out_channels, ...)``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyConv1d(4, 3); _ = m(torch.ones(1, 2, 8)); m.weight.shape
        brickwork.Size([4, 2, 3])
    """

    _eager = Conv1d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        Conv1d.__init__(self, None, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                        device, dtype)


class LazyConv2d(LazyModuleMixin, Conv2d):
    """A `Conv2d` whose ``in_channels`` comes from the first input: ``Conv2d(None, out_channels, ...)``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyConv2d(6, 5); _ = m(torch.ones(1, 3, 28, 28)); m.weight.shape
        brickwork.Size([6, 3, 5, 5])
    """

    _eager = Conv2d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        Conv2d.__init__(self, None, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                        device, dtype)
