"""Softmax layers: ``Softmax`` and ``LogSoftmax`` (normalize along one dimension)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["Softmax", "LogSoftmax"]


class _AlongDim(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably.

    Args:
        dim: the dimension whose entries sum to 1 (None: PyTorch's legacy choice).

    Shape: input (*); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Softmax(dim=1)(torch.zeros(1, 2))
        tensor([[0.5000, 0.5000]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)


class LogSoftmax(_AlongDim):
    """``log(softmax(x))`` along ``dim``, computed stably.

    Args:
        dim: the dimension to normalize (None: PyTorch's legacy choice).

    Shape: input (*); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.LogSoftmax(dim=1)(torch.zeros(1, 2))
        tensor([[-0.6931, -0.6931]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)
