"""``GradBucket``: what a DDP communication hook is given, one bucket of gradients in one flat tensor."""

from __future__ import annotations

from typing import Sequence

from .._tensor import Tensor

__all__ = ["GradBucket"]


class GradBucket:
    """One bucket of gradients, as ``torch.distributed.GradBucket``.

    ``buffer()`` is the flat tensor holding them (``gradients()`` are views of it, shaped as ``parameters()``),
    ``index()`` its place in the reduction order.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributed import GradBucket
        >>> p = torch.nn.Parameter(torch.zeros(2, 2)); flat = torch.arange(4.0)
        >>> b = GradBucket(0, flat, [p], [flat.view(2, 2)], True)
        >>> b.index(), b.is_last(), b.gradients()[0].shape
        (0, True, brickwork.Size([2, 2]))
    """

    def __init__(self, index: int, buffer: Tensor, parameters: Sequence[Tensor], gradients: Sequence[Tensor],
                 is_last: bool) -> None:
        self._index, self._buffer, self._last = index, buffer, is_last
        self._parameters, self._gradients = list(parameters), list(gradients)

    def index(self) -> int:
        """The bucket's place in the reduction order (0 is reduced first: the last parameters' gradients)."""
        return self._index

    def buffer(self) -> Tensor:
        """The flat 1-d tensor of the bucket's gradients."""
        return self._buffer

    def gradients(self) -> list[Tensor]:
        """Each parameter's gradient, a view of ``buffer()``."""
        return list(self._gradients)

    def parameters(self) -> list[Tensor]:
        """The bucket's parameters, in the order of ``gradients()``."""
        return list(self._parameters)

    def is_last(self) -> bool:
        """Whether this is the last bucket of the iteration to be reduced."""
        return self._last

    def set_buffer(self, buffer: Tensor) -> None:
        """Replace the bucket's flat tensor with ``buffer`` (copied into it: the gradients stay its views)."""
        if tuple(buffer.shape) != tuple(self._buffer.shape):
            raise ValueError(f"GradBucket.set_buffer: expected a tensor of shape {tuple(self._buffer.shape)}, got "
                             f"{tuple(buffer.shape)}")
        self._buffer.detach().copy_(buffer)
