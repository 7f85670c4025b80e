"""3-d convolution layers: ``Conv3d``, ``ConvTranspose3d`` and their lazy forms (``in_channels=None``)."""

from __future__ import annotations

from typing import Any, Sequence

from ..._tensor import Tensor
from ..lazy import LazyModuleMixin
from .. import functional as F
from ._convnd import _ConvNd
from .conv_transpose import _ConvTransposeNd

__all__ = ["Conv3d", "ConvTranspose3d", "LazyConv3d", "LazyConvTranspose3d"]


class Conv3d(_ConvNd):
    """3-d convolution (cross-correlation) over (N, C_in, D, H, W) inputs.

    Args: in_channels (``None``: lazy), out_channels, kernel_size, stride (1), padding (0, ``'same'`` or
    ``'valid'``), dilation (1), groups (1), bias (True), padding_mode ('zeros' | 'reflect' | 'replicate' |
    'circular'), device, dtype — as `Conv2d`, with triples.

    Parameters: ``weight`` (out_channels, in_channels / groups, kD, kH, kW), ``bias`` (out_channels,), both
    from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    Shape: input (N, C_in, D, H, W) or (C_in, D, H, W); output (N, C_out, D_out, H_out, W_out) with
    ``D_out = (D + 2 * padding - dilation * (kD - 1) - 1) // stride + 1`` (likewise H_out, W_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Conv3d(4, 6, 3, stride=2)(torch.randn(2, 4, 7, 8, 9)).shape
        brickwork.Size([2, 6, 3, 3, 4])
    """

    _nd = 3

    def __init__(self, in_channels: int | None, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        x, padding = self._padded(input)
        return F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution, the gradient of `Conv3d` with respect to its input.

    Args: in_channels (``None``: lazy), out_channels, kernel_size, stride (1), padding (0), output_padding (0),
    groups (1), bias (True), dilation (1), padding_mode ('zeros' only), device, dtype.

    Parameters: ``weight`` (in_channels, out_channels / groups, kD, kH, kW), ``bias`` (out_channels,).

    Shape: input (N, C_in, D, H, W) or (C_in, D, H, W); output with
    ``D_out = (D - 1) * stride - 2 * padding + dilation * (kD - 1) + output_padding + 1`` (likewise H, W);
    ``forward(input, output_size)`` picks the output padding that gives ``output_size``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.ConvTranspose3d(4, 2, 3, stride=2)(torch.randn(1, 4, 3, 3, 3)).shape
        brickwork.Size([1, 2, 7, 7, 7])
    """

    _nd = 3

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        self._check(input)
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)


class LazyConv3d(LazyModuleMixin, Conv3d):
    """A `Conv3d` whose ``in_channels`` comes from the first input: ``Conv3d(None, out_channels, ...)``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyConv3d(4, 3); _ = m(torch.ones(1, 2, 5, 5, 5)); m.weight.shape
        brickwork.Size([4, 2, 3, 3, 3])
    """

    _eager = Conv3d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        Conv3d.__init__(self, None, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                        device, dtype)


class LazyConvTranspose3d(LazyModuleMixin, ConvTranspose3d):
    """A `ConvTranspose3d` whose ``in_channels`` comes from the first input.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyConvTranspose3d(4, 3); _ = m(torch.ones(1, 2, 3, 3, 3)); m.weight.shape
        brickwork.Size([2, 4, 3, 3, 3])
    """

    _eager = ConvTranspose3d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        ConvTranspose3d.__init__(self, None, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                                 dilation, padding_mode, device, dtype)