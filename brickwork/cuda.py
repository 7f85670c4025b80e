"""``brickwork.cuda``: CUDA device queries and control, like ``torch.cuda`` (backed by CuPy)."""

from __future__ import annotations

from typing import Any

from .backends import _backend, cuda_device_count, current_cuda_index, device, set_current_cuda_index

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize", "manual_seed",
           "manual_seed_all", "memory_allocated", "max_memory_allocated", "memory_reserved", "empty_cache",
           "get_device_name"]


def is_available() -> bool:
    """Whether CuPy is installed and sees at least one CUDA device.

    Example:
        >>> import brickwork as torch
        >>> isinstance(torch.cuda.is_available(), bool)
        True
    """
    return cuda_device_count() > 0


def device_count() -> int:
    """Number of CUDA devices (0 without CuPy or a GPU)."""
    return cuda_device_count()


def current_device() -> int:
    """Index of the current CUDA device."""
    return current_cuda_index()


def _require() -> Any:
    if not is_available():
        raise RuntimeError("no CUDA device is available: install CuPy for your CUDA version "
                           "(pip install 'brickwork[cuda12]' or 'brickwork[cuda13]') on a machine with an NVIDIA GPU")
    return _backend("cuda").xp


def set_device(d: Any) -> None:
    """Make a CUDA device current (an index, ``'cuda:N'`` or a device)."""
    _require()
    idx = d if isinstance(d, int) else device(d).index
    set_current_cuda_index(int(idx))


def synchronize(d: Any = None) -> None:
    """Wait until all queued work on a CUDA device has finished."""
    _require()
    idx = current_cuda_index() if d is None else (d if isinstance(d, int) else device(d).index)
    _backend("cuda").synchronize(idx)


def manual_seed(seed: int) -> None:
    """Seed random numbers for CUDA tensors (brickwork shares one stream across devices)."""
    from .ops.random import manual_seed as _ms

    _ms(seed)


manual_seed_all = manual_seed


def memory_allocated(d: Any = None) -> int:
    """Bytes held by tensors in CuPy's memory pool (0 without a GPU)."""
    if not is_available():
        return 0
    return int(_backend("cuda").xp.get_default_memory_pool().used_bytes())


def memory_reserved(d: Any = None) -> int:
    """Bytes reserved by CuPy's memory pool (0 without a GPU)."""
    if not is_available():
        return 0
    return int(_backend("cuda").xp.get_default_memory_pool().total_bytes())


max_memory_allocated = memory_reserved


def empty_cache() -> None:
    """Return unused cached blocks of CuPy's memory pool to the driver."""
    if is_available():
        _backend("cuda").xp.get_default_memory_pool().free_all_blocks()


def get_device_name(d: Any = None) -> str:
    """The name of a CUDA device, e.g. 'NVIDIA H100 80GB HBM3'."""
    xp = _require()
    idx = current_cuda_index() if d is None else (d if isinstance(d, int) else device(d).index)
    return xp.cuda.runtime.getDeviceProperties(idx)["name"].decode()
