"""Softmax layers: ``Softmax``, ``LogSoftmax`` and ``Softmin`` (normalize along one dimension) and ``Softmax2d``
(over the channels of each location)."""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["Softmax", "LogSoftmax", "Softmin", "Softmax2d"]


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


class Softmin(_AlongDim):
    """``softmax(-x)`` along ``dim``: the entries sum to 1, the smallest input getting the largest share.

    Args:
        dim: the dimension whose entries sum to 1 (None: PyTorch's legacy choice).

    Shape: input (*); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Softmin(dim=0)(torch.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)


class Softmax2d(Module):
    """Softmax over the channels of every spatial location.

    Shape: input (N, C, H, W) or (C, H, W); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Softmax2d()(torch.zeros(1, 2, 1, 1)).flatten()
        tensor([0.5000, 0.5000])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise op_error(ValueError, "Softmax2d",
                           f"expected input to be 3D or 4D, got {input.dim()}D instead "
                           f"(shape {tuple(input.shape)}); pass (N, C, H, W) or (C, H, W)")
        return F.softmax(input, -3)
