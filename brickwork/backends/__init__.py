"""Devices and backends. A backend only chooses the array module (``xp``) and moves arrays; no op logic lives here.

Device strings are canonicalised in one function, `device.__new__`, and every device is interned, so
tensors compare devices by identity. CuPy is imported only when a CUDA device is first asked for.

The speed tricks that depend on the array type belong to the backend too (``backend.axpy``, ``backend.affine``;
the NumPy ones, and the process-wide allocator setting `tune_allocator`, are in ``backends/_numpy.py``),
so code above this layer never branches on ``type(array) is np.ndarray``.

``BRICKWORK_CPU_DEVICES=N`` splits the CPU into ``cpu:0`` ... ``cpu:N-1``: distinct devices with real
copies between them, so placement and cross-device errors can be tested without a GPU. The variable is read
each time a device is made, so tests may change it; ``'cpu'`` and ``'cpu:0'`` are always the same object (the
host), whatever the count.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any, cast

import sys

import numpy as np

from . import _numpy
from ._numpy import tune_allocator

__all__ = ["device", "get_default_device", "set_default_device", "cpu_device_count", "cuda_device_count",
           "Backend", "DeviceMismatchError", "tune_allocator"]


class DeviceMismatchError(RuntimeError):
    """An op was given tensors on two devices.

    ``op`` names the op and ``devices`` the two devices. When the op ran inside a module, ``Module.__call__``
    adds the module's path and the parameters that sit on another device than the input (``module_path``,
    ``members``) to the message.

    Example:
        >>> import brickwork as torch
        >>> issubclass(torch.backends.DeviceMismatchError, RuntimeError)
        True
    """

    def __init__(self, message: str, op: str = "", devices: tuple = ()) -> None:
        super().__init__(message)
        self.message = message
        self.op = op
        self.devices = devices
        self.module: Any = None  # the innermost module whose forward raised
        self.root: Any = None  # the outermost module the error passed through so far
        self.module_path: str | None = None  # the path of ``module`` in ``root``
        self.input_device: Any = None  # the device of ``module``'s first tensor input
        self.members: list[tuple[str, Any, str]] = []  # (name, device, 'parameter' or 'buffer') of ``module``


class Backend:
    """What a device needs to run ops: a name and an array module, plus transfers and synchronisation.

    This base class is the NumPy (CPU) backend. Besides the array module it owns the few kernels whose fastest
    form depends on the array type: `axpy` (one BLAS pass on NumPy) and `affine` (a linear layer's
    product); other backends override them with the plain form.

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

    def copy_to(self, array: Any, index: int | None) -> Any:
        """A copy of an array of this backend on device ``index`` of the same backend."""
        return array.copy()

    def use(self, index: int | None) -> Any:
        """A context manager making device ``index`` current for the calling thread (nothing to do on the CPU)."""
        return contextlib.nullcontext()

    def make_current(self, index: int | None) -> None:
        """Make device ``index`` current for the calling thread until changed (nothing to do on the CPU)."""

    def synchronize(self, index: int | None = None) -> None:
        """Wait for queued work on the device (nothing to wait for on the CPU)."""

    def add_at(self, a: Any, key: Any, values: Any) -> None:
        """``a[key] += values`` with repeated indices accumulating (NumPy's ``add.at``)."""
        np.add.at(a, key, values)

    def is_array(self, x: Any) -> bool:
        """Whether ``x`` is an array of this backend."""
        return isinstance(x, np.ndarray)

    def data_ptr(self, array: Any) -> int:
        """The address of an array's first element."""
        return int(array.__array_interface__["data"][0])

    # static: a call costs one lookup, as calling the function itself would (these sit on hot paths)
    axpy = staticmethod(_numpy.axpy)
    """``axpy(alpha, x, y)``: ``y += alpha * x`` in place in one fused pass, returning True; False (``y``
    untouched) where this backend has no such pass for these arrays, and the caller does it another way."""
    affine = staticmethod(_numpy.affine)
    """``affine(x, w, b)``: the array ``x @ w.T + b`` of a linear layer (``b`` may be None), C-contiguous."""


def xp_of(a: Any) -> Any:
    """The array module (NumPy or CuPy) of an array."""
    return np if isinstance(a, np.ndarray) else sys.modules["cupy"]


def _import_cupy() -> Any:
    if os.environ.get("BRICKWORK_CUDA_STANDIN") == "1" and "cupy" not in sys.modules:
        from ..testing import cupy_standin  # a testing aid: CPU arrays that behave like CuPy's

        return cupy_standin.install()
    import cupy

    return cupy


