"""Numba kernel of `brickwork.kernels.linear`: the tiled GEMM of `._gemm` where it beats OpenBLAS (float32, AVX-512
tile, a contraction of 256 or more, at least 16 rows and 64 columns); other products run the reference."""

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
