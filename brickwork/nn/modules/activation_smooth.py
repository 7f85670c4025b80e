"""Smooth activation layers: ``SELU``, ``CELU``, ``GLU``, ``Softsign``, ``Tanhshrink``, ``LogSigmoid``."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["SELU", "CELU", "GLU", "Softsign", "Tanhshrink", "LogSigmoid"]


class SELU(Module):
    """``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))`` with SELU's fixed ``alpha`` and ``scale``.

    Args: inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.SELU()(torch.tensor([0.0, 1.0]))
        tensor([0.0000, 1.0507])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class CELU(Module):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args: alpha: the negative saturation (default 1.0). inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.CELU(2.0)(torch.tensor([-2.0, 1.0]))
        tensor([-1.2642,  1.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{', inplace=True' if self.inplace else ''}"


class GLU(Module):
    """Gated linear unit: halves ``a, b`` of the input along ``dim`` give ``a * sigmoid(b)``.

    Args: dim: the dimension to halve (default -1; its size must be even).
    Shape: input (*1, N, *2), output (*1, N / 2, *2).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.GLU()(torch.randn(4, 2)).shape
        brickwork.Size([4, 1])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softsign(Module):
    """``x / (1 + |x|)``. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Softsign()(torch.tensor([-3.0, 1.0]))
        tensor([-0.7500,  0.5000])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Tanhshrink(Softsign):
    """``x - tanh(x)``. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Tanhshrink()(torch.tensor([0.0, 1.0]))
        tensor([0.0000, 0.2384])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class LogSigmoid(Softsign):
    """``log(sigmoid(x))``, computed stably. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.LogSigmoid()(torch.tensor([0.0]))
        tensor([-0.6931])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)