class CupyBackend(Backend):
    """NVIDIA GPUs through CuPy, imported on first use.

    CuPy runs a kernel on the thread's *current* device, so code using a tensor on ``cuda:1`` should run inside
    ``with brickwork.device('cuda:1'):`` or after ``brickwork.cuda.set_device(1)`` (``nn.DataParallel`` does
    this for each replica). Allocations go through CuPy's memory pool, which keeps freed blocks for reuse.
    """

    name = "cupy"

    def __init__(self) -> None:
        try:
            cupy = _import_cupy()
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

    def copy_to(self, array: Any, index: int | None) -> Any:
        with self.cupy.cuda.Device(index or 0):
            return array.copy()  # CuPy copies onto the current device, peer to peer where possible

    def use(self, index: int | None) -> Any:
        return self.cupy.cuda.Device(index or 0)

    def make_current(self, index: int | None) -> None:
        self.cupy.cuda.Device(index or 0).use()

    def synchronize(self, index: int | None = None) -> None:
        with self.cupy.cuda.Device(index or 0):
            self.cupy.cuda.runtime.deviceSynchronize()

    def add_at(self, a: Any, key: Any, values: Any) -> None:
        """``a[key] += values`` with repeated indices accumulating (``cupyx.scatter_add``)."""
        import cupyx

        cupyx.scatter_add(a, key, values)

    def is_array(self, x: Any) -> bool:
        return isinstance(x, self.cupy.ndarray)

    def data_ptr(self, array: Any) -> int:
        return int(array.data.ptr)

    axpy = staticmethod(_numpy.decline_axpy)  # optimizers on CuPy use fused elementwise kernels instead (_fused.py)
    affine = staticmethod(_numpy.affine_generic)


class _Unavailable:
    """Stands in for CuPy on a CUDA device made without it: any use raises the import problem."""

    def __init__(self, message: str) -> None:
        self._message = message

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(self._message)


class MissingBackend(Backend):
    """The backend of a CUDA device constructed where CuPy cannot be imported.

    As in PyTorch, ``device('cuda:0')`` is only a name and constructs anywhere; allocating on it or moving a
    tensor to it raises the reason CuPy is missing and how to install it.

    Example:
        >>> b = MissingBackend("CuPy could not be imported")
        >>> b.is_array(0)
        False
    """

    name = "cupy"

    def __init__(self, message: str) -> None:
        self.message = message
        self.xp = _Unavailable(message)

    def to_host(self, array: Any) -> np.ndarray:
        raise RuntimeError(self.message)

    def from_host(self, array: np.ndarray, index: int | None) -> Any:
        raise RuntimeError(self.message)

    def copy_to(self, array: Any, index: int | None) -> Any:
        raise RuntimeError(self.message)

    def use(self, index: int | None) -> Any:
        raise RuntimeError(self.message)

    def make_current(self, index: int | None) -> None:
        raise RuntimeError(self.message)

    def synchronize(self, index: int | None = None) -> None:
        raise RuntimeError(self.message)

    def is_array(self, x: Any) -> bool:
        return False


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
    """How many virtual CPU devices ``BRICKWORK_CPU_DEVICES`` asks for (1 unless set), read at each call.

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
    """How many CUDA devices CuPy sees (0 when CuPy or a driver is missing).

    Example:
        >>> cuda_device_count() >= 0
        True
    """
    try:
        return int(_import_cupy().cuda.runtime.getDeviceCount())
    except Exception:
        return 0


_interned: dict[tuple[str, int], "device"] = {}
_state = threading.local()


class device:
    """A device such as ``'cpu'``, ``'cuda'`` or ``'cuda:1'``, canonicalised and interned.

    ``device('cuda')`` means the current CUDA device and is the same object as ``device('cuda:0')`` when
    device 0 is current (PyTorch keeps them unequal). ``'cpu'`` and ``'cpu:0'`` are the same object, the host;
    its ``index`` is None unless ``BRICKWORK_CPU_DEVICES`` splits the CPU. Used as a context manager, a device
    becomes the default for new tensors in this thread (and, for a GPU, the current CUDA device).

    Example:
        >>> import brickwork as torch
        >>> torch.device("cpu") == "cpu", torch.device("cpu").type, torch.device("cpu:0") is torch.device("cpu")
        (True, 'cpu', True)
    """

    __slots__ = ("type", "_index", "backend", "xp", "_key")
    type: str
    _index: int | None
    backend: Backend
    xp: Any
    _key: Any

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
        if index is not None and index < 0:
            raise ValueError(f"invalid device index {index}: must be non-negative")
        if text == "cpu":
            if not index:
                return CPU
            n = cpu_device_count()
            if index >= n:
                raise RuntimeError(f"device 'cpu:{index}' does not exist: there are {n} CPU device(s); "
                                   "set BRICKWORK_CPU_DEVICES to have more virtual CPU devices")
        elif text == "cuda":
            if index is None:
                index = current_cuda_index()
        else:
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type!r}: unknown "
                               "device type (brickwork knows 'cpu' and 'cuda', optionally with ':index'; write "
                               "'cuda' for a GPU)")
        key = (text, index)
        d = _interned.get(key)
        if d is None:
            b = _NUMPY
            if text == "cuda":
                try:
                    b = _backend("cuda")
                except RuntimeError as e:  # no CuPy: the device is a name; allocating on it raises this
                    b = MissingBackend(str(e))
                else:
                    n = cuda_device_count()
                    if index >= n:
                        raise RuntimeError(f"device 'cuda:{index}' is not available: CuPy sees {n} CUDA "
                                           "device(s)")
            d = _intern(cls, text, index, b)
        return d

    @property
    def index(self) -> int | None:
        """The device's ordinal: None for the undivided CPU, 0 for the host when the CPU is split."""
        i = self._index
        if i is None:
            return 0 if cpu_device_count() > 1 else None
        return i

    def __repr__(self) -> str:
        i = self.index
        return f"device(type='{self.type}')" if i is None else f"device(type='{self.type}', index={i})"

    def __str__(self) -> str:
        i = self.index
        return self.type if i is None else f"{self.type}:{i}"

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
        return hash(self._key)

    def __reduce__(self) -> tuple:
        return (device, (str(self),))

    def __enter__(self) -> "device":
        _stack().append((getattr(_state, "default", None), current_cuda_index()))
        set_default_device(self)
        return self

    def __exit__(self, *exc: object) -> None:
        prev, cuda_index = _stack().pop()
        _state.default = prev
        if self.type == "cuda":
            set_current_cuda_index(cuda_index)


