"""Writing PyTorch's checkpoint format (``torch.save``'s zip archive), readable by ``torch.load(weights_only=True)``.

The archive holds ``data.pkl``, a protocol-2 pickle, and one raw little-endian buffer per tensor under
``data/``. The pickle names only what PyTorch's weights-only unpickler admits: ``torch._utils._rebuild_tensor_v2``
and ``_rebuild_parameter``, the storage types (``torch.FloatStorage`` ...), ``collections.OrderedDict``, and
plain containers and values (dict, list, tuple, str, int, float, bool, None), dtypes (``torch.float32``) and
devices (``torch.device``). Those names are written as
pickle GLOBAL opcodes by name, so PyTorch need not be installed; nothing else can enter the file (any other
object raises TypeError naming it and its place). The same tensor object met twice is stored once and comes
back as one tensor; different tensors that share memory (views) are stored separately.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Size, Tensor
from ..backends import device as _device

__all__ = ["torch_zip_bytes"]

_STORAGE = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
            "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage",
            "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage", "complex64": "ComplexFloatStorage",
            "complex128": "ComplexDoubleStorage"}


class _Global:
    """A name the pickle refers to (``module.name``), written as a GLOBAL opcode without importing it."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> None:  # pickle's save_reduce wants a callable; never called
        raise RuntimeError("a reference to a name in a PyTorch checkpoint is not callable here")


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_ORDERED_DICT = _Global("collections", "OrderedDict")


class _Storage:
    """A persistent reference to buffer ``key`` of the archive."""

    __slots__ = ("key", "dtype", "location", "numel")

    def __init__(self, key: str, dtype: str, location: str, numel: int) -> None:
        self.key, self.dtype, self.location, self.numel = key, dtype, location, numel


_PurePickler: Any = pickle._Pickler  # type: ignore[attr-defined]  # pure Python: its save() can be extended


class _Pickler(_PurePickler):
    def __init__(self, file: Any, buffers: list) -> None:
        super().__init__(file, protocol=2)
        self.buffers = buffers
        self.tensors: dict[int, Any] = {}
        self.path: list[str] = []

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _Storage):
            return ("storage", _Global("torch", _STORAGE[obj.dtype]), obj.key, obj.location, obj.numel)
        return None

    def save(self, obj: Any, save_persistent_id: bool = True) -> None:
        if isinstance(obj, _Global):
            self.write(pickle.GLOBAL + obj.module.encode() + b"\n" + obj.name.encode() + b"\n")
            return
        if isinstance(obj, Tensor):
            self._save_tensor(obj)
            return
        if isinstance(obj, OrderedDict) and type(obj) is OrderedDict:
            self._save_ordered_dict(obj)
            return
        if isinstance(obj, Size):
            obj = tuple(obj)
        if isinstance(obj, _dt.dtype):
            self.save(_Global("torch", str(obj).split(".")[-1]))
            return
        if isinstance(obj, _device):
            self.save_reduce(_Global("torch", "device"), (str(obj),))
            return
        if obj is None or type(obj) in (bool, int, float, str, bytes, tuple, list, dict, _Storage):
            super().save(obj, save_persistent_id)
            return
        if isinstance(obj, (np.integer, np.floating, np.bool_)):
            super().save(obj.item(), save_persistent_id)
            return
        where = "".join(self.path) or "the saved object"
        raise TypeError(f"save: cannot write a {type(obj).__name__} at {where} into a PyTorch .pt file (only "
                        "tensors, dict/OrderedDict/list/tuple and str/int/float/bool/None go into files that "
                        "torch.load(weights_only=True) reads); save to a .safetensors path for brickwork's own "
                        "format")

    def save_dict(self, obj: dict) -> None:  # type: ignore[override]
        self.write(pickle.EMPTY_DICT)
        self.memoize(obj)
        for k, v in obj.items():
            self.save(k)
            self.path.append(f"[{k!r}]")
            self.save(v)
            self.path.pop()
            self.write(pickle.SETITEM)

    dispatch = dict(_PurePickler.dispatch)
    dispatch[dict] = save_dict

    def _save_ordered_dict(self, obj: OrderedDict) -> None:
        self.save_reduce(_ORDERED_DICT, (), obj=None)
        for k, v in obj.items():
            self.save(k)
            self.path.append(f"[{k!r}]")
            self.save(v)
            self.path.pop()
            self.write(pickle.SETITEM)

    def _save_tensor(self, t: Tensor) -> None:
        x = self.memo.get(id(t))
        if x is not None:
            self.write(self.get(x[0]))
            return
        from ..nn.parameter import is_pending

        if is_pending(t):
            raise TypeError(f"save: {''.join(self.path) or 'the tensor'} is an uninitialized lazy parameter; run "
                            "a forward pass (or nn.utils.materialize) before saving")
        a = np.ascontiguousarray(t.detach().cpu()._host())
        name = str(t.dtype).split(".")[-1]
        if name not in _STORAGE:
            raise TypeError(f"save: dtype {t.dtype} has no PyTorch storage type")
        key = str(len(self.buffers))
        raw = a.view(np.uint16) if name == "bfloat16" else a
        self.buffers.append((key, raw.astype(raw.dtype.newbyteorder("<"), copy=False).tobytes()))
        dev = t.device
        location = "cpu" if dev.type == "cpu" else f"{dev.type}:{dev.index or 0}"
        shape = tuple(int(s) for s in a.shape)
        stride, acc = [], 1
        for s in reversed(shape):
            stride.append(acc)
            acc *= max(s, 1)
        args: tuple = (_Storage(key, name, location, int(a.size)), 0, shape, tuple(reversed(stride)), False, OrderedDict())
        from ..nn.parameter import Parameter

        if isinstance(t, Parameter):
            self.save(_REBUILD_PARAMETER)
            self.write(pickle.MARK)
            self.save_reduce(_REBUILD_TENSOR, args)
            self.save(bool(t.requires_grad))
            self.save(OrderedDict())
            self.write(pickle.TUPLE + pickle.REDUCE)
        else:
            self.save_reduce(_REBUILD_TENSOR, args)
        self.memoize(t)


def torch_zip_bytes(obj: Any, archive: str = "archive") -> bytes:
    """The bytes of a PyTorch zip checkpoint holding ``obj`` (tensors and plain containers only).

    Example:
        >>> import brickwork as torch
        >>> torch_zip_bytes({"w": torch.ones(2)})[:2]
        b'PK'
    """
    buffers: list[tuple[str, bytes]] = []
    pkl = io.BytesIO()
    p = _Pickler(pkl, buffers)
    p.dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{archive}/data.pkl", pkl.getvalue())
        z.writestr(f"{archive}/byteorder", "little")
        for key, data in buffers:
            z.writestr(f"{archive}/data/{key}", data)
        z.writestr(f"{archive}/version", "3\n")
        z.writestr(f"{archive}/.data/serialization_id", "0" * 40)
    return out.getvalue()
