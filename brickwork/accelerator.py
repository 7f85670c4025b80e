"""``torch.accelerator``: the current accelerator, which for brickwork is a CUDA GPU through CuPy, or none.

Example:
    >>> import brickwork as torch
    >>> torch.accelerator.is_available() == torch.cuda.is_available()
    True
"""

from __future__ import annotations

from typing import Any

from . import cuda as _cuda
from .backends import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
           "current_device_idx", "set_device_idx", "synchronize", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved"]


def is_available() -> bool:
    """Whether an accelerator (a CUDA GPU that CuPy sees) is available.

    Example:
        >>> import brickwork as torch
        >>> isinstance(torch.accelerator.is_available(), bool)
        True
    """
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device | None:
    """The accelerator's device type as a device (``device(type='cuda')``), or None without one.

    Example:
        >>> import brickwork as torch
        >>> torch.accelerator.current_accelerator() in (None, torch.device("cuda"))
        True
    """
    if not _cuda.is_available():
        return None
    return _device("cuda")


def device_count() -> int:
    """How many accelerator devices there are (0 without one).

    Example:
        >>> import brickwork as torch
        >>> torch.accelerator.device_count() >= 0
        True
    """
    return _cuda.device_count()


def current_device_index() -> int:
    """The index of the current accelerator device.

    Example:
        >>> import brickwork as torch
        >>> torch.accelerator.current_device_index()
        0
    """
    return _cuda.current_device()


def set_device_index(device: Any) -> None:
    """Make ``device`` (an index or a CUDA device) the current accelerator device.

    Example:
        >>> import brickwork as torch
        >>> if torch.accelerator.is_available():
        ...     torch.accelerator.set_device_index(0)
    """
    _cuda.set_device(device)


current_device_idx = current_device_index
set_device_idx = set_device_index


def synchronize(device: Any = None) -> None:
    """Wait for the accelerator's queued work.

    Example:
        >>> import brickwork as torch
        >>> if torch.accelerator.is_available():
        ...     torch.accelerator.synchronize()
    """
    _cuda.synchronize(device)


def empty_cache() -> None:
    """Return the accelerator memory pool's cached blocks.

    Example:
        >>> import brickwork as torch
        >>> torch.accelerator.empty_cache()
    """
    _cuda.empty_cache()


def memory_allocated(device_index: Any = None) -> int:
    """Bytes of accelerator memory held by tensors.

    Example:
        >>> import brickwork as torch
        >>> torch.accelerator.memory_allocated() >= 0
        True
    """
    return _cuda.memory_allocated(device_index)


def max_memory_allocated(device_index: Any = None) -> int:
    """The peak of `memory_allocated`.

    Example:
        >>> import brickwork as torch
        >>> torch.accelerator.max_memory_allocated() >= 0
        True
    """
    return _cuda.max_memory_allocated(device_index)


def memory_reserved(device_index: Any = None) -> int:
    """Bytes held by the accelerator's memory pool.

    Example:
        >>> import brickwork as torch
        >>> torch.accelerator.memory_reserved() >= 0
        True
    """
    return _cuda.memory_reserved(device_index)