def _intern(cls: type[device], text: str, index: int | None, backend: Backend) -> device:
    with _lock:
        d = _interned.get((text, index or 0))
        if d is None:
            d = object.__new__(cls)
            d.type, d._index, d.backend, d.xp, d._key = text, index, backend, backend.xp, (text, index or 0)
            _interned[d._key] = d
    return d


def _stack() -> list:
    s = getattr(_state, "stack", None)
    if s is None:
        s = _state.stack = []
    return s


def current_cuda_index() -> int:
    """The current CUDA device's index for this thread (0 unless changed by `brickwork.cuda.set_device`).

    Example:
        >>> current_cuda_index()
        0
    """
    return getattr(_state, "cuda_index", 0)


def set_current_cuda_index(i: int) -> None:
    """Make CUDA device ``i`` current for this thread."""
    _state.cuda_index = i
    b = _backends.get("cuda")
    if b is not None:
        b.make_current(i)


CPU = _intern(device, "cpu", None, _NUMPY)


def get_default_device() -> device:
    """The device new tensors go to when no ``device=`` is given (the CPU unless changed), for this thread.

    Example:
        >>> get_default_device()
        device(type='cpu')
    """
    return getattr(_state, "default", None) or CPU


_device_of = device  # `set_default_device`'s parameter is named `device`, as in PyTorch


def set_default_device(device: Any) -> None:
    """Set the device for new tensors in this thread, like ``torch.set_default_device``; None restores the CPU.

    A CUDA device also becomes the current CUDA device, because CuPy runs kernels on the current device.

    Example:
        >>> set_default_device("cpu")
    """
    dev = None if device is None else _device_of(device)
    _state.default = None if dev is CPU else dev
    if dev is not None and dev.type == "cuda":
        set_current_cuda_index(cast(int, dev.index))  # a CUDA device always has an index


def canonical(d: Any) -> device:
    """``device(d)``, or the default device for ``None``."""
    if d is None:
        return getattr(_state, "default", None) or CPU
    return d if type(d) is device else device(d)


# torch.backends's switches, next to the device machinery (they choose nothing in brickwork)
from . import cuda, cudnn, mps  # noqa: E402
