"""``torch.cpu``'s names that brickwork has: `brickwork.cpu.amp`.

Example:
    >>> import brickwork as torch
    >>> torch.cpu.is_available()
    True
"""

from __future__ import annotations

from . import amp

__all__ = ["amp", "is_available"]


def is_available() -> bool:
    """Always True: the CPU is always there.

    Example:
        >>> import brickwork as torch
        >>> torch.cpu.is_available()
        True
    """
    return True
