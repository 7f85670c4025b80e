"""A strict stand-in for CuPy, to run brickwork's GPU code paths on a machine without a GPU (a testing aid).

Its arrays are a type of their own (not ``numpy.ndarray``) holding host memory, and they behave like CuPy's
where correctness is at stake: NumPy refuses them (``np.asarray(a)``, ``np.exp(a)`` and every NumPy function
raise ``TypeError``, as on CuPy arrays), CuPy functions refuse NumPy arrays, and data crosses only through
explicit transfers (``cupy.asarray``, ``cupy.asnumpy``, ``a.get()``). It has ``cuda.Device`` contexts, streams,
events, a memory pool and ``synchronize``; CUDA kernels (``ElementwiseKernel``, ``RawKernel``...) cannot be
compiled, so brickwork runs their reference implementations. Any CuPy name it does not emulate raises an
``AttributeError`` saying so, so nothing passes by accident.

Install it with `install` (or set ``BRICKWORK_CUDA_STANDIN=1`` before brickwork first touches a CUDA
device): ``device('cuda')`` then works on the CPU, slowly, so a script can be dry-run without a GPU.

Example:
    >>> from brickwork.testing import cupy_standin
    >>> cp = cupy_standin.module()
    >>> a = cp.arange(3.0) * 2
    >>> type(a).__name__, cp.asnumpy(a).tolist()
    ('ndarray', [0.0, 2.0, 4.0])
    >>> import numpy as np
    >>> try:
    ...     np.asarray(a)
    ... except TypeError as e:
    ...     print("refused")
    refused
"""

from __future__ import annotations

import operator
import os
import sys
import types
from typing import Any, Callable

import numpy as np

__all__ = ["install", "module", "ndarray"]

# NumPy functions CuPy does not have: the stand-in refuses them too
_MISSING = frozenset({"errstate", "seterr", "geterr", "frombuffer", "fromfile", "fromiter", "fromstring", "save",
                      "load", "loadtxt", "savetxt", "genfromtxt", "memmap", "char", "rec", "ma", "ctypeslib",
                      "polynomial", "testing", "busday_count", "datetime64", "timedelta64"})


def _standin_error(name: str) -> AttributeError:
    return AttributeError(f"the CuPy stand-in does not emulate cupy.{name}; emulate it in "
                          "brickwork/testing/cupy_standin.py, or avoid it on GPU code paths")


class _Device:
    """``cupy.cuda.Device``: a device index that can be made current (``use()`` or ``with``)."""

    def __init__(self, device: int | None = None) -> None:
        self.id = _state["current"] if device is None else int(device)
        if not 0 <= self.id < _count():
            raise RuntimeError(f"cudaErrorInvalidDevice: invalid device ordinal {self.id} (the stand-in has "
                               f"{_count()} devices; set BRICKWORK_CUDA_STANDIN_DEVICES)")
        self._prev: list[int] = []

    def use(self) -> None:
        _state["current"] = self.id

    def __enter__(self) -> "_Device":
        self._prev.append(_state["current"])
        _state["current"] = self.id
        return self

    def __exit__(self, *exc: object) -> None:
        _state["current"] = self._prev.pop()

    def synchronize(self) -> None:
        _state["syncs"] += 1

    @property
    def compute_capability(self) -> str:
        return "90"

    def __repr__(self) -> str:
        return f"<CUDA Device {self.id}>"


_state: dict[str, Any] = {"current": 0, "syncs": 0}


def _count() -> int:
    return int(os.environ.get("BRICKWORK_CUDA_STANDIN_DEVICES", "2"))


class _MemPtr:
    def __init__(self, ptr: int) -> None:
        self.ptr = ptr


class _Flags:
    """CuPy's flags: contiguity and ownership, no ``writeable``."""

    def __init__(self, a: np.ndarray) -> None:
        self.c_contiguous, self.f_contiguous, self.owndata = (a.flags.c_contiguous, a.flags.f_contiguous,
                                                              a.flags.owndata)


