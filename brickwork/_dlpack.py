"""DLPack exchange: tensors cross to NumPy, PyTorch, CuPy (and anything speaking DLPack) without copies.

A brickwork tensor is a NumPy or CuPy array plus autograd state, so exporting hands the consumer the array's own
DLPack capsule and importing wraps the producer's memory as the array of a new tensor. The guards below turn the
cases where the two sides would disagree into errors that say what to do: a tensor that requires grad (detach it
first, as PyTorch says), bfloat16 (NumPy has no DLPack code for it), negative strides (PyTorch aborts the process
on them: copy first) and read-only memory (DLPack consumers such as PyTorch would write to it).
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from . import dtypes as _dt
from ._tensor import Tensor, _make
from .backends import CPU, device as _device

_CPU_TYPE, _CUDA_TYPE, _CUDA_HOST_TYPE = 1, 2, 3


def export_check(t: Tensor) -> None:
    """Raise ``BufferError`` when ``t`` cannot cross DLPack safely; the message says how to fix it."""
    if t._requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    d = t._data
    if t.dtype is _dt.bfloat16:
        raise BufferError("__dlpack__: bfloat16 tensors cannot cross DLPack (NumPy has no DLPack type for "
                          "bfloat16 and consumers disagree on it); convert first, e.g. t.float()")
    if any(s < 0 for s in d.strides):
        raise BufferError(f"__dlpack__: the tensor's memory has negative strides {t.stride()} (a reversed NumPy "
                          "view); PyTorch aborts on those. Copy first with t.clone() or t.contiguous()")
    flags = getattr(d, "flags", None)
    if flags is not None and not flags.writeable:
        raise BufferError("__dlpack__: the tensor's memory is read-only (it wraps a non-writable NumPy array); "
                          "consumers such as PyTorch would write to it. Export a copy: t.clone()")


def dlpack(t: Tensor, stream: Any = None, max_version: tuple[int, int] | None = None,
           dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
    """The DLPack capsule of ``t``'s array (see `Tensor.__dlpack__`)."""
    d = t._data
    if copy:  # a fresh, writable, contiguous copy passes every guard but these two
        if t._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        if t.dtype is _dt.bfloat16:
            export_check(t)
        d, copy = t._device.xp.array(d, copy=True, order="C"), None
    else:
        export_check(t)
    kwargs: dict[str, Any] = {}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    if t._device.type == "cuda" and stream is not None and stream != -1:
        kwargs["stream"] = stream
    return d.__dlpack__(**kwargs)


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    pass


_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(_DLManagedTensor))
_DLManagedTensor._fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _DELETER)]
_GET_POINTER = ctypes.pythonapi.PyCapsule_GetPointer
_GET_POINTER.restype, _GET_POINTER.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
_SET_NAME = ctypes.pythonapi.PyCapsule_SetName
_SET_NAME.restype, _SET_NAME.argtypes = ctypes.c_int, [ctypes.py_object, ctypes.c_char_p]
_CODES = {0: "i", 1: "u", 2: "f", 6: "b"}  # DLPack type codes (4, bfloat16, has no NumPy type)


class _Owner:
    """Keeps a legacy capsule's memory alive; calls the producer's deleter once the array is gone."""

    def __init__(self, managed: Any) -> None:
        self._managed = managed

    def __del__(self) -> None:
        m = self._managed.contents
        if m.deleter:
            m.deleter(self._managed)


def _legacy_capsule(capsule: Any) -> tuple[int, int, Any]:
    """Device type, device index and a producer for a legacy ``"dltensor"`` capsule (PyTorch's ``to_dlpack``).

    NumPy imports such capsules read-only, so CPU memory is wrapped here, writable, as the protocol intends.
    """
    try:
        ptr = _GET_POINTER(capsule, b"dltensor")
    except ValueError as e:
        raise RuntimeError("from_dlpack(): this DLPack capsule was already consumed (a capsule can be imported "
                           "once); export a new one") from e
    managed = ctypes.cast(ptr, ctypes.POINTER(_DLManagedTensor))
    dl = managed.contents.dl_tensor
    dev_type, index = int(dl.device.device_type), int(dl.device.device_id)
    if dev_type not in (_CPU_TYPE, _CUDA_HOST_TYPE):
        return dev_type, index, capsule  # CuPy reads the capsule itself
    code, bits, lanes = int(dl.dtype.code), int(dl.dtype.bits), int(dl.dtype.lanes)
    if code == 4:
        raise TypeError(_dtype_message(None, RuntimeError("bfloat16"), "bfloat16"))
    if code not in _CODES or lanes != 1:
        raise TypeError(f"from_dlpack(): DLPack type code {code} ({bits} bits, {lanes} lanes) is not supported")
    dt = np.dtype(f"{_CODES[code]}{bits // 8}") if code != 6 else np.dtype(bool)
    shape = tuple(dl.shape[i] for i in range(dl.ndim))
    strides = tuple(dl.strides[i] * dt.itemsize for i in range(dl.ndim)) if dl.strides else None
    extent = 1 + sum((d - 1) * st for d, st in zip(shape, strides)) if strides else int(np.prod(shape))
    if any(st < 0 for st in strides or ()):
        raise BufferError("from_dlpack(): the capsule's strides are negative; copy on the producer's side first")
    nbytes = (extent if all(shape) else 0) * dt.itemsize
    _SET_NAME(capsule, b"used_dltensor")
    owner = _Owner(managed)
    if not nbytes:
        return dev_type, index, np.empty(shape, dt)
    buf = (ctypes.c_char * nbytes).from_address(dl.data + dl.byte_offset)
    # the array's base is ``buf``: the producer's memory lives as long as the array does
    buf._owner = owner  # type: ignore[attr-defined]
    return dev_type, index, np.ndarray(shape, dt, buffer=buf, strides=strides)  # type: ignore[call-overload,arg-type]


