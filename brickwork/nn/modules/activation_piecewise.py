"""Piecewise-linear activation layers: ``ReLU6``, ``Hardtanh``, ``Hardsigmoid``, ``Hardswish``, ``Threshold``,
``Hardshrink``, ``Softshrink``, ``PReLU`` (a learned slope) and ``RReLU`` (a random slope in training)."""

from __future__ import annotations

import warnings
from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from .. import init as _init
from ..module import Module
from ._layer import parameter

__all__ = ["ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish", "Threshold", "Hardshrink", "Softshrink", "PReLU",
           "RReLU"]


def _inplace_str(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class Hardtanh(Module):
    """``input`` clamped to ``[min_val, max_val]`` (gradient 0 outside and on the bounds).

    Args: min_val: lower bound (default -1). max_val: upper bound (default 1). inplace: modify the input in place.
    min_value, max_value: deprecated spellings of ``min_val``/``max_val``. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Hardtanh(-2, 2)(torch.tensor([-3.0, 1.0, 5.0]))
        tensor([-2.,  1.,  2.])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        if not max_val > min_val:  # PyTorch checks this with an assert: the same exception type, with a message
            raise AssertionError(f"{type(self).__name__}: expected max_val > min_val, got min_val={min_val} and "
                                 f"max_val={max_val}")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class ReLU6(Hardtanh):
    """``min(max(input, 0), 6)``. Args: inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.ReLU6()(torch.tensor([-1.0, 3.0, 9.0]))
        tensor([0., 3., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(Module):
    """``relu6(x + 3) / 6``. Args: inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Hardsigmoid()(torch.tensor([-4.0, 0.0, 4.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)


class Hardswish(Hardsigmoid):
    """``x * relu6(x + 3) / 6``. Args: inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Hardswish()(torch.tensor([-1.0, 1.0, 4.0]))
        tensor([-0.3333,  0.6667,  4.0000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)


class Threshold(Module):
    """``input`` where greater than ``threshold``, else ``value``.

    Args: threshold: the threshold. value: the replacement. inplace: modify the input in place.
    Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Threshold(1.0, -1.0)(torch.tensor([0.5, 2.0]))
        tensor([-1.,  2.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class Hardshrink(Module):
    """``input`` where ``|input| > lambd``, else 0. Args: lambd: the width (default 0.5). Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Hardshrink()(torch.tensor([-1.0, 0.2]))
        tensor([-1.,  0.])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """``input`` moved ``lambd`` towards 0, and 0 within ``[-lambd, lambd]``.

    Args: lambd: the width (default 0.5, not negative). Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Softshrink()(torch.tensor([-1.0, 0.2]))
        tensor([-0.5000,  0.0000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)


class PReLU(Module):
    """``input`` where positive, else ``weight * input`` with a learned ``weight`` (one or one per channel).

    Args:
        num_parameters: 1 (one slope) or the number of channels (dimension 1 of the input).
        init: the initial slope (default 0.25).
        device, dtype: where and in which dtype to create the weight.

    Parameters: ``weight`` (num_parameters,), initialized to ``init``.

    Shape: input (*) with dimension 1 of size ``num_parameters`` unless it is 1; output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.PReLU()(torch.tensor([-2.0, 2.0]))
        tensor([-0.5000,  2.0000], grad_fn=<PreluKernelBackward0>)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = parameter((num_parameters,), False, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope to ``init``."""
        _init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Leaky ReLU with a random slope: U(lower, upper) per element in training, the mean in evaluation.

    Args: lower: the smallest slope (default 1/8). upper: the largest (default 1/3). inplace: modify the input
    in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.RReLU(0.2, 0.4).eval()(torch.tensor([-1.0, 2.0]))
        tensor([-0.3000,  2.0000])
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace_str(self.inplace)}"
