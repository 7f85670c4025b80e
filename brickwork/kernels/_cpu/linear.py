"""Numba kernels of `brickwork.kernels.linear`: the tiled GEMM of `._gemm` where it beats OpenBLAS (float32, AVX-512
tile; the forward of 16 or 32 rows against a weight of 256 x 256 or more, the input gradient with a contraction of
256 or more, at least 16 rows and 64 columns); other products run the reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import linear as _ref
from ._gemm import LANES, gemm_acc

_F32 = np.dtype(np.float32)


def linear_input_grad(g: Any, w: Any) -> Any:
    if (LANES != 16 or g.dtype != _F32 or w.dtype != _F32 or g.ndim != 2 or w.ndim != 2 or g.shape[0] < 16
            or g.shape[1] < 256 or w.shape[1] < 64):
        return _ref._linear_input_grad(np, g, w)
    out = np.zeros((g.shape[0], w.shape[1]), np.float32)
    gemm_acc(out, np.ascontiguousarray(g), np.ascontiguousarray(w))
    return out


def linear_few_rows(x: Any, w: Any, b: Any) -> Any:
    rows, (out, inp) = x.shape[0], w.shape
    if (LANES != 16 or rows not in (16, 32) or out < 256 or inp < 256 or x.dtype != _F32 or w.dtype != _F32
            or (b is not None and b.dtype != _F32) or x.ndim != 2):
        return _ref._linear_few_rows(np, x, w, b)
    yt = np.zeros((out, rows), np.float32)  # (w @ x.T), rows as the tile's columns
    gemm_acc(yt, np.ascontiguousarray(w), np.ascontiguousarray(x.T))
    y = np.empty((rows, out), np.float32)
    if b is None:
        np.copyto(y, yt.T)
    else:
        np.add(yt.T, b, out=y)
    return y