def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A tensor sharing memory with ``ext_tensor``: any object with ``__dlpack__``, or a DLPack capsule.

    Arrays on the CPU (NumPy, PyTorch CPU tensors...) become CPU tensors, CUDA arrays (CuPy, PyTorch CUDA
    tensors) CUDA tensors; no data is copied unless ``copy=True`` or ``device`` asks for another device.

    Example:
        >>> import numpy as np, brickwork as torch
        >>> a = np.zeros(3, dtype=np.float32); t = torch.from_dlpack(a); t[0] = 5; a
        array([5., 0., 0.], dtype=float32)
    """
    if isinstance(ext_tensor, Tensor):
        out = ext_tensor.detach()
        return out.to(device) if device is not None else (out.clone() if copy else out)
    if hasattr(ext_tensor, "__dlpack_device__"):
        dev_type, index = (int(v) for v in ext_tensor.__dlpack_device__())
        producer = ext_tensor
    elif type(ext_tensor).__name__ == "PyCapsule":
        dev_type, index, producer = _legacy_capsule(ext_tensor)
    else:
        raise TypeError(f"from_dlpack(): expected an object with __dlpack__ (a NumPy/CuPy array, a PyTorch tensor) "
                        f"or a DLPack capsule, got {type(ext_tensor).__name__}")
    if dev_type in (_CPU_TYPE, _CUDA_HOST_TYPE):
        try:
            arr = producer if isinstance(producer, np.ndarray) else np.from_dlpack(producer)
        except BufferError as e:
            raise BufferError(f"from_dlpack(): NumPy refused the producer's memory ({e}); if it is on a GPU, "
                              "pass the array itself rather than a capsule, or move it to the CPU first") from e
        except RuntimeError as e:
            raise TypeError(_dtype_message(ext_tensor, e)) from e
        dev = CPU
    elif dev_type == _CUDA_TYPE:
        dev = _device("cuda", index)
        try:
            xp = dev.backend.xp
            arr = xp.from_dlpack(producer) if hasattr(producer, "__dlpack__") else xp.fromDlpack(producer)
        except RuntimeError as e:
            raise TypeError(_dtype_message(ext_tensor, e)) from e
    else:
        raise RuntimeError(f"from_dlpack(): DLPack device type {dev_type} is not supported; brickwork takes CPU (1) "
                           "and CUDA (2) memory. Move the array to one of those first")
    if isinstance(arr, np.ndarray) and not arr.flags.writeable:
        if not copy:
            raise BufferError("from_dlpack(): the producer's memory is read-only; brickwork tensors are writable. "
                              "Pass copy=True, or a writable array (np.array(a) copies)")
        arr = arr.copy()
        copy = False
    _dt.from_np(arr.dtype)  # an unsupported dtype (complex...) raises here, naming it
    t = _make(arr, dev)
    if copy:
        t = _make(arr.copy(), dev)
    if device is not None:
        t = t.to(device)
    return t


def _dtype_message(ext_tensor: Any, e: Exception, name: str = "") -> str:
    name = name or str(getattr(ext_tensor, "dtype", ""))
    if "bfloat16" in name:
        return ("from_dlpack(): bfloat16 cannot cross DLPack (NumPy has no DLPack type for it); convert on the "
                "producer's side first, e.g. t.float(), then .to(brickwork.bfloat16) here")
    return f"from_dlpack(): the producer's dtype {name or '(unknown)'} is not supported: {e}"
