"""Reshaping layers: ``Flatten`` and ``Unflatten``."""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ..._tensor import Tensor
from ..module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten the dimensions ``start_dim`` to ``end_dim`` into one (by default all but the batch dimension).

    Args:
        start_dim: first dimension to flatten (default 1).
        end_dim: last dimension to flatten (default -1).

    Shape: input (*, S_start, ..., S_end, *), output (*, S_start * ... * S_end, *).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Flatten()(torch.ones(32, 1, 5, 5)).shape
        brickwork.Size([32, 25])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dimension ``dim`` into the shape ``unflattened_size``.

    Args:
        dim: the dimension to unflatten.
        unflattened_size: its new shape (a tuple of ints; one may be -1).

    Shape: input (*, S_dim, *), output (*, U_1, ..., U_n, *) with ``U_1 * ... * U_n = S_dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Unflatten(1, (2, 5, 5))(torch.ones(2, 50)).shape
        brickwork.Size([2, 2, 5, 5])
    """

    def __init__(self, dim: int | str, unflattened_size: Any) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise op_error(TypeError, "Unflatten", "named dimensions are not supported; pass dim as an int")
        if not isinstance(unflattened_size, (tuple, list)) or not all(isinstance(s, int) for s in unflattened_size):
            raise op_error(TypeError, "Unflatten",
                           f"unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
