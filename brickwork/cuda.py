"""``brickwork.cuda``: CUDA device queries and control, like ``torch.cuda`` (backed by CuPy).

Everything here works without CuPy or a GPU: queries answer "nothing there" (``is_available()`` is False,
``device_count()`` 0, memory statistics 0) and only calls that need a GPU raise, saying what to install.
"""

from __future__ import annotations

from typing import Any, cast

from . import backends as _b

__all__ = ["is_available", "device_count", "current_device", "set_device", "device", "synchronize",
           "manual_seed", "manual_seed_all", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "memory_stats", "reset_peak_memory_stats", "mem_get_info", "empty_cache",
           "get_device_name", "get_device_properties"]

_INSTALL = ("install CuPy for your CUDA version (pip install 'brickwork[cuda12]' or 'brickwork[cuda13]') on a "
            "machine with an NVIDIA GPU")


def is_available() -> bool:
    """Whether CuPy is installed and sees at least one CUDA device.

    Example:
        >>> import brickwork as torch
        >>> isinstance(torch.cuda.is_available(), bool)
        True
    """
    return _b.cuda_device_count() > 0


def device_count() -> int:
    """Number of CUDA devices (0 without CuPy or a GPU).

    Example:
        >>> import brickwork as torch
        >>> torch.cuda.device_count() >= 0
        True
    """
    return _b.cuda_device_count()


def current_device() -> int:
    """Index of the current CUDA device of this thread.

    Example:
        >>> import brickwork as torch
        >>> torch.cuda.current_device()
        0
    """
    return _b.current_cuda_index()


def _require() -> Any:
    if not is_available():
        raise RuntimeError(f"no CUDA device is available: {_INSTALL}")
    return _b._backend("cuda").xp


def _index(d: Any) -> int:
    """A CUDA ordinal from None (the current device), an int, ``'cuda:N'`` or a device."""
    if d is None:
        return _b.current_cuda_index()
    if isinstance(d, int) and not isinstance(d, bool):
        return d
    dev = _b.device(d)
    if dev.type != "cuda":
        raise ValueError(f"expected a CUDA device, got {dev}")
    return cast(int, dev.index)  # a CUDA device always has an index


def set_device(d: Any) -> None:
    """Make a CUDA device current for this thread (an index, ``'cuda:N'`` or a device).

    ``'cuda'`` then means this device, and CuPy runs kernels on it.

    Example:
        >>> import brickwork as torch
        >>> if torch.cuda.is_available():
        ...     torch.cuda.set_device(0)
        >>> torch.cuda.current_device()
        0
    """
    _require()
    i = _index(d)
    n = device_count()
    if not 0 <= i < n:
        raise RuntimeError(f"set_device: invalid device ordinal {i}: CuPy sees {n} CUDA device(s)")
    _b.set_current_cuda_index(i)


class device:
    """Context manager that makes a CUDA device current inside a block, like ``torch.cuda.device``.

    Example:
        >>> import brickwork as torch
        >>> if torch.cuda.is_available():
        ...     with torch.cuda.device(0):
        ...         pass
    """

    def __init__(self, d: Any) -> None:
        self.idx = _index(d)
        self._prev: list[int] = []

    def __enter__(self) -> "device":
        self._prev.append(_b.current_cuda_index())
        set_device(self.idx)
        return self

    def __exit__(self, *exc: object) -> None:
        _b.set_current_cuda_index(self._prev.pop())


def synchronize(d: Any = None) -> None:
    """Wait until all queued work on a CUDA device (the current one by default) has finished.

    Example:
        >>> import brickwork as torch
        >>> if torch.cuda.is_available():
        ...     y = torch.ones(1000, device="cuda") * 2
        ...     torch.cuda.synchronize()
    """
    _require()
    _b._backend("cuda").synchronize(_index(d))


def manual_seed(seed: int) -> None:
    """Seed random numbers for CUDA tensors.

    brickwork draws samples for every device from the default generator on the host, so this seeds that
    generator (one seed gives the same numbers on every device).

    Example:
        >>> import brickwork as torch
        >>> torch.cuda.manual_seed(0)
    """
    from .ops.random import manual_seed as _ms

    _ms(seed)


manual_seed_all = manual_seed


def _pool_bytes(d: Any, what: str) -> int:
    if not is_available():
        return 0
    cupy = _b._backend("cuda").xp
    with cupy.cuda.Device(_index(d)):  # CuPy's default pool keeps one sub-pool per device
        return int(getattr(cupy.get_default_memory_pool(), what)())


_peak: dict[int, int] = {}


