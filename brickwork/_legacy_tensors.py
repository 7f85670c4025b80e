"""PyTorch's legacy typed constructors: ``FloatTensor(2, 3)``, ``LongTensor([1, 2])`` and their type checks.

Each name is a class whose call returns an ordinary `brickwork.Tensor` of its dtype on the CPU
(``FloatTensor(2, 3)`` an uninitialized 2x3 tensor, ``FloatTensor([1, 2])`` one built from data, converting
as ``.to(dtype)`` does), and ``isinstance(t, FloatTensor)`` asks whether ``t`` is a float32 CPU tensor, as
in PyTorch. New code should call ``brickwork.tensor(data, dtype=...)`` or ``brickwork.empty(...)``.

Example:
    >>> import brickwork as torch
    >>> torch.LongTensor([1.5, 2.7]), isinstance(torch.ones(2), torch.FloatTensor)
    (tensor([1, 2]), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from ._tensor import Size, Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


class _TensorType(type):
    """The metaclass of the typed constructors: calling builds a tensor, ``isinstance`` checks the dtype."""

    _dtype: Any

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype and obj.device.type == "cpu"

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[override]
        from .ops.creation import empty, tensor

        dt = cls._dtype
        if not args:
            return empty(0, dtype=dt, device=device)
        if len(args) == 1 and isinstance(args[0], (Size, tuple)) and all(isinstance(a, int) for a in args[0]):
            args = tuple(args[0])
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return empty(*(int(a) for a in args), dtype=dt, device=device)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one sequence of data, got "
                            f"{', '.join(type(a).__name__ for a in args)}")
        data = args[0]
        t = data if isinstance(data, Tensor) else tensor(data, device=device)
        return t.to(dt)

    def __repr__(cls) -> str:
        return f"<class 'brickwork.{cls.__name__}'>"


def _make(name: str, dtype: Any) -> type:
    doc = (f"A {dtype} CPU tensor: ``brickwork.{name}(*sizes)`` or ``brickwork.{name}(data)``.\n\n"
           f"    Example:\n        >>> import brickwork as torch\n"
           f"        >>> torch.{name}(2).dtype\n        {dtype!r}\n    ")
    return _TensorType(name, (), {"_dtype": dtype, "__doc__": doc, "__module__": "brickwork"})


FloatTensor = _make("FloatTensor", _dt.float32)
DoubleTensor = _make("DoubleTensor", _dt.float64)
HalfTensor = _make("HalfTensor", _dt.float16)
BFloat16Tensor = _make("BFloat16Tensor", _dt.bfloat16)
LongTensor = _make("LongTensor", _dt.int64)
IntTensor = _make("IntTensor", _dt.int32)
ShortTensor = _make("ShortTensor", _dt.int16)
CharTensor = _make("CharTensor", _dt.int8)
ByteTensor = _make("ByteTensor", _dt.uint8)
BoolTensor = _make("BoolTensor", _dt.bool_)
