"""Memory layouts and formats: ``torch.layout`` (brickwork tensors are always ``strided``, dense) and
``torch.memory_format`` (accepted wherever PyTorch takes ``memory_format=``; brickwork keeps row-major order).
"""

from __future__ import annotations

__all__ = ["layout", "memory_format", "strided", "contiguous_format", "channels_last", "channels_last_3d",
           "preserve_format"]


class layout:  # noqa: N801  (PyTorch's name)
    """A tensor's memory layout; brickwork has one, `strided` (dense, with strides).

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2).layout is torch.strided, isinstance(torch.strided, torch.layout)
        (True, True)
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"brickwork.{self._name}"

    def __reduce__(self) -> str:
        return self._name  # pickles as the module attribute: one object per layout


class memory_format:  # noqa: N801
    """How a tensor's elements are ordered in memory, as PyTorch names them.

    brickwork accepts every format as ``memory_format=`` and keeps tensors in row-major (contiguous) order.

    Example:
        >>> import brickwork as torch
        >>> torch.contiguous_format, isinstance(torch.channels_last, torch.memory_format)
        (brickwork.contiguous_format, True)
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"brickwork.{self._name}"

    def __reduce__(self) -> str:
        return self._name


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
