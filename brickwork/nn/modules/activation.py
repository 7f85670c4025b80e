"""Elementwise activation layers: each keeps its options and calls the function of the same name in ``F``
(softmax layers are in softmax.py)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "Mish"]


class _Inplace(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """``max(x, 0)`` elementwise. Args: inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.ReLU()(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, self.inplace)


class LeakyReLU(Module):
    """``x`` where positive, else ``negative_slope * x``.

    Args: negative_slope: slope for negative inputs (default 0.01). inplace: modify the input in place.
    Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.LeakyReLU(0.1)(torch.tensor([-1.0, 2.0]))
        tensor([-0.1000,  2.0000])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{', inplace=True' if self.inplace else ''}"


class ELU(Module):
    """``x`` where positive, else ``alpha * (exp(x) - 1)``.

    Args: alpha: the negative saturation (default 1.0). inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.ELU()(torch.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{', inplace=True' if self.inplace else ''}"


class GELU(Module):
    """``x * Phi(x)`` (Gaussian error linear unit).

    Args: approximate: ``'none'`` (exact, erf) or ``'tanh'`` (the tanh approximation). Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.GELU()(torch.tensor([1.0]))
        tensor([0.8413])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_Inplace):
    """``x * sigmoid(x)`` (swish). Args: inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.SiLU()(torch.tensor([1.0]))
        tensor([0.7311])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, self.inplace)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``. Args: inplace: modify the input in place. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Mish()(torch.tensor([1.0]))
        tensor([0.8651])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, self.inplace)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Sigmoid()(torch.tensor([0.0]))
        tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent. Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Tanh()(torch.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    Args: beta: sharpness (default 1.0). threshold: where to switch to the identity (default 20.0).
    Shape: (*) to (*).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Softplus()(torch.tensor([0.0]))
        tensor([0.6931])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"
