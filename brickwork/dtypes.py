"""Data types, the default dtype, and PyTorch's type-promotion rules, all in one place.

A `dtype` wraps a NumPy dtype (CuPy uses the same dtype objects). ``bfloat16`` comes from the
small ``ml_dtypes`` package and is imported only when first used, so ``import brickwork`` stays fast.
"""

from __future__ import annotations

import builtins as _builtins  # the module binds `int` and `float` to dtypes below
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = [
    "dtype", "float16", "bfloat16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32",
    "int64", "uint8", "bool_", "half", "float", "double", "cfloat", "cdouble", "short", "int", "long",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "is_floating_point", "is_complex",
    "finfo", "iinfo", "can_cast",
]

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3  # type categories, lowest to highest


class dtype:
    """A tensor element type, like ``torch.dtype``.

    Example:
        >>> import brickwork as torch
        >>> torch.float32.is_floating_point, torch.float32.itemsize
        (True, 4)
    """

    __slots__ = ("name", "_np", "_np_name", "category", "itemsize", "is_floating_point", "is_signed")

    def __init__(self, name: str, np_name: str, category: _builtins.int, itemsize: _builtins.int,
                 signed: bool) -> None:
        self.name = name
        self._np_name = np_name
        self._np: np.dtype | None = None if np_name == "bfloat16" else np.dtype(np_name)
        self.category = category
        self.itemsize = itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = signed

    @property
    def np(self) -> np.dtype:
        """The NumPy dtype this maps to (importing ``ml_dtypes`` on first use of bfloat16)."""
        if self._np is None:
            import ml_dtypes  # light, and only needed for bfloat16

            self._np = np.dtype(ml_dtypes.bfloat16)
            _NP_TO_DTYPE[self._np] = self
        return self._np

    @property
    def is_complex(self) -> bool:
        """Whether this is complex64 or complex128."""
        return self.category == _COMPLEX

    def to_real(self) -> "dtype":
        """The real dtype of one component (float32 for complex64); a real dtype is itself.

        Example:
            >>> complex128.to_real()
            brickwork.float64
        """
        return _REAL_OF.get(self, self)

    def to_complex(self) -> "dtype":
        """The complex dtype with this dtype as its components (complex64 for float32), as ``torch.dtype``'s.

        Example:
            >>> float64.to_complex()
            brickwork.complex128
        """
        if self.category == _COMPLEX:
            return self
        if self not in _COMPLEX_OF:
            raise RuntimeError(f"to_complex: expected a float32 or float64 dtype, got {self}; brickwork has no "
                               "complex32 (NumPy has no half-precision complex type)")
        return _COMPLEX_OF[self]

    def __repr__(self) -> str:
        return "brickwork." + self.name

    def __reduce__(self) -> str:
        return self.name  # pickles as the module-level singleton


float16 = dtype("float16", "float16", _FLOAT, 2, True)
bfloat16 = dtype("bfloat16", "bfloat16", _FLOAT, 2, True)
float32 = dtype("float32", "float32", _FLOAT, 4, True)
float64 = dtype("float64", "float64", _FLOAT, 8, True)
complex64 = dtype("complex64", "complex64", _COMPLEX, 8, True)
complex128 = dtype("complex128", "complex128", _COMPLEX, 16, True)
int8 = dtype("int8", "int8", _INT, 1, True)
int16 = dtype("int16", "int16", _INT, 2, True)
int32 = dtype("int32", "int32", _INT, 4, True)
int64 = dtype("int64", "int64", _INT, 8, True)
uint8 = dtype("uint8", "uint8", _INT, 1, False)
bool_ = dtype("bool", "bool", _BOOL, 1, False)
half, float, double = float16, float32, float64  # noqa: A001 - PyTorch's aliases
cfloat, cdouble = complex64, complex128
short, int, long = int16, int32, int64  # noqa: A001

ALL: tuple[dtype, ...] = (float16, bfloat16, float32, float64, complex64, complex128, int8, int16, int32, int64,
                          uint8, bool_)
_REAL_OF = {complex64: float32, complex128: float64}
_COMPLEX_OF = {float32: complex64, float64: complex128}
BY_NAME: dict[str, dtype] = {d.name: d for d in ALL}
_NP_TO_DTYPE: dict[Any, dtype] = {d._np: d for d in ALL if d._np is not None}


