"""The NumPy (CPU) backend's speed tricks: one BLAS ``axpy``, the few-rows matrix product, the allocator setting.

Each is a measured gain on CPUs that NumPy's own API does not reach (figures in PERFORMANCE.md); op and optimizer
code reaches them through the backend (``x._device.backend.axpy(...)``, ``.affine(...)``), so the CuPy backend
simply does the plain thing and no code outside ``backends/`` asks which array type it holds.

- `axpy`: ``y += alpha * x`` in one pass through the OpenBLAS that NumPy's wheels bundle (scipy-openblas,
  found by ``kernels/_blas.py``), reached through ctypes. NumPy has no fused multiply-add: ``p -= lr * g`` reads and writes a temporary, and
  plain SGD's step on an MLP's 784x256 weight took 115 us against 77 us for one ``saxpy`` call. Where the
  library is not there (another NumPy build) or ``BRICKWORK_NO_BLAS=1`` is set, it declines and callers keep
  their NumPy code.
- `affine`: ``x @ w.T + b`` for a linear layer. OpenBLAS multiplies a few rows by a transposed weight at
  half speed, so up to ``FEW_ROWS`` rows are computed as ``(w @ x.T).T``.
- `tune_allocator`: glibc returns every freed block above 128 KiB to the kernel, so each large temporary
  of a training step page-faults its memory in again; raising the mmap and trim thresholds keeps freed memory
  in the process (a NumPy training step up to 1.7x faster). It is process-wide, so it is not done on import
  of this module: ``import brickwork`` calls it once, unless ``BRICKWORK_NO_MALLOPT=1`` is set.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
from typing import Any

import numpy as np

from ..kernels import linear as _linear
from ..kernels._blas import library

__all__ = ["axpy", "decline_axpy", "affine", "affine_generic", "tune_allocator", "FEW_ROWS"]

FEW_ROWS = _linear.FEW_ROWS  # up to this many rows, ``affine`` multiplies by the weight untransposed


# -- BLAS axpy --------------------------------------------------------------------------------------------------

def _load_blas() -> tuple[dict[Any, Any], int]:
    """``({float32: saxpy, float64: daxpy}, largest n)`` from NumPy's bundled OpenBLAS, or ``({}, 0)``."""
    found = library()  # None where it is missing or BRICKWORK_NO_BLAS is set
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


BLAS_AXPY, _LARGEST = _load_blas()


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
    fn = BLAS_AXPY.get(y.dtype) if y.__class__ is np.ndarray and x.__class__ is np.ndarray else None
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


def decline_axpy(alpha: float, x: Any, y: Any) -> bool:
    """The ``axpy`` of a backend without a fused pass: always False, ``y`` untouched.

    Example:
        >>> decline_axpy(1.0, np.ones(2), np.ones(2))
        False
    """
    return False


# -- the matrix product of a linear layer --------------------------------------------------------------------

def affine(d: Any, w: Any, b: Any) -> Any:
    """The array ``d @ w.T + b`` (C-contiguous) for ``d`` (*, in), ``w`` (out, in) and ``b`` (out,) or None.

    Leading dimensions are flattened first: NumPy's ``matmul`` on a 3-d input loops over the leading dimension,
    one small product each (1.5x slower for a 16x64 batch of tokens). The rows then go to the kernel
    `brickwork.kernels.linear.linear_forward`: up to `FEW_ROWS` rows as ``(w @ x.T).T`` (OpenBLAS runs
    ``x @ w.T`` at half speed there), or a compiled GEMM for the shapes where that measured faster.

    Example:
        >>> affine(np.ones((2, 3)), np.ones((4, 3)), np.arange(4.0)).tolist()
        [[3.0, 4.0, 5.0, 6.0], [3.0, 4.0, 5.0, 6.0]]
    """
    x2 = _rows(d)
    if x2.shape[0] == 0:
        return affine_generic(d, w, b)
    y = _linear.linear_forward(np, x2, w, b)  # a kernel: some shapes run a compiled GEMM
    return y if d.ndim == 2 else y.reshape(d.shape[:-1] + (w.shape[0],))


def affine_generic(d: Any, w: Any, b: Any) -> Any:
    """``d @ w.T + b`` with the array's own operators (any array module; the CuPy backend's `affine`).

    Example:
        >>> affine_generic(np.ones((1, 2, 3)), np.ones((4, 3)), None).shape
        (1, 2, 4)
    """
    y = _rows(d) @ w.T
    if b is not None:
        y += b
    return y if d.ndim == 2 else y.reshape(d.shape[:-1] + (w.shape[0],))


def _rows(a: Any) -> Any:
    """``a`` as a matrix of rows: its leading dimensions flattened (a view when ``a`` is contiguous)."""
    return a if a.ndim == 2 else a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


# -- the allocator ---------------------------------------------------------------------------------------------

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


ALLOCATOR_TUNED = False  # whether tune_allocator() has applied the setting in this process


def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds to 1 GiB for this process; returns whether it was applied.

    Process-wide (it changes how every library in the process gets memory from glibc's ``malloc``), so it is
    done once, explicitly, by ``import brickwork``; set ``BRICKWORK_NO_MALLOPT=1`` before the import to leave
    the allocator alone. Only glibc on Linux has it; elsewhere it does nothing and returns False.

    Example:
        >>> isinstance(tune_allocator(), bool)
        True
    """
    if os.environ.get("BRICKWORK_NO_MALLOPT") or not sys.platform.startswith("linux"):
        return False
    global ALLOCATOR_TUNED
    try:
        libc = ctypes.CDLL("libc.so.6")
        big = 1 << 30
        ALLOCATOR_TUNED = bool(libc.mallopt(_M_MMAP_THRESHOLD, big)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, big))
    except (OSError, AttributeError):
        return False
    return ALLOCATOR_TUNED
