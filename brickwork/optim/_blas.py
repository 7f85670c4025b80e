"""``y += alpha * x`` in one pass, through the BLAS that NumPy's wheels bundle (scipy-openblas's ``axpy``).

NumPy has no fused multiply-add: ``p -= lr * g`` reads and writes a temporary, and plain SGD's step on an MLP's
784x256 weight took 115 us in cache-sized chunks against 77 us for one ``saxpy`` call (about a tenth of the
whole batch-16 training step). The library is found next to NumPy (``kernels/_blas.py``) and reached through
ctypes; where it is not there (another NumPy build), :func:`axpy` returns False and callers keep their NumPy code.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from ..kernels._blas import library

__all__ = ["axpy"]


def _load() -> tuple[dict[Any, Any], int]:
    """``({float32: saxpy, float64: daxpy}, largest n)`` from NumPy's bundled OpenBLAS, or ``({}, 0)``."""
    found = library()
    if found is None:
        return {}, 0
    lib, suffix, index_t, largest = found
    funcs = {}
    for dt, name, real_t in ((np.float32, "saxpy", ctypes.c_float), (np.float64, "daxpy", ctypes.c_double)):
        fn = getattr(lib, f"scipy_cblas_{name}{suffix}", None)
        if fn is None:
            return {}, 0
        fn.restype = None
        fn.argtypes = [index_t, real_t, ctypes.c_void_p, index_t, ctypes.c_void_p, index_t]
        funcs[np.dtype(dt)] = fn  # native byte order only: a swapped dtype is another key
    return funcs, largest


_FUNCS, _LARGEST = _load()


def axpy(alpha: float, x: Any, y: Any) -> bool:
    """``y += alpha * x`` in place for C-contiguous, aligned float32/float64 NumPy arrays of one shape and dtype.

    Returns False, leaving ``y`` untouched, when the BLAS was not found or the arrays do not qualify. The result
    may differ from ``y += alpha * x`` in the last bit (the BLAS fuses the multiply-add, as PyTorch's ``add_``
    with ``alpha`` does). Set ``BRICKWORK_NO_BLAS=1`` to always get False.

    Example:
        >>> y = np.ones(3, dtype=np.float32)
        >>> axpy(-0.5, np.ones(3, dtype=np.float32), y) is False or y.tolist() == [0.5, 0.5, 0.5]
        True
    """
    # ``is`` for dtypes: NumPy's builtin dtypes are single objects, and ``!=`` on dtypes is slow
    fn = _FUNCS.get(y.dtype) if y.__class__ is np.ndarray and x.__class__ is np.ndarray else None
    if fn is None or x.dtype is not y.dtype or x.shape != y.shape:
        return False
    fx, fy = x.flags, y.flags
    n = y.size
    if not (fx.c_contiguous and fy.c_contiguous and fx.aligned and fy.aligned and fy.writeable) or n > _LARGEST:
        return False
    if n:
        # a buffer's address through ctypes.c_char: a third of the cost of ndarray.ctypes (which builds objects)
        fn(n, alpha, _address(_char_at(x)) if fx.writeable else x.ctypes.data, 1, _address(_char_at(y)), 1)
    return True


_address, _char_at = ctypes.addressof, ctypes.c_char.from_buffer
