"""``torch.utils.dlpack``'s names: `to_dlpack` (a capsule) and `from_dlpack`.

Example:
    >>> import brickwork as torch
    >>> from brickwork.utils.dlpack import from_dlpack, to_dlpack
    >>> from_dlpack(to_dlpack(torch.arange(3)))
    tensor([0, 1, 2])
"""

from __future__ import annotations

from typing import Any

from .._dlpack import from_dlpack
from .._tensor import Tensor

__all__ = ["to_dlpack", "from_dlpack"]


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule sharing ``tensor``'s memory (``tensor.__dlpack__()``), consumed once by the importer.

    Example:
        >>> import brickwork as torch
        >>> type(to_dlpack(torch.zeros(2))).__name__
        'PyCapsule'
    """
    return tensor.__dlpack__()
