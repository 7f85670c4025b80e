"""The state every convolution layer shares (sizes, geometry, ``weight`` and ``bias``, their initialization,
channel checks, lazy shapes, padding modes and repr), for conv.py and conv_transpose.py."""

from __future__ import annotations

import math
from typing import Any

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ...ops.conv import int_tuple
from ..module import Module
from ._layer import parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """State shared by the convolution layers: sizes, geometry, ``weight`` and ``bias``, their initialization."""

    _nd = 2
    _transposed = False

    def __init__(self, in_channels: int | None, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, groups: int, bias: bool, padding_mode: str, output_padding: Any = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if groups <= 0:
            raise op_error(ValueError, name, f"groups must be a positive integer, got {groups}")
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels)):
            if n is not None and n % groups:
                raise op_error(ValueError, name, f"{what} ({n}) must be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise op_error(ValueError, name, f"padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups, self.padding_mode = in_channels, out_channels, groups, \
            padding_mode
        self.kernel_size = int_tuple(kernel_size, nd, "kernel_size", name)
        self.stride = int_tuple(stride, nd, "stride", name)
        self.dilation = int_tuple(dilation, nd, "dilation", name)
        self.output_padding = int_tuple(output_padding, nd, "output_padding", name)
        self.transposed = self._transposed
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise op_error(ValueError, name,
                               f"invalid padding string {padding!r}, should be one of ('same', 'valid')")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise op_error(ValueError, name, "padding='same' is not supported for strided convolutions")
            self.padding: Any = padding  # 'same', 'valid' or a tuple of ints
        else:
            self.padding = int_tuple(padding, nd, "padding", name)
        lazy = in_channels is None
        self.weight = parameter(self._weight_shape(), lazy, device, dtype)
        if bias:
            self.bias = parameter((out_channels,), lazy, device, dtype)
        else:
            self.register_parameter("bias", None)
        if not lazy:
            self.reset_parameters()

    def _weight_shape(self) -> tuple:
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        return (self.out_channels, self.in_channels // self.groups if self.in_channels else 0) + self.kernel_size

    def reset_parameters(self) -> None:
        """Weight by Kaiming uniform with ``a=sqrt(5)``, bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as in PyTorch."""
        gen = self._init_generator()
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=gen)
        if self.bias is not None:
            fan_in = init._calculate_fan_in_and_fan_out(self.weight)[0]
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound, generator=gen)

    def _check(self, input: Tensor) -> None:
        """Name the layer, the expected and the received channel count, and the fix."""
        nd, name = self._nd, type(self).__name__
        if input.ndim not in (nd + 1, nd + 2):
            layout = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
            raise op_error(RuntimeError, name,
                           f"expected a {nd + 1}-D (unbatched) or {nd + 2}-D {layout} input, got shape "
                           f"{tuple(input.shape)}")
        c = input.shape[-nd - 1]
        if self.in_channels is not None and c != self.in_channels:
            raise op_error(RuntimeError, name,
                           f"expected input with {self.in_channels} channels (dimension "
                           f"{input.ndim - nd - 1}), got shape {tuple(input.shape)}; set in_channels={c} or check "
                           "the input layout")

    def _lazy_shapes(self, input: Tensor, *args: Any) -> dict[str, tuple]:
        self._check(input)
        c = input.shape[-self._nd - 1]
        if c % self.groups:
            raise op_error(ValueError, type(self).__name__,
                           f"in_channels ({c}, from the input) must be divisible by groups "
                           f"({self.groups})")
        self.in_channels = c
        shapes = {"weight": self._weight_shape(), "bias": (self.out_channels,)}
        self.in_channels = None
        return shapes

    def _sizes_from_params(self) -> None:
        w = self.weight.shape
        self.in_channels = w[0] if self.transposed else w[1] * self.groups

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _padded(self, input: Tensor) -> tuple[Tensor, Any]:
        """The input padded by ``padding_mode`` (non-zero modes pad here, not in the convolution)."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            return input, 0
        if self.padding == "same":
            total = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            pairs = [(t // 2, t - t // 2) for t in total]
        else:
            pairs = [(p, p) for p in self.padding]
        flat = [v for pair in reversed(pairs) for v in pair]
        return F.pad(input, flat, mode=self.padding_mode), 0
