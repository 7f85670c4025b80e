"""Transposed convolution layers ``ConvTranspose1d``/``ConvTranspose2d`` and their lazy forms."""

from __future__ import annotations

from typing import Any, Sequence

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from ._convnd import _ConvNd
from ..lazy import LazyModuleMixin

__all__ = ["ConvTranspose1d", "ConvTranspose2d", "LazyConvTranspose1d", "LazyConvTranspose2d"]


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int | None, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise op_error(ValueError, type(self).__name__, f"string padding ({padding!r}) is not supported; pass ints")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple:
        """The output padding that gives ``output_size`` (PyTorch's rule), or the layer's own."""
        if output_size is None:
            return self.output_padding
        nd, name = self._nd, type(self).__name__
        size = list(output_size)[-nd:]
        if len(size) != nd:
            raise op_error(ValueError, name,
                           f"output_size must have {nd} or {nd + 2} elements, got {list(output_size)}")
        out = []
        for i in range(nd):
            n = input.shape[input.ndim - nd + i]
            lo = (n - 1) * self.stride[i] - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1
            hi = lo + self.stride[i] - 1
            if not lo <= size[i] <= hi:
                raise op_error(ValueError, name,
                               f"requested an output size of {size}, but valid sizes range from {lo} to "
                               f"{hi} in dimension {i} (for an input of size {list(input.shape)})")
            out.append(size[i] - lo)
        return tuple(out)


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution ("deconvolution"), the gradient of `Conv1d` with respect to its input.

    Args:
        in_channels: channels of the input (``None``: lazy, set by the first input).
        out_channels: channels produced.
        kernel_size, stride, padding, output_padding, dilation: ints or 1-tuples.
        groups: blocked connections from input to output channels (default 1).
        bias: learn an additive bias (default True).
        device, dtype: where and in which dtype to create the parameters.

    Shape: input (N, C_in, L_in) or (C_in, L_in); output (N, C_out, L_out) with ``L_out = (L_in - 1) * stride -
    2 * padding + dilation * (kernel_size - 1) + output_padding + 1``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.ConvTranspose1d(16, 33, 3, stride=2)(torch.randn(20, 16, 50)).shape
        brickwork.Size([20, 33, 101])
    """

    _nd = 1

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        self._check(input)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution ("deconvolution"), the gradient of `Conv2d` with respect to its input.

    Args:
        in_channels: channels of the input (``None``: lazy, set by the first input).
        out_channels: channels produced.
        kernel_size, stride, padding, output_padding, dilation: ints or pairs.
        groups: blocked connections from input to output channels (default 1).
        bias: learn an additive bias (default True).
        device, dtype: where and in which dtype to create the parameters.

    Parameters: ``weight`` (in_channels, out_channels / groups, kH, kW) and ``bias`` (out_channels,).

    Shape: input (N, C_in, H, W) or (C_in, H, W); output (N, C_out, H_out, W_out) with ``H_out = (H - 1) *
    stride - 2 * padding + dilation * (kH - 1) + output_padding + 1``; ``forward(input, output_size)`` picks
    the output padding that gives ``output_size``.

    Example:
        >>> import brickwork as torch
        >>> up = torch.nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
        >>> up(torch.randn(1, 16, 6, 6), output_size=[12, 12]).shape
        brickwork.Size([1, 8, 12, 12])
    """

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        self._check(input)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)


class LazyConvTranspose1d(LazyModuleMixin, ConvTranspose1d):
    """A `ConvTranspose1d` whose ``in_channels`` comes from the first input.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyConvTranspose1d(4, 3); _ = m(torch.ones(1, 2, 8)); m.weight.shape
        brickwork.Size([2, 4, 3])
    """

    _eager = ConvTranspose1d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        ConvTranspose1d.__init__(self, None, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                                 dilation, padding_mode, device, dtype)


class LazyConvTranspose2d(LazyModuleMixin, ConvTranspose2d):
    """A `ConvTranspose2d` whose ``in_channels`` comes from the first input.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyConvTranspose2d(4, 3); _ = m(torch.ones(1, 2, 8, 8)); m.weight.shape
        brickwork.Size([2, 4, 3, 3])
    """

    _eager = ConvTranspose2d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        ConvTranspose2d.__init__(self, None, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                                 dilation, padding_mode, device, dtype)
