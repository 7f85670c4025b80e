"""Affine layers: ``Identity``, ``Linear`` (and ``LazyLinear``), ``Bilinear``."""

from __future__ import annotations

import math
from typing import Any

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..lazy import LazyModuleMixin
from ._layer import parameter

__all__ = ["Identity", "Linear", "LazyLinear", "Bilinear"]


class Identity(Module):
    """A placeholder layer that returns its input; constructor arguments are accepted and ignored.

    Shape: input (*), output (*), the same tensor.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Identity(54, unused='argument')(torch.ones(2)).shape
        brickwork.Size([2])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input sample; ``None`` makes the layer lazy (set by the first input).
        out_features: size of each output sample.
        bias: learn an additive bias (default True).
        device, dtype: where and in which dtype to create the parameters.

    Parameters: ``weight`` (out_features, in_features) and ``bias`` (out_features,), both initialized from
    U(-1/sqrt(in_features), 1/sqrt(in_features)) (``kaiming_uniform_`` with ``a=sqrt(5)`` for the weight).

    Shape: input (*, in_features), output (*, out_features).

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Linear(20, 30)
        >>> m(torch.randn(128, 20)).shape
        brickwork.Size([128, 30])
    """

    def __init__(self, in_features: int | None, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        lazy = in_features is None
        self.weight = parameter((out_features, in_features), lazy, device, dtype)
        if bias:
            self.bias = parameter((out_features,), lazy, device, dtype)
        else:
            self.register_parameter("bias", None)
        if not lazy:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight by Kaiming uniform with ``a=sqrt(5)``, bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as in PyTorch."""
        gen = self._init_generator()
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=gen)
        if self.bias is not None:
            fan_in = init._calculate_fan_in_and_fan_out(self.weight)[0]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=gen)

    def _lazy_shapes(self, input: Tensor) -> dict[str, tuple]:
        if input.ndim == 0:
            raise op_error(RuntimeError, "Linear",
                           "expected input with at least 1 dimension (*, in_features), got a scalar")
        return {"weight": (self.out_features, input.shape[-1]), "bias": (self.out_features,)}

    def _sizes_from_params(self) -> None:
        self.in_features = self.weight.shape[1]

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class LazyLinear(LazyModuleMixin, Linear):
    """A `Linear` whose ``in_features`` is inferred from the first input: ``Linear(None, out_features)``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyLinear(3); _ = m(torch.ones(2, 5)); m.weight.shape
        brickwork.Size([3, 5])
    """

    _eager = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        Linear.__init__(self, None, out_features, bias, device, dtype)


class Bilinear(Module):
    """``y = x1 @ weight[k] @ x2 + bias[k]`` for every output feature ``k``.

    Args:
        in1_features, in2_features: sizes of the two inputs.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).
        device, dtype: where and in which dtype to create the parameters.

    Parameters: ``weight`` (out_features, in1_features, in2_features) and ``bias`` (out_features,), from
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)).

    Shape: inputs (*, in1_features) and (*, in2_features), output (*, out_features).

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Bilinear(20, 30, 40)
        >>> m(torch.randn(128, 20), torch.randn(128, 30)).shape
        brickwork.Size([128, 40])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = parameter((out_features, in1_features, in2_features), False, device, dtype)
        if bias:
            self.bias = parameter((out_features,), False, device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as in PyTorch."""
        gen = self._init_generator()
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound, generator=gen)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator=gen)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
