"""``torch.backends.mps``: Apple GPUs, which brickwork does not support.

Example:
    >>> import brickwork as torch
    >>> torch.backends.mps.is_available()
    False
"""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Whether an Apple GPU can be used: never, in brickwork.

    Example:
        >>> import brickwork as torch
        >>> torch.backends.mps.is_available()
        False
    """
    return False


def is_built() -> bool:
    """Whether brickwork was built with Apple GPU support: no.

    Example:
        >>> import brickwork as torch
        >>> torch.backends.mps.is_built()
        False
    """
    return False
