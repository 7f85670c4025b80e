"""Numba kernels of `brickwork.kernels.linear`: the tiled GEMMs of `._gemm` where they beat OpenBLAS (float32,
AVX-512 tiles; the shapes, and what was measured, are in `brickwork.kernels.linear`); other products run the
reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import linear as _ref
from ._gemm import LANES, gemm, gemm_bias, gemm_nt, transpose_into

_F32 = np.dtype(np.float32)


def linear_forward(x: Any, w: Any, b: Any) -> Any:
    rows, (out, inp) = x.shape[0], w.shape
    if (LANES != 16 or x.dtype is not _F32 or w.dtype is not _F32 or x.ndim != 2
            or (b is not None and b.dtype is not _F32)):
        return _ref._linear_forward(np, x, w, b)
    if rows <= 256 and inp >= 256:  # x and w both read along their rows
        y = np.empty((rows, out), np.float32)
        if b is None:
            gemm_nt(y, np.ascontiguousarray(x), np.ascontiguousarray(w), 0)
        else:
            y[...] = b  # the bias is where the sums start
            gemm_nt(y, np.ascontiguousarray(x), np.ascontiguousarray(w), 1)
        return y
    if rows > 256 and inp >= 64 and out >= 64:  # many rows: the weight's transpose once, then the tiled GEMM
        wt = np.empty((inp, out), np.float32)
        transpose_into(np.ascontiguousarray(w), _ones(out), wt)
        y = np.empty((rows, out), np.float32)
        if b is None:
            gemm(y, np.ascontiguousarray(x), wt)
        else:
            gemm_bias(y, np.ascontiguousarray(x), wt, np.ascontiguousarray(b))
        return y
    return _ref._linear_forward(np, x, w, b)


_ONES: dict[int, Any] = {}


def _ones(n: int) -> Any:
    """A float32 vector of ``n`` ones (`transpose_into`'s scale), kept for the next call."""
    v = _ONES.get(n)
    if v is None:
        v = _ONES[n] = np.ones(n, np.float32)
    return v


def linear_input_grad(g: Any, w: Any) -> Any:
    if (LANES != 16 or g.dtype is not _F32 or w.dtype is not _F32 or g.ndim != 2 or w.ndim != 2
            or g.shape[0] < 16 or g.shape[1] < 256 or w.shape[1] < 64):
        return _ref._linear_input_grad(np, g, w)
    out = np.empty((g.shape[0], w.shape[1]), np.float32)
    gemm(out, np.ascontiguousarray(g), np.ascontiguousarray(w))
    return out


def linear_weight_grad(g: Any, x: Any) -> Any:
    if (LANES != 16 or g.dtype is not _F32 or x.dtype is not _F32 or g.ndim != 2 or x.ndim != 2
            or x.shape[1] < 64):
        return _ref._linear_weight_grad(np, g, x)
    out = np.empty((g.shape[1], x.shape[1]), np.float32)
    gemm(out, np.ascontiguousarray(g).T, np.ascontiguousarray(x))  # g read transposed, in place
    return out