def from_np(npdtype: Any) -> dtype:
    """The brickwork dtype of a NumPy dtype; raises a TypeError naming unsupported ones.

    Example:
        >>> import numpy as np
        >>> from_np(np.dtype("int64"))
        brickwork.int64
    """
    d = _NP_TO_DTYPE.get(npdtype)
    if d is not None:
        return d
    npdtype = np.dtype(npdtype)
    if npdtype.name == "bfloat16":
        return bfloat16 if bfloat16.np == npdtype else bfloat16
    d = _NP_TO_DTYPE.get(npdtype.newbyteorder("=")) if npdtype.byteorder not in "=|" else None
    if d is None:
        raise TypeError(f"unsupported array dtype {npdtype}; brickwork supports "
                        + ", ".join(x.name for x in ALL))
    return d


def to_dtype(d: Any) -> dtype:
    """Normalise a dtype-like (brickwork dtype, NumPy dtype, type or name) to a brickwork dtype.

    Example:
        >>> to_dtype("float64"), to_dtype(bool)
        (brickwork.float64, brickwork.bool)
    """
    if type(d) is dtype:
        return d
    if isinstance(d, str):
        if d in BY_NAME:
            return BY_NAME[d]
        d = d.replace("torch.", "").replace("brickwork.", "")
        if d in BY_NAME:
            return BY_NAME[d]
        if d in globals() and type(globals()[d]) is dtype:
            return globals()[d]
    if d is builtins_float:
        return get_default_dtype()
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool_
    if d is not None and getattr(d, "__module__", "") == "torch" and hasattr(d, "is_floating_point"):
        return BY_NAME[str(d).split(".")[-1]]  # a torch.dtype handed to us in parity code
    try:
        return from_np(np.dtype(d))
    except TypeError as e:
        raise TypeError(f"cannot interpret {d!r} as a dtype: {e}") from None


builtins_int, builtins_bool, builtins_float = _builtins.int, _builtins.bool, _builtins.float

_default = [float32]


def get_default_dtype() -> dtype:
    """The floating dtype used for Python floats and new floating tensors (float32 unless changed).

    Example:
        >>> get_default_dtype()
        brickwork.float32
    """
    return _default[0]


def set_default_dtype(d: Any, /) -> None:
    """Set the default floating dtype (float16, bfloat16, float32 or float64), like PyTorch.

    Example:
        >>> set_default_dtype(float64); get_default_dtype()
        brickwork.float64
        >>> set_default_dtype(float32)
    """
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, got {d}")
    _default[0] = d


def is_complex(x: Any) -> bool:
    """Whether a tensor has a complex dtype (complex64 or complex128).

    Example:
        >>> import brickwork as torch
        >>> torch.is_complex(torch.tensor([1 + 2j])), torch.is_complex(torch.ones(2))
        (True, False)
    """
    return x.dtype.category == _COMPLEX


def is_floating_point(x: Any) -> bool:
    """Whether a tensor has a floating dtype.

    Example:
        >>> import brickwork as torch
        >>> torch.is_floating_point(torch.ones(2))
        True
    """
    return x.dtype.is_floating_point


