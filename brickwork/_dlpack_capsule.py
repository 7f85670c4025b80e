"""Legacy DLPack capsules (``torch.utils.dlpack.to_dlpack``'s): read with ctypes, so NumPy's read-only import of
bare capsules is avoided and the memory is shared writable. Imported only when a capsule is passed."""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from ._dlpack import _CPU_TYPE, _CUDA_HOST_TYPE, _dtype_message


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


def legacy_capsule(capsule: Any) -> tuple[int, int, Any]:
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
