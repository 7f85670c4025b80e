"""Devices and backends. A backend only chooses the array module (``xp``) and moves arrays; no op logic lives here.

Device strings are canonicalised in one function, :func:`device.__new__`, and every device is interned, so
tensors compare devices by identity. CuPy is imported only when a CUDA device is first asked for.

``BRICKWORK_CPU_DEVICES=N`` splits the CPU into ``cpu:0`` ... ``cpu:N-1``: distinct devices with real
copies between them, so placement and cross-device errors can be tested without a GPU.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

__all__ = ["device", "get_default_device", "set_default_device", "cpu_device_count", "Backend"]


class Backend:
    """What a device needs to run ops: a name and an array module, plus transfers and synchronisation.

    Example:
        >>> import brickwork as torch
        >>> torch.device("cpu").backend.xp.__name__
        'numpy'
    """

    name = "numpy"

    def __init__(self) -> None:
        self.xp: Any = np

    def to_host(self, array: Any) -> np.ndarray:
        """Copy an array of this backend into a NumPy array (no copy for NumPy)."""
        return array

    def from_host(self, array: np.ndarray, index: int | None) -> Any:
        """Place a NumPy array on device ``index`` of this backend."""
        return array

    def synchronize(self, index: int | None = None) -> None:
        """Wait for queued work on the device (nothing to wait for on the CPU)."""

    def is_array(self, x: Any) -> bool:
        """Whether ``x`` is an array of this backend."""
        return isinstance(x, np.ndarray)


class CupyBackend(Backend):
    """NVIDIA GPUs through CuPy, imported on first use."""

    name = "cupy"

    def __init__(self) -> None:
        try:
            import cupy
        except Exception as e:  # ImportError, or a CUDA driver problem raised at import
            raise RuntimeError(
                "a CUDA device was requested but CuPy could not be imported "
                f"({type(e).__name__}: {e}). Install the GPU extra matching your CUDA version: "
                "pip install 'brickwork[cuda12]' or 'brickwork[cuda13]'") from None
        self.xp = cupy
        self.cupy = cupy

    def to_host(self, array: Any) -> np.ndarray:
        return self.cupy.asnumpy(array)

    def from_host(self, array: Any, index: int | None) -> Any:
        with self.cupy.cuda.Device(index or 0):
            return self.cupy.asarray(array)

    def synchronize(self, index: int | None = None) -> None:
        with self.cupy.cuda.Device(index or 0):
            self.cupy.cuda.runtime.deviceSynchronize()

    def is_array(self, x: Any) -> bool:
        return isinstance(x, self.cupy.ndarray)


_NUMPY = Backend()
_backends: dict[str, Backend] = {"cpu": _NUMPY}
_lock = threading.Lock()


def _backend(kind: str) -> Backend:
    b = _backends.get(kind)
    if b is None:
        with _lock:
            b = _backends.get(kind) or CupyBackend()
            _backends[kind] = b
    return b


def cpu_device_count() -> int:
    """How many virtual CPU devices ``BRICKWORK_CPU_DEVICES`` asks for (1 unless set).

    Example:
        >>> cpu_device_count() >= 1
        True
    """
    raw = os.environ.get("BRICKWORK_CPU_DEVICES", "1")
    try:
        n = int(raw)
    except ValueError:
        raise ValueError(f"BRICKWORK_CPU_DEVICES must be a positive integer, got {raw!r}") from None
    if n < 1:
        raise ValueError(f"BRICKWORK_CPU_DEVICES must be a positive integer, got {raw!r}")
    return n


def cuda_device_count() -> int:
    """How many CUDA devices CuPy sees (0 when CuPy or a driver is missing)."""
    try:
        import cupy

        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:
        return 0


_interned: dict[tuple[str, int | None], "device"] = {}
_state = threading.local()


class device:
    """A device such as ``'cpu'``, ``'cuda'`` or ``'cuda:1'``, canonicalised and interned.

    ``device('cuda')`` means the current CUDA device and is the same object as ``device('cuda:0')`` when
    device 0 is current (PyTorch keeps them unequal). Used as a context manager, it sets the default device
    for new tensors.

    Example:
        >>> import brickwork as torch
        >>> torch.device("cpu") == "cpu", torch.device("cpu").type
        (True, 'cpu')
    """

    __slots__ = ("type", "index", "backend", "xp", "_prev")

    def __new__(cls, type: Any = "cpu", index: int | None = None) -> "device":  # noqa: A002
        if isinstance(type, device):
            if index is not None and index != type.index:
                raise ValueError(f"device({type!r}, {index}): the device already names index {type.index}")
            return type
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type  # PyTorch reads a bare int as a CUDA ordinal
        if not isinstance(type, str):
            t = getattr(type, "type", None)  # a torch.device in parity code
            if isinstance(t, str):
                type, index = t, getattr(type, "index", None)
            else:
                raise TypeError(f"device: expected a string like 'cpu' or 'cuda:0', got {type!r}")
        text = type.strip().lower()
        if ":" in text:
            if index is not None:
                raise ValueError(f"device({type!r}, {index}): give the index once, in the string or as index")
            text, _, num = text.partition(":")
            if not num.isdigit():
                raise ValueError(f"invalid device string {type!r}: the index after ':' must be a "
                                 "non-negative integer, e.g. 'cuda:0'")
            index = int(num)
        if text == "gpu":
            text = "cuda"
        if text == "cpu":
            n = cpu_device_count()
            if index is not None and index >= n:
                raise RuntimeError(f"device 'cpu:{index}' does not exist: there are {n} CPU device(s); "
                                   "set BRICKWORK_CPU_DEVICES to have more virtual CPU devices")
            index = (index or 0) if n > 1 else None
        elif text == "cuda":
            if index is None:
                index = current_cuda_index()
            elif index < 0:
                raise ValueError(f"invalid device index {index}: must be non-negative")
        else:
            raise RuntimeError(f"unknown device type {type!r}: expected 'cpu' or 'cuda' (optionally with "
                               "':index')")
        key = (text, index)
        d = _interned.get(key)
        if d is None:
            if text == "cuda":
                b = _backend("cuda")
                n = cuda_device_count()
                if index >= n:
                    raise RuntimeError(f"device 'cuda:{index}' is not available: CuPy sees {n} CUDA device(s)")
            else:
                b = _NUMPY
            d = object.__new__(cls)
            d.type, d.index, d.backend, d.xp, d._prev = text, index, b, b.xp, []
            _interned[key] = d
        return d

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, device):
            return self is other
        if isinstance(other, str):
            try:
                return device(other) is self
            except (ValueError, RuntimeError, TypeError):
                return False
        t = getattr(other, "type", None)  # a torch.device in parity code
        return isinstance(t, str) and t == self.type and getattr(other, "index", None) in (None, self.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> tuple:
        return (device, (str(self),))

    def __enter__(self) -> "device":
        self._prev.append(get_default_device())
        set_default_device(self)
        return self

    def __exit__(self, *exc: object) -> None:
        set_default_device(self._prev.pop())


def current_cuda_index() -> int:
    """The current CUDA device's index (0 unless :func:`brickwork.cuda.set_device` changed it)."""
    return getattr(_state, "cuda_index", 0)


def set_current_cuda_index(i: int) -> None:
    """Make CUDA device ``i`` current for this thread."""
    _state.cuda_index = i
    if "cuda" in _backends:
        _backends["cuda"].xp.cuda.Device(i).use()


CPU = device("cpu")


def get_default_device() -> device:
    """The device new tensors go to when no ``device=`` is given (the CPU unless changed).

    Example:
        >>> get_default_device()
        device(type='cpu')
    """
    return getattr(_state, "default", None) or CPU


def set_default_device(d: Any) -> None:
    """Set the device for new tensors, like ``torch.set_default_device``; ``None`` restores the CPU.

    Example:
        >>> set_default_device("cpu")
    """
    _state.default = None if d is None else device(d)


def canonical(d: Any) -> device:
    """``device(d)``, or the default device for ``None``."""
    if d is None:
        return getattr(_state, "default", None) or CPU
    return d if type(d) is device else device(d)