@lru_cache(maxsize=None)
def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's type promotion allows casting ``from_`` to ``to``: never to a lower category
    (floating to integer, integer to bool); any size within a category.

    Example:
        >>> import brickwork as torch
        >>> torch.can_cast(torch.double, torch.float), torch.can_cast(torch.float, torch.int)
        (True, False)
    """
    if not isinstance(from_, dtype) or not isinstance(to, dtype):
        raise TypeError(f"can_cast(): argument 'from_' and 'to' must be dtypes, got {type(from_).__name__} and "
                        f"{type(to).__name__}")
    return from_.category <= to.category


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """PyTorch's ``promote_types``: the smallest dtype both ``type1`` and ``type2`` convert to safely.

    Unlike NumPy, a higher category always wins (int64 with float16 gives float16), and
    float16 with bfloat16 gives float32.

    Example:
        >>> promote_types(int64, float16), promote_types(uint8, int8), promote_types(float64, complex64)
        (brickwork.float16, brickwork.int16, brickwork.complex128)
    """
    a, b = type1, type2
    if a is b:
        return a
    if _COMPLEX in (a.category, b.category):
        # components wide enough for both: complex64 with float64 is complex128, as in PyTorch
        width = _builtins.max(a.itemsize // 2 if a.category == _COMPLEX else a.itemsize if a.category == _FLOAT
                              else 0, b.itemsize // 2 if b.category == _COMPLEX else b.itemsize
                              if b.category == _FLOAT else 0)
        return complex128 if width == 8 else complex64
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == _FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a.itemsize >= b.itemsize else b
    if a.category == _BOOL:
        return a
    return from_np(np.promote_types(a.np, b.np))


def scalar_dtype(x: Any) -> dtype:
    """The dtype PyTorch gives a Python scalar standing alone (bool, int64, or the default float)."""
    if isinstance(x, _builtins.bool) or isinstance(x, np.bool_):
        return bool_
    if isinstance(x, (_builtins.int, np.integer)):
        return int64
    if isinstance(x, (_builtins.float, np.floating)):
        return _default[0]
    if isinstance(x, (_builtins.complex, np.complexfloating)):
        return default_complex_dtype()
    raise TypeError(f"expected a Python number, got {type(x).__name__}")


def default_complex_dtype() -> dtype:
    """The complex dtype of Python complex numbers: complex128 when the default dtype is float64, else complex64.

    Example:
        >>> default_complex_dtype()
        brickwork.complex64
    """
    return complex128 if _default[0] is float64 else complex64


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # PyTorch's combine_categories: a lower-priority group only matters if it is of a higher category
    if higher is None:
        return lower
    if lower is None or higher.category == _COMPLEX:
        return higher
    if lower.category == _COMPLEX:  # a float keeps its width: float64 tensor + 1j is complex128
        return higher.to_complex() if higher in _COMPLEX_OF else lower
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*args: Any) -> dtype:
    """PyTorch's ``result_type`` over tensors and Python scalars.

    Tensors with dimensions take priority over 0-d tensors, which take priority over Python scalars;
    a lower-priority operand only changes the result when it is of a higher category (bool < int < float).

    Example:
        >>> import brickwork as torch
        >>> torch.result_type(torch.ones(2, dtype=torch.int32), 2.5)
        brickwork.float32
        >>> torch.result_type(torch.ones(2, dtype=torch.float16), torch.tensor(1.0, dtype=torch.float64))
        brickwork.float16
    """
    dim = zero = wrapped = None
    for x in args:
        d = getattr(x, "dtype", None)
        if type(d) is dtype:
            if x.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    r = _combine(dim, _combine(zero, wrapped))
    if r is None:
        raise TypeError("result_type needs at least one argument")
    return r


class finfo:
    """Machine limits of a floating dtype (``eps``, ``max``, ``min``, ``tiny``), like ``torch.finfo``.

    Example:
        >>> finfo(float32).eps
        1.1920928955078125e-07
    """

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002 - PyTorch's name
        d = to_dtype(type) if type is not None else get_default_dtype()
        d = d.to_real()  # a complex dtype's limits are its components', as in PyTorch
        if not d.is_floating_point:
            raise TypeError(f"finfo: expected a floating dtype, got {d}")
        if d is bfloat16:
            import ml_dtypes

            i = ml_dtypes.finfo(ml_dtypes.bfloat16)
        else:
            i = np.finfo(d.np)
        self.dtype, self.bits = d.name, d.itemsize * 8
        self.eps, self.max, self.min = _builtins.float(i.eps), _builtins.float(i.max), _builtins.float(i.min)
        self.tiny = self.smallest_normal = _builtins.float(i.tiny)
        self.resolution = _builtins.float(i.resolution)


class iinfo:
    """Limits of an integer dtype (``max``, ``min``, ``bits``), like ``torch.iinfo``.

    Example:
        >>> iinfo(int8).max
        127
    """

    def __init__(self, type: dtype) -> None:  # noqa: A002
        d = to_dtype(type)
        if d.category != _INT and d is not bool_:
            raise TypeError(f"iinfo: expected an integer dtype, got {d}")
        i = np.iinfo(d.np) if d is not bool_ else None
        self.dtype, self.bits = d.name, d.itemsize * 8
        self.max = _builtins.int(i.max) if i else 1
        self.min = _builtins.int(i.min) if i else 0