def memory_allocated(d: Any = None) -> int:
    """Bytes held by live tensors on a CUDA device, from CuPy's memory pool (0 without a GPU).

    Example:
        >>> import brickwork as torch
        >>> torch.cuda.memory_allocated() >= 0
        True
    """
    used = _pool_bytes(d, "used_bytes")
    if used:
        i = _index(d)
        _peak[i] = max(_peak.get(i, 0), used)
    return used


def memory_reserved(d: Any = None) -> int:
    """Bytes CuPy's memory pool holds on a CUDA device, in use or cached for reuse (0 without a GPU).

    Example:
        >>> import brickwork as torch
        >>> torch.cuda.memory_reserved() >= 0
        True
    """
    return _pool_bytes(d, "total_bytes")


def max_memory_allocated(d: Any = None) -> int:
    """An upper bound of the peak of `memory_allocated` since the last `reset_peak_memory_stats`.

    CuPy's pool records no peak; blocks freed by tensors stay reserved until `empty_cache`, so the reserved
    bytes bound the peak from above (they equal it when the pool was emptied before the measured work).

    Example:
        >>> import brickwork as torch
        >>> torch.cuda.max_memory_allocated() >= 0
        True
    """
    if not is_available():
        return 0
    return max(_peak.get(_index(d), 0), memory_reserved(d))


max_memory_reserved = memory_reserved


def reset_peak_memory_stats(d: Any = None) -> None:
    """Start a new peak measurement: return cached blocks to the driver and forget the recorded peak.

    Example:
        >>> import brickwork as torch
        >>> torch.cuda.reset_peak_memory_stats(); torch.cuda.max_memory_allocated() >= 0
        True
    """
    if is_available():
        _peak.pop(_index(d), None)
        empty_cache()


def memory_stats(d: Any = None) -> dict[str, int]:
    """A few of ``torch.cuda.memory_stats``' entries, from CuPy's pool (zeros without a GPU).

    Example:
        >>> import brickwork as torch
        >>> sorted(torch.cuda.memory_stats())[:2]
        ['allocated_bytes.all.current', 'allocated_bytes.all.peak']
    """
    return {"allocated_bytes.all.current": memory_allocated(d), "allocated_bytes.all.peak": max_memory_allocated(d),
            "reserved_bytes.all.current": memory_reserved(d)}


def mem_get_info(d: Any = None) -> tuple[int, int]:
    """``(free, total)`` bytes of a CUDA device, as the driver reports them.

    Example:
        >>> import brickwork as torch
        >>> if torch.cuda.is_available():
        ...     free, total = torch.cuda.mem_get_info()
        ...     assert 0 <= free <= total
    """
    cupy = _require()
    with cupy.cuda.Device(_index(d)):
        free, total = cupy.cuda.runtime.memGetInfo()
    return int(free), int(total)


def empty_cache() -> None:
    """Return the unused cached blocks of CuPy's memory pools to the driver (nothing without a GPU).

    Example:
        >>> import brickwork as torch
        >>> torch.cuda.empty_cache()
    """
    if is_available():
        cupy = _b._backend("cuda").xp
        cupy.get_default_memory_pool().free_all_blocks()
        cupy.get_default_pinned_memory_pool().free_all_blocks()


def get_device_properties(d: Any = None) -> dict[str, Any]:
    """The CUDA runtime's properties of a device (name, totalGlobalMem, multiProcessorCount, major, minor...).

    Example:
        >>> import brickwork as torch
        >>> if torch.cuda.is_available():
        ...     assert torch.cuda.get_device_properties(0)["totalGlobalMem"] > 0
    """
    cupy = _require()
    props = dict(cupy.cuda.runtime.getDeviceProperties(_index(d)))
    if isinstance(props.get("name"), bytes):
        props["name"] = props["name"].decode()
    return props


def get_device_name(d: Any = None) -> str:
    """The name of a CUDA device, e.g. ``'NVIDIA H100 80GB HBM3'``.

    Example:
        >>> import brickwork as torch
        >>> if torch.cuda.is_available():
        ...     assert isinstance(torch.cuda.get_device_name(0), str)
    """
    return str(get_device_properties(d)["name"])


def __getattr__(name: str) -> Any:
    # ``brickwork.cuda.amp`` (autocast with float16, GradScaler) loads on first use
    if name == "amp":
        import types

        from .amp._device import autocast_for, grad_scaler_for

        amp = types.ModuleType("brickwork.cuda.amp", "``torch.cuda.amp``: ``autocast`` (float16) and ``GradScaler``.")
        amp.autocast = autocast_for("cuda", "float16")  # type: ignore[attr-defined]
        amp.GradScaler = grad_scaler_for("cuda")  # type: ignore[attr-defined]
        globals()["amp"] = amp
        return amp
    raise AttributeError(f"module 'brickwork.cuda' has no attribute {name!r}")
