"""DLPack exchange: tensors cross to NumPy, PyTorch, CuPy (and anything speaking DLPack) without copies.

A brickwork tensor is a NumPy or CuPy array plus autograd state, so exporting hands the consumer the array's own
DLPack capsule and importing wraps the producer's memory as the array of a new tensor. The guards below turn the
cases where the two sides would disagree into errors that say what to do: a tensor that requires grad (detach it
first, as PyTorch says), bfloat16 (NumPy has no DLPack code for it), negative strides (PyTorch aborts the process
on them: copy first) and read-only memory (DLPack consumers such as PyTorch would write to it).
"""

from __future__ import annotations

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
        from ._dlpack_capsule import legacy_capsule

        dev_type, index, producer = legacy_capsule(ext_tensor)
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
