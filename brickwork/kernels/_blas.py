"""The BLAS that NumPy's wheels bundle (scipy-openblas), reached through ctypes: its handle and thread count.

The NumPy backend calls its ``axpy`` through `library` (``backends/_numpy.py``); `set_num_threads` is how
``brickwork.set_num_threads`` reaches the BLAS. Where NumPy was built against another BLAS, `library`
returns None and the thread functions do nothing (that BLAS keeps its own settings, e.g. ``OPENBLAS_NUM_THREADS``).
"""

from __future__ import annotations

import ctypes
import glob
import os
from typing import Any

import numpy as np

__all__ = ["library", "set_num_threads", "get_num_threads"]

_found: list[Any] = []


def library() -> tuple[Any, str, Any, int] | None:
    """``(CDLL, symbol suffix, index type, largest n)`` of NumPy's bundled OpenBLAS, or None.

    scipy_openblas64 (64-bit integers) names its symbols with a ``64_`` suffix, scipy_openblas32 without.
    """
    if not _found:
        _found.append(_load())
    return _found[0]


def _load() -> tuple[Any, str, Any, int] | None:
    if os.environ.get("BRICKWORK_NO_BLAS"):
        return None
    here = os.path.dirname(np.__file__)
    paths = (glob.glob(os.path.join(here, os.pardir, "numpy.libs", "*scipy_openblas*"))
             + glob.glob(os.path.join(here, ".dylibs", "*scipy_openblas*")))
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix, index_t, largest in (("64_", ctypes.c_int64, 2 ** 63 - 1), ("", ctypes.c_int32, 2 ** 31 - 1)):
            if getattr(lib, f"scipy_cblas_saxpy{suffix}", None) is not None:
                return lib, suffix, index_t, largest
    return None


def set_num_threads(n: int) -> None:
    """Make the bundled OpenBLAS use ``n`` threads (nothing when it was not found)."""
    found = library()
    fn = found and getattr(found[0], f"scipy_openblas_set_num_threads{found[1]}", None)
    if fn:
        fn.restype, fn.argtypes = None, [ctypes.c_int]
        fn(n)


def get_num_threads() -> int | None:
    """The bundled OpenBLAS's thread count, or None when it was not found."""
    found = library()
    fn = found and getattr(found[0], f"scipy_openblas_get_num_threads{found[1]}", None)
    if not fn:
        return None
    fn.restype, fn.argtypes = ctypes.c_int, []
    return int(fn())