class ndarray:  # noqa: N801  (CuPy's name)
    """A device array of the stand-in: host memory NumPy cannot see."""

    __slots__ = ("_a", "_device_id")
    __module__ = "cupy._core.core"  # where CuPy's ndarray lives: brickwork tells CuPy arrays by their module
    __array_ufunc__ = None  # NumPy ufuncs refuse it, as they refuse CuPy arrays
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, a: np.ndarray, device_id: int | None = None) -> None:
        self._a = a
        self._device_id = _state["current"] if device_id is None else device_id

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
                        "a NumPy array explicitly. (CuPy stand-in)")

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(f"numpy.{func.__name__} was called on a CuPy array (stand-in): use the device's array "
                        f"module (cupy.{func.__name__}) or transfer with cupy.asnumpy first")

    # -- attributes CuPy arrays have --------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    T = property(lambda self: _wrap(self._a.T))
    mT = property(lambda self: _wrap(np.swapaxes(self._a, -1, -2)))
    flags = property(lambda self: _Flags(self._a))
    data = property(lambda self: _MemPtr(self._a.__array_interface__["data"][0]))
    device = property(lambda self: _Device(self._device_id))
    base = property(lambda self: None if self._a.base is None else _wrap(self._a.base))

    def get(self, stream: Any = None, out: Any = None) -> np.ndarray:
        """A host copy (the explicit transfer)."""
        return self._a.copy()

    def __getattr__(self, name: str) -> Any:  # methods (astype, reshape, sum...) run on the host copy's view
        if name.startswith("__"):  # never NumPy's array protocols (__array_interface__...): no implicit transfer
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if callable(attr):
            return lambda *args, **kwargs: _wrap(attr(*_unwrap(args), **_unwrap(kwargs)))
        return _wrap(attr)

    def __getitem__(self, key: Any) -> Any:
        return _wrap(self._a[_unwrap(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._a[_unwrap(key)] = _unwrap(value)

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        return (_wrap(self._a[i]) for i in range(len(self._a)))

    def __bool__(self) -> bool:
        return bool(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __index__(self) -> int:
        return operator.index(self._a)

    def __repr__(self) -> str:
        return "array(" + np.array2string(self._a, separator=", ") + ")"

    def __dlpack_device__(self) -> tuple[int, int]:
        return (2, self._device_id)  # kDLCUDA

    def __cuda_array_interface__(self) -> Any:  # noqa: PLW3201
        raise _standin_error("ndarray.__cuda_array_interface__")


def _binary(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def f(self: ndarray, other: Any) -> Any:
        if isinstance(other, np.ndarray):
            raise TypeError(f"Unsupported type {type(other)} (a NumPy array mixed with a CuPy array; transfer it "
                            "with cupy.asarray first)")
        return _wrap(op(self._a, _unwrap(other)))

    return f


def _reflected(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def f(self: ndarray, other: Any) -> Any:
        if isinstance(other, np.ndarray):
            raise TypeError(f"Unsupported type {type(other)} (a NumPy array mixed with a CuPy array)")
        return _wrap(op(_unwrap(other), self._a))

    return f


def _inplace(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def f(self: ndarray, other: Any) -> ndarray:
        if isinstance(other, np.ndarray):
            raise TypeError(f"Unsupported type {type(other)} (a NumPy array mixed with a CuPy array)")
        op(self._a, _unwrap(other))
        return self

    return f


for _name, _op in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("floordiv", operator.floordiv), ("mod", operator.mod),
                   ("pow", operator.pow), ("matmul", operator.matmul), ("and", operator.and_),
                   ("or", operator.or_), ("xor", operator.xor), ("lshift", operator.lshift),
                   ("rshift", operator.rshift)):
    setattr(ndarray, f"__{_name}__", _binary(_op))
    setattr(ndarray, f"__r{_name}__", _reflected(_op))
for _name, _op in (("iadd", operator.iadd), ("isub", operator.isub), ("imul", operator.imul),
                   ("itruediv", operator.itruediv), ("ifloordiv", operator.ifloordiv), ("imod", operator.imod),
                   ("ipow", operator.ipow), ("iand", operator.iand), ("ior", operator.ior),
                   ("ixor", operator.ixor)):
    setattr(ndarray, f"__{_name}__", _inplace(_op))
for _name, _op in (("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt), ("le", operator.le),
                   ("gt", operator.gt), ("ge", operator.ge)):
    setattr(ndarray, f"__{_name}__", _binary(_op))
for _name, _fn in (("neg", operator.neg), ("pos", operator.pos), ("abs", operator.abs), ("invert", operator.invert)):
    setattr(ndarray, f"__{_name}__", (lambda fn: lambda self: _wrap(fn(self._a)))(_fn))


def _wrap(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return ndarray(x)
    if isinstance(x, np.generic) and not isinstance(x, (np.dtype,)):
        return ndarray(np.asarray(x))  # CuPy reductions give 0-d arrays, never scalars
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


def _unwrap(x: Any) -> Any:
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, tuple):
        return tuple(_unwrap(v) for v in x)
    if isinstance(x, list):
        return [_unwrap(v) for v in x]
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _strict(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A CuPy module function: refuses NumPy arrays, runs NumPy's on the unwrapped data, wraps the result."""
    def run(*args: Any, **kwargs: Any) -> Any:
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, np.ndarray) or (isinstance(a, (list, tuple)) and any(isinstance(v, np.ndarray)
                                                                                for v in a)):
                raise TypeError(f"cupy.{name}: Unsupported type {type(a)} (a NumPy array; transfer it with "
                                "cupy.asarray first)")
        return _wrap(fn(*_unwrap(args), **_unwrap(kwargs)))

    run.__name__ = name
    return run


class _Ufunc:
    """A NumPy ufunc as CuPy's: callable, with ``reduce``/``accumulate``/``outer`` on device arrays."""

    def __init__(self, name: str, uf: np.ufunc) -> None:
        self.__name__, self._uf = name, uf
        self._call = _strict(name, uf)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name in ("reduce", "accumulate", "outer", "reduceat"):
            return _strict(f"{self.__name__}.{name}", getattr(self._uf, name))
        if name in ("nin", "nout", "nargs", "types", "identity"):
            return getattr(self._uf, name)
        raise _standin_error(f"{self.__name__}.{name}")


class _Kernel:
    """CuPy's compiled kernels: the stand-in cannot compile CUDA, so calling one says so."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the CuPy stand-in cannot compile CUDA kernels; brickwork runs the kernel's reference "
                           "implementation under it (check for the stand-in before building a kernel)")


class _Stream:
    null: "_Stream"

    def __init__(self, non_blocking: bool = False, ptr: int = 0) -> None:
        self.ptr = ptr

    def synchronize(self) -> None:
        _state["syncs"] += 1

    def __enter__(self) -> "_Stream":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def use(self) -> "_Stream":
        return self


class _Event:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def record(self, stream: Any = None) -> None:
        pass

    def synchronize(self) -> None:
        pass

    done = True


class _MemoryPool:
    def used_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 0

    def free_all_blocks(self) -> None:
        pass

    def set_limit(self, size: int | None = None, fraction: float | None = None) -> None:
        pass

    def get_limit(self) -> int:
        return 0


_POOL = _MemoryPool()


def _asarray(a: Any, dtype: Any = None, order: Any = None, *, blocking: bool = False) -> ndarray:
    if isinstance(a, ndarray):
        return a if dtype is None or np.dtype(dtype) == a.dtype else ndarray(a._a.astype(dtype))
    return ndarray(np.array(_unwrap(a), dtype=dtype, order=order or "K", copy=True))  # to the device: a copy


def _array(a: Any, dtype: Any = None, copy: bool = True, order: Any = "K", **kwargs: Any) -> ndarray:
    out = _asarray(a, dtype, order)
    return ndarray(out._a.copy()) if copy and isinstance(a, ndarray) else out


def _asnumpy(a: Any, stream: Any = None, order: str = "C", out: Any = None, *, blocking: bool = True) -> Any:
    return a._a.copy() if isinstance(a, ndarray) else np.asarray(a)


class _Module(types.ModuleType):
    """``cupy``: what brickwork uses, with NumPy's functions made strict; anything else is an AttributeError."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _MISSING or not hasattr(np, name):
            raise _standin_error(name)
        attr = getattr(np, name)
        if isinstance(attr, np.ufunc):
            out: Any = _Ufunc(name, attr)
        elif isinstance(attr, type) or not callable(attr):
            out = attr  # dtypes, scalar types, constants (cupy.float32 is numpy.float32)
        else:
            out = _strict(name, attr)
        setattr(self, name, out)
        return out


def _scatter_add(a: ndarray, slices: Any, value: Any) -> None:
    np.add.at(a._a, _unwrap(slices), _unwrap(value))


def _as_strided(x: ndarray, shape: Any = None, strides: Any = None, **kwargs: Any) -> ndarray:
    return ndarray(np.lib.stride_tricks.as_strided(x._a, shape, strides, **kwargs))


def _get_array_module(*args: Any) -> Any:
    return sys.modules["cupy"] if any(isinstance(a, ndarray) for a in args) else np


_MODULES: dict[str, types.ModuleType] = {}


def module() -> types.ModuleType:
    """The stand-in ``cupy`` module (built once; `install` puts it in ``sys.modules``).

    Example:
        >>> from brickwork.testing import cupy_standin
        >>> cupy_standin.module().cuda.runtime.getDeviceCount() >= 1
        True
    """
    if "cupy" in _MODULES:
        return _MODULES["cupy"]
    cp = _Module("cupy", __doc__)
    cp.__standin__ = True  # type: ignore[attr-defined]
    cp.__version__ = "13.0.0-standin"  # type: ignore[attr-defined]
    cp.ndarray = ndarray  # type: ignore[attr-defined]
    cp.asarray, cp.array, cp.asnumpy = _asarray, _array, _asnumpy  # type: ignore[attr-defined]
    cp.get_array_module = _get_array_module  # type: ignore[attr-defined]
    cp.ElementwiseKernel = cp.RawKernel = cp.ReductionKernel = _Kernel  # type: ignore[attr-defined]
    cp.get_default_memory_pool = lambda: _POOL  # type: ignore[attr-defined]
    cp.get_default_pinned_memory_pool = lambda: _POOL  # type: ignore[attr-defined]
    lib = types.ModuleType("cupy.lib")
    lib.stride_tricks = types.SimpleNamespace(as_strided=_as_strided)  # type: ignore[attr-defined]
    cp.lib = lib  # type: ignore[attr-defined]
    cuda = types.ModuleType("cupy.cuda")
    cuda.Device = _Device  # type: ignore[attr-defined]
    cuda.Stream, cuda.Event, cuda.MemoryPool = _Stream, _Event, _MemoryPool  # type: ignore[attr-defined]
    _Stream.null = _Stream()
    cuda.get_current_stream = lambda device=None: _Stream.null  # type: ignore[attr-defined]
    cuda.get_device_id = lambda: _state["current"]  # type: ignore[attr-defined]
    cuda.runtime = types.SimpleNamespace(  # type: ignore[attr-defined]
        getDeviceCount=_count, deviceSynchronize=lambda: _state.__setitem__("syncs", _state["syncs"] + 1),
        getDevice=lambda: _state["current"], setDevice=lambda i: _Device(i).use(),
        getDeviceProperties=lambda i: {"name": b"CuPy stand-in (CPU)", "totalGlobalMem": 16 << 30,
                                       "major": 9, "minor": 0, "multiProcessorCount": 1},
        memGetInfo=lambda: (16 << 30, 16 << 30), runtimeGetVersion=lambda: 12000, driverGetVersion=lambda: 12000)
    cp.cuda = cuda  # type: ignore[attr-defined]
    linalg = types.ModuleType("cupy.linalg")  # the factorizations and solves cupy.linalg has
    for fn in ("inv", "solve", "det", "slogdet", "cholesky", "qr", "eigh", "eigvalsh", "svd", "norm", "pinv", "lstsq",
               "matrix_rank"):
        setattr(linalg, fn, _strict(f"linalg.{fn}", getattr(np.linalg, fn)))
    cp.linalg = linalg  # type: ignore[attr-defined]
    fft = types.ModuleType("cupy.fft")  # cupy.fft mirrors numpy.fft
    for fn in ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
               "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"):
        setattr(fft, fn, _strict(f"fft.{fn}", getattr(np.fft, fn)))
    cp.fft = fft  # type: ignore[attr-defined]
    cupyx = types.ModuleType("cupyx")
    cupyx.scatter_add = _scatter_add  # type: ignore[attr-defined]
    cupyx.__standin__ = True  # type: ignore[attr-defined]
    _MODULES.update(cupy=cp, cupyx=cupyx, **{"cupy.cuda": cuda, "cupy.lib": lib, "cupy.linalg": linalg, "cupy.fft": fft})
    return cp


def install() -> types.ModuleType:
    """Make ``import cupy`` (and ``cupyx``) give the stand-in, for this process.

    Call it before brickwork first uses a CUDA device; ``BRICKWORK_CUDA_STANDIN=1`` does it for any program.

    Example:
        >>> from brickwork.testing import cupy_standin
        >>> cupy_standin.install()  # doctest: +SKIP
        <module 'cupy'>
    """
    cp = module()
    for name, mod in _MODULES.items():
        sys.modules[name] = mod
    return cp
