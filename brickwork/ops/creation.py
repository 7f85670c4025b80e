"""Tensor creation, conversion between dtypes and devices, copies, and the ``new_*`` methods."""

from __future__ import annotations

import builtins
import math
from typing import Any, Sequence

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..backends import canonical, device as _device
from ._core import inplace, make_view, needs_grad, record, renamed, wrap

# the top-level functions; the rest (to, cpu, cuda, new_zeros, fill_...) are installed as Tensor methods only
__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
           "ones_like", "empty_like", "full_like", "arange", "linspace", "logspace", "eye", "clone"]


def _size(size: Sequence[Any], op: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)) or (len(size) == 1 and hasattr(size[0], "__len__")
                                                               and not isinstance(size[0], Tensor)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): size must be a sequence of ints, got {type(s).__name__} in {tuple(size)}")
        if s < 0:
            raise RuntimeError(f"{op}(): trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _place(arr: Any, dev: Any) -> Any:
    return arr if dev.type == "cpu" else dev.backend.from_host(arr, dev.index)


def _finish(arr: Any, dev: Any, requires_grad: bool) -> Tensor:
    t = _make(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data: Any) -> _dt.dtype:
    """The dtype PyTorch infers for nested Python data: the promotion of every item's own dtype.

    Python floats count as the default dtype, ints as int64 and bools as bool; NumPy scalars and arrays and
    tensors nested inside count with their own dtype (``[np.float64(1), 2]`` is float64).
    """
    if isinstance(data, (list, tuple)):
        if not data:
            return _dt.get_default_dtype()
        out = _infer_dtype(data[0])
        for x in data[1:]:
            out = _dt.promote_types(out, _infer_dtype(x))
        return out
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return _dt.from_np(data.dtype)
    if isinstance(data, (bool, int, float, complex)):
        return _dt.scalar_dtype(data)
    raise TypeError(f"tensor(): could not infer dtype of {type(data).__name__}; expected numbers, nested "
                    "lists of numbers, NumPy arrays or tensors")


def _to_host_array(data: Any) -> np.ndarray:
    if isinstance(data, Tensor):
        return data._host()
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        return np.array([_to_host_array(x) for x in data])
    if hasattr(data, "__cuda_array_interface__") and not isinstance(data, np.ndarray):
        return data.get()
    try:
        return np.asarray(data)
    except ValueError:
        if isinstance(data, (list, tuple)):
            _check_ragged(data, 0)
        raise


def _check_ragged(data: Any, dim: int) -> None:
    """Raise PyTorch's ValueError naming the first dimension where nested lists have unequal lengths."""
    seqs = [x for x in data if isinstance(x, (list, tuple))]
    if not seqs:
        return
    if len(seqs) != len(data):
        raise ValueError(f"tensor(): expected a sequence at every position of dim {dim + 1}, but some elements "
                         "are numbers and some are lists; make every row the same nesting depth")
    n = len(seqs[0])
    for i, x in enumerate(seqs):
        if len(x) != n:
            raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {len(x)}): row {i} of dim "
                             f"{dim} is ragged; pad the rows to one length (e.g. nn.utils.rnn.pad_sequence)")
    for x in seqs:
        _check_ragged(x, dim + 1)


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, NumPy arrays or tensors).

    Python floats become the default dtype (float32), ints int64, bools bool; NumPy arrays keep their dtype.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([[1, 2], [3, 4]]).dtype, torch.tensor(2.5)
        (brickwork.int64, tensor(2.5000))
    """
    dev = canonical(device if device is not None else (data._device if isinstance(data, Tensor) else None))
    if dtype is not None:
        dt = _dt.to_dtype(dtype)
    elif isinstance(data, Tensor):
        dt = data.dtype
    elif isinstance(data, np.ndarray) or (hasattr(data, "dtype") and hasattr(data, "shape")):
        dt = _dt.from_np(np.dtype(data.dtype))
    else:
        dt = _infer_dtype(data)
    if isinstance(data, Tensor) and data._device is dev:
        arr = data._data.astype(dt.np, copy=True)
        return _finish(arr, dev, requires_grad)
    arr = np.array(_to_host_array(data), dtype=dt.np, copy=True)
    return _finish(_place(arr, dev), dev, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory when it already has the right dtype and device.

    Example:
        >>> import numpy as np, brickwork as torch
        >>> a = np.zeros(2, dtype=np.float32); t = torch.as_tensor(a); t[0] = 1; a[0]
        np.float32(1.0)
    """
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (dtype or device) else data
    if isinstance(data, np.ndarray) and (device is None or canonical(device).type == "cpu"):
        dt = _dt.to_dtype(dtype) if dtype is not None else _dt.from_np(data.dtype)
        if data.dtype == dt.np:
            return _make(data, canonical(device))
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array.

    Example:
        >>> import numpy as np, brickwork as torch
        >>> a = np.arange(3); t = torch.from_numpy(a); a[0] = 7; t
        tensor([7, 1, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray, got {type(ndarray).__name__}")
    _dt.from_np(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("from_numpy(): at least one stride in the given numpy array is negative "
                         f"(strides {ndarray.strides}), and tensors with negative strides are not supported; "
                         "make a copy first with array.copy()")
    if not ndarray.flags.writeable:
        import warnings

        warnings.warn("from_numpy(): the given NumPy array is not writable, and brickwork does not support "
                      "non-writable tensors: writing to this tensor will raise. Copy the array first "
                      "(np.array(a)) to get a writable tensor", UserWarning, stacklevel=2)
    from ..backends import CPU

    return _make(ndarray, CPU)


def _dtype_or_default(dtype: Any) -> _dt.dtype:
    return _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)


def _filled(op: str, size: Sequence[Any], fill: Any, dtype: Any, device: Any, requires_grad: bool,
            out: Tensor | None = None) -> Tensor:
    shape = _size(size, op)
    dt = _dtype_or_default(dtype)
    dev = canonical(device)
    xp = dev.xp
    if dev.type == "cuda":
        with dev.backend.use(dev.index):
            arr = xp.empty(shape, dt.np) if fill is None else xp.full(shape, fill, dt.np)
    else:
        arr = np.empty(shape, dt.np) if fill is None else np.full(shape, fill, dt.np)
    t = _finish(arr, dev, requires_grad)
    if out is not None:
        out._data = t._data
        out._version_counter[0] += 1
        return out
    return t


def zeros(*args: Any, size: Any = None, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A tensor of zeros.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).shape
        brickwork.Size([2, 3])
    """
    return _filled("zeros", args if size is None else (size,), 0, dtype, device, requires_grad, out)


def ones(*args: Any, size: Any = None, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
         device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A tensor of ones.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2)
        tensor([1., 1.])
    """
    return _filled("ones", args if size is None else (size,), 1, dtype, device, requires_grad, out)


def empty(*args: Any, size: Any = None, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False, pin_memory: bool = False,
          memory_format: Any = None) -> Tensor:
    """An uninitialised tensor.

    Example:
        >>> import brickwork as torch
        >>> torch.empty(2, 3).shape
        brickwork.Size([2, 3])
    """
    return _filled("empty", args if size is None else (size,), None, dtype, device, requires_grad, out)


def full(size: Sequence[int], fill_value: Any, *, out: Tensor | None = None, dtype: Any = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (its dtype inferred from the value unless given).

    Example:
        >>> import brickwork as torch
        >>> torch.full((2,), 7), torch.full((2,), 0.5)
        (tensor([7, 7]), tensor([0.5000, 0.5000]))
    """
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value)
    return _filled("full", (size,) if not isinstance(size, int) else (size,), fill_value, dtype, device,
                   requires_grad, out)


def _like(input: Tensor, dtype: Any, device: Any) -> tuple[Any, Any]:
    return (input.dtype if dtype is None else dtype), (input._device if device is None else device)


def zeros_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Zeros with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros_like(torch.ones(2, dtype=torch.int64))
        tensor([0, 0])
    """
    dt, dev = _like(input, dtype, device)
    return _filled("zeros_like", input._data.shape, 0, dt, dev, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Ones with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.ones_like(torch.zeros(2))
        tensor([1., 1.])
    """
    dt, dev = _like(input, dtype, device)
    return _filled("ones_like", input._data.shape, 1, dt, dev, requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Uninitialised, with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> import brickwork as torch
        >>> e = torch.empty_like(torch.zeros(2, 3, dtype=torch.int32)); e.shape, e.dtype
        (brickwork.Size([2, 3]), brickwork.int32)
    """
    dt, dev = _like(input, dtype, device)
    return _filled("empty_like", input._data.shape, None, dt, dev, requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Filled with ``fill_value``, with the shape (and by default dtype and device) of ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.full_like(torch.zeros(2), 3)
        tensor([3., 3.])
    """
    dt, dev = _like(input, dtype, device)
    return _filled("full_like", input._data.shape, fill_value, dt, dev, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, out: Tensor | None = None, dtype: Any = None,
           layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``.

    Integers give int64; any float gives the default float dtype.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(5), torch.arange(0, 1, 0.25)
        (tensor([0, 1, 2, 3, 4]), tensor([0.0000, 0.2500, 0.5000, 0.7500]))
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (vals[1] - vals[0]) / vals[2] < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign (start={vals[0]}, "
                           f"end={vals[1]}, step={vals[2]})")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, (int, np.integer)) for v in vals) else _dt.get_default_dtype()
    dt = _dt.to_dtype(dtype)
    n = max(0, math.ceil((vals[1] - vals[0]) / vals[2]))
    arr = (vals[0] + np.arange(n, dtype=np.float64 if dt.is_floating_point else np.int64) * vals[2])
    dev = canonical(device)
    return _finish(_place(arr.astype(dt.np), dev), dev, requires_grad)


def linspace(start: Any, end: Any, steps: int, *, out: Tensor | None = None, dtype: Any = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> import brickwork as torch
        >>> torch.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dt = _dtype_or_default(dtype)
    dev = canonical(device)
    arr = np.linspace(float(start), float(end), steps)
    if not dt.is_floating_point:
        arr = np.trunc(arr)
    return _finish(_place(arr.astype(dt.np), dev), dev, requires_grad)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    Example:
        >>> import brickwork as torch
        >>> torch.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    dt = _dtype_or_default(dtype)
    dev = canonical(device)
    arr = np.power(base, np.linspace(float(start), float(end), steps))
    return _finish(_place(arr.astype(dt.np), dev), dev, requires_grad)


def eye(n: int, m: int | None = None, *, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
        device: Any = None, requires_grad: bool = False) -> Tensor:
    """An ``n`` by ``m`` matrix with ones on the diagonal.

    Example:
        >>> import brickwork as torch
        >>> torch.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    dt = _dtype_or_default(dtype)
    dev = canonical(device)
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    return _finish(_place(np.eye(n, m, dtype=dt.np), dev), dev, requires_grad)


# -- conversion ---------------------------------------------------------------------------------------------

def _parse_to(args: tuple, kwargs: dict, self: Tensor | None) -> tuple[Any, Any, bool]:
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to(): unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dev, dt = a._device, a.dtype
        elif isinstance(a, _dt.dtype) or (isinstance(a, str) and a.replace("torch.", "") in _dt.BY_NAME) or \
                isinstance(a, type) or hasattr(a, "is_floating_point") and not isinstance(a, str):
            dt = a
        elif isinstance(a, (str, _device, int)) and not isinstance(a, bool):
            dev = a
        elif isinstance(a, bool):
            pass  # non_blocking / copy given positionally
        elif a is not None:
            raise TypeError(f"to(): could not interpret argument {a!r} as a device or dtype")
    return (None if dev is None else canonical(dev)), (None if dt is None else _dt.to_dtype(dt)), copy


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """This tensor converted to another dtype and/or device (``self`` when nothing changes).

    Accepts ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)`` and keywords.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2).to(torch.int64), torch.ones(1).to("cpu", torch.float64).dtype
        (tensor([1, 1]), brickwork.float64)
    """
    dev, dt, copy = _parse_to(args, kwargs, self)
    return _convert(self, dev, dt, copy)


def _convert(self: Tensor, dev: Any, dt: Any, copy: bool = False) -> Tensor:
    src_dev = self._device
    dev = src_dev if dev is None else dev
    npd = self._data.dtype if dt is None else dt.np
    if dev is src_dev and npd == self._data.dtype and not copy:
        return self
    data = self._data
    if data.dtype.kind == "c" and npd.kind != "c":
        data = data.real  # complex to real keeps the real part, as in PyTorch (without NumPy's warning)
    if dev is not src_dev:
        if dev.type != "cpu" and dev.backend is src_dev.backend:  # GPU to GPU: no trip through the host
            data = dev.backend.copy_to(data, dev.index)
            if data.dtype != npd:
                with dev.backend.use(dev.index):
                    data = data.astype(npd)
        else:
            host = src_dev.backend.to_host(data) if src_dev.type != "cpu" else data
            if dev.type == "cpu":
                data = host.astype(npd, copy=True)  # a real copy, also between virtual CPU devices
            else:
                data = dev.backend.from_host(host.astype(npd, copy=False), dev.index)
    else:
        data = data.astype(npd, copy=True)
    out = wrap(data, dev)
    if needs_grad(self) and (out.is_floating_point() or npd.kind == "c"):  # complex: refused in record
        record(out, "ToCopyBackward0", _to_backward, (self,), device=src_dev, dtype=self.dtype)
    return out


def _to_backward(node: Any, g: Tensor) -> tuple:
    dev, dt = node.device, node.dtype
    return (_convert(g, dev, dt),)


def _cast_method(name: str, dt: _dt.dtype) -> Any:
    def method(self: Tensor, memory_format: Any = None) -> Tensor:
        return _convert(self, None, dt)

    method.__name__ = name
    method.__doc__ = f"``self.to({dt})``."
    return method


def cpu(self: Tensor, memory_format: Any = None) -> Tensor:
    """A copy on the CPU (``self`` if already there); from a virtual CPU device (``'cpu:1'``), a copy on the host.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(1).cpu().device
        device(type='cpu')
    """
    from ..backends import CPU

    return self if self._device is CPU else _convert(self, CPU, None)


def cuda(self: Tensor, device: Any = None, non_blocking: bool = False, memory_format: Any = None) -> Tensor:
    """A copy on a CUDA device (the current one by default)."""
    d = canonical("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))
    return _convert(self, d, None)


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor converted to ``other``'s dtype.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(1).type_as(torch.zeros(1, dtype=torch.int64))
        tensor([1])
    """
    return _convert(self, None, other.dtype)


def type_(self: Tensor, dtype: Any = None, non_blocking: bool = False) -> Any:
    """The type name (no argument), or this tensor converted to ``dtype``."""
    if dtype is None:
        return "brickwork." + {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                               "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
                               "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                               "bool": "BoolTensor"}[self.dtype.name]
    return _convert(self, None, _dt.to_dtype(dtype))


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy with its own memory; gradients flow back to ``input``.

    Example:
        >>> import brickwork as torch
        >>> a = torch.ones(2); b = a.clone(); b[0] = 5; a
        tensor([1., 1.])
    """
    out = wrap(input._data.copy(), input._device)
    if needs_grad(input):
        record(out, "CloneBackward0", lambda n, g: (g,), (input,))
    return out


def contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """``self`` if its memory is row-major without gaps, else a contiguous copy.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2, 3).t().contiguous().is_contiguous()
        True
    """
    if self._data.flags.c_contiguous:
        return self
    xp = self._device.xp
    out = wrap(xp.ascontiguousarray(self._data), self._device)
    if needs_grad(self):
        record(out, "CloneBackward0", lambda n, g: (g,), (self,))
    return out


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted to this dtype and device) into this tensor.

    Example:
        >>> import brickwork as torch
        >>> a = torch.zeros(2); _ = a.copy_(torch.tensor([1, 2])); a
        tensor([1., 2.])
    """
    if not isinstance(src, Tensor):
        src = tensor(src, device=self._device)

    def compute(t: Tensor) -> Tensor:
        s = _convert(src, t._device, t.dtype)
        return s.expand(t.shape) + t * 0 if t._requires_grad else s.expand(t.shape)

    return inplace(self, "copy_", compute, src)


def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A new tensor from ``data`` with this tensor's dtype and device by default.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(1, dtype=torch.float64).new_tensor([1, 2]).dtype
        brickwork.float64
    """
    return tensor(data, dtype=dtype or self.dtype, device=device or self._device, requires_grad=requires_grad)


def _new_filled(fill: Any) -> Any:
    def method(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               **_: Any) -> Tensor:
        return _filled("new", size, fill, dtype or self.dtype, device or self._device, requires_grad)

    return method


new_zeros, new_ones, new_empty = _new_filled(0), _new_filled(1), _new_filled(None)
new_zeros.__doc__ = "Zeros of the given size with this tensor's dtype and device."
new_ones.__doc__ = "Ones of the given size with this tensor's dtype and device."
new_empty.__doc__ = "An uninitialised tensor of the given size with this tensor's dtype and device."


def new_full(self: Tensor, size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """Filled with ``fill_value``, with this tensor's dtype and device by default.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(1).new_full((2,), 3)
        tensor([3., 3.])
    """
    return _filled("new_full", (size,), fill_value, dtype or self.dtype, device or self._device, requires_grad)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` in place.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2).fill_(3)
        tensor([3., 3.])
    """
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_: only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions")
        return inplace(self, "fill_", lambda t: value.to(t.dtype).expand(t.shape) + t * 0, value)
    return inplace(self, "fill_", lambda t: _filled("fill_", t._data.shape, value, t.dtype, t._device, False))


def fill(input: Tensor, value: Any) -> Tensor:
    """A new tensor like ``input`` holding ``value`` everywhere.

    The gradient is zero for ``input`` and, for a 0-d tensor ``value``, the sum of the output's gradient.

    Example:
        >>> import brickwork as torch
        >>> torch.fill(torch.zeros(2, dtype=torch.int64), 3.5)
        tensor([3, 3])
    """
    return renamed(fill_(input.clone(), value), "FillBackward1" if isinstance(value, Tensor) else "FillBackward0",
                   input)


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2).zero_()
        tensor([0., 0.])
    """
    return inplace(self, "zero_", lambda t: _filled("zero_", t._data.shape, 0, t.dtype, t._device, False))


def share_view(out: Tensor, base: Tensor) -> Tensor:
    """Re-exported for modules that build views."""
    return make_view(out, base)


# -- more constructors: strided and permuted layouts, torch.range, buffers, window functions ---------------
# (`range` below shadows the builtin in this module: code here says builtins.range)

def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Any = None, layout: Any = None,
                  device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` whose memory layout has the given ``stride`` (in elements).

    Example:
        >>> import brickwork as torch
        >>> torch.empty_strided((2, 3), (1, 2)).stride()
        (1, 2)
    """
    shape, strides = _size((size,), "empty_strided"), tuple(int(s) for s in stride)
    if len(shape) != len(strides):
        raise RuntimeError(f"empty_strided: mismatch in length of strides and shape ({len(shape)} sizes, "
                           f"{len(strides)} strides)")
    need = 1 + sum((n - 1) * s for n, s in zip(shape, strides)) if all(shape) else 0
    buf = empty(need, dtype=dtype, device=device)
    d = buf._data
    arr = buf._device.xp.lib.stride_tricks.as_strided(d, shape, tuple(s * d.itemsize for s in strides))
    return _finish(arr, buf._device, requires_grad)


def empty_permuted(size: Sequence[int], physical_layout: Sequence[int], *, dtype: Any = None, layout: Any = None,
                   device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` laid out in memory in the dimension order ``physical_layout``.

    Example:
        >>> import brickwork as torch
        >>> torch.empty_permuted((2, 3, 4), (0, 2, 1)).stride()
        (12, 1, 3)
    """
    shape, perm = _size((size,), "empty_permuted"), [int(p) for p in physical_layout]
    if sorted(perm) != list(builtins.range(len(shape))):
        raise RuntimeError(f"empty_permuted: physical_layout {perm} is not a permutation of the {len(shape)} "
                           "dimensions")
    buf = empty(*[shape[p] for p in perm], dtype=dtype, device=device)
    arr = buf._data.transpose(np.argsort(perm))
    return _finish(arr, buf._device, requires_grad)


def scalar_tensor(s: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s`` (of the default float dtype unless ``dtype`` is given).

    Example:
        >>> import brickwork as torch
        >>> torch.scalar_tensor(3)
        tensor(3.)
    """
    if isinstance(s, Tensor):
        s = s.item()
    return _filled("scalar_tensor", (), s, dtype, device, requires_grad)


def range(start: Any = 0, end: Any = None, step: Any = 1, *, out: Tensor | None = None,  # noqa: A001
          dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` *inclusive* in steps of ``step`` (deprecated in PyTorch: use `arange`).

    Warns as PyTorch does; the default dtype is the default float dtype.

    Example:
        >>> import brickwork as torch, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     torch.range(1, 4)
        tensor([1., 2., 3., 4.])
    """
    import warnings

    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if end is None:
        raise TypeError("range() missing required argument 'end'")
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("range: step must be nonzero")
    if (vals[1] - vals[0]) / vals[2] < 0:
        raise RuntimeError(f"range: upper bound and larger bound inconsistent with step sign (start={vals[0]}, "
                           f"end={vals[1]}, step={vals[2]})")
    dt = _dtype_or_default(dtype)
    n = int(math.floor((vals[1] - vals[0]) / vals[2])) + 1
    arr = vals[0] + np.arange(n, dtype=np.float64 if dt.is_floating_point else np.int64) * vals[2]
    dev = canonical(device)
    t = _finish(_place(arr.astype(dt.np), dev), dev, requires_grad)
    if out is not None:
        out._data = t._data
        return out
    return t


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-d tensor sharing the memory of an object with the buffer protocol (``bytearray``, ``memoryview``).

    Example:
        >>> import brickwork as torch
        >>> torch.frombuffer(bytearray(b"\\x01\\x02"), dtype=torch.uint8)
        tensor([1, 2], dtype=brickwork.uint8)
    """
    import warnings

    dt = _dt.to_dtype(dtype)
    mv = memoryview(buffer)
    if mv.readonly:
        warnings.warn("The given buffer is not writable, and PyTorch does not support non-writable tensors. "
                      "Writing to this tensor will fail.", UserWarning, stacklevel=2)
    try:
        arr = np.frombuffer(buffer, dtype=dt.np, count=count, offset=offset)
    except ValueError as e:
        raise ValueError(f"frombuffer: {e} (buffer of {mv.nbytes} bytes, offset {offset}, count {count}, "
                         f"dtype {dt})") from None
    return _finish(arr, canonical(None), requires_grad)


def _window(name: str, window_length: int, periodic: bool, dtype: Any, device: Any, requires_grad: bool,
            formula: Any) -> Tensor:
    """A window of ``window_length`` samples: ``formula(n, N)`` over n = 0..N-1, N one longer when periodic."""
    dt = _dtype_or_default(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if window_length <= 1:
        arr = np.ones(window_length)
    else:
        m = window_length + 1 if periodic else window_length
        arr = formula(np.arange(m, dtype=np.float64), m)[:window_length]
    dev = canonical(device)
    return _finish(_place(arr.astype(dt.np), dev), dev, requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None, layout: Any = None,
                device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi n / (N - 1))`` (periodic: N is one longer and the last sample dropped).

    Example:
        >>> import brickwork as torch
        >>> torch.hann_window(5, periodic=False)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: 0.5 - 0.5 * np.cos(2 * np.pi * n / (m - 1)))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Hamming window ``alpha - beta cos(2 pi n / (N - 1))``.

    Example:
        >>> import brickwork as torch
        >>> torch.hamming_window(3, periodic=False)
        tensor([0.0800, 1.0000, 0.0800])
    """
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: alpha - beta * np.cos(2 * np.pi * n / (m - 1)))


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None, layout: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``.

    Example:
        >>> import brickwork as torch
        >>> torch.blackman_window(3, periodic=False).round(decimals=4)
        tensor([-0., 1., -0.])
    """
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: 0.42 - 0.5 * np.cos(2 * np.pi * n / (m - 1)) + 0.08 * np.cos(4 * np.pi * n / (m - 1)))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None, layout: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window ``1 - |2 n / (N - 1) - 1|``.

    Example:
        >>> import brickwork as torch
        >>> torch.bartlett_window(5, periodic=False)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: 1 - np.abs(2 * n / (m - 1) - 1))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype: Any = None,
                  layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta)``.

    Example:
        >>> import brickwork as torch
        >>> torch.kaiser_window(3, periodic=False, beta=0.0)
        tensor([1., 1., 1.])
    """
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: np.i0(beta * np.sqrt(np.clip(1 - (2 * n / (m - 1) - 1) ** 2, 0, None))) / np.i0(beta))


# -- legacy and in-place Tensor methods: new, resize_, fill_diagonal_, apply_/map_/map2_, module_load ------

def new(self: Tensor, *args: Any, device: Any = None) -> Tensor:
    """PyTorch's legacy constructor, with this tensor's dtype (and device unless given).

    ``x.new(2, 3)`` is uninitialised, ``x.new([1, 2])`` copies data and ``x.new()`` is empty.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(1, dtype=torch.float64).new([1, 2])
        tensor([1., 2.], dtype=brickwork.float64)
    """
    dev = device or self._device
    if len(args) == 1 and isinstance(args[0], Tensor):
        if args[0].dtype != self.dtype:
            raise TypeError(f"new(): expected a tensor of dtype {self.dtype}, got {args[0].dtype}")
        return args[0].detach() if dev == args[0]._device else args[0].detach().to(dev)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)) and not _is_size(args[0]):
        return tensor(args[0], dtype=self.dtype, device=dev)
    return _filled("new", args if args else (0,), None, self.dtype, dev, False)


def _is_size(x: Any) -> bool:
    from .._tensor import Size

    return isinstance(x, Size)


def new_empty_strided(self: Tensor, size: Sequence[int], stride: Sequence[int], dtype: Any = None,
                      device: Any = None, requires_grad: bool = False, layout: Any = None,
                      pin_memory: bool = False) -> Tensor:
    """`empty_strided` with this tensor's dtype and device by default.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(1).new_empty_strided((2, 2), (1, 2)).stride()
        (1, 2)
    """
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device or self._device,
                         requires_grad=requires_grad)


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Give the tensor a new shape in place, keeping its elements in row-major order.

    New elements (when it grows) are uninitialised, as in PyTorch. A tensor that requires grad cannot be resized.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(6).resize_(2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = _size(sizes, "resize_")
    n = int(np.prod(shape))
    d = self._data
    xp = self._device.xp
    flat = d.reshape(-1) if d.flags.c_contiguous else xp.ascontiguousarray(d).reshape(-1)
    if n <= flat.size:  # a view of the first n elements: the rest of the storage stays, as in PyTorch
        self._data = flat[:n].reshape(shape)
    else:
        store = _storage_of(flat)
        grown = xp.empty(n, d.dtype)
        grown[:store.size] = store
        self._data = grown.reshape(shape)
    self._version_counter[0] += 1
    return self


def _storage_of(flat: Any) -> Any:
    """The whole 1-d buffer that a flat array starts (an earlier `resize_` may have shrunk its view of it)."""
    root = flat
    while getattr(root, "base", None) is not None and root.base.flags.c_contiguous:
        root = root.base
    root = root.reshape(-1)
    same_start = root.size >= flat.size and root.__array_interface__["data"][0] == flat.__array_interface__["data"][0] \
        if isinstance(root, np.ndarray) else False
    return root if same_start else flat


def resize(self: Tensor, *sizes: Any) -> Tensor:
    """A resized copy (deprecated in PyTorch, which warns; use `reshape` or `resize_`).

    Example:
        >>> import brickwork as torch, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     torch.arange(4).resize(2, 2).shape
        brickwork.Size([2, 2])
    """
    import warnings

    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    return resize_(self.detach().clone(), *sizes)


def resize_as(self: Tensor, tensor: Tensor) -> Tensor:
    """A copy resized to ``tensor``'s shape (deprecated in PyTorch, which warns).

    Example:
        >>> import brickwork as torch, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     torch.arange(4).resize_as(torch.ones(2, 2)).shape
        brickwork.Size([2, 2])
    """
    import warnings

    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    return resize_(self.detach().clone(), *tensor._data.shape)


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Fill the main diagonal with ``fill_value`` in place.

    The tensor is a matrix or has all dimensions equal; ``wrap`` continues the diagonal below the square part of a
    tall matrix, as ``numpy.fill_diagonal``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).fill_diagonal_(1.0)
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    from .indexing import index_put_new

    shape = self._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"dimensions must larger than 1, got a tensor with {len(shape)} dimensions")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if len(shape) == 2:
        rows, cols = shape
        step = cols + 1
        end = rows * cols if wrap or rows <= cols else cols * cols
    else:
        step = 1 + int(np.cumprod(shape[:-1]).sum())
        end = int(np.prod(shape))
    xp = self._device.xp
    idx = xp.arange(0, end, step, dtype=np.int64)
    if len(shape) == 2 and rows < cols:
        idx = idx[:rows]
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return inplace(self, "fill_diagonal_", lambda t: index_put_new(t.reshape(-1), (idx,), value).reshape(shape))


def _python_map(self: Tensor, op: str, fn: Any, *others: Tensor) -> Tensor:
    if self._requires_grad:
        raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use var.detach().{op}() instead.")
    if self._device.type != "cpu":
        raise TypeError(f"{op}_ is only implemented on CPU tensors")
    args = [np.broadcast_to(o._host(), self._data.shape) for o in others]
    iters = [np.nditer(a, order="C") for a in [self._host(), *args]]
    vals = [fn(*(a.item() for a in items)) for items in zip(*iters)]
    self._data[...] = np.asarray(vals, dtype=self._data.dtype).reshape(self._data.shape)
    self._version_counter[0] += 1
    return self


def apply_(self: Tensor, callable: Any) -> Tensor:  # noqa: A002
    """Replace each element ``v`` by ``callable(v)`` in place (a Python function per element: slow, CPU only).

    Example:
        >>> import brickwork as torch
        >>> torch.arange(3.0).apply_(lambda v: v * 2)
        tensor([0., 2., 4.])
    """
    return _python_map(self, "apply_", callable)


def map_(self: Tensor, tensor: Tensor, callable: Any) -> Tensor:  # noqa: A002
    """Replace each element ``v`` by ``callable(v, w)``, ``w`` the matching element of ``tensor``, in place.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(3.0).map_(torch.ones(3), lambda v, w: v + w)
        tensor([1., 2., 3.])
    """
    return _python_map(self, "map_", callable, tensor)


def map2_(self: Tensor, x: Tensor, y: Tensor, callable: Any) -> Tensor:  # noqa: A002
    """Replace each element ``v`` by ``callable(v, a, b)`` with the matching elements of ``x`` and ``y``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2).map2_(torch.ones(2), torch.ones(2), lambda v, a, b: v + a + b)
        tensor([2., 2.])
    """
    return _python_map(self, "map2_", callable, x, y)


def module_load(self: Tensor, other: Tensor, assign: bool = False) -> Tensor:
    """What ``Module.load_state_dict`` stores for parameter ``self`` given ``other`` (a hook for subclasses).

    ``other`` detached when ``assign``, else ``self`` with ``other`` copied in, detached, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2).module_load(torch.ones(2))
        tensor([1., 1.])
    """
    if assign:
        return other.detach()
    from ..autograd.grad_mode import no_grad

    with no_grad():
        return copy_(self, other).detach()


def from_file(filename: str, shared: bool | None = None, size: int = 0, *, dtype: Any = None, layout: Any = None,
              device: Any = None, pin_memory: bool = False) -> Tensor:
    """A 1-d tensor of ``size`` elements read from the raw bytes of ``filename``.

    With ``shared=True`` the tensor maps the file, so writes to the tensor reach the file; otherwise it holds
    a private copy.

    Example:
        >>> import brickwork as torch, numpy as np, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "x.bin"); np.arange(4, dtype=np.float32).tofile(path)
        >>> torch.from_file(path, size=3)
        tensor([0., 1., 2.])
    """
    import os

    dt = _dtype_or_default(dtype)
    need, have = size * dt.itemsize, os.path.getsize(filename)
    if need > have:
        raise RuntimeError(f"file <{filename}> size <{have}> is smaller than the required mapping size <{need}>")
    if size == 0:
        arr = np.empty(0, dt.np)
    elif shared:
        arr = np.memmap(filename, dtype=dt.np, mode="r+", shape=(size,))
    else:
        arr = np.fromfile(filename, dtype=dt.np, count=size)
    dev = canonical(device)
    return _finish(_place(arr, dev) if dev.type != "cpu" else arr, dev, False)
