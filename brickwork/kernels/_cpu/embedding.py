"""Numba kernel of `brickwork.kernels.embedding`."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import embedding as _ref
from ._numba import njit


@njit
def _rows_add(indices, grad, out):
    for m in range(indices.size):
        row = out[indices[m]]
        g = grad[m]
        for j in range(g.size):
            row[j] += g[j]


def embedding_backward(indices: Any, grad: Any, num_weights: int) -> Any:
    if grad.dtype.kind != "f" or grad.dtype.itemsize < 4 or grad.ndim != 2:
        return _ref._embedding_backward(np, indices, grad, num_weights)
    idx = np.ascontiguousarray(indices, dtype=np.int64).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= num_weights):  # the caller checked; never write out of bounds
        raise IndexError(f"embedding_backward: index out of range [0, {num_weights})")
    out = np.zeros((num_weights, grad.shape[1]), grad.dtype)
    _rows_add(idx, np.ascontiguousarray(grad), out)
    return out
